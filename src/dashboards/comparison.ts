import type { Dashboard, Question } from "../catalog/index.js";
import { dashboardCardParameters } from "../catalog/index.js";
import { dashboardAccess } from "../perimeter/dashboard-access.js";
import { effectivePerimeter, type TerritoryChoice } from "../perimeter/narrowing.js";
import type { Profile } from "../perimeter/session-profile.js";
import type { Queryable } from "../storage/database.js";
import type { TerritoryReference } from "../territories/reference.js";
import { ALL_DEPARTEMENT_CODES, findDepartement, findRegion } from "../territories/territories.js";
import { runCard } from "./card-data.js";
import { numberFormat } from "./cell-format.js";
import { comparisonMap, rateText, type MapTile } from "./comparison-map.js";
import { cardValues, withChoice, type FilterChoice } from "./filters.js";

/**
 * Comparing territories (issue 19): for a perimeter of several départements, one indicator (a rate of
 * two additive columns of one of the dashboard's cards) by département — or, once a département is
 * chosen, by bassin d'emploi inside it — ranked, beside the reference of the whole perimeter or
 * département, each row a link that narrows the page to that territory. The card runs under the
 * perimeter's own locks (narrowed to the chosen département only), never wider.
 */

export interface ComparisonRow {
  code: string;
  label: string;
  /** The page narrowed to this territory. */
  href: string;
  numerator: number;
  denominator: number;
  /** In %, one decimal; null without a denominator. */
  rate: number | null;
  /** 1 for the highest rate; ties share a rank; null without a rate. */
  rank: number | null;
  current: boolean;
}

export interface ComparisonView {
  label: string;
  level: "departement" | "bassin";
  /** « département », « bassin d'emploi »: the table's first column. */
  levelLabel: string;
  rows: ComparisonRow[];
  reference: { label: string; numerator: number; denominator: number; rate: number | null };
  numeratorLabel: string;
  denominatorLabel: string;
  /** An SVG picture of the table (départements only), with its legend. */
  map: { svg: string; legend: Array<{ label: string; colour: string }> } | null;
}

/** Whether a dashboard page compares territories for this (own, not narrowed) profile. */
export function comparesTerritories(
  dashboard: Pick<Dashboard, "comparison">,
  profile: Pick<Profile, "perimeter">,
): boolean {
  return dashboard.comparison !== undefined && (profile.perimeter.departements?.length ?? 0) >= 2;
}

/**
 * The rows the comparison reads at most (every territory of France, with room for a second dimension).
 * The page reads the same card with this cap too (card-views.ts), then keeps its own 500.
 */
export const COMPARISON_ROW_LIMIT = 5_000;

