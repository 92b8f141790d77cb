import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from "node:crypto";

/**
 * Just enough JWS for tests to read what the provider signed and to forge what a misbehaving provider
 * would send, with the provider's own keys (so only the property under test is wrong).
 */

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

export function decodeJwt(token: string): DecodedJwt {
  const [header = "", payload = "", signature = ""] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>,
    signature,
  };
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Signs with a private JWK (RS256 or ES256). */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  jwk: JsonWebKey,
): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const key = createPrivateKey({ key: jwk, format: "jwk" });
  const signature =
    header.alg === "ES256"
      ? sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" })
      : sign("sha256", Buffer.from(input), key);
  return `${input}.${signature.toString("base64url")}`;
}

export function verifyJwt(token: string, jwk: JsonWebKey): boolean {
  const [header = "", payload = "", signature = ""] = token.split(".");
  const { alg } = decodeJwt(token).header;
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const input = Buffer.from(`${header}.${payload}`);
  const bytes = Buffer.from(signature, "base64url");
  return alg === "ES256"
    ? verify("sha256", input, { key, dsaEncoding: "ieee-p1363" }, bytes)
    : verify("sha256", input, key, bytes);
}

/** An unsigned JWT (`alg: none`) with the same claims. */
export function unsignedJwt(payload: Record<string, unknown>): string {
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}

/** The same JWT with a different payload and the original signature: a tampered token. */
export function tamperedJwt(
  token: string,
  change: (payload: Record<string, unknown>) => Record<string, unknown>,
): string {
  const [header = "", payload = "", signature = ""] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  return `${header}.${encode(change(claims))}.${signature}`;
}
