import express, { type Router } from "express";
import { cardRoutes } from "./card-routes.js";
import { collectionRoutes } from "./collection-routes.js";
import type { ServerContext } from "./context.js";
import { dashboardRoutes } from "./dashboard-routes.js";
import { databaseRoutes } from "./database-routes.js";
import { sessionRoutes } from "./session-routes.js";
import { setupRoutes } from "./setup-routes.js";

/**
 * The REST API the sync uses (metabase-contract.md §2), plus its unauthenticated probes. One module per family
 * of endpoints; to add endpoints, write a `(router, ctx) => void` module and list it here (and, when they are
 * public, in app.ts's PUBLIC_ENDPOINTS).
 */
export type RouteModule = (router: Router, ctx: ServerContext) => void;

export const REST_ROUTES: readonly RouteModule[] = [
  sessionRoutes,
  databaseRoutes,
  collectionRoutes,
  cardRoutes,
  dashboardRoutes,
  setupRoutes,
];

export function restRouter(ctx: ServerContext, modules: readonly RouteModule[] = REST_ROUTES): Router {
  const router = express.Router();
  for (const register of modules) register(router, ctx);
  return router;
}

export { setCollectionArchived } from "./trash.js";
export { writeSetting } from "./settings.js";