export async function compareTerritories(options: {
  warehouse: Queryable;
  dashboard: Dashboard;
  questions: Map<string, Question>;
  choice: FilterChoice;
  /** The viewer's own profile (not narrowed). */
  profile: Profile;
  territory: TerritoryChoice;
  reference: TerritoryReference;
  now: Date;
}): Promise<ComparisonView | null> {
  const { dashboard, profile, territory, reference } = options;
  const spec = dashboard.comparison;
  if (!spec || !comparesTerritories(dashboard, profile)) return null;
  const own = profile.perimeter.departements ?? [];
  const question = options.questions.get(spec.question);
  const card = dashboard.cards.find((c) => c.question === spec.question);
  if (!question || !card) return null;

  const level = territory.departement ? "bassin" : "departement";
  const departement = territory.departement;
  const scoped = {
    ...profile,
    perimeter: effectivePerimeter(profile.perimeter, reference, departement ? { departement } : {}),
  };
  const access = dashboardAccess(scoped, dashboard);
  if (!access.allowed) return null;
  const parameters = dashboardCardParameters(
    withChoice(dashboard, options.choice),
    card,
    question,
    cardValues(options.choice, access.locks),
  );
  const table = await runCard(options.warehouse, question, parameters, {
    now: options.now,
    rowLimit: COMPARISON_ROW_LIMIT,
  });
  // Rates and ranks worked out from part of the territories would be wrong without saying so: no
  // comparison rather than a partial one.
  if (table.truncated) return null;
  const index = (name: string) => table.columns.findIndex((c) => c.name === name);
  const [codeAt, numAt, denAt] = [
    index(level === "departement" ? "code_departement" : "code_bassin"),
    index(spec.numerator),
    index(spec.denominator),
  ];
  if (codeAt < 0 || numAt < 0 || denAt < 0) return null;

  const sums = new Map<string, { numerator: number; denominator: number }>();
  for (const row of table.rows) {
    const code = String(row[codeAt]).trim();
    const sum = sums.get(code) ?? { numerator: 0, denominator: 0 };
    sum.numerator += Number(row[numAt] ?? 0);
    sum.denominator += Number(row[denAt] ?? 0);
    sums.set(code, sum);
  }
  // Every territory of the level, with or without data: a département without any is a finding too.
  const territories =
    level === "departement"
      ? own.map((code) => ({ code, label: findDepartement(code)?.libelle ?? code }))
      : reference.bassinsOf([departement!]).map((b) => ({ code: b.code, label: b.nom }));
  const rows = territories.map(({ code, label }): ComparisonRow => {
    const sum = sums.get(code) ?? { numerator: 0, denominator: 0 };
    const query = new URLSearchParams(
      level === "departement" ? { departement: code } : { departement: departement!, bassin: code },
    );
    return {
      code,
      label,
      href: `?${query.toString()}`,
      ...sum,
      rate: rateOf(sum.numerator, sum.denominator),
      rank: null,
      current: level === "departement" ? false : territory.bassin === code,
    };
  });
  const rates = rows.flatMap((r) => (r.rate === null ? [] : [r.rate])).sort((a, b) => b - a);
  for (const row of rows) row.rank = row.rate === null ? null : rates.indexOf(row.rate) + 1;
  rows.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.label.localeCompare(b.label, "fr"));

  const total = [...sums.values()].reduce(
    (t, s) => ({ numerator: t.numerator + s.numerator, denominator: t.denominator + s.denominator }),
    { numerator: 0, denominator: 0 },
  );
  const columnLabel = (name: string) => question.columns.find((c) => c.name === name)?.label ?? name;
  return {
    label: spec.label,
    level,
    levelLabel: level === "departement" ? "Département" : "Bassin d'emploi",
    rows,
    reference: {
      label: departement ? (findDepartement(departement)?.libelle ?? departement) : perimeterName(profile),
      ...total,
      rate: rateOf(total.numerator, total.denominator),
    },
    numeratorLabel: columnLabel(spec.numerator),
    denominatorLabel: columnLabel(spec.denominator),
    map:
      level === "departement"
        ? comparisonMap(
            rows.map((r): MapTile => ({ code: r.code, label: r.label, rate: r.rate })),
            spec.label,
          )
        : null,
  };
}

function rateOf(numerator: number, denominator: number): number | null {
  return denominator > 0 ? Math.round((1000 * numerator) / denominator) / 10 : null;
}

/** « France entière », a région's name, or « votre périmètre ». */
function perimeterName(profile: Profile): string {
  const own = [...(profile.perimeter.departements ?? [])].sort();
  if (own.length === ALL_DEPARTEMENT_CODES.length) return "France entière";
  const region = profile.perimeter.region ? findRegion(profile.perimeter.region) : undefined;
  if (region && JSON.stringify([...region.departements].sort()) === JSON.stringify(own)) return region.nom;
  return "Votre périmètre";
}

const decimal = numberFormat({ maximumFractionDigits: 2 });

/** The comparison with its figures written in French, for the page. */
export function comparisonView(view: ComparisonView) {
  return {
    ...view,
    rows: view.rows.map((r) => ({
      ...r,
      rateText: rateText(r.rate),
      rankText: r.rank === null ? "—" : String(r.rank),
      numeratorText: decimal.format(r.numerator),
      denominatorText: decimal.format(r.denominator),
    })),
    reference: {
      ...view.reference,
      rateText: rateText(view.reference.rate),
      numeratorText: decimal.format(view.reference.numerator),
      denominatorText: decimal.format(view.reference.denominator),
    },
  };
}
