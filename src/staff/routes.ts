import express, { Router, type Request } from "express";
import type { Redis } from "ioredis";
import type { OpenSessions, Person } from "../auth/open-sessions.js";
import type { OrganisationDirectory } from "../perimeter/organisation-directory.js";
import { recheckStaff, requireStaff } from "../perimeter/session-profile.js";
import type { Database, Queryable } from "../storage/database.js";
import { grantRoutes } from "./grant-routes.js";
import { previewRoutes } from "./preview-routes.js";
import { requestRoutes } from "./request-routes.js";

/** What the staff pages need: the gateway database, the warehouse's directory, and people's sessions. */
export interface StaffDeps {
  db: Database;
  warehouse: Queryable;
  directory: OrganisationDirectory;
  sessions: OpenSessions;
  redis: Redis | undefined;
}

export const requestIdOf = (req: Request) => String(req.id ?? "");

/**
 * Ends the sessions of the people a grant change concerns: the change counts from their next request,
 * which finds them logged out and places them again at login.
 */
export async function endSessionsOf(
  deps: StaffDeps,
  req: Request,
  people: ReadonlyArray<Person | null | undefined>,
): Promise<void> {
  const concerned = people.filter((p): p is Person => !!p && !!(p.sub || p.email));
  if (concerned.length > 0) await deps.sessions.end(concerned, req.sessionStore);
}

/**
 * The staff pages under /admin: access requests, grants, preview as another profile. Staff rights are
 * read again from the gateway database on every request under /admin (the usage page of
 * src/dashboards/ included: this router is mounted before it).
 */
export function staffRouter(deps: StaffDeps): Router {
  const router = Router();
  router.use("/admin", requireStaff, recheckStaff({ db: deps.db }));
  const form = express.urlencoded({ extended: false, limit: "20kb" });
  router.use("/admin", requestRoutes(deps, form));
  router.use("/admin", grantRoutes(deps, form));
  router.use("/admin", previewRoutes(deps, form));
  return router;
}
