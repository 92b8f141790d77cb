import type { Catalog, PerimeterAttribute } from "../catalog/index.js";
import { DEFAULT_DECIMALS } from "../catalog/columns.js";
import { describePerimeter, type Perimeter } from "../perimeter/lock-values.js";
import { ALL_DEPARTEMENT_CODES } from "../territories/territories.js";
import type { z } from "zod";
import type { ExportFormat, QuestionDescriptionSchema } from "./api-schemas.js";
import type { CsvDialect } from "./csv-dialect.js";
import type { QuestionGrant } from "./question-access.js";

/** How the API describes a question to one profile, and how an export of it is named. */

export type QuestionDescription = z.infer<typeof QuestionDescriptionSchema>;

/** The API path of a question's data: the key's slashes stay slashes (the route takes them). */
export function dataPath(key: string, format: ExportFormat, dialect?: CsvDialect): string {
  const path = `/api/questions/${key.split("/").map(encodeURIComponent).join("/")}/data?format=${format}`;
  return dialect && dialect !== "rfc4180" ? `${path}&dialect=${dialect}` : path;
}

export function describeQuestion(
  catalog: Pick<Catalog, "dashboards">,
  grant: QuestionGrant,
): QuestionDescription {
  const { question } = grant;
  return {
    key: question.key,
    name: question.name,
    description: question.description,
    content_version: question.contentVersion,
    display: question.display,
    parameters: question.parameters.map((p) => {
      const locked = grant.locks[p.tag] !== undefined;
      return {
        tag: p.tag,
        label: p.label,
        type: p.type,
        value_type: p.type === "field filter" ? (p.columnType ?? "text") : p.type,
        required: p.required,
        multiple: p.multiple,
        locked,
        ...(p.default === undefined || locked ? {} : { default: p.default }),
      };
    }),
    columns: question.columns.map((c) => ({
      name: c.name,
      label: c.label,
      kind: c.kind,
      ...(c.percentScale === undefined ? {} : { percent_scale: c.percentScale }),
      ...(c.unit === undefined ? {} : { unit: c.unit }),
      ...((c.decimals ?? DEFAULT_DECIMALS[c.kind]) === undefined
        ? {}
        : { decimals: c.decimals ?? DEFAULT_DECIMALS[c.kind] }),
      ...(c.description === undefined ? {} : { description: c.description }),
    })),
    dashboards: grant.dashboards.map((key) => ({
      key,
      title: catalog.dashboards.find((d) => d.key === key)?.title ?? key,
    })),
    data: {
      csv: dataPath(question.key, "csv"),
      csv_excel_fr: dataPath(question.key, "csv", "excel-fr"),
      json: dataPath(question.key, "json"),
      xlsx: dataPath(question.key, "xlsx"),
    },
  };
}

/** The perimeter attributes that fill the grant's locks (through the dashboards that lock them). */
export function lockedAttributes(
  catalog: Pick<Catalog, "dashboards">,
  grant: QuestionGrant,
): Set<PerimeterAttribute> {
  const attributes = new Set<PerimeterAttribute>();
  for (const dashboard of catalog.dashboards) {
    if (!grant.dashboards.includes(dashboard.key)) continue;
    for (const card of dashboard.cards) {
      if (card.question !== grant.question.key) continue;
      for (const slug of Object.keys(card.mappings)) {
        const locked = dashboard.parameters.find((p) => p.slug === slug)?.locked;
        if (locked) attributes.add(locked);
      }
    }
  }
  return attributes;
}

const TERRITORIAL: readonly PerimeterAttribute[] = ["departements", "departement_labels", "region"];

/**
 * What the exported rows cover, in French, for the file name: all of France for an unlocked (public)
 * question, the territory when a territorial lock applies, otherwise the organisation whose structures,
 * network or orientations the locks restrict to.
 */
export function exportScope(
  attributes: ReadonlySet<PerimeterAttribute>,
  profile: { perimeter: Perimeter; organisationLabel: string } | null,
): string {
  if (attributes.size === 0 || !profile) return "France entière";
  if (TERRITORIAL.some((a) => attributes.has(a))) {
    const { departements, region } = profile.perimeter;
    return describePerimeter(
      { ...(departements ? { departements } : {}), ...(region ? { region } : {}) },
      ALL_DEPARTEMENT_CODES.length,
    );
  }
  return profile.organisationLabel;
}

function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
}

const PARIS_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** `iae-candidatures-par-etat_93-seine-saint-denis_2026-05-04.csv`: ASCII, so every browser keeps it. */
export function exportFileName(key: string, scope: string, format: ExportFormat, now = new Date()): string {
  return `${slug(key.replaceAll("/", " "))}_${slug(scope) || "perimetre"}_${PARIS_DAY.format(now)}.${format}`;
}
