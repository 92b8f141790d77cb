import assert from "node:assert/strict";
import type { QuestionColumn } from "../../src/catalog/index.js";
import {
  columnSettings,
  columnTitles,
  normaliseColumnSettings,
  visualizationDetails,
} from "../../src/metabase/column-settings.js";
import { pullCardVisualization } from "../../src/metabase/pull-columns.js";
import { editYaml } from "../../src/metabase/yaml-edit.js";

/** Issue 17: a question's columns as Metabase column settings, and back (pure). */

const key = (name: string) => JSON.stringify(["name", name]);

describe("Metabase column settings from a question's columns", () => {
  it("give every kind its title and format, keyed by alias", () => {
    const columns: QuestionColumn[] = [
      { name: "n", label: "Candidatures", kind: "count" },
      { name: "taux", label: "Taux d'acceptation", kind: "percentage", percentScale: "percent" },
      { name: "part", label: "Part", kind: "percentage", percentScale: "ratio", decimals: 0 },
      { name: "montant", label: "Montant de l'aide", kind: "euros" },
      { name: "etp", label: "ETP conventionnés", kind: "etp", decimals: 2 },
      { name: "delai", label: "Délai médian", kind: "days", unit: "jours" },
      { name: "mois", label: "Mois", kind: "month" },
      { name: "jour", label: "Date de début", kind: "date" },
      { name: "id_structure", label: "Identifiant", kind: "identifier" },
      { name: "departement", label: "Département", kind: "territory" },
      { name: "etat", label: "État", kind: "text" },
    ];
    const decimal = (decimals: number) => ({ number_style: "decimal", decimals, number_separators: ", " });
    assert.deepEqual(columnSettings(columns), {
      [key("n")]: { column_title: "Candidatures", ...decimal(0) },
      [key("taux")]: {
        column_title: "Taux d'acceptation",
        ...decimal(1),
        number_style: "percent",
        scale: 0.01,
      },
      [key("part")]: { column_title: "Part", ...decimal(0), number_style: "percent" },
      [key("montant")]: { column_title: "Montant de l'aide", ...decimal(0), suffix: " €" },
      [key("etp")]: { column_title: "ETP conventionnés", ...decimal(2) },
      [key("delai")]: { column_title: "Délai médian (jours)", ...decimal(0) },
      [key("mois")]: { column_title: "Mois", date_style: "D MMMM, YYYY", date_abbreviate: true },
      [key("jour")]: { column_title: "Date de début", date_style: "D/M/YYYY" },
      [key("id_structure")]: {
        column_title: "Identifiant",
        number_style: "decimal",
        decimals: 0,
        number_separators: ".",
      },
      [key("departement")]: { column_title: "Département" },
      [key("etat")]: { column_title: "État" },
    });
  });

  it("read legacy keys as the current form, the legacy one winning as in Metabase", () => {
    const legacy = JSON.stringify(["ref", ["field", "mois", { "base-type": "type/Date" }]]);
    assert.deepEqual(
      normaliseColumnSettings({
        "graph.dimensions": ["mois"],
        column_settings: {
          [key("mois")]: { column_title: "Mois", date_abbreviate: true },
          [legacy]: { column_title: "Mois de dépôt" },
          [JSON.stringify(["ref", ["field", 42, null]])]: { column_title: "Par identifiant" },
        },
      }),
      {
        "graph.dimensions": ["mois"],
        column_settings: {
          [key("mois")]: { column_title: "Mois de dépôt", date_abbreviate: true },
          [JSON.stringify(["ref", ["field", 42, null]])]: { column_title: "Par identifiant" },
        },
      },
    );
    assert.deepEqual(columnTitles({ column_settings: { [legacy]: { column_title: "Mois de dépôt" } } }), {
      mois: "Mois de dépôt",
    });
  });

  it("say what changed, column by column", () => {
    assert.deepEqual(
      visualizationDetails(
        {
          "graph.show_values": true,
          column_settings: { [key("n")]: { column_title: "Dossiers" }, [key("t")]: { decimals: 2 } },
        },
        { column_settings: { [key("n")]: { column_title: "Candidatures" }, [key("t")]: { decimals: 1 } } },
      ),
      [
        "colonne n : titre « Dossiers » → « Candidatures »",
        "colonne t : format modifié",
        "autres réglages de visualisation modifiés",
      ],
    );
  });
});

describe("pull of column settings into a question's columns", () => {
  const header = `name: Délais
visualization:
  graph.dimensions: [type_structure]
columns:
  - { name: type_structure, label: Type de structure, kind: text }
  - { name: delai, label: Délai médian de réponse, kind: days, unit: jours }
`;
  it("writes titles as labels (unit left out) and decimals, reports the rest, keeps other settings apart", () => {
    const desired = {
      "graph.dimensions": ["type_structure"],
      column_settings: {
        [key("type_structure")]: { column_title: "Type de structure" },
        [key("delai")]: {
          column_title: "Délai médian de réponse (jours)",
          number_style: "decimal",
          decimals: 0,
          number_separators: ", ",
        },
      },
    };
    const remote = {
      "graph.dimensions": ["type_structure"],
      "graph.show_values": true,
      column_settings: {
        [key("type_structure")]: { column_title: "Type de SIAE" },
        [key("delai")]: {
          column_title: "Délai de réponse (jours)",
          number_style: "decimal",
          decimals: 1,
          number_separators: ".,",
        },
        [key("autre")]: { column_title: "Autre" },
      },
    };
    const pull = pullCardVisualization(header, remote, desired);
    assert.deepEqual(pull.notes, [
      "titre « Autre » d'une colonne « autre » que la question ne décrit pas : non rapatrié",
      "colonne delai : réglages number_separators modifiés dans Metabase non rapatriés (ils découlent de « kind: » ; `pilotage apply` les remettra)",
    ]);
    // In place: the columns' one-line maps keep their style, the decimals join their map.
    assert.equal(
      editYaml(header, pull.edits),
      `name: Délais
visualization:
  graph.dimensions: [type_structure]
  graph.show_values: true
columns:
  - { name: type_structure, label: Type de SIAE, kind: text }
  - { name: delai, label: Délai de réponse, kind: days, unit: jours, decimals: 1 }
`,
    );
  });
});
