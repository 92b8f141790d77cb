import { writeAudit } from "../audit/audit-log.js";
import type { Database } from "../storage/database.js";
import { grantsFor } from "./grants.js";
import type { OrganisationDirectory } from "./organisation-directory.js";
import { resolvePlacements, type Identity, type PlacementResult, type PlacementRules } from "./placement.js";

export interface PlacementService {
  /** Works out the profiles a person may use, and writes the decision to the audit log. */
  place(identity: Identity, context?: { requestId?: string | undefined }): Promise<PlacementResult>;
}

/** The I/O around resolvePlacements: grants from the gateway database, organisations from the warehouse. */
export function createPlacementService(deps: {
  db: Database;
  directory: OrganisationDirectory;
  rules: PlacementRules;
  now?: () => Date;
}): PlacementService {
  const now = deps.now ?? (() => new Date());
  return {
    async place(identity, context = {}) {
      const safir = identity.custom?.structureTravail;
      // A SAFIR code is only looked up for France Travail's own identity providers (see PlacementRules).
      const trustedSafir =
        typeof safir === "string" &&
        !!identity.idpId &&
        deps.rules.franceTravailIdpIds.includes(identity.idpId)
          ? safir
          : undefined;
      const [grants, matches] = await Promise.all([
        grantsFor(deps.db, identity),
        deps.directory.find({ siret: identity.siret, safir: trustedSafir }),
      ]);
      const result = resolvePlacements({ identity, grants, matches, rules: deps.rules, now: now() });
      await writeAudit(deps.db, {
        action: "placement.decided",
        actor: { sub: identity.sub, email: identity.email },
        profileKind: result.placements.length === 1 ? result.placements[0]!.kind : undefined,
        details: {
          siret: identity.siret,
          safir: typeof safir === "string" ? safir : undefined,
          refusal: result.refusal,
          placements: result.placements.map((p) => ({
            kind: p.kind,
            organisation: p.organisationRef,
            source: p.source,
            perimeter: p.perimeter,
          })),
        },
        requestId: context.requestId,
      });
      return result;
    },
  };
}
