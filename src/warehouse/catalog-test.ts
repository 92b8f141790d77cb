import { countOf } from "../french-plural.js";
import {
  anchorDashboard,
  cutoffDay,
  dashboardCardParameters,
  questionRenderParameters,
  renderQuestion,
  type Catalog,
  type Dashboard,
  type Question,
} from "../catalog/index.js";
import { columnMismatch } from "../catalog/columns.js";
import { noteDashboard } from "../catalog/note-dashboard.js";
import { dashboardAccess } from "../perimeter/dashboard-access.js";
import type { Database, Executor } from "../storage/database.js";
import { dayIn, type RenderedQuery } from "../template/index.js";
import { checkExpectations, uncoveredNoteBlocks, type FixtureExpectations } from "./fixture-checks.js";
import { canonicalValue, runQuery, type Outcome, type QueryResult } from "./query-run.js";
import { readLoadMarker } from "./load-marker.js";
import { inFilteredWarehouse, inRolledBackTransaction, type PerimeterFilter } from "./filtered-copy.js";
import type { SampleProfile } from "./sample-profiles.js";

/**
 * `pilotage test`: every question of the catalogue, run on a seeded warehouse as each dashboard shows it,
 * under the locks of every sample profile allowed to open that dashboard, and checked three ways:
 *   - it runs within the time limit and returns rows of the declared shape;
 *   - no leak: its answer equals the answer computed on a copy of the warehouse that holds only the
 *     perimeter's rows (filtered-copy.ts); a difference means rows from outside the perimeter shaped it;
 *   - on a tiny hand-made warehouse, key indicators equal values computed by hand (expectations.ts).
 */

export interface CatalogTestOptions {
  db: Database;
  catalog: Catalog;
  profiles: readonly SampleProfile[];
  expectations?: FixtureExpectations | undefined;
  /** Per query; a slower one fails. */
  timeoutMs?: number;
  /** "Now" for relative dates (`past12months`). */
  now?: Date;
  onProgress?: (line: string) => void;
}

export type FailureKind = "error" | "timeout" | "shape" | "leak" | "empty" | "expectation" | "untested";

export interface CatalogTestFailure {
  kind: FailureKind;
  question: string;
  dashboard?: string;
  profile?: string;
  message: string;
}

export interface QueryRun {
  dashboard: string | null;
  question: string;
  profile: string;
  rows: number;
  ms: number;
  leakChecked: boolean;
}

export interface CatalogTestReport {
  ok: boolean;
  counts: {
    questions: number;
    dashboards: number;
    notes: number;
    profiles: number;
    runs: number;
    leakChecks: number;
    expectations: number;
  };
  durationMs: number;
  slowest: QueryRun[];
  failures: CatalogTestFailure[];
  runs: QueryRun[];
}

const NUMERIC_TYPES = new Set([20, 21, 23, 700, 701, 1700]);

function rowKeys(result: QueryResult): string[] {
  return result.rows.map((row) => JSON.stringify(result.columns.map((c) => canonicalValue(row[c])))).sort();
}

/** Rows in one result and not the other (as a multiset), a few of each. */
function difference(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const counts = new Map<string, number>();
  for (const key of b) counts.set(key, (counts.get(key) ?? 0) + 1);
  const onlyA: string[] = [];
  for (const key of a) {
    const n = counts.get(key) ?? 0;
    if (n > 0) counts.set(key, n - 1);
    else onlyA.push(key);
  }
  const onlyB = [...counts.entries()].flatMap(([key, n]) => Array<string>(n).fill(key));
  return { onlyA, onlyB };
}

/**
 * The declared shape: exactly the columns described under `columns:` (in their order), distinct column
 * names, the columns the visualization names, scalars as one value.
 */
