import { anchorDateString, type Dashboard, type DashboardParameter } from "../catalog/index.js";
import type { LockValue } from "../perimeter/lock-values.js";
import { dateStringToRange, parseDay, type Day } from "../template/index.js";
import { SEARCHABLE_ABOVE, type FilterList } from "./filter-values.js";
import { frenchLongDate } from "./french-format.js";

/**
 * The editable filters of a dashboard page, read from its URL (bookmarkable: `?type_structure=ACI&
 * type_structure=EI&periode=past6months`, or `periode_du` / `periode_au` for dates of one's own) and laid
 * out as people choose: a select or checkboxes for a list, a searchable field past 50 choices, a period
 * picker for dates. Locked parameters and unknown names are ignored: a locked value comes only from the
 * perimeter (PRODUCT.md §3, invariant 1). A value outside a filter's list, or one that does not read, is
 * an error the page answers with a 400 and says in French, the defaults standing in.
 */

export interface FilterOption {
  value: string;
  label: string;
  selected: boolean;
}

export interface FilterField {
  parameter: DashboardParameter;
  /** The control's id (`filtre-<slug>`), which the error summary links to. */
  id: string;
  widget: "select" | "checkboxes" | "search" | "period" | "input";
  options: FilterOption[];
  /** What a text field shows. */
  text: string;
  /** The period picker's own dates, and the period it reads as (« du 1er novembre 2025 au 31 octobre 2026 »). */
  period?: { from: string; to: string; reads: string };
  /** Required: no « all » choice. */
  required: boolean;
  error?: string;
}

export interface FilterChoice {
  /** Slug → value for the editable parameters the request set (validated against their types and lists). */
  values: Record<string, unknown>;
  /** Editable parameters the request emptied on purpose: no value, not even the default. */
  cleared: Set<string>;
  fields: FilterField[];
  errors: Array<{ slug: string; message: string }>;
}

/** Sent by the form: a filter left out then means « none », not « its default ». */
export const SUBMITTED = "filtres";

export const PERIODS: ReadonlyArray<readonly [string, string]> = [
  ["past3months", "Les 3 derniers mois"],
  ["past6months", "Les 6 derniers mois"],
  ["past12months", "Les 12 derniers mois"],
  ["past24months", "Les 24 derniers mois"],
  ["lastmonth", "Le dernier mois"],
  ["thisyear", "L'année en cours"],
  ["lastyear", "L'année précédente"],
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function strings(raw: unknown): string[] {
  if (typeof raw === "string") return [raw];
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === "string");
  return [];
}

function asList(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function listing(values: string[]): string {
  const shown = values.slice(0, 8).join(", ");
  return values.length > 8 ? `${shown}…` : shown;
}

/** The period a value reads as, in French, against the data's cut-off. */
export function periodReads(value: string, cutoff: Day): string {
  const anchored = anchorDateString(value, cutoff);
  const [start, end] = anchored.includes("~") ? anchored.split("~") : [anchored, anchored];
  const from = start ? parseDay(start) : null;
  const to = end ? parseDay(end) : null;
  if (from && to) return `du ${frenchLongDate(from)} au ${frenchLongDate(to)}`;
  return "";
}

function parseScalar(parameter: DashboardParameter, part: string, today: Day): unknown {
  switch (parameter.type) {
    case "number": {
      const n = Number(part.replace(",", "."));
      if (part.trim() === "" || !Number.isFinite(n))
        throw new Error(`« ${parameter.label} » attend un nombre.`);
      return n;
    }
    case "date":
      if (!DAY.test(part) || !parseDay(part))
        throw new Error(`« ${parameter.label} » attend une date au format AAAA-MM-JJ.`);
      return part;
    case "date range":
      try {
        dateStringToRange(part, today);
      } catch {
        throw new Error(`« ${parameter.label} » : période non reconnue.`);
      }
      return part;
    default:
      return part;
  }
}

function readList(
  parameter: DashboardParameter,
  raw: string[],
  list: FilterList,
  field: FilterField,
): unknown {
  const known = new Map(list.values.map((v) => [String(v.value), v]));
  const parts = field.widget === "search" && parameter.multiple ? raw.flatMap((r) => r.split(",")) : raw;
  const chosen = parts.map((p) => p.trim()).filter(Boolean);
  const unknown = list.truncated ? [] : chosen.filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new Error(
      `« ${parameter.label} » : ${unknown.map((v) => `« ${v} »`).join(", ")} ${unknown.length > 1 ? "ne sont pas des valeurs proposées" : "n'est pas une valeur proposée"} (${listing(list.values.map((v) => String(v.value)))}).`,
    );
  }
  if (!parameter.multiple && chosen.length > 1)
    throw new Error(`« ${parameter.label} » ne prend qu'une valeur.`);
  const values = chosen.map((v) => known.get(v)?.value ?? (parameter.type === "number" ? Number(v) : v));
  return parameter.multiple ? values : values[0];
}

function fieldOf(parameter: DashboardParameter, list: FilterList | undefined): FilterField {
  const widget: FilterField["widget"] =
    parameter.type === "date range"
      ? "period"
      : list
        ? list.values.length > SEARCHABLE_ABOVE
          ? "search"
          : parameter.multiple
            ? "checkboxes"
            : "select"
        : "input";
  return {
    parameter,
    id: `filtre-${parameter.slug}`,
    widget,
    options: (list?.values ?? []).map((v) => ({ value: String(v.value), label: v.label, selected: false })),
    text: "",
    required: false,
  };
}

