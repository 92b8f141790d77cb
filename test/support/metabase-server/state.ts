import { randomBytes } from "node:crypto";
import type { EmbeddingParams } from "./embed-params.js";

/**
 * The test server's application database: plain objects in maps, one numbering per model, as Metabase's
 * own ids are. Rows are stored in Metabase's legacy ("MBQL 4") shape and converted on the way out.
 */

export interface Collection {
  id: number;
  entity_id: string;
  name: string;
  description: string | null;
  parent_id: number | null;
  /** Metabase's materialised path of ancestors, `/` at the top, `/3/7/` below collections 3 then 7. */
  location: string;
  archived: boolean;
  /** True when this object itself was archived, false when it went to the Trash with its collection. */
  archived_directly: boolean | null;
  namespace: string | null;
  authority_level: string | null;
  created_at: string;
}

export interface Card {
  id: number;
  entity_id: string;
  name: string;
  description: string | null;
  display: string;
  type: "question" | "model" | "metric";
  visualization_settings: Record<string, unknown>;
  /** Legacy shape: `{database, type: "native", native: {query, "template-tags"}}`. */
  dataset_query: Record<string, unknown>;
  database_id: number | null;
  query_type: string;
  parameters: Record<string, unknown>[];
  parameter_mappings: Record<string, unknown>[];
  collection_id: number | null;
  collection_position: number | null;
  cache_ttl: number | null;
  result_metadata: unknown;
  enable_embedding: boolean;
  embedding_params: EmbeddingParams | null;
  embedding_type: string | null;
  archived: boolean;
  archived_directly: boolean;
  creator_id: number;
  created_at: string;
  updated_at: string;
}

export interface DashboardCard {
  id: number;
  entity_id: string;
  dashboard_id: number;
  card_id: number | null;
  dashboard_tab_id: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
  parameter_mappings: Record<string, unknown>[];
  visualization_settings: Record<string, unknown>;
  series: { id: number }[];
  inline_parameters: string[] | null;
  created_at: string;
  updated_at: string;
}

export interface DashboardTab {
  id: number;
  entity_id: string;
  dashboard_id: number;
  name: string;
  position: number;
}

export interface Dashboard {
  id: number;
  entity_id: string;
  name: string;
  description: string | null;
  parameters: Record<string, unknown>[];
  collection_id: number | null;
  collection_position: number | null;
  cache_ttl: number | null;
  width: "fixed" | "full";
  auto_apply_filters: boolean;
  enable_embedding: boolean;
  embedding_params: EmbeddingParams | null;
  embedding_type: string | null;
  archived: boolean;
  archived_directly: boolean;
  creator_id: number;
  created_at: string;
  updated_at: string;
  dashcards: DashboardCard[];
  tabs: DashboardTab[];
}

export interface WarehouseField {
  id: number;
  table_id: number;
  name: string;
  display_name: string;
  database_type: string;
  base_type: string;
  effective_type: string;
  semantic_type: string | null;
  position: number;
}

export interface WarehouseTable {
  id: number;
  db_id: number;
  schema: string;
  name: string;
  display_name: string;
  fields: WarehouseField[];
}

export interface DatabaseRow {
  id: number;
  name: string;
  engine: string;
  is_sample: boolean;
  tables: WarehouseTable[];
  created_at: string;
}

export interface User {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  is_superuser: boolean;
}

const NANOID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/** A 21-character NanoID, the shape of Metabase's `entity_id`. */
export function newEntityId(): string {
  return [...randomBytes(21)].map((b) => NANOID_ALPHABET[b & 63]).join("");
}

export const ENTITY_ID = /^[A-Za-z0-9_-]{21}$/;

export function nowIso(): string {
  return new Date().toISOString();
}

/** Metabase's display names for synced tables and fields: words split on `_`, capitalised. */
export function humanize(name: string): string {
  return name
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

export class MetabaseState {
  readonly settings = new Map<string, unknown>();
  readonly users = new Map<number, User>();
  readonly databases = new Map<number, DatabaseRow>();
  readonly collections = new Map<number, Collection>();
  readonly cards = new Map<number, Card>();
  readonly dashboards = new Map<number, Dashboard>();
  /** User id → password, for `POST /api/session`. */
  readonly passwords = new Map<number, string>();
  /** Session id → user id. */
  readonly sessions = new Map<string, number>();
  /** API key → user id. */
  readonly apiKeys = new Map<string, number>();
  /** The Trash collection's id (v51+; trash.ts), kept out of `collections`: it is listed and read apart. */
  trashCollectionId: number | undefined;
  private readonly counters = new Map<string, number>();

  nextId(model: "collection" | "card" | "dashboard" | "dashcard" | "tab"): number {
    const next = (this.counters.get(model) ?? 0) + 1;
    this.counters.set(model, next);
    return next;
  }

  dashcardsOf(cardId: number): DashboardCard[] {
    return [...this.dashboards.values()].flatMap((d) => d.dashcards.filter((dc) => dc.card_id === cardId));
  }

  /** Collection `id` and every collection below it. */
  subtree(id: number): Collection[] {
    const root = this.collections.get(id);
    if (!root) return [];
    const prefix = `${root.location}${root.id}/`;
    return [root, ...[...this.collections.values()].filter((c) => c.location.startsWith(prefix))];
  }
}
