import { NativeQueryError } from "./native-query/index.js";
import type { MetabaseVersion } from "./version.js";

/**
 * What Metabase's query processor checks about a native query's shape before running it, read in
 * `lib/schema/template_tag.cljc` and `lib/schema/parameter.cljc`. Both surface as a failed query
 * (`invalid-query`) — issue #37806 shows the template-tag schema enforced when the query runs, issue #54368
 * (v0.53) a parameter target refused there ("invalid tuple size 3, expected 2"). Cards and dashboards with such
 * shapes still save.
 */

const WIDGET_TYPES = new Set([
  "none",
  "number",
  "text",
  "date",
  "boolean",
  "date/single",
  "id",
  "category",
  "location/city",
  "location/state",
  "location/zip_code",
  "location/country",
  "date/range",
  "date/month-year",
  "date/quarter-year",
  "date/relative",
  "date/all-options",
  "temporal-unit",
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
  "boolean/=",
]);
const TAG_TYPES = new Set([
  "snippet",
  "card",
  "dimension",
  "number",
  "text",
  "date",
  "boolean",
  "temporal-unit",
]);

const nonBlank = (v: unknown) => typeof v === "string" && v.trim() !== "";
const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function invalid(what: string): NativeQueryError {
  return new NativeQueryError(`Invalid query: ${what}`, "invalid-query");
}

/** `::template-tag-map`: names match their keys; common, field-filter, snippet and card-reference keys. */
export function checkTemplateTags(tags: Record<string, Record<string, unknown>>): void {
  for (const [key, tag] of Object.entries(tags)) {
    if (tag.name !== key) throw invalid("keys in template tag map must match the :name of their values");
    if (!nonBlank(tag.name) || !nonBlank(tag["display-name"])) {
      throw invalid(`template tag ${JSON.stringify(key)}: :name and :display-name must be non-blank strings`);
    }
    if (!TAG_TYPES.has(String(tag.type))) throw invalid(`template tag ${JSON.stringify(key)}: invalid :type`);
    if ("required" in tag && typeof tag.required !== "boolean") {
      throw invalid(`template tag ${JSON.stringify(key)}: :required must be a boolean`);
    }
    if (tag.type === "dimension") {
      const dimension = tag.dimension;
      if (!Array.isArray(dimension) || dimension[0] !== "field") {
        throw invalid(
          `template tag ${JSON.stringify(key)}: a field filter needs a :dimension field reference`,
        );
      }
      if (!WIDGET_TYPES.has(String(tag["widget-type"]))) {
        throw invalid(`template tag ${JSON.stringify(key)}: a field filter needs a valid :widget-type`);
      }
    }
    if (tag.type === "snippet" && !nonBlank(tag["snippet-name"])) {
      throw invalid(`template tag ${JSON.stringify(key)}: a snippet needs :snippet-name`);
    }
    if (tag.type === "card" && !Number.isInteger(tag["card-id"])) {
      throw invalid(`template tag ${JSON.stringify(key)}: a card reference needs :card-id`);
    }
  }
}

function isTemplateTagRef(ref: unknown): boolean {
  return (
    Array.isArray(ref) &&
    ref.length === 2 &&
    ref[0] === "template-tag" &&
    (nonBlank(ref[1]) || (isMap(ref[1]) && nonBlank(ref[1].id)))
  );
}

/**
 * `::target`: `["variable", ["template-tag", x]]` exactly, or `["dimension", target]` optionally followed by
 * `{stage-number n}`. Checked from v53 (issue #54368 shows it refusing a three-element variable target).
 */
export function checkParameterTargets(parameters: Record<string, unknown>[], version: MetabaseVersion): void {
  if (version.major < 53) return;
  for (const p of parameters) {
    const target = p.target;
    if (target === undefined) continue;
    const ok =
      Array.isArray(target) &&
      ((target[0] === "variable" && target.length === 2 && isTemplateTagRef(target[1])) ||
        (target[0] === "dimension" &&
          (target.length === 2 ||
            (target.length === 3 && (target[2] === null || isStageOptions(target[2])))) &&
          (isTemplateTagRef(target[1]) || (Array.isArray(target[1]) && target[1][0] === "field"))));
    if (!ok) throw invalid(`{:parameters [{:target ${JSON.stringify(target)}}]}`);
  }
}

function isStageOptions(v: unknown): boolean {
  return (
    isMap(v) && Object.keys(v).every((k) => k === "stage-number") && Number.isInteger(v["stage-number"] ?? 0)
  );
}