/** Marks the options and fills the text a field shows for a value (or the default). */
function show(field: FilterField, value: unknown): void {
  const chosen = new Set(asList(value).map(String));
  for (const option of field.options) option.selected = chosen.has(option.value);
  if (field.widget === "search" || field.widget === "input")
    field.text = asList(value).map(String).join(", ");
}

export function readFilterChoice(
  dashboard: Dashboard,
  query: Record<string, unknown>,
  context: { today: Day; cutoff: Day; lists?: Record<string, FilterList> },
): FilterChoice {
  const choice: FilterChoice = { values: {}, cleared: new Set(), fields: [], errors: [] };
  const submitted = Object.hasOwn(query, SUBMITTED);
  for (const parameter of dashboard.parameters) {
    if (parameter.locked) continue;
    const list = context.lists?.[parameter.slug];
    const field = fieldOf(parameter, list);
    choice.fields.push(field);
    const fail = (message: string) => {
      field.error = message;
      choice.errors.push({ slug: parameter.slug, message });
      show(field, parameter.default);
    };

    if (field.widget === "period") {
      const from = strings(query[`${parameter.slug}_du`])[0]?.trim() ?? "";
      const to = strings(query[`${parameter.slug}_au`])[0]?.trim() ?? "";
      let raw = strings(query[parameter.slug])[0]?.trim();
      const written = raw === undefined ? undefined : /^(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})$/.exec(raw);
      field.options = [
        { value: "", label: "Toute la période", selected: false },
        ...PERIODS.map(([value, label]) => ({ value, label, selected: false })),
      ];
      const own = written ? { from: written[1]!, to: written[2]! } : { from, to };
      field.period = { ...own, reads: "" };
      try {
        if (own.from || own.to) {
          if (!own.from || !own.to)
            throw new Error(`« ${parameter.label} » : choisissez la date de début et la date de fin.`);
          for (const day of [own.from, own.to])
            if (!DAY.test(day) || !parseDay(day))
              throw new Error(`« ${parameter.label} » : « ${day} » n'est pas une date (AAAA-MM-JJ).`);
          if (own.from > own.to)
            throw new Error(`« ${parameter.label} » : la date de début vient après la date de fin.`);
          raw = `${own.from}~${own.to}`;
        }
      } catch (error) {
        fail((error as Error).message);
        continue;
      }
      if (raw === undefined && !submitted) {
        show(field, parameter.default);
        if (typeof parameter.default === "string")
          field.period.reads = periodReads(parameter.default, context.cutoff);
        continue;
      }
      if (raw === undefined || raw === "") {
        choice.cleared.add(parameter.slug);
        show(field, "");
        continue;
      }
      try {
        choice.values[parameter.slug] = parseScalar(parameter, raw, context.today);
      } catch (error) {
        fail((error as Error).message);
        continue;
      }
      if (!field.options.some((o) => o.value === raw) && !own.from)
        field.options.push({ value: raw, label: raw, selected: false });
      show(field, own.from ? "" : raw);
      field.period.reads = periodReads(raw, context.cutoff);
      continue;
    }

    const raw = strings(query[parameter.slug]);
    const blank = raw.every((r) => r.trim() === "");
    if (raw.length === 0 && !submitted) {
      show(field, parameter.default);
      continue;
    }
    if (blank) {
      choice.cleared.add(parameter.slug);
      show(field, undefined);
      continue;
    }
    try {
      const value = list
        ? readList(parameter, raw, list, field)
        : parameter.multiple
          ? raw
              .flatMap((r) => r.split(","))
              .map((p) => p.trim())
              .filter(Boolean)
              .map((p) => parseScalar(parameter, p, context.today))
          : parseScalar(parameter, raw[0]!.trim(), context.today);
      choice.values[parameter.slug] = value;
      show(field, value);
    } catch (error) {
      fail((error as Error).message);
      if (field.widget === "input" || field.widget === "search") field.text = raw.join(", ");
    }
  }
  return choice;
}

/** The dashboard as the gateway renders it for this choice: emptied filters lose their default. */
export function withChoice(dashboard: Dashboard, choice: FilterChoice): Dashboard {
  if (choice.cleared.size === 0) return dashboard;
  return {
    ...dashboard,
    parameters: dashboard.parameters.map((p) => {
      if (!choice.cleared.has(p.slug)) return p;
      const { default: _dropped, ...rest } = p;
      return rest;
    }),
  };
}

/**
 * Every value a card runs with: the editable choices, then the locks on top, so that nothing the request
 * carries can replace a locked value even if a slug slipped through.
 */
export function cardValues(choice: FilterChoice, locks: Record<string, LockValue>): Record<string, unknown> {
  return { ...choice.values, ...locks };
}

/** What the filters hold, in a few words, for the folded filters' button (« Les 12 derniers mois · ACI, EI »). */
export function choiceSummary(choice: FilterChoice): string {
  return choice.fields
    .map((field) => {
      const selected = field.options.filter((o) => o.selected).map((o) => o.label);
      if (field.widget === "period") {
        if (field.period?.from && field.period.to) return field.period.reads;
        return selected[0] ?? "toute la période";
      }
      const name = field.parameter.label.toLowerCase();
      if (field.widget === "checkboxes" || field.widget === "select") {
        if (selected.length === 0) return `${name} : tous`;
        return selected.length > 3
          ? `${name} : ${selected.length} choix`
          : `${name} : ${selected.join(", ")}`;
      }
      return `${name} : ${field.text || "tous"}`;
    })
    .join(" · ");
}
