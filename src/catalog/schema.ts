import { z } from "zod";
import { PERIMETER_ATTRIBUTES } from "../perimeter/lock-values.js";
import { lineOf } from "./yaml-source.js";
import type { CatalogProblem } from "./types.js";

/**
 * The file formats (sql/README.md, metabase-config/README.md), as zod schemas over the parsed YAML. Keys
 * are snake_case in files. Cross-file rules (does this question exist, is this lock wired everywhere…)
 * live in validate.ts; these only say what a well-formed file looks like.
 */

/** A question or dashboard key: lower-case words separated by `-` or `_`, in `/`-separated folders. */
export const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/;
/** What Metabase recognises as a variable name in `{{…}}` (lib/native.cljc). */
export const TAG_NAME_PATTERN = /^[A-Za-z0-9_.]+$/;
/** Dashboard parameter slugs: plain ASCII, so the JWT key needs no percent-encoding. */
export const SLUG_PATTERN = /^[a-z0-9_]+$/;

/** Metabase display types a native question can use. */
export const DISPLAYS = [
  "table",
  "scalar",
  "smartscalar",
  "progress",
  "gauge",
  "line",
  "area",
  "bar",
  "row",
  "combo",
  "waterfall",
  "scatter",
  "pie",
  "funnel",
  "map",
  "pivot",
  "object",
] as const;

export const SCOPE_RULES = [
  "departement",
  "region",
  "national",
  "safir",
  "organisation",
  "reseau",
  "structures",
] as const;

const key = z.string().regex(KEY_PATTERN, {
  error: "doit être en minuscules, sans accent ni espace (lettres, chiffres, - et _, dossiers séparés par /)",
});
const text = z.string().trim().min(1, { error: "ne doit pas être vide" });

export const QuestionParameterSchema = z.strictObject({
  type: z.enum(["text", "number", "date", "field filter"]),
  label: text,
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  multiple: z.boolean().default(false),
  column: z.string().optional(),
  column_type: z.enum(["text", "number", "date", "datetime"]).optional(),
});

/** What a column holds, which decides how both renderings (the gateway's and Metabase's) and the exports show it. */
export const COLUMN_KINDS = [
  "count",
  "percentage",
  "euros",
  "etp",
  "days",
  "month",
  "date",
  "identifier",
  "territory",
  "text",
] as const;

/**
 * One column of a question's result, as readers see it (issue 17; the lead's decision 3). `name` is the SQL
 * alias, `label` the French header; a percentage says whether it is stored as 0–1 (`ratio`) or 0–100
 * (`percent`), so that nobody shows 4 530 % or 0,45 %.
 */
export const QuestionColumnSchema = z
  .strictObject({
    name: z.string().trim().min(1, { error: "ne doit pas être vide" }),
    label: text,
    kind: z.enum(COLUMN_KINDS),
    percent_scale: z.enum(["ratio", "percent"]).optional(),
    unit: text.optional(),
    decimals: z.number().int().min(0).max(6).optional(),
    description: text.optional(),
  })
  .superRefine((column, ctx) => {
    if (column.kind === "percentage" && column.percent_scale === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["percent_scale"],
        message:
          "est obligatoire pour un pourcentage : « ratio » si la valeur est entre 0 et 1, « percent » si elle est entre 0 et 100",
      });
    }
    if (column.kind !== "percentage" && column.percent_scale !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["percent_scale"],
        message: "ne s'applique qu'aux colonnes « kind: percentage »",
      });
    }
  });

export const QuestionHeaderSchema = z.strictObject({
  key: key.optional(),
  name: text,
  description: z.string().default(""),
  collection: text,
  display: z.enum(DISPLAYS),
  visualization: z.record(z.string(), z.unknown()).default({}),
  parameters: z
    .record(
      z
        .string()
        .regex(TAG_NAME_PATTERN, { error: "nom de tag invalide (lettres, chiffres, _ et . seulement)" }),
      QuestionParameterSchema,
    )
    .default({}),
  columns: z.array(QuestionColumnSchema).default([]),
});
export type QuestionHeader = z.infer<typeof QuestionHeaderSchema>;

/** Attributes whose lock value is a list (the others are a single value). */
export const MULTI_VALUE_ATTRIBUTES: ReadonlySet<string> = new Set([
  "departements",
  "departement_labels",
  "bassins",
  "epci",
  "structures",
]);

/** Built-in lists for `values_from` (src/dashboards/filter-values.ts); anything else is `schema.table.column`. */
export const BUILT_IN_VALUE_LISTS = ["years", "departements"] as const;

const listValue = z.union([z.string().trim().min(1), z.number()]);

