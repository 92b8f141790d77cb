import {
  cardEmbeddingParams,
  dashboardEmbeddingParams,
  dashboardParameterId,
  templateTagId,
  type DefinedCollection,
  type DefinedDashboard,
  type DefinedQuestion,
  type SyncDefinitions,
} from "./definitions.js";
import { pairDashcards } from "./diff.js";
import { definedColumn, desiredDashboardForm, exposesParameter, tagParameterType } from "./forms.js";
import { withMarker } from "./marker.js";
import type { SyncFeatures } from "./version.js";

/**
 * Request bodies for Metabase (metabase-contract.md §2.5–2.7), built from the definitions and the ids known
 * at the moment of writing. Pure.
 */

export function collectionPayload(
  collection: DefinedCollection,
  parentId: number | undefined,
): Record<string, unknown> {
  return {
    name: collection.name,
    description: withMarker(collection.description, collection.key),
    parent_id: parentId ?? null,
  };
}

export interface CardContext {
  databaseId: number;
  fieldIdByColumn: ReadonlyMap<string, number>;
  collectionId: number;
  features: SyncFeatures;
}

/** `POST /api/card` or the content part of `PUT /api/card/:id` (never the embedding fields: see below). */
export function cardPayload(question: DefinedQuestion, context: CardContext): Record<string, unknown> {
  const tags = Object.values(question.templateTags);
  const tagId = (name: string, given: string | undefined) => given ?? templateTagId(question.key, name);
  const templateTags = Object.fromEntries(
    tags.map((tag) => {
      const column = definedColumn(tag);
      const fieldId = column === undefined ? undefined : context.fieldIdByColumn.get(column);
      const { dimension: _ours, id: _id, ...rest } = tag;
      return [
        tag.name,
        {
          ...rest,
          id: tagId(tag.name, tag.id),
          required: tag.required ?? false,
          ...(column === undefined ? {} : { dimension: ["field", fieldId ?? null, null] }),
        },
      ];
    }),
  );
  const parameters = tags.filter(exposesParameter).map((tag) => ({
    id: tagId(tag.name, tag.id),
    type: tagParameterType(tag),
    target: [tag.type === "dimension" ? "dimension" : "variable", ["template-tag", tag.name]],
    name: tag["display-name"],
    slug: tag.name,
    required: tag.required ?? false,
    ...(tag.default === undefined || tag.default === null ? {} : { default: tag.default }),
  }));
  return {
    name: question.name,
    description: withMarker(question.description, question.key),
    display: question.display,
    visualization_settings: question.visualizationSettings,
    collection_id: context.collectionId,
    dataset_query: {
      database: context.databaseId,
      type: "native",
      native: { query: question.sql, "template-tags": templateTags },
    },
    parameters,
    ...(context.features.cardType ? { type: "question" } : {}),
  };
}

/**
 * Embedding is set with a separate `PUT`: Metabase refuses `enable_embedding`/`embedding_params` on create
 * (metabase-contract.md §2.6), and only an administrator may change them.
 */
export function cardEmbeddingPayload(
  question: DefinedQuestion,
  definitions: SyncDefinitions,
): Record<string, unknown> {
  return { enable_embedding: true, embedding_params: cardEmbeddingParams(question, definitions.dashboards) };
}

function sectionIdOf(type: string): string | undefined {
  if (type === "category" || type.startsWith("string/")) return "string";
  if (type.startsWith("number/")) return "number";
  if (type.startsWith("date/")) return "date";
  if (type === "id") return "id";
  if (type.startsWith("location/")) return "location";
  if (type === "temporal-unit") return "temporal_unit";
  return undefined;
}

/** A parameter's choices as Metabase stores them (`values_query_type`, `values_source_*`). */
export function parameterChoicesPayload(p: DefinedDashboard["parameters"][number]): Record<string, unknown> {
  if (!p.choices) return {};
  if (p.choices.query === "none") return { values_query_type: "none" };
  return {
    values_query_type: "list",
    values_source_type: "static-list",
    values_source_config: { values: p.choices.values },
  };
}

export function dashboardParametersPayload(dashboard: DefinedDashboard): Array<Record<string, unknown>> {
  return dashboard.parameters.map((p) => {
    const sectionId = sectionIdOf(p.type);
    return {
      id: dashboardParameterId(dashboard.key, p.slug),
      name: p.label,
      slug: p.slug,
      type: p.type,
      ...(sectionId ? { sectionId } : {}),
      ...(p.default === undefined || p.default === null ? {} : { default: p.default }),
      ...parameterChoicesPayload(p),
    };
  });
}

/** `POST /api/dashboard`: only what create accepts; dashcards and embedding follow with a `PUT`. */
export function dashboardCreatePayload(
  dashboard: DefinedDashboard,
  collectionId: number,
): Record<string, unknown> {
  return {
    name: dashboard.title,
    description: withMarker(dashboard.description, dashboard.key),
    collection_id: collectionId,
    parameters: dashboardParametersPayload(dashboard),
  };
}

export interface CurrentDashcard {
  id: number;
  /** Question key as resolved from its card id (`#id` when unmanaged). */
  question: string;
  row: number;
  col: number;
}

/**
 * `PUT /api/dashboard/:id` with the complete dashcard list: Metabase deletes the dashcards left out, updates
 * those whose id it knows and creates those with a negative id (metabase-contract.md §2.7). Current
 * dashcards showing the same question are kept (their ids stay stable), the others are replaced.
 */
export function dashboardUpdatePayload(
  dashboard: DefinedDashboard,
  context: {
    collectionId: number;
    cardIdByKey: ReadonlyMap<string, number>;
    questionsByKey: ReadonlyMap<string, DefinedQuestion>;
    current: readonly CurrentDashcard[];
  },
): Record<string, unknown> {
  const wanted = desiredDashboardForm(dashboard).dashcards ?? [];
  let nextNew = -1;
  const dashcards = pairDashcards(context.current, wanted).flatMap(({ wanted: w, current }) => {
    if (!w) return [];
    const cardId = context.cardIdByKey.get(w.question);
    if (cardId === undefined) throw new Error(`no card id for question ${w.question}`);
    const question = context.questionsByKey.get(w.question);
    return [
      {
        id: current?.id ?? nextNew--,
        card_id: cardId,
        row: w.row,
        col: w.col,
        size_x: w.sizeX,
        size_y: w.sizeY,
        series: [],
        visualization_settings: {},
        parameter_mappings: Object.entries(w.mappings).map(([slug, tag]) => ({
          parameter_id: dashboardParameterId(dashboard.key, slug),
          card_id: cardId,
          target: [
            question?.templateTags[tag]?.type === "dimension" ? "dimension" : "variable",
            ["template-tag", tag],
          ],
        })),
      },
    ];
  });
  return {
    name: dashboard.title,
    description: withMarker(dashboard.description, dashboard.key),
    collection_id: context.collectionId,
    parameters: dashboardParametersPayload(dashboard),
    enable_embedding: true,
    embedding_params: dashboardEmbeddingParams(dashboard),
    dashcards,
    tabs: [],
  };
}
