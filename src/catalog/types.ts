import type { PerimeterAttribute } from "../perimeter/lock-values.js";
import type { ProfileKind as ProfileKindKey } from "../perimeter/placement.js";
import type { TemplateNode } from "../template/index.js";

/**
 * The data team's content, as loaded from sql/ and metabase-config/ (formats: sql/README.md and
 * metabase-config/README.md). Names are camelCase here, snake_case in the YAML files.
 */
export interface Catalog {
  questions: Question[];
  dashboards: Dashboard[];
  collections: Collection[];
  profileKinds: ProfileKind[];
  /** The notes d'analyse (notes/*.md): Markdown whose figure blocks run questions like dashboard cards. */
  notes: Note[];
}

export type { PerimeterAttribute, ProfileKindKey };

/** Where each part of a definition was written, for messages: `file` relative to the root, 1-based lines. */
export interface SourceLocation {
  file: string;
  /** Line of the object itself. */
  line: number;
  /** Lines of its fields, by dotted path (`parameters.departement`, `cards.2.mappings.annee`). */
  lines: Record<string, number>;
}

export type QuestionParameterType = "text" | "number" | "date" | "field filter";
export type ColumnType = "text" | "number" | "date" | "datetime";

export interface QuestionParameter {
  /** The template tag, `{{tag}}` in the SQL. */
  tag: string;
  type: QuestionParameterType;
  /** French label shown to people. */
  label: string;
  required: boolean;
  default?: unknown;
  /** Several values at once (a list in the token or the form). */
  multiple: boolean;
  /** Field filters only: the warehouse column, `schema.table.column`. */
  column?: string;
  /** Field filters only: the column's type, which decides the widget and how dates are rendered. */
  columnType?: ColumnType;
}

export type ColumnKind =
  "count" | "percentage" | "euros" | "etp" | "days" | "month" | "date" | "identifier" | "territory" | "text";

/** One column of a question's result, as readers see it (`columns:` in the question's header). */
export interface QuestionColumn {
  /** The SQL alias. */
  name: string;
  /** French header, unique within the question. */
  label: string;
  kind: ColumnKind;
  /** Percentages only: stored as 0–1 (`ratio`) or 0–100 (`percent`). */
  percentScale?: "ratio" | "percent";
  /** Shown in the header after the label: « Délai médian de réponse (jours) ». */
  unit?: string;
  /** Digits after the decimal separator; each kind has its own default (src/catalog/columns.ts). */
  decimals?: number;
  description?: string;
}

export interface Question {
  /** Its path under sql/ without `.sql` (`iae/candidatures-par-mois`), unless pinned with `key:`. */
  key: string;
  /** Relative to the root, e.g. `sql/iae/candidatures-par-mois.sql`. */
  file: string;
  name: string;
  description: string;
  /** Collection key. */
  collection: string;
  /** Metabase display type (`table`, `bar`, `line`, `scalar`…). */
  display: string;
  /** Metabase `visualization_settings`, as written. */
  visualization: Record<string, unknown>;
  /** The SQL sent to Metabase and run by the gateway: the file without its metadata header. */
  sql: string;
  /** First line of `sql` in the file. */
  sqlLine: number;
  parameters: QuestionParameter[];
  /** Its result's columns, in order, as described in the file (empty when the file describes none). */
  columns: QuestionColumn[];
  /** Hash of the normalised definition (see content-version.ts). */
  contentVersion: string;
  /** The parsed SQL, or null when it does not parse (validate reports it). */
  template: TemplateNode[] | null;
  location: SourceLocation;
}

export type DashboardParameterType = "text" | "number" | "date" | "date range";

/** One choice of a filter's list. */
export interface FilterValue {
  value: string | number;
  label: string;
}

export interface DashboardParameter {
  slug: string;
  label: string;
  type: DashboardParameterType;
  default?: unknown;
  /** The choices, as written (`values:`). */
  values?: FilterValue[];
  /** Where the choices come from (`values_from:`): `schema.table.column`, `years` or `departements`. */
  valuesFrom?: string;
  /** Labels of computed values that are codes (`value_labels:`). */
  valueLabels?: Record<string, string>;
  /** Accepts several values; for a locked parameter, whether its perimeter attribute is a list. */
  multiple: boolean;
  /** Filled from the viewer's perimeter, never from the request (PRODUCT.md §3). */
  locked?: PerimeterAttribute;
}

