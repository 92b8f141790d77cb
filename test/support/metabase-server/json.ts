import { toMbql5 } from "./mbql.js";
import type {
  Card,
  Collection,
  Dashboard,
  DashboardCard,
  DatabaseRow,
  MetabaseState,
  WarehouseField,
  WarehouseTable,
} from "./state.js";

/** Response bodies, in the field names and shapes the modelled Metabase versions answer. */

export const ROOT_COLLECTION = {
  name: "Our analytics",
  id: "root",
  can_write: true,
  effective_location: null,
  effective_ancestors: [],
  authority_level: null,
  parent_id: null,
};

export function collectionJson(c: Collection, state?: MetabaseState): Record<string, unknown> {
  return {
    id: c.id,
    entity_id: c.entity_id,
    name: c.name,
    description: c.description,
    slug: c.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_|_$/g, ""),
    location: c.location,
    parent_id: c.parent_id,
    archived: c.archived,
    namespace: c.namespace,
    authority_level: c.authority_level,
    personal_owner_id: null,
    type: null,
    is_personal: false,
    can_write: true,
    created_at: c.created_at,
    ...(state?.trashCollectionId !== undefined ? { archived_directly: c.archived_directly } : {}),
  };
}

export interface CardJsonOptions {
  /** MBQL 5 `dataset_query` (v57+ without `?legacy-mbql=true`). */
  mbql5: boolean;
}

/** Who last changed an object and when, as `last-edit-info` (the sync compares its timestamp). */
function lastEditInfo(state: MetabaseState, userId: number, timestamp: string): Record<string, unknown> {
  const user = state.users.get(userId);
  return {
    id: userId,
    email: user?.email ?? null,
    first_name: user?.first_name ?? null,
    last_name: user?.last_name ?? null,
    timestamp,
  };
}

export function cardJson(
  state: MetabaseState,
  card: Card,
  options: CardJsonOptions,
): Record<string, unknown> {
  const collection = card.collection_id === null ? null : state.collections.get(card.collection_id);
  return {
    id: card.id,
    entity_id: card.entity_id,
    name: card.name,
    description: card.description,
    display: card.display,
    type: card.type,
    visualization_settings: card.visualization_settings,
    dataset_query: options.mbql5 ? toMbql5(card.dataset_query) : card.dataset_query,
    database_id: card.database_id,
    table_id: null,
    query_type: card.query_type,
    parameters: card.parameters,
    parameter_mappings: card.parameter_mappings,
    collection_id: card.collection_id,
    collection_position: card.collection_position,
    collection: collection ? collectionJson(collection, state) : { ...ROOT_COLLECTION },
    cache_ttl: card.cache_ttl,
    result_metadata: card.result_metadata,
    enable_embedding: card.enable_embedding,
    embedding_params: card.embedding_params,
    archived: card.archived,
    ...(state.trashCollectionId !== undefined ? { archived_directly: card.archived_directly } : {}),
    public_uuid: null,
    made_public_by_id: null,
    creator_id: card.creator_id,
    can_write: true,
    dashboard_count: state.dashcardsOf(card.id).length,
    created_at: card.created_at,
    updated_at: card.updated_at,
    "last-edit-info": lastEditInfo(state, card.creator_id, card.updated_at),
  };
}

export function dashcardJson(
  state: MetabaseState,
  dashcard: DashboardCard,
  options: CardJsonOptions,
): Record<string, unknown> {
  const card = dashcard.card_id === null ? undefined : state.cards.get(dashcard.card_id);
  return {
    id: dashcard.id,
    entity_id: dashcard.entity_id,
    dashboard_id: dashcard.dashboard_id,
    dashboard_tab_id: dashcard.dashboard_tab_id,
    card_id: dashcard.card_id,
    card: card ? cardJson(state, card, options) : null,
    row: dashcard.row,
    col: dashcard.col,
    size_x: dashcard.size_x,
    size_y: dashcard.size_y,
    parameter_mappings: dashcard.parameter_mappings,
    visualization_settings: dashcard.visualization_settings,
    series: dashcard.series.flatMap((s) => {
      const seriesCard = state.cards.get(s.id);
      return seriesCard ? [cardJson(state, seriesCard, options)] : [];
    }),
    action_id: null,
    created_at: dashcard.created_at,
    updated_at: dashcard.updated_at,
  };
}

/** A dashboard as `GET /api/dashboard` lists it: no dashcards, no tabs. */
export function dashboardSummaryJson(state: MetabaseState, dashboard: Dashboard): Record<string, unknown> {
  const {
    dashcards: _dashcards,
    tabs: _tabs,
    param_fields: _fields,
    ...summary
  } = dashboardJson(state, dashboard, {
    mbql5: false,
  });
  return summary;
}

export function dashboardJson(
  state: MetabaseState,
  dashboard: Dashboard,
  options: CardJsonOptions,
): Record<string, unknown> {
  const collection = dashboard.collection_id === null ? null : state.collections.get(dashboard.collection_id);
  return {
    id: dashboard.id,
    entity_id: dashboard.entity_id,
    name: dashboard.name,
    description: dashboard.description,
    parameters: dashboard.parameters,
    collection_id: dashboard.collection_id,
    collection_position: dashboard.collection_position,
    collection: collection ? collectionJson(collection, state) : { ...ROOT_COLLECTION },
    cache_ttl: dashboard.cache_ttl,
    width: dashboard.width,
    auto_apply_filters: dashboard.auto_apply_filters,
    enable_embedding: dashboard.enable_embedding,
    embedding_params: dashboard.embedding_params,
    archived: dashboard.archived,
    ...(state.trashCollectionId !== undefined ? { archived_directly: dashboard.archived_directly } : {}),
    public_uuid: null,
    made_public_by_id: null,
    creator_id: dashboard.creator_id,
    can_write: true,
    tabs: [...dashboard.tabs]
      .sort((a, b) => a.position - b.position)
      .map((t) => ({
        id: t.id,
        entity_id: t.entity_id,
        dashboard_id: t.dashboard_id,
        name: t.name,
        position: t.position,
      })),
    dashcards: dashboard.dashcards.map((dc) => dashcardJson(state, dc, options)),
    param_fields: null,
    created_at: dashboard.created_at,
    updated_at: dashboard.updated_at,
    "last-edit-info": lastEditInfo(state, dashboard.creator_id, dashboard.updated_at),
  };
}

export function fieldJson(field: WarehouseField): Record<string, unknown> {
  return {
    ...field,
    active: true,
    visibility_type: "normal",
    has_field_values: "list",
    fk_target_field_id: null,
  };
}

export function tableJson(table: WarehouseTable, withFields: boolean): Record<string, unknown> {
  const { fields, ...rest } = table;
  return {
    ...rest,
    entity_type: "entity/GenericTable",
    active: true,
    visibility_type: null,
    ...(withFields ? { fields: fields.map(fieldJson) } : {}),
  };
}

export function databaseJson(
  db: DatabaseRow,
  include: "none" | "tables" | "metadata",
): Record<string, unknown> {
  return {
    id: db.id,
    name: db.name,
    engine: db.engine,
    is_sample: db.is_sample,
    is_full_sync: true,
    native_permissions: "write",
    features: ["native-parameters", "nested-queries", "basic-aggregations"],
    created_at: db.created_at,
    ...(include === "none" ? {} : { tables: db.tables.map((t) => tableJson(t, include === "metadata")) }),
  };
}
