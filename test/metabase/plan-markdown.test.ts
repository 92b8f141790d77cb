import assert from "node:assert/strict";
import type { Plan, PlanEntry } from "../../src/metabase/plan.js";
import { renderPlanMarkdown } from "../../src/metabase/plan-markdown.js";

function entry(partial: Partial<PlanEntry>): PlanEntry {
  return {
    model: "card",
    key: "iae/candidatures",
    label: "Candidatures",
    action: "noop",
    metabaseId: 7,
    origin: undefined,
    changes: [],
    warnings: [],
    notes: [],
    ...partial,
  };
}

const PLAN: Plan = {
  siteUrl: "http://metabase:3000",
  metabaseVersion: "v0.57.2",
  hasChanges: true,
  conflicts: [],
  warnings: [],
  breaches: [],
  entries: [
    entry({}),
    entry({
      key: "iae/delai",
      label: "Délai | médian",
      action: "update",
      origin: "metabase",
      changes: [{ field: "sql", before: "SELECT ```x```", after: "SELECT 1" }],
    }),
    entry({
      model: "dashboard",
      key: "territoire",
      label: "Mon territoire",
      action: "create",
      metabaseId: undefined,
      origin: "fichiers",
    }),
  ],
};

describe("plan as Markdown (pilotage plan --format markdown)", () => {
  it("is a summary, a table of what would change, the detail folded in a fence longer than any backtick run", () => {
    assert.equal(
      renderPlanMarkdown(PLAN),
      [
        "### `pilotage plan` — Metabase http://metabase:3000 (v0.57.2)",
        "",
        "**Changements : 1 à créer, 1 à modifier, 1 inchangé. `pilotage apply` les appliquera.**",
        "",
        "| action | objet | clé | nom | pourquoi |",
        "| --- | --- | --- | --- | --- |",
        "| ~ modifier | question | `iae/delai` (#7) | Délai \\| médian | dérive : modifié dans Metabase |",
        "| + créer | tableau de bord | `territoire` | Mon territoire | fichiers modifiés |",
        "",
        "<details><summary>Détail des changements</summary>",
        "",
        "````text",
        "~ modifier question iae/delai (#7) « Délai | médian » [dérive : modifié dans Metabase depuis le dernier apply]",
        "    SQL :",
        "      - SELECT ```x```",
        "      + SELECT 1",
        "",
        "+ créer tableau de bord territoire « Mon territoire » [fichiers modifiés]",
        "````",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
  });

  it("says there is nothing to do, and lists broken lock contracts, warnings and conflicts", () => {
    const text = renderPlanMarkdown({
      ...PLAN,
      hasChanges: true,
      entries: [entry({})],
      breaches: [
        {
          dashboard: "territoire",
          metabaseId: 3,
          problems: ["le paramètre departement n'est plus verrouillé"],
        },
      ],
      warnings: ["2 questions archivées et 2 créées"],
      conflicts: ["question #9 déplacée hors des collections gérées"],
    });
    assert.equal(
      text,
      [
        "### `pilotage plan` — Metabase http://metabase:3000 (v0.57.2)",
        "",
        "**Changements : 1 inchangé. 1 conflit. `pilotage apply` les appliquera.**",
        "",
        "#### ⚠ 1 contrat de verrouillage rompu dans Metabase",
        "",
        "La passerelle ne signe plus de jeton pour ces tableaux de bord jusqu'au prochain `pilotage apply` réussi.",
        "",
        "- `territoire` (#3)",
        "  - le paramètre departement n'est plus verrouillé",
        "",
        "#### Avertissements",
        "",
        "- 2 questions archivées et 2 créées",
        "",
        "#### Conflits (apply refusera de s'exécuter)",
        "",
        "- question #9 déplacée hors des collections gérées",
        "",
      ].join("\n"),
    );
    assert.equal(
      renderPlanMarkdown({ ...PLAN, hasChanges: false, entries: [entry({})] }),
      "### `pilotage plan` — Metabase http://metabase:3000 (v0.57.2)\n\n**Aucun changement : Metabase est conforme aux fichiers (1 objet géré).**\n",
    );
  });
});
