import { z } from "zod";

/**
 * Metabase's answers, as far as the sync reads them. Every object schema is loose: Metabase adds fields in
 * every release and its API is not versioned, so an unknown field must never break a run; the fields the
 * sync relies on are checked, and their absence is a clear `response-shape` error.
 */

const Json = z.record(z.string(), z.unknown());
/** `null` or absent → `{}`: Metabase answers both for "no settings". */
const JsonOrEmpty = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((value) => value ?? {});
const ArrayOrEmpty = z
  .array(z.unknown())
  .nullish()
  .transform((value) => value ?? []);

export const SessionProperties = z.looseObject({
  version: z.looseObject({ tag: z.string() }).nullish(),
});

export type SessionProperties = z.infer<typeof SessionProperties>;

export const SessionCreated = z.looseObject({ id: z.string().min(1) });

export const CurrentUser = z.looseObject({
  id: z.number().int(),
  is_superuser: z.boolean().default(false),
});

export type CurrentUser = z.infer<typeof CurrentUser>;

/** `GET /api/setting/:key` answers the bare JSON value. */
export const SettingValue = z.unknown();

export const DatabaseSummary = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  engine: z.string().nullish(),
});
/** `{data, total}` since v0.4x; a bare array before. */
export const DatabaseList = z
  .union([z.looseObject({ data: z.array(DatabaseSummary) }), z.array(DatabaseSummary)])
  .transform((value) => (Array.isArray(value) ? value : value.data));

export type DatabaseSummary = z.infer<typeof DatabaseSummary>;

export const FieldMetadata = z.looseObject({ id: z.number().int(), name: z.string() });
export const TableMetadata = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  schema: z.string().nullish(),
  fields: z
    .array(FieldMetadata)
    .nullish()
    .transform((value) => value ?? []),
});
export const DatabaseMetadata = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  tables: z
    .array(TableMetadata)
    .nullish()
    .transform((value) => value ?? []),
});

export type DatabaseMetadata = z.infer<typeof DatabaseMetadata>;

export const Collection = z.looseObject({
  /** The list includes the pseudo-collection `"root"`, which is not a real object. */
  id: z.union([z.number().int(), z.string()]),
  name: z.string(),
  description: z.string().nullish(),
  location: z.string().nullish(),
  archived: z.boolean().default(false),
  entity_id: z.string().nullish(),
  personal_owner_id: z.number().int().nullish(),
  namespace: z.string().nullish(),
});
export const CollectionList = z.array(Collection);
export type Collection = z.infer<typeof Collection>;

export const Card = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullish(),
  display: z.string(),
  visualization_settings: JsonOrEmpty,
  dataset_query: Json,
  collection_id: z.number().int().nullish(),
  archived: z.boolean().default(false),
  enable_embedding: z.boolean().default(false),
  embedding_params: z
    .record(z.string(), z.string())
    .nullish()
    .transform((value) => value ?? {}),
  parameters: ArrayOrEmpty,
  entity_id: z.string().nullish(),
  updated_at: z.string().nullish(),
});
export const CardList = z.array(Card);
export type Card = z.infer<typeof Card>;

const LastEditInfo = z.looseObject({ timestamp: z.string().nullish() }).nullish();

export const DashboardSummary = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullish(),
  collection_id: z.number().int().nullish(),
  archived: z.boolean().default(false),
  enable_embedding: z.boolean().default(false),
  embedding_params: z
    .record(z.string(), z.string())
    .nullish()
    .transform((value) => value ?? {}),
  parameters: ArrayOrEmpty,
  entity_id: z.string().nullish(),
  updated_at: z.string().nullish(),
  "last-edit-info": LastEditInfo,
});
export const DashboardList = z.array(DashboardSummary);
export type DashboardSummary = z.infer<typeof DashboardSummary>;

export const Dashcard = z.looseObject({
  id: z.number().int(),
  card_id: z.number().int().nullish(),
  row: z.number().int(),
  col: z.number().int(),
  size_x: z.number().int(),
  size_y: z.number().int(),
  parameter_mappings: ArrayOrEmpty,
  visualization_settings: JsonOrEmpty,
  dashboard_tab_id: z.number().int().nullish(),
  series: ArrayOrEmpty,
});
export type Dashcard = z.infer<typeof Dashcard>;

export const Dashboard = DashboardSummary.extend({
  /** `ordered_cards` before v0.48, which this sync does not support (preflight refuses it). */
  dashcards: z.array(Dashcard),
  tabs: ArrayOrEmpty,
});
export type Dashboard = z.infer<typeof Dashboard>;

/** What a write returns: only the id is relied on; the rest is read back separately. */
export const Created = z.looseObject({ id: z.number().int(), entity_id: z.string().nullish() });

export type Created = z.infer<typeof Created>;

/** For answers whose body the sync ignores (204, or an object). */
export const Ignored = z.unknown();
