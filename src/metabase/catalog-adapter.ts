import {
  dashboardParameterMetabaseType,
  questionTemplateTags,
  checkCatalog,
  type Catalog,
  type CatalogProblem,
  type DashboardParameter,
} from "../catalog/index.js";
import { DEPARTEMENTS } from "../territories/territories.js";
import { cardVisualizationSettings } from "./column-settings.js";
import type { DefinedDashboardParameter, SyncDefinitions } from "./definitions.js";

/** A filter's list in Metabase: static when it is the same for everyone, else a plain field. */
function parameterChoices(p: DashboardParameter): DefinedDashboardParameter["choices"] {
  if (p.values) {
    return {
      query: "list",
      values: p.values.map((v) => (v.label === String(v.value) ? v.value : [v.value, v.label])),
    };
  }
  if (p.valuesFrom === "departements") {
    return { query: "list", values: DEPARTEMENTS.map((d) => [d.code, d.libelle]) };
  }
  // A column's values under the viewer's locks, or the years of the data's cut-off: the gateway's only.
  return p.valuesFrom === undefined ? undefined : { query: "none" };
}

/**
 * The catalog (src/catalog/) in the sync's terms. Template tags and parameter types come from the catalog's
 * own Metabase shapes, so that what the sync sends is exactly what the gateway renders with.
 */
function toSyncDefinitions(catalog: Catalog): SyncDefinitions {
  return {
    collections: catalog.collections.map((c) => ({
      key: c.key,
      name: c.name,
      description: c.description,
      parent: c.parent,
    })),
    questions: catalog.questions.map((q) => ({
      key: q.key,
      name: q.name,
      description: q.description,
      collection: q.collection,
      display: q.display,
      visualizationSettings: cardVisualizationSettings(q, q.columns),
      sql: q.sql,
      templateTags: questionTemplateTags(q),
      contentVersion: q.contentVersion,
      file: q.file,
    })),
    dashboards: catalog.dashboards.map((d) => ({
      key: d.key,
      title: d.title,
      description: d.description,
      collection: d.collection,
      parameters: d.parameters.map((p) => ({
        slug: p.slug,
        label: p.label,
        type: dashboardParameterMetabaseType(p),
        // A year relative to the data's cut-off (`thisyear`) has no Metabase form: the gateway puts the year
        // it means in the embed URL as the filter's starting value instead.
        default: p.type === "number" && typeof p.default === "string" ? undefined : p.default,
        locked: p.locked,
        choices: parameterChoices(p),
      })),
      // How the gateway groups a card's table is the gateway's only.
      cards: d.cards.map(({ groupRowsBy: _grouping, ...c }) => ({ ...c, mappings: { ...c.mappings } })),
      contentVersion: d.contentVersion,
      file: d.file,
    })),
  };
}

/**
 * Reads and validates the catalog under `root`: the sync never writes a catalog that `pilotage validate`
 * refuses (a broken lock contract must not reach Metabase).
 */
export async function loadSyncDefinitions(
  root: string,
): Promise<{ definitions: SyncDefinitions; problems: CatalogProblem[] }> {
  const { catalog, problems } = await checkCatalog(root);
  return { definitions: toSyncDefinitions(catalog), problems };
}
