import axios, { type AxiosInstance } from "axios";
import type { z } from "zod";
import { httpFailure, MetabaseError } from "./errors.js";

/**
 * The HTTP boundary to Metabase: the only importer of axios. Every JSON answer goes through a zod schema
 * (schemas tolerate unknown fields: Metabase's API is not versioned and grows fields every release), every
 * failure becomes a MetabaseError, and every request is counted so that the benchmark and the tests can hold
 * the sync to its request budget.
 */

export type MetabaseCredentials =
  { kind: "api-key"; apiKey: string } | { kind: "session"; sessionId: string };

export interface RequestRecord {
  method: string;
  /** Path and query string, e.g. `/api/card?f=archived`. */
  path: string;
  status: number | undefined;
  ms: number;
}

export interface MetabaseHttp {
  readonly siteUrl: string;
  /** Every request sent, in order (retries included). */
  readonly log: RequestRecord[];
  setCredentials(credentials: MetabaseCredentials): void;
  get<S extends z.ZodType>(schema: S, path: string): Promise<z.infer<S>>;
  post<S extends z.ZodType>(schema: S, path: string, body: unknown): Promise<z.infer<S>>;
  put<S extends z.ZodType>(schema: S, path: string, body: unknown): Promise<z.infer<S>>;
}

export interface MetabaseHttpOptions {
  siteUrl: string;
  credentials?: MetabaseCredentials | undefined;
  timeoutMs?: number;
  /** Retries of a GET on a network error or 502/503/504; writes are never retried. */
  getRetries?: number;
  /** Waits between retries, in ms (tests pass 0). */
  retryDelayMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const RETRYABLE_STATUS = new Set([502, 503, 504]);

export function createMetabaseHttp(options: MetabaseHttpOptions): MetabaseHttp {
  const siteUrl = options.siteUrl.replace(/\/+$/, "");
  const log: RequestRecord[] = [];
  let credentials = options.credentials;
  const instance: AxiosInstance = axios.create({
    baseURL: siteUrl,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // Statuses are judged here, not by axios, so that Metabase's plain-text bodies reach the message.
    validateStatus: () => true,
    // Metabase answers some errors as plain text; keep the raw text when it is not JSON.
    transitional: { silentJSONParsing: true, forcedJSONParsing: true },
    maxRedirects: 0,
  });

  function headers(): Record<string, string> {
    if (!credentials) return {};
    return credentials.kind === "api-key"
      ? { "x-api-key": credentials.apiKey }
      : { "X-Metabase-Session": credentials.sessionId };
  }

  async function send<S extends z.ZodType>(
    method: "GET" | "POST" | "PUT",
    schema: S,
    path: string,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const attempts = method === "GET" ? 1 + (options.getRetries ?? 2) : 1;
    let last: MetabaseError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep((options.retryDelayMs ?? 300) * attempt);
      const started = performance.now();
      let status: number | undefined;
      let data: unknown;
      try {
        const response = await instance.request({ method, url: path, data: body, headers: headers() });
        status = response.status;
        data = response.data;
      } catch (error) {
        log.push({ method, path, status: undefined, ms: performance.now() - started });
        last = httpFailure(method, path, undefined, undefined, error);
        continue;
      }
      log.push({ method, path, status, ms: performance.now() - started });
      if (status >= 200 && status < 300) return parse(schema, method, path, data);
      last = httpFailure(method, path, status, data);
      if (!RETRYABLE_STATUS.has(status)) break;
    }
    throw last ?? new MetabaseError("network", "Metabase ne répond pas.");
  }

  return {
    siteUrl,
    log,
    setCredentials(next) {
      credentials = next;
    },
    get: (schema, path) => send("GET", schema, path),
    post: (schema, path, body) => send("POST", schema, path, body),
    put: (schema, path, body) => send("PUT", schema, path, body),
  };
}

function parse<S extends z.ZodType>(schema: S, method: string, path: string, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "(racine)"} : ${issue.message}`)
    .join(" ; ");
  throw new MetabaseError(
    "response-shape",
    `La réponse de Metabase à ${method} ${path} n'a pas la forme attendue : METABASE_INTERNAL_URL (ou METABASE_SITE_URL) désigne-t-elle bien Metabase (et une version prise en charge) ?`,
    { detail: issues },
  );
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
