import type { Request, RequestHandler } from "express";
import { getSessionUser } from "../auth/session.js";
import type { TerritoryReference, TerritoryReferenceReader } from "../territories/reference.js";
import type { Perimeter } from "./lock-values.js";
import { effectivePerimeter, isNarrowed, readTerritoryChoice, type TerritoryChoice } from "./narrowing.js";

/**
 * Narrowing at the edge of the routes (issue 19). Every request of a logged-in person gets the territory
 * reference (cached, src/territories/reference.ts), so that their profile's perimeter carries its bassins
 * and EPCI wherever it is read (hub, pages, API, exports, notes); the routes that accept a choice
 * (`?departement=…&bassin=…&epci=…`) narrow it with `narrowedPerimeter`, which signs `chosen ∩ perimeter`
 * or refuses with a 400.
 */

declare module "express-serve-static-core" {
  interface Request {
    /** The bassins and EPCI of each département, when they could be read for this request. */
    territoryReference?: TerritoryReference;
    /** Why it could not be read, when it could not (see `territoryFailureBehind`). */
    territoryReferenceFailure?: unknown;
  }
}

/**
 * Reads the reference for logged-in requests. A warehouse that does not answer leaves it out (the
 * perimeter then has no bassin or EPCI, and a lock on them denies), rather than failing every page.
 */
export function attachTerritoryReference(reader: TerritoryReferenceReader): RequestHandler {
  return async (req, _res, next) => {
    if (getSessionUser(req)) {
      try {
        req.territoryReference = await reader.current();
      } catch (error) {
        req.territoryReferenceFailure = error;
        req.log?.warn(
          { err: error },
          "territory reference not read: no bassin nor EPCI lock for this request",
        );
      }
    }
    next();
  };
}

/**
 * The reference's failure, when it is why a dashboard was refused: a bassin or EPCI lock that the
 * perimeter could not fill because the reference was not read. The route then answers with that failure
 * (a 503: try again) rather than a 403 that would tell the person they may not open the dashboard.
 */
export function territoryFailureBehind(
  req: Request,
  access: { allowed: false; reason: string; attribute?: string },
  perimeter: Perimeter | undefined,
): unknown {
  const territorial = access.attribute === "bassins" || access.attribute === "epci";
  // Only a perimeter of départements gets bassins and EPCI from the reference: any other is refused anyway.
  const couldFill = (perimeter?.departements?.length ?? 0) > 0;
  return access.reason === "perimeter_cannot_fill_lock" && territorial && couldFill && !req.territoryReference
    ? req.territoryReferenceFailure
    : undefined;
}

/**
 * Completed perimeters, per reference and per stored perimeter's content: every agent of a DDETS (every
 * DGEFP agent, whose national perimeter completes into a thousand EPCI) shares one, made once rather than
 * at each request — the session is read anew each time, so a cache per stored object lasted one request.
 * Frozen: a completed perimeter is shared between requests and people, and must never be changed in place.
 */
const completed = new WeakMap<TerritoryReference, Map<string, Perimeter>>();
/** Distinct stored perimeters kept per reference; the cache is emptied when it reaches this. */
const MAX_COMPLETED = 1_000;

/** The stored perimeter with its bassins and EPCI, when the request carries the reference. */
export function withTerritories(perimeter: Perimeter, req: Request): Perimeter {
  const reference = req.territoryReference;
  if (!reference) return perimeter;
  // Held by the reference only: a reference replaced by a newer one takes its completions with it.
  let byContent = completed.get(reference);
  if (!byContent) completed.set(reference, (byContent = new Map()));
  const key = JSON.stringify(perimeter);
  let result = byContent.get(key);
  if (!result) {
    if (byContent.size >= MAX_COMPLETED) byContent.clear();
    result = frozenCopy(effectivePerimeter(perimeter, reference));
    byContent.set(key, result);
  }
  return result;
}

/** A frozen copy, arrays included: the stored perimeter it may share arrays with stays as it was. */
function frozenCopy(perimeter: Perimeter): Perimeter {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(perimeter))
    copy[name] = Array.isArray(value) ? Object.freeze([...(value as unknown[])]) : value;
  return Object.freeze(copy) as Perimeter;
}

/**
 * The perimeter narrowed to the request's choice, with the choice (for the audit and the page's links).
 * Without a choice, the perimeter as it is. A choice needs the reference: read now if the request has
 * none (a warehouse that does not answer is then the page's 503, not a wider lock).
 */
export async function narrowedPerimeter(
  req: Request,
  perimeter: Perimeter,
  reader: TerritoryReferenceReader,
  /** Where the choice is read: the request's query string, or the part of it that is a choice (exports). */
  query: Record<string, unknown> = req.query as Record<string, unknown>,
): Promise<{ perimeter: Perimeter; choice: TerritoryChoice }> {
  const choice = readTerritoryChoice(query);
  if (!isNarrowed(choice)) return { perimeter, choice };
  const reference = req.territoryReference ?? (await reader.current());
  return { perimeter: effectivePerimeter(perimeter, reference, choice), choice };
}
