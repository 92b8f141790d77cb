import { pilotageDimension } from "../../src/template/index.js";
import type { SyncDefinitions } from "../../src/metabase/definitions.js";

/**
 * A small catalogue in the sync's own terms: two collections, two questions (a field filter locked by the
 * dashboard, an optional date filter, a text variable) and one dashboard with a locked territory.
 */
export function sampleDefinitions(): SyncDefinitions {
  return {
    collections: [
      { key: "pilotage", name: "Pilotage de l'inclusion", description: "Contenu versionné." },
      { key: "iae", name: "IAE", parent: "pilotage" },
    ],
    questions: [
      {
        key: "iae/candidatures",
        name: "Candidatures par mois",
        description: "Candidatures reçues.",
        collection: "iae",
        display: "bar",
        visualizationSettings: { "graph.dimensions": ["mois"], "graph.metrics": ["n"] },
        sql: "SELECT mois, count(*) AS n\nFROM entrepot.candidatures\nWHERE {{departement}}\n  [[AND {{periode}}]]\nGROUP BY 1",
        templateTags: {
          departement: {
            name: "departement",
            "display-name": "Département",
            type: "dimension",
            required: true,
            dimension: pilotageDimension("entrepot.candidatures.departement"),
            "widget-type": "string/=",
          },
          periode: {
            name: "periode",
            "display-name": "Période",
            type: "dimension",
            required: false,
            dimension: pilotageDimension("entrepot.candidatures.date_candidature"),
            "widget-type": "date/all-options",
          },
        },
        contentVersion: "q1-v1",
        file: "sql/iae/candidatures.sql",
      },
      {
        key: "iae/structures",
        name: "Structures",
        collection: "iae",
        display: "table",
        visualizationSettings: {},
        sql: "SELECT * FROM entrepot.structures WHERE departement IN ({{departement}})",
        templateTags: {
          departement: { name: "departement", "display-name": "Département", type: "text", required: true },
        },
        contentVersion: "q2-v1",
        file: "sql/iae/structures.sql",
      },
    ],
    dashboards: [
      {
        key: "territoire",
        title: "Mon territoire",
        description: "Candidatures et structures.",
        collection: "iae",
        parameters: [
          { slug: "departement", label: "Département", type: "string/=", locked: "departements" },
          { slug: "periode", label: "Période", type: "date/all-options", default: "past12months" },
        ],
        cards: [
          {
            question: "iae/candidatures",
            row: 0,
            col: 0,
            sizeX: 12,
            sizeY: 6,
            mappings: { departement: "departement", periode: "periode" },
          },
          {
            question: "iae/structures",
            row: 0,
            col: 12,
            sizeX: 12,
            sizeY: 6,
            mappings: { departement: "departement" },
          },
        ],
        contentVersion: "d1-v1",
        file: "metabase-config/dashboards/territoire.yaml",
      },
    ],
  };
}
