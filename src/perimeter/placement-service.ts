import { writeAudit } from "../audit/audit-log.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Database } from "../storage/database.js";
import { bindGrants, grantsFor, needsBinding, type StoredGrant } from "./grants.js";
import type { OrganisationDirectory } from "./organisation-directory.js";
import {
  emailDomainOf,
  isGrantActive,
  resolvePlacements,
  type Identity,
  type PlacementResult,
  type PlacementRules,
} from "./placement.js";

export interface PlacementDecision {
  result: PlacementResult;
  /** The earliest end of a grant the placements rest on: the profile must be worked out again then. */
  validUntil: Date | null;
}

export interface PlacementService {
  /**
   * Works out the profiles a person may use, binds the grants they use for the first time to their
   * account, and writes the decision to the audit log (and, at login, to the metrics).
   */
  place(
    identity: Identity,
    context?: { requestId?: string | undefined; atLogin?: boolean },
  ): Promise<PlacementDecision>;
}

/** The metric's outcome: a grant, the profile kind placed automatically, or the reason for no access. */
function outcomeOf(result: PlacementResult): string {
  const first = result.placements[0];
  if (!first) return result.refusal ?? "none";
  return first.source === "grant" ? "grant" : first.kind;
}

/**
 * The I/O around resolvePlacements: grants from the gateway database (bound at first use), organisations
 * and memberships from the warehouse.
 */
export function createPlacementService(deps: {
  db: Database;
  directory: OrganisationDirectory;
  rules: PlacementRules;
  metrics?: Metrics | undefined;
  now?: () => Date;
}): PlacementService {
  const now = deps.now ?? (() => new Date());
  return {
    async place(identity, context = {}) {
      const at = now();
      const safir = identity.custom?.structureTravail;
      // A SAFIR code is only looked up for France Travail's own identity providers (see PlacementRules).
      const trustedSafir =
        typeof safir === "string" &&
        !!identity.idpId &&
        deps.rules.franceTravail.idpIds.includes(identity.idpId)
          ? safir
          : undefined;
      const [named, found] = await Promise.all([
        grantsFor(deps.db, identity),
        deps.directory.find({ siret: identity.siret, safir: trustedSafir, email: identity.email }),
      ]);
      const toBind = named.filter((g) => isGrantActive(g, at) && needsBinding(g, identity));
      const bound = await bindGrants(
        deps.db,
        toBind.map((g) => g.id),
        identity,
        { requestId: context.requestId },
      );
      const boundIds = new Set(bound.map((g) => g.id));
      // A grant still unbound after binding went to another account first: it is not this person's.
      const grants: StoredGrant[] = named.filter((g) => g.subjectSub !== null || boundIds.has(g.id));
      const result = resolvePlacements({
        identity,
        grants,
        matches: found.matches,
        memberships: found.memberships,
        rules: deps.rules,
        now: at,
      });
      const used = grants.filter(
        (g) => isGrantActive(g, at) && result.placements.some((p) => p.organisationRef === `grant:${g.id}`),
      );
      const ends = used.flatMap((g) => (g.validUntil ? [g.validUntil.getTime()] : []));
      await writeAudit(deps.db, {
        action: "placement.decided",
        actor: { sub: identity.sub, email: identity.email },
        profileKind: result.placements.length === 1 ? result.placements[0]!.kind : undefined,
        details: {
          siret: identity.siret,
          safir: typeof safir === "string" ? safir : undefined,
          idpId: identity.idpId,
          emailDomain: emailDomainOf(identity.email),
          refusal: result.refusal,
          ...(result.refusal && result.organisation ? { organisation: result.organisation } : {}),
          placements: result.placements.map((p) => ({
            kind: p.kind,
            organisation: p.organisationRef,
            source: p.source,
            perimeter: p.perimeter,
          })),
        },
        requestId: context.requestId,
      });
      if (context.atLogin) deps.metrics?.placements.inc({ outcome: outcomeOf(result) });
      return { result, validUntil: ends.length > 0 ? new Date(Math.min(...ends)) : null };
    },
  };
}
