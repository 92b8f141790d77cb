import { NativeQueryError } from "./native-query/index.js";

/**
 * Which parameter types a template tag accepts at run time (`lib/schema/parameter.cljc`, `types` and their
 * `:allowed-for`), and `validate-card-parameters` of `query_processor/card.clj`, which Metabase runs before a
 * card's query (embedded cards included; dashboards skip it, having checked their own mappings): every
 * parameter must name a tag of the card and carry a type that tag allows, else the query fails with
 * `invalid-parameter`. The reason is in Metabase's comment: a `string/!=` sent to an exact-match filter would
 * enumerate every row.
 */
const ALLOWED_FOR: Record<string, readonly string[]> = {
  number: ["number", "number/=", "id", "category", "location/zip_code"],
  text: [
    "text",
    "string/=",
    "id",
    "category",
    "location/city",
    "location/state",
    "location/zip_code",
    "location/country",
  ],
  date: ["date", "date/single", "date/all-options", "id", "category"],
  boolean: ["boolean", "id", "category", "boolean/="],
  "date/single": ["date", "date/single", "date/all-options", "id", "category"],
  id: ["id"],
  category: ["category", "number", "text", "date", "boolean"],
  "location/city": ["location/city"],
  "location/state": ["location/state"],
  "location/zip_code": ["location/zip_code"],
  "location/country": ["location/country"],
  "date/range": ["date/range", "date/all-options"],
  "date/month-year": ["date/month-year", "date/all-options"],
  "date/quarter-year": ["date/quarter-year", "date/all-options"],
  "date/relative": ["date/relative", "date/all-options"],
  "date/all-options": ["date/all-options"],
  "temporal-unit": ["temporal-unit"],
  "number/!=": ["number/!="],
  "number/<=": ["number/<="],
  "number/=": ["number/=", "number", "id", "category", "location/zip_code"],
  "number/>=": ["number/>="],
  "number/between": ["number/between"],
  "string/!=": ["string/!="],
  "string/=": [
    "string/=",
    "text",
    "id",
    "category",
    "location/city",
    "location/state",
    "location/zip_code",
    "location/country",
  ],
  "string/contains": ["string/contains"],
  "string/does-not-contain": ["string/does-not-contain"],
  "string/ends-with": ["string/ends-with"],
  "string/starts-with": ["string/starts-with"],
  "boolean/=": ["boolean", "boolean/="],
};

const RAW_VALUE_TYPES = new Set(["number", "text", "date", "boolean"]);

/** The type a tag accepts parameters for: a field filter's widget, a variable's own type (`card-template-tag-parameters`). */
function widgetTypeOf(tag: Record<string, unknown>): string | undefined {
  if (tag.type === "dimension" && tag["widget-type"] !== "none") return String(tag["widget-type"]);
  if (typeof tag.type === "string" && (RAW_VALUE_TYPES.has(tag.type) || tag.type === "temporal-unit"))
    return tag.type;
  return undefined;
}

/** `infer-parameter-name`: `name`, else the tag the target points at. */
function parameterName(p: Record<string, unknown>): string | undefined {
  if (typeof p.name === "string") return p.name;
  const ref = Array.isArray(p.target) ? p.target[1] : undefined;
  return Array.isArray(ref) && ref[0] === "template-tag" && typeof ref[1] === "string" ? ref[1] : undefined;
}

/** Clojure's keyword order: keywords without a namespace first, then by namespace, then by name. */
function compareKeywords(a: string, b: string): number {
  const split = (k: string) =>
    k.includes("/") ? [k.slice(0, k.indexOf("/")), k.slice(k.indexOf("/") + 1)] : ["", k];
  const [nsA, nameA] = split(a);
  const [nsB, nameB] = split(b);
  if (nsA !== nsB) return nsA! < nsB! ? -1 : 1;
  return nameA! < nameB! ? -1 : nameA! > nameB! ? 1 : 0;
}

export function validateCardParameters(
  cardId: number,
  tags: Record<string, Record<string, unknown>>,
  parameters: Record<string, unknown>[],
): void {
  const widgets = new Map<string, string>();
  for (const [name, tag] of Object.entries(tags)) {
    const widget = widgetTypeOf(tag);
    if (widget) widgets.set(name, widget);
  }
  for (const p of parameters) {
    const name = parameterName(p);
    const widget = name === undefined ? undefined : widgets.get(name);
    if (widget === undefined) {
      throw new NativeQueryError(
        `Invalid parameter: Card ${cardId} does not have a template tag named ${JSON.stringify(name ?? null)}.`,
        "invalid-parameter",
      );
    }
    const type = String(p.type);
    if (!ALLOWED_FOR[type]?.includes(widget)) {
      const allowed = Object.keys(ALLOWED_FOR)
        .filter((t) => ALLOWED_FOR[t]!.includes(widget))
        .sort(compareKeywords)
        .map((t) => `:${t}`);
      throw new NativeQueryError(
        `Invalid parameter type :${type} for parameter ${JSON.stringify(name)}. Parameter type must be one of: ${allowed.join(", ")}`,
        "invalid-parameter",
      );
    }
  }
}
