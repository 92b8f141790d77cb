import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { AppError } from "../errors.js";
import {
  PERIMETER_ATTRIBUTES,
  lockValue,
  type LockValue,
  type Perimeter,
  type PerimeterAttribute,
} from "../perimeter/lock-values.js";

/**
 * Signing Metabase static-embed tokens (metabase-contract.md §1.2–1.3, §6 "Gateway"). Pure: every
 * input is a parameter, including the clock.
 *
 * - `params` holds exactly the dashboard's locked parameters, each filled from the server-side perimeter
 *   (never from the request) and never empty: Metabase reads `[]` as "no filter".
 * - HS256 with the 64-hex secret string as is, `exp` in seconds.
 * - The URL stays under Metabase's 8 KiB request-line limit, with a margin for the iframe's own API calls.
 */

export const MAX_EMBED_URL_BYTES = 8_000;

export interface EmbeddableParameter {
  slug: string;
  /** The perimeter attribute that fills a locked parameter; absent for an editable one. */
  locked?: PerimeterAttribute | undefined;
  default?: unknown;
}

export interface EmbeddableDashboard {
  key: string;
  parameters: readonly EmbeddableParameter[];
}

export interface EmbedHashOptions {
  bordered?: boolean;
  titled?: boolean;
  theme?: "light" | "night" | "transparent";
  locale?: string;
}

export interface SignEmbedInput {
  dashboard: EmbeddableDashboard;
  /** The dashboard's Metabase id. */
  resourceId: number;
  perimeter: Perimeter;
  siteUrl: string;
  secretKey: string;
  ttlSeconds: number;
  now: Date;
  hash?: EmbedHashOptions;
}

export interface SignedEmbed {
  url: string;
  token: string;
  expiresAt: Date;
  /** What was locked, slug → value, as it went into the token (for the audit log). */
  lockedValues: Record<string, LockValue>;
}

export class EmbedSigningError extends AppError {
  constructor(
    readonly reason: "undeclared_parameter" | "url_too_long" | "invalid_resource",
    message: string,
  ) {
    super(500, message, { code: `embed_${reason}` });
  }
}

const DEFAULT_HASH: Required<Pick<EmbedHashOptions, "bordered" | "titled" | "locale">> = {
  bordered: false,
  titled: false,
  locale: "fr",
};

/**
 * Builds the token payload: every locked parameter, filled from the perimeter. A lock whose source is
 * not a known perimeter attribute, or a slug declared twice, is refused rather than guessed.
 */
export function embedParams(dashboard: EmbeddableDashboard, perimeter: Perimeter): Record<string, LockValue> {
  const params: Record<string, LockValue> = {};
  const seen = new Set<string>();
  for (const parameter of dashboard.parameters) {
    if (seen.has(parameter.slug)) {
      throw new EmbedSigningError(
        "undeclared_parameter",
        `Le paramètre « ${parameter.slug} » est déclaré deux fois par le tableau de bord ${dashboard.key}.`,
      );
    }
    seen.add(parameter.slug);
    if (!parameter.locked) continue;
    if (!(PERIMETER_ATTRIBUTES as readonly string[]).includes(parameter.locked)) {
      throw new EmbedSigningError(
        "undeclared_parameter",
        `Le paramètre verrouillé « ${parameter.slug} » du tableau de bord ${dashboard.key} dépend d'un attribut de périmètre inconnu (${parameter.locked}).`,
      );
    }
    params[parameter.slug] = lockValue(perimeter, parameter.locked);
  }
  return params;
}

function editableDefaults(dashboard: EmbeddableDashboard): URLSearchParams {
  const query = new URLSearchParams();
  for (const parameter of dashboard.parameters) {
    if (parameter.locked || parameter.default === undefined || parameter.default === null) continue;
    const values = Array.isArray(parameter.default) ? parameter.default : [parameter.default];
    for (const value of values)
      if (value !== "" && value !== null) query.append(parameter.slug, String(value));
  }
  return query;
}

function hashOptions(options: EmbedHashOptions): string {
  const merged = { ...DEFAULT_HASH, ...options };
  const hash = new URLSearchParams();
  hash.set("bordered", String(merged.bordered));
  hash.set("titled", String(merged.titled));
  if (merged.theme) hash.set("theme", merged.theme);
  if (merged.locale) hash.set("locale", merged.locale);
  return hash.toString();
}

/**
 * The secret as a KeyObject over its UTF-8 bytes (Metabase keys HMAC with the hex string itself, §1.2),
 * made once rather than at every signature.
 */
let lastKey: { secret: string; key: KeyObject } | undefined;
function hmacKey(secret: string): KeyObject {
  if (lastKey?.secret !== secret) lastKey = { secret, key: createSecretKey(Buffer.from(secret, "utf8")) };
  return lastKey.key;
}

const JWT_HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

/**
 * A JWT (RFC 7519) signed with HS256: the fixed header, the payload as JSON, both base64url, and their
 * HMAC-SHA256. Byte for byte what jsonwebtoken signs (test/embed/sign.test.ts compares them), without its
 * option checks and payload copies, which cost most of a signature on the embed's hot path.
 */
function signHs256(payload: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${JWT_HEADER}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${signingInput}.${createHmac("sha256", key).update(signingInput).digest("base64url")}`;
}

export function signEmbedToken(input: SignEmbedInput): SignedEmbed {
  const { dashboard, resourceId, perimeter, siteUrl, secretKey, ttlSeconds, now } = input;
  if (!Number.isInteger(resourceId) || resourceId <= 0) {
    throw new EmbedSigningError(
      "invalid_resource",
      `Le tableau de bord ${dashboard.key} n'a pas d'identifiant Metabase valide.`,
    );
  }
  const lockedValues = embedParams(dashboard, perimeter);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const exp = issuedAt + ttlSeconds;
  const token = signHs256(
    { resource: { dashboard: resourceId }, params: lockedValues, exp, iat: issuedAt },
    hmacKey(secretKey),
  );
  const query = editableDefaults(dashboard).toString();
  const url = `${siteUrl.replace(/\/+$/, "")}/embed/dashboard/${token}${query ? `?${query}` : ""}#${hashOptions(input.hash ?? {})}`;
  if (Buffer.byteLength(url, "utf8") > MAX_EMBED_URL_BYTES) {
    throw new EmbedSigningError(
      "url_too_long",
      `L'adresse d'intégration du tableau de bord ${dashboard.key} dépasserait ${MAX_EMBED_URL_BYTES} octets.`,
    );
  }
  return { url, token, expiresAt: new Date(exp * 1000), lockedValues };
}
