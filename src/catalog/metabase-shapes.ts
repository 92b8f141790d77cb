import { createHash } from "node:crypto";
import {
  pilotageDimension,
  renderNativeQuery,
  resolvePilotageColumn,
  type RenderOptions,
  type RenderedQuery,
  type ResolvedColumn,
  type TemplateParameter,
  type TemplateTag,
} from "../template/index.js";
import type { Dashboard, DashboardCard, DashboardParameter, Question, QuestionParameter } from "./types.js";

/**
 * The catalog as Metabase sees it: template tags, card parameters and dashboard parameter types. The sync
 * sends these; the gateway renders with them, so both agree with what Metabase runs.
 */

/** A stable UUID per question tag, so re-syncing never changes a tag id (dashboards target tags by id). */
export function templateTagId(questionKey: string, tag: string): string {
  const hex = createHash("sha256").update(`pilotage-template-tag:${questionKey}:${tag}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The Metabase widget of a field filter, from its column type. */
export function fieldFilterWidget(parameter: QuestionParameter): string {
  switch (parameter.columnType ?? "text") {
    case "number":
      return "number/=";
    case "date":
    case "datetime":
      return "date/all-options";
    default:
      return "string/=";
  }
}

/** The `type` Metabase gives a card parameter derived from this tag (`template-tag-parameters`). */
export function questionParameterMetabaseType(parameter: QuestionParameter): string {
  switch (parameter.type) {
    case "text":
      return "category";
    case "number":
      return "number/=";
    case "date":
      return "date/single";
    case "field filter":
      return fieldFilterWidget(parameter);
  }
}

/** The Metabase type of a dashboard parameter, which is also what a mapped card receives at run time. */
export function dashboardParameterMetabaseType(parameter: DashboardParameter): string {
  switch (parameter.type) {
    case "text":
      return "string/=";
    case "number":
      return "number/=";
    case "date":
      return "date/single";
    case "date range":
      return "date/all-options";
  }
}

function tagFor(question: Question, parameter: QuestionParameter): TemplateTag {
  const common = {
    name: parameter.tag,
    "display-name": parameter.label,
    id: templateTagId(question.key, parameter.tag),
    required: parameter.required,
    ...(parameter.default === undefined ? {} : { default: parameter.default }),
  };
  if (parameter.type === "field filter") {
    return {
      ...common,
      type: "dimension",
      dimension: pilotageDimension(parameter.column ?? ""),
      "widget-type": fieldFilterWidget(parameter),
    };
  }
  return { ...common, type: parameter.type };
}

/**
 * `dataset_query.native["template-tags"]` for a question. Field filters use our own dimension,
 * `["pilotage-column", "schema.table.column"]`: the sync swaps in Metabase's field id, the gateway
 * resolves it with `resolvePilotageColumn`.
 */
export function questionTemplateTags(question: Question): Record<string, TemplateTag> {
  // A copy: callers may send or adjust it (the sync swaps in Metabase field ids).
  return structuredClone(cachedTags(question));
}

/** The tags computed once per question, shared: for reading only (rendering). */
function cachedTags(question: Question): Record<string, TemplateTag> {
  let tags = tagsByQuestion.get(question);
  if (!tags) {
    tags = Object.fromEntries(question.parameters.map((p) => [p.tag, tagFor(question, p)]));
    tagsByQuestion.set(question, tags);
  }
  return tags;
}

/** Catalog objects are not mutated once loaded, so their tags can be computed once. */
const tagsByQuestion = new WeakMap<Question, Record<string, TemplateTag>>();
const resolverByQuestion = new WeakMap<Question, (dimension: unknown) => ResolvedColumn>();

/** Column types by qualified name, for `resolvePilotageColumn`. */
export function questionColumnTypes(
  question: Question,
): Record<string, "text" | "number" | "date" | "datetime"> {
  return Object.fromEntries(
    question.parameters.filter((p) => p.column && p.columnType).map((p) => [p.column!, p.columnType!]),
  );
}

function target(parameter: QuestionParameter) {
  return [parameter.type === "field filter" ? "dimension" : "variable", ["template-tag", parameter.tag]];
}

/** A card's `parameters`, as Metabase derives them from template tags (contract §2.6). */
export function questionCardParameters(question: Question) {
  return question.parameters.map((p) => ({
    id: templateTagId(question.key, p.tag),
    type: questionParameterMetabaseType(p),
    target: target(p),
    name: p.label,
    slug: p.tag,
    ...(p.default === undefined ? {} : { default: p.default }),
    required: p.required,
  }));
}

/** Run-time parameters for a question opened on its own: tag → value (absent or undefined: no value). */
export function questionRenderParameters(
  question: Question,
  values: Record<string, unknown>,
): TemplateParameter[] {
  return question.parameters
    .filter((p) => values[p.tag] !== undefined)
    .map((p) => ({ type: questionParameterMetabaseType(p), target: target(p), value: values[p.tag] }));
}

/**
 * Run-time parameters for one card of a dashboard: dashboard slug → value, passed through the card's
 * mappings exactly as Metabase does (the dashboard parameter's type, the card tag's target). A parameter
 * without a value takes the dashboard default, as Metabase's dashboard does before it queries a card.
 */
export function dashboardCardParameters(
  dashboard: Dashboard,
  card: DashboardCard,
  question: Question,
  values: Record<string, unknown>,
): TemplateParameter[] {
  return Object.entries(card.mappings).flatMap(([slug, tag]): TemplateParameter[] => {
    const dashboardParameter = dashboard.parameters.find((p) => p.slug === slug);
    const questionParameter = question.parameters.find((p) => p.tag === tag);
    const value = values[slug] ?? (dashboardParameter?.locked ? undefined : dashboardParameter?.default);
    if (!dashboardParameter || !questionParameter || value === undefined) return [];
    return [
      {
        type: dashboardParameterMetabaseType(dashboardParameter),
        target: target(questionParameter),
        value,
        slug,
      },
    ];
  });
}

/** Renders a question's SQL with run-time parameters, resolving its field-filter columns from the catalog. */
export function renderQuestion(
  question: Question,
  parameters: TemplateParameter[],
  options: Omit<RenderOptions, "resolveField"> = {},
): RenderedQuery {
  let resolveField = resolverByQuestion.get(question);
  if (!resolveField) {
    resolveField = resolvePilotageColumn(questionColumnTypes(question));
    resolverByQuestion.set(question, resolveField);
  }
  return renderNativeQuery(question.sql, cachedTags(question), parameters, {
    ...options,
    resolveField,
  });
}
