import type { Request, Response } from "express";
import type { Database } from "../../../src/storage/database.js";
import { forbidden, plainError } from "./errors.js";
import type { ExecutedQuery } from "./query.js";
import type { NativeRenderer } from "./renderer.js";
import type { MetabaseState, User } from "./state.js";
import type { MetabaseVersion, VersionFeatures } from "./version.js";

/** What every route of the test server works with; built once per server. */
export interface ServerContext {
  state: MetabaseState;
  version: MetabaseVersion;
  features: VersionFeatures;
  warehouse: Database;
  warehouseDatabaseId: number;
  render: NativeRenderer;
  /** Metabase's report time zone: the clock of relative dates and of date-time field filters. */
  timeZone: string;
  queryLog: ExecutedQuery[];
  /** Seconds since the epoch; injectable so that expiry can be tested without waiting. */
  nowSeconds(): number;
  syncWarehouse(): Promise<void>;
}

export function currentUser(res: Response): User {
  const user = res.locals.user as User | undefined;
  if (!user) throw plainError(401, "Unauthenticated");
  return user;
}

export function requireSuperuser(res: Response): void {
  if (!currentUser(res).is_superuser) throw forbidden();
}

/** The global toggle `/api/embed` and the embedding guards read (`check-embedding-enabled`). */
export function embeddingEnabled(ctx: ServerContext): boolean {
  return ctx.state.settings.get(ctx.features.embeddingSetting) === true;
}

export function checkEmbeddingEnabled(ctx: ServerContext): void {
  if (!embeddingEnabled(ctx)) throw plainError(400, "Embedding is not enabled.");
}

/** A positive integer route parameter, or Metabase's 404 for anything else that reached the route. */
export function idParam(req: Request, name = "id"): number {
  const raw = req.params[name];
  const id = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw plainError(400, `Invalid input: {:${name} ["value must be an integer greater than zero."]}`);
  }
  return id;
}
