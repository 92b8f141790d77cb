import { createAuditBatcher } from "../audit/audit-batch.js";
import type { AuditEntry } from "../audit/audit-log.js";
import { AppError, ForbiddenError } from "../errors.js";
import { dashboardAccess, type AccessDashboard } from "../perimeter/dashboard-access.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import type { ProfileKind } from "../perimeter/placement.js";
import { verifiedDashboardCondition, verifiedDashboardId } from "../metabase/object-map.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Queryable } from "../storage/database.js";
import { signEmbedToken, type EmbeddableParameter, type EmbedHashOptions } from "./sign.js";

export interface EmbedDashboard extends AccessDashboard {
  contentVersion: string;
  parameters: readonly EmbeddableParameter[];
}

export interface EmbedViewer {
  sub?: string | undefined;
  email?: string | undefined;
  kind: ProfileKind;
  organisationRef: string;
  perimeter: Perimeter;
  /** True while a staff member previews the product as another profile. */
  preview: boolean;
  /** The territory the viewer narrowed to, if any (`perimeter` is already narrowed): audited. */
  narrowing?: { departement?: string; bassin?: string; epci?: string };
}

export class MetabaseNotConfiguredError extends AppError {
  constructor() {
    super(503, "Les tableaux de bord Metabase ne sont pas configurés sur cette instance.", {
      code: "metabase_not_configured",
      // A 503 whose French message is safe and useful: show it rather than the generic one.
      expose: true,
    });
  }
}

export class DashboardNotVerifiedError extends AppError {
  constructor(key: string) {
    super(
      503,
      "Ce tableau de bord n'est pas disponible pour le moment : sa publication dans Metabase n'a pas encore été vérifiée.",
      { code: "dashboard_not_verified", details: { dashboard: key }, expose: true },
    );
  }
}

/**
 * Metabase's frame has its own download buttons, which neither the export audit nor the preview's "no
 * export" rule reach: during a staff preview no token is signed, and the page shows the gateway's own
 * cards instead (issue 15 §3).
 */
export class PreviewEmbedError extends AppError {
  constructor() {
    super(
      403,
      "Pendant un aperçu, le tableau de bord interactif (Metabase) n'est pas affiché : il permettrait de télécharger des données. Les données restent lisibles dans les tableaux de la page.",
      { code: "preview_embed" },
    );
  }
}

export interface IssuedEmbed {
  url: string;
  expiresAt: Date;
  dashboardId: number;
}

/**
 * Issues a signed embed URL: access check, id of a verified dashboard, signature, then the audit row —
 * written before the URL is returned; if the write fails, the error propagates and no URL leaves
 * (fail closed, PRODUCT.md §3 invariant 5).
 *
 * The Metabase id of each dashboard is remembered in the process, but whether it is still verified is
 * not: the audit row is written only if, at that instant, `metabase_objects` still holds that id verified
 * for this content version (in the statement that writes it). A plan that finds a lock contract broken
 * therefore stops the tokens at once, and a token costs one database round trip, not two.
 */
export function createEmbedService(deps: {
  db: Queryable;
  siteUrl: string | undefined;
  secretKey: string | undefined;
  ttlSeconds: number;
  hash?: EmbedHashOptions;
  now?: () => Date;
  metrics?: Pick<Metrics, "embedTokens"> | undefined;
}) {
  const now = deps.now ?? (() => new Date());
  // Tokens are the hot path of the audit log: their rows are group-committed (one INSERT for the
  // requests of the same moment), each request still answered only once its own row is committed.
  const audit = createAuditBatcher(deps.db);
  /** `key@contentVersion` → the Metabase id last found verified (bounded by the catalogue). */
  const knownIds = new Map<string, number>();

  async function attempt(
    dashboard: EmbedDashboard,
    viewer: EmbedViewer | null,
    dashboardId: number,
    requestId: string | undefined,
  ): Promise<IssuedEmbed | undefined> {
    const signed = signEmbedToken({
      dashboard,
      resourceId: dashboardId,
      perimeter: viewer?.perimeter ?? {},
      siteUrl: deps.siteUrl!,
      secretKey: deps.secretKey!,
      ttlSeconds: deps.ttlSeconds,
      now: now(),
      hash: deps.hash ?? {},
    });
    const entry: AuditEntry = {
      action: "embed.token_issued",
      actor: viewer ? { sub: viewer.sub, email: viewer.email } : undefined,
      profileKind: viewer?.kind,
      organisationId: viewer?.organisationRef,
      resource: { kind: "dashboard", key: dashboard.key, id: String(dashboardId) },
      lockedValues: signed.lockedValues,
      details: {
        expiresAt: signed.expiresAt.toISOString(),
        preview: viewer?.preview ?? false,
        public: dashboard.public,
        ...(viewer?.narrowing ? { narrowing: viewer.narrowing } : {}),
      },
      requestId,
    };
    const written = await audit.write(
      entry,
      verifiedDashboardCondition(dashboard.key, dashboard.contentVersion, dashboardId),
    );
    return written === undefined ? undefined : { url: signed.url, expiresAt: signed.expiresAt, dashboardId };
  }

  const service: IssuingService = {
    get enabled(): boolean {
      return !!deps.siteUrl && !!deps.secretKey;
    },

    async issue(
      dashboard: EmbedDashboard,
      viewer: EmbedViewer | null,
      requestId?: string,
    ): Promise<IssuedEmbed> {
      if (!deps.siteUrl || !deps.secretKey) throw new MetabaseNotConfiguredError();
      if (viewer?.preview) throw new PreviewEmbedError();
      const access = dashboardAccess(viewer, dashboard);
      if (!access.allowed)
        throw new ForbiddenError("Vous n'avez pas accès à ce tableau de bord.", access.reason);
      const version = `${dashboard.key}@${dashboard.contentVersion}`;
      const remembered = knownIds.get(version);
      if (remembered !== undefined) {
        const issued = await attempt(dashboard, viewer, remembered, requestId);
        if (issued) return issued;
        knownIds.delete(version);
      }
      const current = await verifiedDashboardId(deps.db, dashboard.key, dashboard.contentVersion);
      if (current !== undefined) {
        const issued = await attempt(dashboard, viewer, current, requestId);
        if (issued) {
          knownIds.set(version, current);
          return issued;
        }
      }
      throw new DashboardNotVerifiedError(dashboard.key);
    },
  };
  return counted(service, deps.metrics);
}

interface IssuingService {
  readonly enabled: boolean;
  issue(dashboard: EmbedDashboard, viewer: EmbedViewer | null, requestId?: string): Promise<IssuedEmbed>;
}

/** Counts every token issued, and why none was (a closed set: never a dashboard key nor a person). */
function counted(service: IssuingService, metrics: Pick<Metrics, "embedTokens"> | undefined): IssuingService {
  if (!metrics) return service;
  return {
    get enabled() {
      return service.enabled;
    },
    async issue(dashboard, viewer, requestId) {
      try {
        const issued = await service.issue(dashboard, viewer, requestId);
        metrics.embedTokens.inc({ outcome: "issued" });
        return issued;
      } catch (error) {
        metrics.embedTokens.inc({
          outcome:
            error instanceof MetabaseNotConfiguredError
              ? "not_configured"
              : error instanceof DashboardNotVerifiedError
                ? "not_verified"
                : error instanceof ForbiddenError
                  ? "refused"
                  : "failed",
        });
        throw error;
      }
    },
  };
}

export type EmbedService = ReturnType<typeof createEmbedService>;