export interface DashboardCard {
  /** Question key. */
  question: string;
  row: number;
  col: number;
  sizeX: number;
  sizeY: number;
  /** Dashboard parameter slug → question tag. */
  mappings: Record<string, string>;
  /** The gateway's table shows one row per value of this column, with totals, its rows behind a disclosure. */
  groupRowsBy?: string;
}

export interface Dashboard {
  key: string;
  file: string;
  title: string;
  description: string;
  /** Groups dashboards on the hub (`Recrutement`, `Conventionnement`…). */
  theme: string;
  collection: string;
  /** Profile kinds that may open it (staff may open any, see perimeter/dashboard-access.ts). */
  audiences: ProfileKindKey[];
  public: boolean;
  parameters: DashboardParameter[];
  cards: DashboardCard[];
  contentVersion: string;
  /** Feedback form shown under the dashboard. */
  feedbackUrl?: string;
  /** Shows the "this dashboard may be withdrawn" banner. */
  mayBeWithdrawn: boolean;
  /** Where the data comes from, as shown under the title (the cut-off date comes from the load marker). */
  source?: string;
  /**
   * Territories compared on the page (issue 19): one of the dashboard's cards, whose question answers
   * `code_departement`, `code_bassin` and the two additive columns the rate is `numerator / denominator` of.
   */
  comparison?: DashboardComparison;
  location: SourceLocation;
}

export interface DashboardComparison {
  question: string;
  label: string;
  numerator: string;
  denominator: string;
}

export interface Collection {
  key: string;
  name: string;
  description: string;
  parent?: string;
  location: SourceLocation;
}

export type ScopeRule =
  "departement" | "region" | "national" | "safir" | "organisation" | "reseau" | "structures";

export interface ProfileKind {
  key: ProfileKindKey;
  label: string;
  scope: ScopeRule;
  /** The perimeter attributes this kind can fill locked parameters with. */
  provides: PerimeterAttribute[];
  location: SourceLocation;
}

/** One thing to fix, in French, with where and how. */
export interface CatalogProblem {
  /** Stable identifier of the rule (`lock.tag-optional`, `question.tag-undeclared`…). */
  rule: string;
  /** Relative to the root. */
  file: string;
  line?: number;
  message: string;
  hint: string;
}

/** How a note's figure block shows its question: a chart (with its table), a table, a key figure, or a value in the text. */
export type NoteBlockShow = "chart" | "table" | "value" | "inline";

/** A figure of a note: a question run like a dashboard card, under the note's parameters (locks included). */
export interface NoteBlock {
  /** Unique in the note; `{{id}}` in the text cites an inline or value block. */
  id: string;
  question: string;
  show: NoteBlockShow;
  /** Caption; the question's name when absent. */
  title?: string;
  /** Value and inline blocks: the column whose value is shown. */
  column?: string;
  /** Value and inline blocks: the row whose columns hold these values (the only row when absent). */
  row?: Record<string, string | number | boolean>;
  /** Note parameter slug → question tag, as a dashboard card's. */
  mappings: Record<string, string>;
  /** Where the figure comes from; the note's `source` when absent. */
  source?: string;
  /** Line of the block's opening fence in the note. */
  line: number;
}

/** A note's body, in order: Markdown text (which may cite inline values) and figure blocks. */
export type NoteSegment =
  { kind: "markdown"; text: string; line: number } | { kind: "figure"; blockId: string };

export interface Note {
  /** The file name without `.md`: its address is /notes/<key>. */
  key: string;
  file: string;
  title: string;
  summary: string;
  authors: string[];
  /** Publication day, AAAA-MM-JJ. */
  date: string;
  audiences: ProfileKindKey[];
  public: boolean;
  themes: string[];
  source?: string;
  /** Locked parameters (from the reader's perimeter) and fixed values, as a dashboard's parameters. */
  parameters: DashboardParameter[];
  blocks: NoteBlock[];
  body: NoteSegment[];
  location: SourceLocation;
}
