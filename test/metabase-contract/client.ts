import { createHmac } from "node:crypto";
import jwt from "jsonwebtoken";

/**
 * A deliberately plain HTTP client for the contract suite: it shows statuses, content types and raw bodies
 * exactly as they come, so that the tests can pin Metabase's plain-text vs JSON answers (§2.2).
 */
export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: any;
}

export class MetabaseClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string | undefined,
  ) {}

  withKey(apiKey: string | undefined): MetabaseClient {
    return new MetabaseClient(this.baseUrl, apiKey);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.apiKey ? { "x-api-key": this.apiKey } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    let json: unknown;
    if (contentType.includes("json")) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: response.status, contentType, text, json };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request("GET", path, undefined, headers);
  }
  post(path: string, body: unknown) {
    return this.request("POST", path, body);
  }
  put(path: string, body: unknown) {
    return this.request("PUT", path, body);
  }
  delete(path: string) {
    return this.request("DELETE", path);
  }

  /** A JSON call that must succeed; anything else fails the test with Metabase's answer. */
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const answer = await this.request(method, path, body);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    }
    return answer.json;
  }
}

/** A token as the gateway signs it: HS256 with the 64-hex secret string as is (jsonwebtoken adds `iat`). */
export function signToken(
  secret: string,
  payload: Record<string, unknown>,
  options: jwt.SignOptions = {},
): string {
  return jwt.sign(payload, secret, { algorithm: "HS256", ...options });
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** A token built by hand, for the headers and payloads a JWT library refuses to produce. */
export function handmadeToken(
  header: Record<string, unknown>,
  payload: string | Record<string, unknown>,
  sign: { secret: string; hash?: "sha256" | "sha512" } | "unsigned",
): string {
  const head = `${b64url(JSON.stringify(header))}.${b64url(typeof payload === "string" ? payload : JSON.stringify(payload))}`;
  if (sign === "unsigned") return `${head}.`;
  return `${head}.${createHmac(sign.hash ?? "sha256", Buffer.from(sign.secret, "utf8"))
    .update(head)
    .digest("base64url")}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
