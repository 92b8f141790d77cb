import type { CatalogProblem, Dashboard, Question } from "./types.js";

/**
 * `pilotage validate`'s rules on a dashboard's `comparison:` (issue 19): the compared question is one of
 * the dashboard's cards (so it runs under the same locks), and it answers the territory codes the page
 * groups by and the two columns the rate is made of.
 */
export const COMPARISON_TERRITORY_COLUMNS = ["code_departement", "code_bassin"] as const;

export function comparisonProblems(dashboard: Dashboard, questions: Map<string, Question>): CatalogProblem[] {
  const comparison = dashboard.comparison;
  if (!comparison) return [];
  const line = dashboard.location.lines["comparison"] ?? 1;
  const problem = (rule: string, message: string, hint: string): CatalogProblem => ({
    rule,
    file: dashboard.file,
    line,
    message,
    hint,
  });
  if (!dashboard.cards.some((c) => c.question === comparison.question)) {
    return [
      problem(
        "comparison.not-a-card",
        `La comparaison porte sur « ${comparison.question} », qui n'est pas une carte de ce tableau de bord.`,
        "Ajoutez la question aux cartes (elle s'exécute alors sous les mêmes verrous), ou comparez une question déjà présente.",
      ),
    ];
  }
  const question = questions.get(comparison.question);
  if (!question) return [];
  const names = new Set(question.columns.map((c) => c.name));
  return [...COMPARISON_TERRITORY_COLUMNS, comparison.numerator, comparison.denominator]
    .filter((name) => !names.has(name))
    .map((name) =>
      problem(
        "comparison.missing-column",
        `La question « ${comparison.question} » ne décrit pas la colonne « ${name} » dont la comparaison a besoin.`,
        "Décrivez-la dans `columns:` de la question (code_departement, code_bassin, et les colonnes du taux).",
      ),
    );
}
