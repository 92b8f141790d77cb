import { randomUUID } from "node:crypto";
import { signToken } from "./client.js";
import type { ContractTarget } from "./target.js";

/** Builders for the objects the contract tests embed: native cards, dashboards, tokens. */

export type Tag = Record<string, unknown>;

export function textTag(name: string, displayName: string, extra: Tag = {}): Tag {
  return { id: randomUUID(), name, "display-name": displayName, type: "text", ...extra };
}

export function fieldFilterTag(name: string, displayName: string, fieldId: number, extra: Tag = {}): Tag {
  return {
    id: randomUUID(),
    name,
    "display-name": displayName,
    type: "dimension",
    dimension: ["field", fieldId, null],
    "widget-type": "string/=",
    ...extra,
  };
}

/** Rows any Postgres can serve without a table, so that raw-variable tests run on any live Metabase. */
export const STRUCTURES_VALUES = `(VALUES ('93', 'ACI'), ('93', 'EI'), ('75', 'AI'), ('33', 'ETTI')) AS s(departement, kind)`;

export interface NativeCardInput {
  name?: string;
  sql: string;
  tags?: Tag[];
  parameters?: Record<string, unknown>[];
}

export function nativeQuery(target: ContractTarget, sql: string, tags: Tag[] = []) {
  return {
    database: target.databaseId,
    type: "native",
    native: { query: sql, "template-tags": Object.fromEntries(tags.map((t) => [String(t.name), t])) },
  };
}

export async function createCard(target: ContractTarget, input: NativeCardInput): Promise<any> {
  return target.admin.ok("POST", "/api/card", {
    name: input.name ?? `Question ${randomUUID().slice(0, 8)}`,
    display: "table",
    visualization_settings: {},
    collection_id: target.collectionId,
    dataset_query: nativeQuery(target, input.sql, input.tags),
    ...(input.parameters ? { parameters: input.parameters } : {}),
  });
}

/** A native card with embedding switched on (by the admin key, with a PUT, as Metabase requires). */
export async function embeddableCard(
  target: ContractTarget,
  input: NativeCardInput & { embeddingParams?: Record<string, string>; enable?: boolean },
): Promise<any> {
  const card = await createCard(target, input);
  return target.admin.ok("PUT", `/api/card/${card.id}`, {
    enable_embedding: input.enable ?? true,
    embedding_params: input.embeddingParams ?? {},
  });
}

export interface DashcardInput {
  cardId: number;
  /** parameter id → target on this card. */
  mappings?: Record<string, unknown>;
}

export async function embeddableDashboard(
  target: ContractTarget,
  input: {
    parameters: Record<string, unknown>[];
    dashcards: DashcardInput[];
    embeddingParams?: Record<string, string>;
    enable?: boolean;
  },
): Promise<any> {
  const dashboard = await target.admin.ok("POST", "/api/dashboard", {
    name: `Tableau ${randomUUID().slice(0, 8)}`,
    collection_id: target.collectionId,
    parameters: input.parameters,
  });
  return target.admin.ok("PUT", `/api/dashboard/${dashboard.id}`, {
    tabs: [],
    dashcards: input.dashcards.map((dc, i) => ({
      id: -(i + 1),
      card_id: dc.cardId,
      row: i * 4,
      col: 0,
      size_x: 12,
      size_y: 4,
      visualization_settings: {},
      parameter_mappings: Object.entries(dc.mappings ?? {}).map(([parameterId, mappingTarget]) => ({
        parameter_id: parameterId,
        card_id: dc.cardId,
        target: mappingTarget,
      })),
    })),
    enable_embedding: input.enable ?? true,
    embedding_params: input.embeddingParams ?? {},
  });
}

export function cardToken(
  target: ContractTarget,
  cardId: unknown,
  params: unknown = {},
  extra: Record<string, unknown> = {},
) {
  return signToken(target.secret, {
    resource: { question: cardId },
    params,
    exp: Math.floor(Date.now() / 1000) + 600,
    ...extra,
  });
}

export function dashboardToken(
  target: ContractTarget,
  dashboardId: unknown,
  params: unknown = {},
  extra: Record<string, unknown> = {},
) {
  return signToken(target.secret, {
    resource: { dashboard: dashboardId },
    params,
    exp: Math.floor(Date.now() / 1000) + 600,
    ...extra,
  });
}

export function query(params: Record<string, string | string[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
