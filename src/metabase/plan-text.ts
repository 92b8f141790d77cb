import { agree, countOf } from "../french-plural.js";
import type { FieldChange } from "./diff.js";
import { canonicalJson } from "./normalize.js";
import type { Plan, PlanEntry } from "./plan.js";

/** The plan as people read it (French), one block per object that would change. */

export const NOUN: Record<PlanEntry["model"], string> = {
  collection: "collection",
  card: "question",
  dashboard: "tableau de bord",
};

export const ACTION: Record<PlanEntry["action"], { sign: string; verb: string }> = {
  create: { sign: "+", verb: "créer" },
  update: { sign: "~", verb: "modifier" },
  restore: { sign: "↺", verb: "restaurer" },
  archive: { sign: "-", verb: "archiver" },
  record: { sign: "·", verb: "enregistrer" },
  noop: { sign: "=", verb: "inchangé" },
};

const FIELD: Record<string, string> = {
  name: "nom",
  description: "description",
  marker: "marque pilotage:",
  display: "type de graphique",
  visualizationSettings: "réglages de visualisation",
  collection: "collection",
  parent: "collection parente",
  databaseId: "base de données",
  sql: "SQL",
  templateTags: "variables",
  parameters: "filtres",
  enableEmbedding: "intégration activée",
  embeddingParams: "intégration (verrous et filtres)",
  archived: "archivé",
  dashcards: "cartes",
  tabs: "onglets",
};

export function renderPlan(plan: Plan): string {
  const lines: string[] = [`Metabase ${plan.siteUrl} (${plan.metabaseVersion})`, ""];
  const changing = plan.entries.filter((e) => e.action !== "noop");
  for (const entry of changing) lines.push(...renderPlanEntry(entry), "");
  if (plan.breaches.length > 0) {
    lines.push(
      "Contrats de verrouillage rompus dans Metabase (la passerelle ne signe plus de jeton pour ces tableaux) :",
    );
    for (const breach of plan.breaches) {
      lines.push(
        `  ${breach.dashboard} (#${breach.metabaseId}) :`,
        ...breach.problems.map((p) => `    - ${p}`),
      );
    }
    lines.push("");
  }
  if (plan.warnings.length > 0) {
    lines.push("Avertissements :", ...plan.warnings.map((w) => `  - ${w}`), "");
  }
  if (plan.conflicts.length > 0) {
    lines.push("Conflits (apply refusera de s'exécuter) :", ...plan.conflicts.map((c) => `  - ${c}`), "");
  }
  lines.push(summary(plan));
  return `${lines.join("\n")}\n`;
}

export function summary(plan: Plan): string {
  const count = (action: PlanEntry["action"]) => plan.entries.filter((e) => e.action === action).length;
  if (!plan.hasChanges) {
    return `Aucun changement : Metabase est conforme aux fichiers (${countOf(plan.entries.length, "objet géré", "objets gérés")}).`;
  }
  const parts = [
    [count("create"), "à créer"],
    [count("update"), "à modifier"],
    [count("restore"), "à restaurer"],
    [count("archive"), "à archiver"],
    [count("record"), "à enregistrer seulement"],
    [count("noop"), agree(count("noop"), "inchangé", "inchangés")],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(", ");
  const conflicts = plan.conflicts.length;
  return `Changements : ${text}.${conflicts > 0 ? ` ${countOf(conflicts, "conflit", "conflits")}.` : ""} \`pilotage apply\` les appliquera.`;
}

/** One object's block: what would happen to it, then each field's change, warnings and notes. */
export function renderPlanEntry(entry: PlanEntry): string[] {
  const { sign, verb } = ACTION[entry.action];
  const id = entry.metabaseId === undefined ? "" : ` (#${entry.metabaseId})`;
  const origin =
    entry.origin === "metabase"
      ? " [dérive : modifié dans Metabase depuis le dernier apply]"
      : entry.origin === "fichiers"
        ? " [fichiers modifiés]"
        : "";
  const lines = [`${sign} ${verb} ${NOUN[entry.model]} ${entry.key}${id} « ${entry.label} »${origin}`];
  for (const change of entry.changes) lines.push(...renderChange(change).map((l) => `    ${l}`));
  for (const warning of entry.warnings) lines.push(`    ⚠ ${warning}`);
  for (const note of entry.notes) lines.push(`    · ${note}`);
  return lines;
}

function renderChange(change: FieldChange): string[] {
  const label = FIELD[change.field] ?? change.field;
  if (change.field === "sql" && typeof change.before === "string" && typeof change.after === "string") {
    return [`${label} :`, ...lineDiff(change.before, change.after).map((l) => `  ${l}`)];
  }
  if (change.details && change.details.length > 0) {
    return [`${label} :`, ...change.details.map((d) => `  ${d}`)];
  }
  return [`${label} : ${show(change.before)} → ${show(change.after)}`];
}

function show(value: unknown): string {
  if (value === undefined || value === null) return "(vide)";
  if (typeof value === "string") return value === "" ? "(vide)" : `« ${truncate(value)} »`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return truncate(canonicalJson(value));
}

function truncate(text: string, max = 160): string {
  const single = text.replace(/\s*\n\s*/g, " ⏎ ");
  return single.length > max ? `${single.slice(0, max - 1)}…` : single;
}

/**
 * A line diff (longest common subsequence), unchanged runs shortened to two lines of context: SQL files are
 * short, so the quadratic table is fine.
 */
export function lineDiff(before: string, after: string, context = 2): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Array<{ op: " " | "-" | "+"; text: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ op: " ", text: a[i]! });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      ops.push({ op: "+", text: b[j]! });
      j++;
    } else {
      ops.push({ op: "-", text: a[i]! });
      i++;
    }
  }
  const keep = ops.map(
    (o, k) => o.op !== " " || ops.slice(Math.max(0, k - context), k + context + 1).some((n) => n.op !== " "),
  );
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (keep[k]) out.push(`${o.op} ${o.text}`);
    else if (keep[k - 1] !== false || k === 0) out.push("  …");
  });
  return out;
}
