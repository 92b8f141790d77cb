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
 * Completed perimeters, per stored perimeter object (one per request: the session is read anew each
 * time) and reference: a request asks for its profile several times (layout, route, viewer).
 */
const completed = new WeakMap<Perimeter, { reference: TerritoryReference; perimeter: Perimeter }>();

/** The stored perimeter with its bassins and EPCI, when the request carries the reference. */
export function withTerritories(perimeter: Perimeter, req: Request): Perimeter {
  const reference = req.territoryReference;
  if (!reference) return perimeter;
  const known = completed.get(perimeter);
  if (known?.reference === reference) return known.perimeter;
  const result = effectivePerimeter(perimeter, reference);
  completed.set(perimeter, { reference, perimeter: result });
  return result;
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
