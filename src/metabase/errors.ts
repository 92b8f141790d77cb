import { AppError } from "../errors.js";

/**
 * What can go wrong when the CLI talks to Metabase, as a small taxonomy (after metabase-cli's
 * `MetabaseError`): each category carries a French message that says what to do next, and the CLI maps
 * categories to exit codes in one place (src/cli/metabase-sync.ts).
 *
 * - `network`: Metabase did not answer (DNS, refused connection, timeout);
 * - `auth`: 401, the API key or the password was refused;
 * - `permission`: 403, the credentials are not an administrator's;
 * - `not-found`: 404 on an object the sync expected;
 * - `http`: any other non-2xx answer (Metabase's own message is kept in `detail`);
 * - `response-shape`: a 2xx answer that does not look like Metabase's (wrong URL, unsupported version);
 * - `capability`: the instance cannot be synced as configured (version, embedding off, database or fields
 *   unknown) — the preflight's findings;
 * - `contract`: what Metabase returned after writing breaks a dashboard's lock contract;
 * - `conflict`: the instance holds something the sync must not decide alone (an owned object outside the
 *   managed collections, a key claimed twice).
 */
export type MetabaseErrorCategory =
  | "network"
  | "auth"
  | "permission"
  | "not-found"
  | "http"
  | "response-shape"
  | "capability"
  | "contract"
  | "conflict";

const STATUS_BY_CATEGORY: Record<MetabaseErrorCategory, number> = {
  network: 502,
  auth: 502,
  permission: 502,
  "not-found": 502,
  http: 502,
  "response-shape": 502,
  capability: 409,
  contract: 409,
  conflict: 409,
};

export class MetabaseError extends AppError {
  constructor(
    readonly category: MetabaseErrorCategory,
    message: string,
    options: {
      /** Metabase's own words or the request that failed, for --verbose output; never secrets. */
      detail?: string | undefined;
      /** HTTP status Metabase answered, when there was one. */
      httpStatus?: number | undefined;
      cause?: unknown;
      /** Several findings reported at once (preflight, contract breaches). */
      problems?: readonly string[] | undefined;
    } = {},
  ) {
    super(STATUS_BY_CATEGORY[category], message, { cause: options.cause, code: `metabase_${category}` });
    this.detail = options.detail;
    this.httpStatus = options.httpStatus;
    this.problems = options.problems ?? [];
  }

  readonly detail: string | undefined;
  readonly httpStatus: number | undefined;
  readonly problems: readonly string[];

  /** The message and each finding, one per line, as the CLI prints it. */
  describe(): string {
    return [this.publicMessage, ...this.problems.map((p) => `  - ${p}`)].join("\n");
  }
}

/** The French message for a failed request, by what Metabase answered. */
export function httpFailure(
  method: string,
  path: string,
  status: number | undefined,
  body: unknown,
  cause?: unknown,
): MetabaseError {
  const where = `${method} ${path}`;
  const said = metabaseMessage(body);
  const detail = `${where} → ${status ?? "sans réponse"}${said ? ` : ${said}` : ""}`;
  if (status === undefined) {
    return new MetabaseError(
      "network",
      "Metabase ne répond pas. Vérifiez METABASE_INTERNAL_URL (ou METABASE_SITE_URL), que Metabase est démarré et joignable depuis cette machine, puis relancez.",
      { detail, cause },
    );
  }
  if (status === 401) {
    return new MetabaseError(
      "auth",
      "Metabase refuse les identifiants : vérifiez METABASE_API_KEY (ou METABASE_USERNAME et METABASE_PASSWORD), puis relancez.",
      { detail, httpStatus: status, cause },
    );
  }
  if (status === 403) {
    return new MetabaseError(
      "permission",
      "Metabase refuse cette opération : la clé API (ou le compte) doit appartenir au groupe Administrateurs.",
      { detail, httpStatus: status, cause },
    );
  }
  if (status === 404) {
    return new MetabaseError(
      "not-found",
      `Metabase ne trouve pas ${path}${said ? ` (« ${said} »)` : ""}. Relancez \`pilotage plan\` pour voir l'état actuel.`,
      { detail, httpStatus: status, cause },
    );
  }
  return new MetabaseError(
    "http",
    `Metabase a refusé ${where} (HTTP ${status})${said ? ` : « ${said} »` : ""}.`,
    { detail, httpStatus: status, cause },
  );
}

/**
 * Metabase answers errors as plain text (`Not found.`) or JSON (`{message}`, or `{errors: {field: …}}` for
 * request-schema failures, metabase-contract.md §2.2); this finds the readable part of either.
 */
export function metabaseMessage(body: unknown): string | undefined {
  if (typeof body === "string") return body.trim().slice(0, 500) || undefined;
  if (!isRecord(body)) return undefined;
  if (typeof body.message === "string") return body.message.slice(0, 500);
  if (isRecord(body.errors)) {
    return Object.entries(body.errors)
      .map(([field, why]) => `${field} : ${typeof why === "string" ? why : JSON.stringify(why)}`)
      .join(" ; ")
      .slice(0, 500);
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
