import { PILOTAGE_COLUMN } from "../template/index.js";
import {
  cardEmbeddingParams,
  dashboardEmbeddingParams,
  type DefinedCollection,
  type DefinedDashboard,
  type DefinedQuestion,
  type DefinedTag,
  type SyncDefinitions,
} from "./definitions.js";
import { normaliseColumnSettings } from "./column-settings.js";
import { isRecord } from "./errors.js";
import { readMarker } from "./marker.js";
import { fieldIdOf, nativeQueryOf, orUndefined, templateTagTarget } from "./normalize.js";
import type { Card, Collection, Dashboard, DashboardSummary } from "./schemas.js";

/**
 * Normal forms: what the sync manages of each object, with references written as keys (a collection key, a
 * question key, a `schema.table.column`, a parameter slug) rather than Metabase ids. The definitions and
 * Metabase's answers are both brought to this form and compared field by field; ids never appear in a diff
 * unless they point at something unmanaged (`#42`).
 */

export interface TagForm {
  displayName: string;
  type: string;
  required: boolean;
  default: unknown;
  /** `schema.table.column` of a field filter. */
  column: string | undefined;
  widgetType: string | undefined;
  options: unknown;
}

export interface CardParameterForm {
  slug: string;
  name: string;
  type: string;
  /** `variable:tag` or `dimension:tag`. */
  target: string;
  required: boolean;
  default: unknown;
}

export interface CardForm {
  name: string;
  description: string;
  marker: string | undefined;
  display: string;
  visualizationSettings: Record<string, unknown>;
  collection: string;
  databaseId: number | undefined;
  sql: string;
  templateTags: Record<string, TagForm>;
  parameters: CardParameterForm[];
  enableEmbedding: boolean;
  embeddingParams: Record<string, string>;
  archived: boolean;
}

export interface DashboardParameterForm {
  slug: string;
  name: string;
  type: string;
  default: unknown;
  /** Its list of choices (`values_query_type`, `values_source_*`), undefined when Metabase's default. */
  choices: unknown;
}

/** A parameter's choices as Metabase holds them, in one shape; undefined for Metabase's default. */
export function remoteChoices(p: Record<string, unknown>): unknown {
  const query = p.values_query_type;
  const source = p.values_source_type;
  if (source === "card") return { query, source, config: p.values_source_config };
  if (source === "static-list") {
    const config = isRecord(p.values_source_config) ? p.values_source_config : {};
    return { query: query ?? "list", values: Array.isArray(config.values) ? config.values : [] };
  }
  if (query === "none" || query === "search") return { query };
  return undefined;
}

export interface DashcardForm {
  /** Question key, `#id` for an unmanaged card, `(texte)` for a text card. */
  question: string;
  row: number;
  col: number;
  sizeX: number;
  sizeY: number;
  /** Parameter slug → tag name. */
  mappings: Record<string, string>;
  visualizationSettings: Record<string, unknown>;
}

export interface DashboardForm {
  name: string;
  description: string;
  marker: string | undefined;
  collection: string;
  archived: boolean;
  enableEmbedding: boolean;
  embeddingParams: Record<string, string>;
  parameters: DashboardParameterForm[];
  /** Undefined when the dashboard was not read in detail because it did not change since the last apply. */
  dashcards: DashcardForm[] | undefined;
  tabs: number | undefined;
}

export interface CollectionForm {
  name: string;
  description: string;
  marker: string | undefined;
  parent: string;
  archived: boolean;
}

/** How ids found in Metabase's answers read as keys. */
export interface KeyResolver {
  collectionKey(id: number | null | undefined): string;
  questionKey(id: number): string;
  column(fieldId: number): string | undefined;
}

export const METABASE_ROOT = "(racine de Metabase)";
export const TEXT_CARD = "(texte)";

// ---------------------------------------------------------------------------------------------------------
// From the definitions

export function desiredCollectionForm(collection: DefinedCollection): CollectionForm {
  return {
    name: collection.name,
    description: (collection.description ?? "").trim(),
    marker: collection.key,
    parent: collection.parent ?? METABASE_ROOT,
    archived: false,
  };
}

