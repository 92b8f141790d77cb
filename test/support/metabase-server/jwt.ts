import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Metabase's `embedding.jwt/unsign` (metabase-contract.md §1.2, §1.4 step 2), written out on node:crypto so
 * that every rule is visible here rather than hidden in a JWT library:
 *
 * 1. Metabase decodes the header itself and refuses a missing `alg` or `alg: "none"` before verifying.
 * 2. Without a secret key: `The embedding secret key has not been set.`
 * 3. buddy-sign verifies with HS256 whatever the header says (HS384/HS512 tokens fail the HMAC), with the
 *    64-hex secret string's UTF-8 bytes as the key.
 * 4. `exp` and `nbf` are checked with Metabase's 60 s leeway; `iat` is not checked (no maximum age).
 *
 * Every failure is a 400 whose plain-text body is the message; callers map `EmbedTokenError` accordingly.
 */
export class EmbedTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbedTokenError";
  }
}

export const LEEWAY_SECONDS = 60;
const CORRUPT = "Message seems corrupt or manipulated";

export type Claims = Record<string, unknown>;

function decodeSegment(segment: string): string {
  return Buffer.from(segment.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Clojure truthiness: only `nil` and `false` are false. */
function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

export function unsignEmbedToken(token: string, secretKey: string | undefined, nowSeconds: number): Claims {
  const [headerPart = "", payloadPart, signaturePart] = token.split(".");

  const header = parseJson(decodeSegment(headerPart));
  // Metabase parses the header with its own JSON reader; an unreadable header fails there, with the
  // parser's message. That message is not reproduced: the corrupt-token message stands in for it.
  if (header === null || typeof header !== "object" || Array.isArray(header))
    throw new EmbedTokenError(CORRUPT);
  const alg = (header as Record<string, unknown>).alg;
  if (!truthy(alg)) throw new EmbedTokenError("JWT is missing `alg`.");
  if (alg === "none") throw new EmbedTokenError("JWT `alg` cannot be `none`.");

  if (!secretKey) throw new EmbedTokenError("The embedding secret key has not been set.");

  if (payloadPart === undefined || signaturePart === undefined) throw new EmbedTokenError(CORRUPT);
  const expected = createHmac("sha256", Buffer.from(secretKey, "utf8"))
    .update(`${headerPart}.${payloadPart}`)
    .digest();
  const given = Buffer.from(signaturePart.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new EmbedTokenError(CORRUPT);

  const claims = parseJson(decodeSegment(payloadPart));
  // buddy-sign's JSON parse failure carries a trailing full stop, unlike the signature failure.
  if (claims === undefined) throw new EmbedTokenError(`${CORRUPT}.`);
  const map: Claims =
    claims !== null && typeof claims === "object" && !Array.isArray(claims) ? (claims as Claims) : {};

  const exp = map.exp;
  if (typeof exp === "number" && exp <= nowSeconds - LEEWAY_SECONDS) {
    throw new EmbedTokenError(`Token is expired (${formatNumber(exp)})`);
  }
  const nbf = map.nbf;
  if (typeof nbf === "number" && nbf > nowSeconds + LEEWAY_SECONDS) {
    throw new EmbedTokenError(`Token is not yet valid (${formatNumber(nbf)})`);
  }
  return map;
}

/** Clojure's `format "%s"` of a JSON number: integers as digits, doubles in Java's notation. */
function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return String(value);
  return javaDouble(value);
}

function javaDouble(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) return Number.isInteger(value) ? `${value}.0` : String(value);
  const [mantissa, exponent] = value.toExponential().split("e");
  const m = mantissa!.includes(".") ? mantissa! : `${mantissa}.0`;
  return `${m}E${Number(exponent)}`;
}

/** Clojure's `get-in` with the keypath error of `get-in-unsigned-token-or-throw`. */
export function claimAt(claims: Claims, keypath: readonly string[]): unknown {
  let value: unknown = claims;
  for (const key of keypath) {
    value =
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  if (!truthy(value)) {
    throw new EmbedTokenError(
      `Token is missing value for keypath [${keypath.map((k) => `:${k}`).join(" ")}]`,
    );
  }
  return value;
}
