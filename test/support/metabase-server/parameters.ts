import { plainError } from "./errors.js";
import type { SlugValues } from "./embed-params.js";
import type { Card, Dashboard, DashboardCard } from "./state.js";

/**
 * From merged slug → value maps to the parameters a native query runs with, as Metabase builds them for
 * an embedded card (`combine-parameters-and-template-tags`, `apply-slug->value`) and for a card on an
 * embedded dashboard (`resolve-dashboard-parameters`, then `query_processor/dashboard.clj`).
 */
export interface QueryParameter {
  type: string;
  target: unknown;
  value?: unknown;
  default?: unknown;
  id?: string;
  slug?: string;
}

type Json = Record<string, unknown>;

const OPERATOR_TYPES = new Set([
  "number/!=",
  "number/<=",
  "number/=",
  "number/>=",
  "number/between",
  "string/!=",
  "string/=",
  "string/contains",
  "string/does-not-contain",
  "string/ends-with",
  "string/starts-with",
]);

export function isOperatorType(type: unknown): boolean {
  return typeof type === "string" && OPERATOR_TYPES.has(type);
}

const RAW_VALUE_TAG_TYPES = new Set(["text", "number", "date", "boolean"]);

/** `template-tag-parameters`: one parameter per variable or field filter (not snippets, card refs or widget `none`). */
export function templateTagParameters(tags: Record<string, Json>): Json[] {
  const parameters: Json[] = [];
  for (const tag of Object.values(tags)) {
    const type = tag.type;
    const widget = tag["widget-type"];
    const usable =
      typeof type === "string" &&
      (RAW_VALUE_TAG_TYPES.has(type) ||
        (type === "dimension" && typeof widget === "string" && widget !== "none"));
    if (!usable) continue;
    parameters.push({
      id: tag.id,
      type: widget ?? (type === "date" ? "date/single" : type === "number" ? "number/=" : "category"),
      target:
        type === "dimension"
          ? ["dimension", ["template-tag", tag.name]]
          : ["variable", ["template-tag", tag.name]],
      name: tag["display-name"],
      slug: tag.name,
      default: tag.default ?? null,
      required: Boolean(tag.required),
    });
  }
  return parameters;
}

/** The card's stored parameters, each merged with the template-tag parameter of the same id (the tag wins). */
export function combineParametersAndTemplateTags(card: Card, tags: Record<string, Json>): Json[] {
  const byId = new Map<unknown, Json>();
  for (const p of card.parameters) byId.set(p.id, p);
  for (const p of templateTagParameters(tags)) byId.set(p.id, { ...(byId.get(p.id) ?? {}), ...p });
  return [...byId.values()];
}

function oneOrMany(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** `apply-slug->value`: the card parameters whose slug has an entry (even null), with their value. */
export function applySlugValues(parameters: Json[], slugValues: SlugValues): QueryParameter[] {
  const out: QueryParameter[] = [];
  for (const p of parameters) {
    const slug = String(p.slug);
    if (!Object.prototype.hasOwnProperty.call(slugValues, slug)) continue;
    let value = slugValues[slug];
    if (value !== null && value !== undefined && isOperatorType(p.type)) value = oneOrMany(value);
    out.push({
      type: String(p.type),
      target: p.target,
      slug,
      ...(p.id === undefined ? {} : { id: String(p.id) }),
      value,
    });
  }
  return out;
}

/** Clojure's `pr-str` of a seq of strings, as in `Found: ("a" "b")`; `nil` when there is none. */
function prStrings(values: readonly string[]): string {
  return values.length === 0 ? "nil" : `(${values.map((v) => JSON.stringify(v)).join(" ")})`;
}

/** `resolve-dashboard-parameters`: slug → the dashboard parameter's id, for every merged slug. */
export function resolveDashboardParameters(
  dashboard: Dashboard,
  slugValues: SlugValues,
): { id: string; slug: string; value: unknown }[] {
  const slugToId = new Map<string, string>();
  for (const p of dashboard.parameters) slugToId.set(String(p.slug), String(p.id));
  return Object.entries(slugValues).map(([slug, value]) => {
    const id = slugToId.get(slug);
    if (id === undefined) {
      throw plainError(
        400,
        `No matching parameter with slug ${JSON.stringify(slug)}. Found: ${prStrings([...slugToId.keys()])}`,
      );
    }
    return { id, slug, value };
  });
}

interface Mapping {
  cardId: unknown;
  dashcardId: number;
  target: unknown;
}

function mappingsOf(dashboard: Dashboard): Map<string, Mapping[]> {
  const byParameter = new Map<string, Mapping[]>();
  const add = (dashcard: DashboardCard, mapping: Json) => {
    const id = String(mapping.parameter_id);
    const list = byParameter.get(id) ?? [];
    list.push({
      cardId: mapping.card_id ?? dashcard.card_id,
      dashcardId: dashcard.id,
      target: mapping.target,
    });
    byParameter.set(id, list);
  };
  for (const dashcard of dashboard.dashcards)
    for (const mapping of dashcard.parameter_mappings) add(dashcard, mapping);
  return byParameter;
}

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/**
 * `resolve-params-for-query`: the dashboard's defaults for parameters wired to this card, overridden by the
 * request's values (a request `null` wins over a default: that is how `[]` switches a filter off), then only
 * the parameters wired to this very dashcard, each taking the mapping's target.
 */
export function resolveParamsForDashcard(
  dashboard: Dashboard,
  dashcardId: number,
  cardId: number,
  requestParams: { id: string; slug: string; value: unknown }[],
): QueryParameter[] {
  const mappings = mappingsOf(dashboard);
  const paramById = new Map(dashboard.parameters.map((p) => [String(p.id), p]));
  const merged = new Map<string, Json>();
  for (const [id, p] of paramById) {
    if (!truthy(p.default)) continue;
    const target = (mappings.get(id) ?? []).find((m) => m.cardId === cardId)?.target;
    if (target !== undefined) merged.set(id, { id, default: p.default, target });
  }
  for (const request of requestParams) merged.set(request.id, { ...request });

  const out: QueryParameter[] = [];
  for (const [id, request] of merged) {
    const param = paramById.get(id);
    if (!param) throw plainError(400, `Dashboard does not have a parameter with ID ${JSON.stringify(id)}.`);
    const mapping = (mappings.get(id) ?? []).find((m) => m.cardId === cardId && m.dashcardId === dashcardId);
    if (!mapping) continue;
    const value = request.value;
    const wrap =
      isOperatorType(param.type) &&
      (typeof value === "string" ? value.trim() !== "" : value !== null && value !== undefined) &&
      !Array.isArray(value);
    out.push({
      type: String(param.type),
      ...request,
      ...(wrap ? { value: [value] } : {}),
      id,
      target: mapping.target,
    } as QueryParameter);
  }
  return out;
}