/** The column a defined field filter points at (`["pilotage-column", "schema.table.column"]`). */
export function definedColumn(tag: DefinedTag): string | undefined {
  const d = tag.dimension;
  if (Array.isArray(d) && d[0] === PILOTAGE_COLUMN && typeof d[1] === "string") return d[1];
  return undefined;
}

export function tagParameterType(tag: { type: string; "widget-type"?: string | undefined }): string {
  if (tag["widget-type"]) return tag["widget-type"];
  if (tag.type === "date") return "date/single";
  if (tag.type === "number") return "number/=";
  return "category";
}

/** Metabase derives a card's parameters from its tags (`template-tag-parameters`); so does the sync. */
export function exposesParameter(tag: { type: string; "widget-type"?: string | undefined }): boolean {
  if (tag.type === "snippet" || tag.type === "card") return false;
  return !(tag.type === "dimension" && tag["widget-type"] === "none");
}

export function desiredCardForm(
  question: DefinedQuestion,
  definitions: SyncDefinitions,
  warehouseDatabaseId: number | undefined,
): CardForm {
  const tags = Object.values(question.templateTags);
  return {
    name: question.name,
    description: (question.description ?? "").trim(),
    marker: question.key,
    display: question.display,
    visualizationSettings: question.visualizationSettings,
    collection: question.collection,
    databaseId: warehouseDatabaseId,
    sql: tidySql(question.sql),
    templateTags: Object.fromEntries(
      tags.map((tag) => [
        tag.name,
        {
          displayName: tag["display-name"],
          type: tag.type,
          required: tag.required ?? false,
          default: orUndefined(tag.default),
          column: definedColumn(tag),
          widgetType: tag["widget-type"],
          options: orUndefined(tag.options),
        },
      ]),
    ),
    parameters: sortBySlug(
      tags.filter(exposesParameter).map((tag) => ({
        slug: tag.name,
        name: tag["display-name"],
        type: tagParameterType(tag),
        target: `${tag.type === "dimension" ? "dimension" : "variable"}:${tag.name}`,
        required: tag.required ?? false,
        default: orUndefined(tag.default),
      })),
    ),
    enableEmbedding: true,
    embeddingParams: cardEmbeddingParams(question, definitions.dashboards),
    archived: false,
  };
}

export function desiredDashboardForm(dashboard: DefinedDashboard): DashboardForm {
  return {
    name: dashboard.title,
    description: (dashboard.description ?? "").trim(),
    marker: dashboard.key,
    collection: dashboard.collection,
    archived: false,
    enableEmbedding: true,
    embeddingParams: dashboardEmbeddingParams(dashboard),
    parameters: dashboard.parameters.map((p) => ({
      slug: p.slug,
      name: p.label,
      type: p.type,
      default: orUndefined(p.default),
      choices: p.choices,
    })),
    dashcards: sortDashcards(
      dashboard.cards.map((card) => ({
        question: card.question,
        row: card.row,
        col: card.col,
        sizeX: card.sizeX,
        sizeY: card.sizeY,
        mappings: { ...card.mappings },
        visualizationSettings: {},
      })),
    ),
    tabs: 0,
  };
}

// ---------------------------------------------------------------------------------------------------------
// From Metabase's answers

export function remoteCollectionForm(collection: Collection, resolver: KeyResolver): CollectionForm {
  const { text, key } = readMarker(collection.description);
  const parentId = parentIdOf(collection.location);
  return {
    name: collection.name,
    description: text,
    marker: key,
    parent: resolver.collectionKey(parentId),
    archived: collection.archived,
  };
}

/** `/3/7/` → 7; `/` → undefined (top level). */
export function parentIdOf(location: string | null | undefined): number | undefined {
  const ids = (location ?? "/").split("/").filter(Boolean).map(Number);
  const last = ids[ids.length - 1];
  return last === undefined || !Number.isInteger(last) ? undefined : last;
}

