import type { CardForm, CollectionForm, DashboardForm, DashcardForm } from "./forms.js";
import { columnTitles, visualizationDetails } from "./column-settings.js";
import { canonicalJson, sameJson } from "./normalize.js";

/**
 * Field-by-field differences between what the definitions want (`after`) and what Metabase holds
 * (`before`), on normal forms. Pure.
 */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  /** Readable lines for structured fields (embedding, parameters, dashcards); French. */
  details?: string[];
}

const CARD_FIELDS = [
  "name",
  "description",
  "marker",
  "display",
  "visualizationSettings",
  "collection",
  "databaseId",
  "sql",
  "templateTags",
  "parameters",
  "enableEmbedding",
  "embeddingParams",
  "archived",
] as const satisfies ReadonlyArray<keyof CardForm>;

const DASHBOARD_FIELDS = [
  "name",
  "description",
  "marker",
  "collection",
  "archived",
  "enableEmbedding",
  "embeddingParams",
  "parameters",
  "dashcards",
  "tabs",
] as const satisfies ReadonlyArray<keyof DashboardForm>;

const COLLECTION_FIELDS = [
  "name",
  "description",
  "marker",
  "parent",
  "archived",
] as const satisfies ReadonlyArray<keyof CollectionForm>;

export function diffCollection(desired: CollectionForm, remote: CollectionForm): FieldChange[] {
  return COLLECTION_FIELDS.filter((f) => !sameJson(desired[f], remote[f])).map((f) => ({
    field: f,
    before: remote[f],
    after: desired[f],
  }));
}

export function diffCard(desired: CardForm, remote: CardForm): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of CARD_FIELDS) {
    if (sameJson(desired[field], remote[field])) continue;
    const change: FieldChange = { field, before: remote[field], after: desired[field] };
    if (field === "embeddingParams")
      change.details = embeddingDetails(remote.embeddingParams, desired.embeddingParams);
    if (field === "templateTags")
      change.details = recordDetails(remote.templateTags, desired.templateTags, "variable");
    if (field === "visualizationSettings")
      change.details = visualizationDetails(remote.visualizationSettings, desired.visualizationSettings);
    changes.push(change);
  }
  return changes;
}

export function diffDashboard(desired: DashboardForm, remote: DashboardForm): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of DASHBOARD_FIELDS) {
    // Not read in detail: unchanged since the last apply, by construction (see remote-state.ts).
    if ((field === "dashcards" || field === "tabs") && remote[field] === undefined) continue;
    if (sameJson(desired[field], remote[field])) continue;
    const change: FieldChange = { field, before: remote[field], after: desired[field] };
    if (field === "embeddingParams")
      change.details = embeddingDetails(remote.embeddingParams, desired.embeddingParams);
    if (field === "parameters") {
      change.details = recordDetails(
        Object.fromEntries(remote.parameters.map((p) => [p.slug, p])),
        Object.fromEntries(desired.parameters.map((p) => [p.slug, p])),
        "filtre",
      );
      if (change.details.length === 0) change.details = ["ordre des filtres modifié"];
    }
    if (field === "dashcards")
      change.details = dashcardDetails(remote.dashcards ?? [], desired.dashcards ?? []);
    changes.push(change);
  }
  return changes;
}

const STATUS_FR: Record<string, string> = {
  locked: "verrouillé",
  enabled: "modifiable",
  disabled: "désactivé",
};

function status(value: string | undefined): string {
  return value === undefined ? "absent (désactivé)" : (STATUS_FR[value] ?? value);
}

export function embeddingDetails(before: Record<string, string>, after: Record<string, string>): string[] {
  const slugs = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return slugs
    .filter((slug) => before[slug] !== after[slug])
    .map((slug) => {
      const lockChange = before[slug] === "locked" || after[slug] === "locked";
      return `${lockChange ? "VERROU " : ""}${slug} : ${status(before[slug])} → ${status(after[slug])}`;
    });
}

function recordDetails(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  noun: string,
): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines: string[] = [];
  for (const name of names) {
    if (!(name in before)) lines.push(`+ ${noun} ${name} : ${canonicalJson(after[name])}`);
    else if (!(name in after)) lines.push(`- ${noun} ${name}`);
    else if (!sameJson(before[name], after[name])) {
      lines.push(`~ ${noun} ${name} : ${canonicalJson(before[name])} → ${canonicalJson(after[name])}`);
    }
  }
  return lines;
}

/**
 * Pairs each wanted dashcard with a current one showing the same question (nearest position first), so that
 * a moved card reads as "moved", not as "removed + added"; the same pairing decides which dashcard ids
 * `apply` keeps (payloads.ts).
 */
export function pairDashcards<R extends { question: string; row: number; col: number }>(
  current: readonly R[],
  wanted: readonly DashcardForm[],
): Array<{ wanted: DashcardForm | undefined; current: R | undefined }> {
  const free = [...current];
  const pairs: Array<{ wanted: DashcardForm | undefined; current: R | undefined }> = [];
  for (const w of wanted) {
    let best = -1;
    let bestDistance = Infinity;
    free.forEach((c, i) => {
      if (c.question !== w.question) return;
      const distance = Math.abs(c.row - w.row) * 100 + Math.abs(c.col - w.col);
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    const match = best >= 0 ? free.splice(best, 1)[0] : undefined;
    pairs.push({ wanted: w, current: match });
  }
  for (const c of free) pairs.push({ wanted: undefined, current: c });
  return pairs;
}

function place(card: { row: number; col: number; sizeX: number; sizeY: number }): string {
  return `ligne ${card.row}, colonne ${card.col}, ${card.sizeX}×${card.sizeY}`;
}

function dashcardDetails(before: readonly DashcardForm[], after: readonly DashcardForm[]): string[] {
  const lines: string[] = [];
  for (const { wanted, current } of pairDashcards(before, after)) {
    if (wanted && !current) lines.push(`+ carte ${wanted.question} (${place(wanted)})`);
    else if (!wanted && current) lines.push(`- carte ${current.question} (${place(current)})`);
    else if (wanted && current) {
      const what: string[] = [];
      if (wanted.row !== current.row || wanted.col !== current.col) {
        what.push(`déplacée de (${current.row}, ${current.col}) à (${wanted.row}, ${wanted.col})`);
      }
      if (wanted.sizeX !== current.sizeX || wanted.sizeY !== current.sizeY) {
        what.push(`taille ${current.sizeX}×${current.sizeY} → ${wanted.sizeX}×${wanted.sizeY}`);
      }
      if (!sameJson(wanted.mappings, current.mappings)) {
        what.push(`filtres ${mappingText(current.mappings)} → ${mappingText(wanted.mappings)}`);
      }
      if (!sameJson(wanted.visualizationSettings, current.visualizationSettings)) {
        const titles = Object.entries(columnTitles(current.visualizationSettings));
        what.push(
          titles.length > 0
            ? `titres de colonnes posés sur le tableau de bord (${titles.map(([name, title]) => `${name} « ${title} »`).join(", ")}) : les libellés de la question s'appliquent`
            : "réglages d'affichage de la carte remis à zéro",
        );
      }
      if (what.length > 0) lines.push(`~ carte ${wanted.question} : ${what.join(" ; ")}`);
    }
  }
  return lines;
}

function mappingText(mappings: Record<string, string>): string {
  const entries = Object.entries(mappings).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? "(aucun)" : entries.map(([slug, tag]) => `${slug}→${tag}`).join(", ");
}