export function shapeProblems(
  question: Pick<Question, "display" | "visualization" | "columns">,
  result: Pick<QueryResult, "columns" | "types" | "rows">,
): string[] {
  const problems: string[] = [];
  if (question.columns.length === 0) {
    problems.push(
      `ses colonnes ne sont pas décrites (« columns: » dans l'en-tête) : ${result.columns.map((c) => `« ${c} »`).join(", ")} arriveraient telles quelles aux lecteurs`,
    );
  } else {
    const { missing, undescribed, orderDiffers } = columnMismatch(question, result.columns);
    for (const name of undescribed) problems.push(`la colonne « ${name} » du résultat n'est pas décrite`);
    for (const name of missing) problems.push(`la colonne décrite « ${name} » est absente du résultat`);
    if (orderDiffers)
      problems.push(`les colonnes ne sont pas dans l'ordre décrit (résultat : ${result.columns.join(", ")})`);
  }
  const seen = new Set<string>();
  for (const column of result.columns) {
    if (seen.has(column)) problems.push(`la colonne « ${column} » apparaît deux fois`);
    seen.add(column);
  }
  const visualization = question.visualization;
  const named = (setting: string): string[] => {
    const value = visualization[setting];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  };
  for (const column of [...named("graph.dimensions"), ...named("graph.metrics")]) {
    if (!seen.has(column))
      problems.push(`la visualisation utilise la colonne « ${column} », absente du résultat`);
  }
  for (const column of named("graph.metrics")) {
    const index = result.columns.indexOf(column);
    if (index >= 0 && !NUMERIC_TYPES.has(result.types[index]!)) {
      problems.push(`la mesure « ${column} » n'est pas numérique`);
    }
  }
  // A key figure: one value, and the previous period's in a second column when the question gives it.
  if (
    question.display === "scalar" &&
    (result.columns.length < 1 || result.columns.length > 2 || result.rows.length > 1)
  ) {
    problems.push(
      `un affichage « scalar » attend une seule ligne, une valeur et au plus celle de la période précédente ; le résultat a ${result.columns.length} colonnes et ${result.rows.length} lignes`,
    );
  }
  if (question.display === "pie" && result.columns.length < 2) {
    problems.push("un camembert attend une dimension et une mesure");
  }
  return problems;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n > 1 ? "s" : ""}`;
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

interface Context {
  dashboard: Dashboard;
  profileLabel: string;
  locks: Record<string, unknown>;
  filters: PerimeterFilter[];
}

/** The profiles a dashboard is tested under: anonymous for a public one, else every allowed sample. */
function contextsOf(dashboard: Dashboard, profiles: readonly SampleProfile[]): Context[] {
  const lockedParameters = dashboard.parameters.filter((p) => p.locked);
  if (dashboard.public && lockedParameters.length === 0) {
    return [{ dashboard, profileLabel: "public (sans connexion)", locks: {}, filters: [] }];
  }
  return profiles.flatMap((profile): Context[] => {
    const decision = dashboardAccess(profile, dashboard);
    if (!decision.allowed) return [];
    return [
      {
        dashboard,
        profileLabel: profile.label,
        locks: decision.locks,
        filters: lockedParameters.map((p) => ({
          attribute: p.locked!,
          values: listOf(decision.locks[p.slug]),
        })),
      },
    ];
  });
}

export async function testCatalog(options: CatalogTestOptions): Promise<CatalogTestReport> {
  const { db, catalog, profiles } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? new Date();
  const progress = options.onProgress ?? (() => {});
  const started = performance.now();
  const failures: CatalogTestFailure[] = [];
  const runs: QueryRun[] = [];
  const questions = new Map(catalog.questions.map((q) => [q.key, q]));
  const rowsSeen = new Map<string, number>();
  let leakChecks = 0;
  // Relative defaults (`past12months`, `thisyear`) mean periods of the data, as on the pages.
  const cutoff = cutoffDay((await readLoadMarker(db))?.cutoffDate) ?? dayIn(now, "Europe/Paris");

  // A note's figure blocks run exactly as its page runs them: as the cards of the dashboard it behaves like.
  const units = [
    ...catalog.dashboards.map((dashboard) => ({
      dashboard,
      label: `le tableau de bord « ${dashboard.title} »`,
      of: `du tableau de bord « ${dashboard.title} »`,
    })),
    ...catalog.notes.map((note) => ({
      dashboard: noteDashboard(note),
      label: `la note « ${note.title} »`,
      of: `de la note « ${note.title} »`,
    })),
  ];
  for (const { dashboard, label, of } of units) {
    const contexts = contextsOf(dashboard, profiles);
    if (contexts.length === 0) {
      for (const card of dashboard.cards) {
        failures.push({
          kind: "untested",
          question: card.question,
          dashboard: dashboard.key,
          message: `Aucun profil d'exemple ne peut ouvrir ${label} : ses questions ne sont pas testées sous verrou.`,
        });
      }
      continue;
    }
    const dashboardStarted = performance.now();
    let dashboardFailures = 0;
    for (const context of contexts) {
      const cards = dashboard.cards.flatMap((card) => {
        const question = questions.get(card.question);
        if (!question) return [];
        try {
          const rendered = renderQuestion(
            question,
            dashboardCardParameters(anchorDashboard(dashboard, cutoff), card, question, context.locks),
            {
              now,
            },
          );
          return [{ question, rendered }];
        } catch (error) {
          dashboardFailures++;
          failures.push({
            kind: "error",
            question: question.key,
            dashboard: dashboard.key,
            profile: context.profileLabel,
            message: `La question « ${question.name} » (${question.key}) ne se construit pas sous le périmètre « ${context.profileLabel} » : ${error instanceof Error ? error.message : String(error)}`,
          });
          return [];
        }
      });

      const runCards = async (tx: Executor) => {
        const outcomes: Outcome[] = [];
        for (const card of cards) outcomes.push(await runQuery(tx, card.rendered));
        return outcomes;
      };
      const onFull = () => inRolledBackTransaction(db, { timeoutMs }, runCards);
      const onCopy = () =>
        context.filters.length > 0 ? inFilteredWarehouse(db, context.filters, timeoutMs, runCards) : null;
      // On Postgres the whole warehouse and the perimeter's copy are read at once, on two connections (the
      // copy lives in its own transaction, unseen by the other): at scale 10 that is most of the run's
      // time. PGlite has a single connection: one after the other.
      const [full, filtered] =
        db.kind === "postgres" ? await Promise.all([onFull(), onCopy()]) : [await onFull(), await onCopy()];

      cards.forEach(({ question }, index) => {
        const where = { question: question.key, dashboard: dashboard.key, profile: context.profileLabel };
        const outcome = full[index]!;
        const named = `« ${question.name} » (${question.key}) ${of}`;
        if (!outcome.ok) {
          dashboardFailures++;
          failures.push({
            ...where,
            kind: outcome.timeout ? "timeout" : "error",
            message: outcome.timeout
              ? `La question ${named} dépasse ${timeoutMs} ms sous le périmètre « ${context.profileLabel} ».`
              : `La question ${named} échoue sous le périmètre « ${context.profileLabel} » : ${outcome.message}`,
          });
          return;
        }
        const result = outcome.result;
        rowsSeen.set(question.key, (rowsSeen.get(question.key) ?? 0) + result.rows.length);
        runs.push({
          dashboard: dashboard.key,
          question: question.key,
          profile: context.profileLabel,
          rows: result.rows.length,
          ms: Math.round(result.ms),
          leakChecked: filtered !== null,
        });
        const shape = shapeProblems(question, result);
        if (shape.length > 0) {
          dashboardFailures++;
          failures.push({
            ...where,
            kind: "shape",
            message: `La question ${named} ne renvoie pas la forme déclarée : ${shape.join(" ; ")}.`,
          });
        }
        if (!filtered) return;
        leakChecks++;
        const copy = filtered[index]!;
        if (!copy.ok) {
          dashboardFailures++;
          failures.push({
            ...where,
            kind: "error",
            message: `La question ${named} échoue sur la copie filtrée du périmètre « ${context.profileLabel} » : ${copy.message}`,
          });
          return;
        }
        const { onlyA, onlyB } = difference(rowKeys(result), rowKeys(copy.result));
        if (onlyA.length > 0 || onlyB.length > 0) {
          dashboardFailures++;
          const show = (key: string | undefined) =>
            key === undefined
              ? "aucune"
              : (JSON.parse(key) as unknown[])
                  .map((v, i) => `${result.columns[i]} = ${JSON.stringify(v)}`)
                  .join(", ");
          failures.push({
            ...where,
            kind: "leak",
            message:
              `Fuite : la question ${named}, sous le périmètre « ${context.profileLabel} », ne donne pas le même ` +
              `résultat que sur une copie de l'entrepôt réduite à ce périmètre : ${countOf(onlyA.length, "ligne", "lignes")} du ` +
              `résultat ${onlyA.length <= 1 ? "n'existe" : "n'existent"} pas sur la copie (par exemple ${show(onlyA[0])}) et ` +
              `${countOf(onlyB.length, "ligne", "lignes")} de la copie ${onlyB.length <= 1 ? "manque" : "manquent"} au résultat (par exemple ${show(onlyB[0])}). Des lignes hors du périmètre ` +
              "influencent la réponse : vérifiez que chaque sous-requête applique le verrou.",
          });
        }
      });
    }
    const seconds = ((performance.now() - dashboardStarted) / 1000).toFixed(1);
    progress(
      `${dashboardFailures === 0 ? "✓" : "✗"} ${dashboard.key} : ${plural(dashboard.cards.length, "question")} × ${plural(contexts.length, "profil")}` +
        `${contexts.some((c) => c.filters.length > 0) ? ", contrôle de fuite" : ""} (${seconds} s)`,
    );
  }

  // Questions on no dashboard run on their own, with their defaults, when they can.
  const onDashboards = new Set(units.flatMap((u) => u.dashboard.cards.map((c) => c.question)));
  for (const question of catalog.questions.filter((q) => !onDashboards.has(q.key))) {
    let rendered: RenderedQuery;
    try {
      rendered = renderQuestion(question, questionRenderParameters(question, {}), { now });
    } catch {
      failures.push({
        kind: "untested",
        question: question.key,
        message: `La question « ${question.name} » (${question.key}) n'est sur aucun tableau de bord et a des paramètres obligatoires sans valeur par défaut : elle n'est pas testée.`,
      });
      continue;
    }
    const outcome = await inRolledBackTransaction(db, { timeoutMs }, (tx) => runQuery(tx, rendered));
    if (!outcome.ok) {
      failures.push({
        kind: outcome.timeout ? "timeout" : "error",
        question: question.key,
        message: `La question « ${question.name} » (${question.key}) échoue : ${outcome.message}`,
      });
      continue;
    }
    rowsSeen.set(question.key, (rowsSeen.get(question.key) ?? 0) + outcome.result.rows.length);
    const shape = shapeProblems(question, outcome.result);
    if (shape.length > 0) {
      failures.push({
        kind: "shape",
        question: question.key,
        message: `La question « ${question.name} » (${question.key}) ne renvoie pas la forme déclarée : ${shape.join(" ; ")}.`,
      });
    }
    runs.push({
      dashboard: null,
      question: question.key,
      profile: "aucun (hors tableau de bord)",
      rows: outcome.result.rows.length,
      ms: Math.round(outcome.result.ms),
      leakChecked: false,
    });
  }

  // A question that never returns a row proves nothing about leaks.
  for (const [key, rows] of rowsSeen) {
    if (rows === 0) {
      const question = questions.get(key)!;
      failures.push({
        kind: "empty",
        question: key,
        message: `La question « ${question.name} » (${key}) ne renvoie aucune ligne, sous aucun profil : l'entrepôt est-il rempli (pilotage seed) ? Sans lignes, le contrôle de fuite ne prouve rien.`,
      });
    }
  }

  let expectationCount = 0;
  if (options.expectations) {
    expectationCount = options.expectations.list.length + (options.expectations.notes?.length ?? 0);
    failures.push(...uncoveredNoteBlocks(catalog, options.expectations.notes ?? []));
    failures.push(...(await checkExpectations(db, catalog, options.expectations, timeoutMs, now)));
    progress(
      `${failures.some((f) => f.kind === "expectation") ? "✗" : "✓"} ${expectationCount} valeurs attendues sur l'entrepôt miniature`,
    );
  }

  const slowest = [...runs].sort((a, b) => b.ms - a.ms).slice(0, 5);
  return {
    ok: failures.length === 0,
    counts: {
      questions: catalog.questions.length,
      dashboards: catalog.dashboards.length,
      notes: catalog.notes.length,
      profiles: profiles.length,
      runs: runs.length,
      leakChecks,
      expectations: expectationCount,
    },
    durationMs: Math.round(performance.now() - started),
    slowest,
    failures,
    runs,
  };
}