export function remoteCardForm(card: Card, resolver: KeyResolver): CardForm {
  const { text, key } = readMarker(card.description);
  const native = nativeQueryOf(card.dataset_query);
  return {
    name: card.name,
    description: text,
    marker: key,
    display: card.display,
    visualizationSettings: normaliseColumnSettings(card.visualization_settings),
    collection: resolver.collectionKey(card.collection_id),
    databaseId: native?.databaseId,
    sql: tidySql(native?.sql ?? ""),
    templateTags: Object.fromEntries(
      Object.entries(native?.templateTags ?? {}).map(([name, tag]) => {
        const fieldId = fieldIdOf(tag.dimension);
        return [
          name,
          {
            displayName: typeof tag["display-name"] === "string" ? tag["display-name"] : name,
            type: typeof tag.type === "string" ? tag.type : "text",
            required: tag.required === true,
            default: orUndefined(tag.default),
            column:
              fieldId === undefined
                ? tag.dimension === undefined || tag.dimension === null
                  ? undefined
                  : JSON.stringify(tag.dimension)
                : (resolver.column(fieldId) ?? `#${fieldId}`),
            widgetType: typeof tag["widget-type"] === "string" ? tag["widget-type"] : undefined,
            options: orUndefined(tag.options),
          },
        ];
      }),
    ),
    parameters: sortBySlug(
      card.parameters.filter(isRecord).map((p) => {
        const target = templateTagTarget(p.target);
        return {
          slug: typeof p.slug === "string" ? p.slug : "",
          name: typeof p.name === "string" ? p.name : "",
          type: typeof p.type === "string" ? p.type : "",
          target: target ? `${target.kind}:${target.tag}` : JSON.stringify(p.target ?? null),
          required: p.required === true,
          default: orUndefined(p.default),
        };
      }),
    ),
    enableEmbedding: card.enable_embedding,
    embeddingParams: card.embedding_params,
    archived: card.archived,
  };
}

/** `detail` is the dashboard read in full; without it dashcards and tabs are left undefined. */
export function remoteDashboardForm(
  dashboard: DashboardSummary,
  resolver: KeyResolver,
  detail?: Dashboard | undefined,
): DashboardForm {
  const { text, key } = readMarker(dashboard.description);
  const parameters = dashboard.parameters.filter(isRecord);
  const slugById = new Map(
    parameters.map((p) => [String(p.id), typeof p.slug === "string" ? p.slug : String(p.id)]),
  );
  return {
    name: dashboard.name,
    description: text,
    marker: key,
    collection: resolver.collectionKey(dashboard.collection_id),
    archived: dashboard.archived,
    enableEmbedding: dashboard.enable_embedding,
    embeddingParams: dashboard.embedding_params,
    parameters: parameters.map((p) => ({
      slug: typeof p.slug === "string" ? p.slug : "",
      name: typeof p.name === "string" ? p.name : "",
      type: typeof p.type === "string" ? p.type : "",
      default: orUndefined(p.default),
      choices: remoteChoices(p),
    })),
    dashcards: detail
      ? sortDashcards(
          detail.dashcards.map((dc) => ({
            question:
              dc.card_id === null || dc.card_id === undefined ? TEXT_CARD : resolver.questionKey(dc.card_id),
            row: dc.row,
            col: dc.col,
            sizeX: dc.size_x,
            sizeY: dc.size_y,
            mappings: Object.fromEntries(
              dc.parameter_mappings.filter(isRecord).map((m) => {
                const slug = slugById.get(String(m.parameter_id)) ?? `#${String(m.parameter_id)}`;
                const target = templateTagTarget(m.target);
                return [slug, target ? target.tag : JSON.stringify(m.target ?? null)];
              }),
            ),
            visualizationSettings: normaliseColumnSettings(dc.visualization_settings),
          })),
        )
      : undefined,
    tabs: detail ? detail.tabs.length : undefined,
  };
}

function sortBySlug<T extends { slug: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}

/** Dashcards in reading order; Metabase answers them in no guaranteed order. */
export function sortDashcards<T extends { row: number; col: number; question: string }>(cards: T[]): T[] {
  return [...cards].sort(
    (a, b) =>
      a.row - b.row || a.col - b.col || (a.question < b.question ? -1 : a.question > b.question ? 1 : 0),
  );
}

/** Leading blank lines and trailing blanks are not part of a question (the catalog drops them too). */
export function tidySql(sql: string): string {
  return sql
    .replace(/\r\n?/g, "\n")
    .replace(/^(?:[ \t]*\n)+/, "")
    .trimEnd();
}