export const DashboardParameterSchema = z.strictObject({
  slug: z.string().regex(SLUG_PATTERN, { error: "doit être en minuscules ASCII (lettres, chiffres et _)" }),
  label: text,
  type: z.enum(["text", "number", "date", "date range"]),
  default: z.unknown().optional(),
  multiple: z.boolean().optional(),
  locked: z.enum(PERIMETER_ATTRIBUTES).optional(),
  /** The filter's choices, written out: a value, or a value and the label people read. */
  values: z
    .array(z.union([listValue, z.strictObject({ value: listValue, label: text })]))
    .min(1)
    .optional(),
  /** The filter's choices, computed: a column's distinct values under the viewer's locks, or a built-in list. */
  values_from: z.string().trim().min(1).optional(),
  /** What people read for computed values that are codes (`ML: Mission locale`); a value without one reads as itself. */
  value_labels: z.record(z.string(), text).optional(),
});

export const DashboardCardSchema = z.strictObject({
  question: z.string(),
  row: z.number().int(),
  col: z.number().int(),
  size_x: z.number().int(),
  size_y: z.number().int(),
  mappings: z.record(z.string(), z.string()).default({}),
  /** The gateway's table: one row per value of this column (totals), its rows behind a disclosure. */
  group_rows_by: z.string().optional(),
});

export const DashboardSchema = z.strictObject({
  key: key.optional(),
  title: text,
  description: z.string().default(""),
  theme: text,
  collection: text,
  audiences: z.array(z.string()).default([]),
  public: z.boolean().default(false),
  parameters: z.array(DashboardParameterSchema).default([]),
  cards: z.array(DashboardCardSchema).default([]),
  feedback_url: z
    .url({
      protocol: /^(https?|mailto)$/,
      error: "doit être une adresse http(s) complète ou un lien mailto:",
    })
    .optional(),
  may_be_withdrawn: z.boolean().default(false),
  source: z.string().optional(),
  /** Territories compared on the page (issue 19): a card's rows by département and bassin, as a rate. */
  comparison: z.strictObject({ question: text, label: text, numerator: text, denominator: text }).optional(),
});
export type DashboardFile = z.infer<typeof DashboardSchema>;

export const CollectionsSchema = z.strictObject({
  collections: z.record(
    key,
    z.strictObject({ name: text, description: z.string().default(""), parent: z.string().optional() }),
  ),
});

export const ProfileKindsSchema = z.strictObject({
  profile_kinds: z.record(
    z.string(),
    z.strictObject({
      label: text,
      scope: z.enum(SCOPE_RULES),
      provides: z.array(z.enum(PERIMETER_ATTRIBUTES)),
    }),
  ),
});

const TYPE_NAMES: Record<string, string> = {
  string: "un texte",
  number: "un nombre",
  int: "un nombre entier",
  boolean: "true ou false",
  array: "une liste",
  object: "un ensemble de clés (clé: valeur)",
  record: "un ensemble de clés (clé: valeur)",
};

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** Zod issues as French problems a data analyst can act on, each with the line it is about. */
export function schemaProblems(
  error: z.ZodError,
  data: unknown,
  file: string,
  lines: Record<string, number>,
  fallbackLine: number,
  readme: string,
): CatalogProblem[] {
  return error.issues.map((issue): CatalogProblem => {
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    const where = path.length > 0 ? `« ${path.join(".")} »` : "Le fichier";
    const line = lineOf(lines, path, fallbackLine);
    const base = { rule: "schema", file, line };
    switch (issue.code) {
      case "invalid_type": {
        if (valueAt(data, issue.path) === undefined) {
          return {
            ...base,
            message: `Champ obligatoire manquant : ${where}.`,
            hint: `Ajoutez « ${String(path[path.length - 1])}: … » (format décrit dans ${readme}).`,
          };
        }
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
        return {
          ...base,
          message: `${where} doit être ${expected}.`,
          hint: `Corrigez la valeur (voir ${readme}).`,
        };
      }
      case "invalid_value":
        return {
          ...base,
          message: `${where} : valeur « ${String(valueAt(data, issue.path))} » non reconnue.`,
          hint: `Valeurs possibles : ${issue.values.map(String).join(", ")}.`,
        };
      case "unrecognized_keys":
        return {
          ...base,
          line: lineOf(lines, [...path, issue.keys[0]!], fallbackLine),
          message: `${path.length > 0 ? `${where} : c` : "C"}lé inconnue ${issue.keys.map((k) => `« ${k} »`).join(", ")}.`,
          hint: `Vérifiez l'orthographe ; les clés possibles sont décrites dans ${readme}.`,
        };
      default:
        return {
          ...base,
          message: `${where} ${issue.message}.`,
          hint: `Corrigez la valeur (voir ${readme}).`,
        };
    }
  });
}
