import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { AppError } from "../errors.js";

/**
 * The gateway's Prometheus metrics (prom-client), one registry per process, built in `main.ts` and
 * handed to the features that count something. Served by `GET /metrics` on a separate listener bound to
 * an internal address (never on the public port). Labels are small closed sets: never an e-mail, a
 * perimeter value or a dashboard parameter.
 */
export interface Metrics {
  registry: Registry;
  /** Request durations by route pattern (`/tableaux-de-bord/:key`, never the raw URL), method and status. */
  httpRequestDuration: Histogram<"route" | "method" | "status">;
  /** Embed tokens: `issued`, or why none was (`refused`, `audit_failed`, `not_verified`…). */
  embedTokens: Counter<"outcome">;
  /** Exports by format and outcome (`completed`, `failed`, `refused`). */
  exports: Counter<"format" | "outcome">;
  /** Placement at login: the profile kind, `grant`, or the reason for no access. */
  placements: Counter<"outcome">;
  /** A dependency that failed a request: `gateway_database`, `warehouse`, `redis`, `metabase`, `proconnect`; kind `timeout`, `unavailable`, `busy` (its export pool full), `error`. */
  dependencyErrors: Counter<"dependency" | "kind">;
  /** Result cache lookups by cache (`card_data`, `public_page`…) and outcome (`hit`, `miss`, `error`). */
  cacheLookups: Counter<"cache" | "outcome">;
  /** The embed renewal's session cookie: read by src/auth/lean-session.ts, or left to the full stack (anonymous renewals not counted). */
  embedSessionReads: Counter<"path">;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "pilotage_" });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "pilotage_http_request_duration_seconds",
      help: "Durée des requêtes HTTP par route, méthode et statut",
      labelNames: ["route", "method", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    embedTokens: new Counter({
      name: "pilotage_embed_tokens_total",
      help: "Jetons d'intégration Metabase, signés ou refusés",
      labelNames: ["outcome"],
      registers,
    }),
    exports: new Counter({
      name: "pilotage_exports_total",
      help: "Exports de données par format et issue",
      labelNames: ["format", "outcome"],
      registers,
    }),
    placements: new Counter({
      name: "pilotage_placements_total",
      help: "Placements à la connexion : type de profil, accès explicite ou raison du refus",
      labelNames: ["outcome"],
      registers,
    }),
    dependencyErrors: new Counter({
      name: "pilotage_dependency_errors_total",
      help: "Requêtes en échec à cause d'une dépendance (base, entrepôt, Redis, Metabase, ProConnect)",
      labelNames: ["dependency", "kind"],
      registers,
    }),
    cacheLookups: new Counter({
      name: "pilotage_cache_lookups_total",
      help: "Consultations des caches par cache et résultat",
      labelNames: ["cache", "outcome"],
      registers,
    }),
    embedSessionReads: new Counter({
      name: "pilotage_embed_session_reads_total",
      help: "Sessions des renouvellements d'URL d'intégration : lues directement (lean) ou laissées à express-session (full_stack)",
      labelNames: ["path"],
      registers,
    }),
  };
}

/**
 * Counts a dependency failure that did not reach the error handler (which counts those that end a
 * request): a fail-open write, a page that degraded instead of failing.
 */
export function countDependencyFailure(
  metrics: Pick<Metrics, "dependencyErrors"> | undefined,
  error: unknown,
): void {
  if (error instanceof AppError && error.dependency) {
    metrics?.dependencyErrors.inc({ dependency: error.dependency.name, kind: error.dependency.failure });
  }
}
