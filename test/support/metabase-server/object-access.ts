import type { Request, Response } from "express";
import { isDeepStrictEqual } from "node:util";
import { checkEmbeddingEnabled, requireSuperuser, type ServerContext } from "./context.js";
import { notFound } from "./errors.js";
import { toLegacy } from "./mbql.js";
import type { Card, Collection, Dashboard } from "./state.js";

/** Lookups and write checks shared by the card, dashboard and collection routes. */

export function has(body: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(body, key);
}

export function cardOr404(ctx: ServerContext, id: number): Card {
  const card = ctx.state.cards.get(id);
  if (!card) throw notFound();
  return card;
}

export function dashboardOr404(ctx: ServerContext, id: number): Dashboard {
  const dashboard = ctx.state.dashboards.get(id);
  if (!dashboard) throw notFound();
  return dashboard;
}

export function collectionOr404(ctx: ServerContext, id: number): Collection {
  const collection = ctx.state.collections.get(id);
  if (!collection) throw notFound();
  return collection;
}

export function resolveCollectionId(
  ctx: ServerContext,
  ref: number | string | null | undefined,
): number | null {
  if (ref === null || ref === undefined) return null;
  if (typeof ref === "number") return collectionOr404(ctx, ref).id;
  const found = [...ctx.state.collections.values()].find((c) => c.entity_id === ref);
  if (!found) throw notFound();
  return found.id;
}

/** Any accepted `dataset_query`, in the stored legacy shape, with the database it runs against. */
export function storedQuery(
  ctx: ServerContext,
  query: Record<string, unknown>,
): { query: Record<string, unknown>; databaseId: number | null } {
  const legacy = toLegacy(query);
  const databaseId = typeof legacy.database === "number" ? legacy.database : null;
  if (databaseId !== null && !ctx.state.databases.has(databaseId)) throw notFound();
  return { query: legacy, databaseId };
}

/** `api/column-will-change?`: the key is sent and differs from what is stored. */
export function willChange(body: Record<string, unknown>, key: string, current: unknown): boolean {
  return has(body, key) && !isDeepStrictEqual(body[key] ?? null, current ?? null);
}

export function checkAllowedToChangeEmbedding(
  ctx: ServerContext,
  res: Response,
  body: Record<string, unknown>,
  current: { enable_embedding: boolean; embedding_params: unknown; embedding_type: string | null },
): void {
  if (
    willChange(body, "enable_embedding", current.enable_embedding) ||
    willChange(body, "embedding_params", current.embedding_params) ||
    willChange(body, "embedding_type", current.embedding_type)
  ) {
    checkEmbeddingEnabled(ctx);
    requireSuperuser(res);
  }
}

export function mbql5(ctx: ServerContext, req: Request): boolean {
  return ctx.features.mbql5ReadBack && req.query["legacy-mbql"] !== "true";
}

export function listOf(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
