import { createHmac, randomBytes } from "node:crypto";
import express from "express";
import type { Redis } from "ioredis";
import type { RequestListener } from "node:http";
import type { JWK } from "oidc-provider";
import { createApp, type AppDeps } from "../../src/app.js";
import type { OnLogin } from "../../src/auth/routes.js";
import type { Catalog } from "../../src/catalog/index.js";
import type { Config } from "../../src/config.js";
import {
  createDemoIdentityProvider,
  generateSigningKeys,
  type DemoClient,
  type DemoIdentityProvider,
  type DemoIdentityProviderOptions,
} from "../../src/demo-idp/provider.js";
import type { Logger } from "../../src/logging.js";
import type { Metrics } from "../../src/metrics/metrics.js";
import type { PlacementRules } from "../../src/perimeter/placement.js";
import type { Database } from "../../src/storage/database.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { SESSION_KEY_PREFIX } from "../../src/storage/session-store.js";
import { openTestStack, type TestStack } from "./app.js";
import type { Browser } from "./login.js";
import { startProviderProxy, type ProviderProxy } from "./provider-proxy.js";
import { testConfig, testServices } from "./services.js";

/**
 * A listening gateway logged in through a listening demo provider, on loopback ports, with sessions in
 * the test Redis: what `loginAs` (test/support/login.ts) needs.
 *
 *   const stack = await startLoginStack();
 *   const browser = await loginAs(stack.baseUrl, "agent.ddets93@demo.pilotage.test");
 *   ...
 *   await stack.close();
 */
export interface LoginStackOptions {
  /** Extra configuration, as environment variables (e.g. PROCONNECT_MIN_ACR, SESSION_IDLE_TIMEOUT_SECONDS). */
  env?: Record<string, string>;
  /** Test-only variations of the provider (e.g. `honourEssentialAcr: false`). */
  provider?: Partial<Pick<DemoIdentityProviderOptions, "honourEssentialAcr" | "accounts">>;
  /** Variations of the gateway's registration at the provider (e.g. another userinfo algorithm). */
  client?: Partial<DemoClient>;
  /** Interposes a proxy between the provider and everyone else (see provider-proxy.ts). */
  proxy?: boolean;
  logger?: Logger;
  /** The test Redis by default; "none" keeps sessions and limits in memory. */
  redis?: Redis | "none";
  onLogin?: OnLogin;
  /** More callback URLs to register (other gateways sharing this provider). */
  extraRedirectOrigins?: string[];
  /** Another gateway database than the shared test one (e.g. one `pilotage apply` wrote into). */
  db?: Database;
  /** Another warehouse than the shared test one (e.g. on a server the fault suite freezes). */
  warehouse?: Database;
  /** The gateway's clock for embed tokens (AppDeps.now). */
  now?: () => Date;
  /** Another catalogue than the repository's (e.g. a test fixture). */
  catalog?: Catalog;
  /** Other placement rules than the demo's (e.g. production's: `loadPlacementRules(root, { demo: false })`). */
  placementRules?: PlacementRules;
  /** Prometheus metrics the gateway counts into (AppDeps.metrics). */
  metrics?: Metrics;
  /**
   * Runs the gateway as NODE_ENV=production would (secure `__Host-` session cookie, HSTS…), on this
   * test configuration; `env` must then set PUBLIC_URL to the https address a TLS proxy serves.
   */
  production?: boolean;
  /** More of the gateway's dependencies: a result cache, the load marker's reader, a page-view counter the test flushes itself. */
  deps?: Partial<AppDeps>;
}

export interface LoginStack {
  baseUrl: string;
  config: Config;
  provider: DemoIdentityProvider;
  /** The provider's issuer as the gateway sees it (through the proxy when there is one). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The provider's private signing keys, to forge tokens in refusal tests. */
  keys: JWK[];
  proxy: ProviderProxy | undefined;
  testStack: TestStack;
  /** Number of gateway sessions currently in Redis. */
  sessionCount(): Promise<number>;
  /** Every gateway session in Redis, parsed. */
  sessions(): Promise<Array<{ key: string; data: Record<string, unknown> }>>;
  close(): Promise<void>;
}

async function listenLater(): Promise<{ server: RunningServer; attach(handler: RequestListener): void }> {
  let handler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = await startServer((req, res) => handler(req, res), 0, "127.0.0.1");
  return { server, attach: (h) => (handler = h) };
}

export async function startLoginStack(options: LoginStackOptions = {}): Promise<LoginStack> {
  const providerServer = await listenLater();
  const gatewayServer = await listenLater();
  const proxy = options.proxy ? await startProviderProxy() : undefined;
  if (proxy) proxy.target = providerServer.server.url;

  const issuer = `${proxy?.url ?? providerServer.server.url}/api/v2`;
  const baseUrl = gatewayServer.server.url;
  const clientId = "pilotage-test";
  const clientSecret = randomBytes(32).toString("hex");
  const jwks = generateSigningKeys();
  const origins = [baseUrl, ...(options.extraRedirectOrigins ?? [])];
  const provider = createDemoIdentityProvider({
    issuer,
    clients: [
      {
        clientId,
        clientSecret,
        clientName: "Pilotage de l'inclusion (tests)",
        redirectUris: origins.map((origin) => `${origin}/connexion/callback`),
        postLogoutRedirectUris: origins.map((origin) => `${origin}/deconnexion/callback`),
        ...options.client,
      },
    ],
    jwks,
    ...options.provider,
  });
  providerServer.attach(express().use(provider.basePath, provider.router));

  const loaded = testConfig({
    PUBLIC_URL: baseUrl,
    REDIS_URL: options.redis === "none" ? undefined : testServices.redisUrl,
    DATABASE_URL: testServices.databaseUrl,
    WAREHOUSE_URL: testServices.warehouseUrl,
    PROCONNECT_ISSUER: issuer,
    PROCONNECT_CLIENT_ID: clientId,
    PROCONNECT_CLIENT_SECRET: clientSecret,
    LOGIN_RATE_LIMIT_PER_MINUTE: "100000",
    ...options.env,
  });
  // loadConfig would also want a real https issuer: the demo provider stays on loopback http.
  const config: Config = options.production ? { ...loaded, env: "production" } : loaded;
  const testStack = await openTestStack({
    config,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.db ? { db: options.db } : {}),
    ...(options.warehouse ? { warehouse: options.warehouse } : {}),
  });
  gatewayServer.attach(
    createApp({
      ...testStack.deps,
      ...(options.onLogin ? { onLogin: options.onLogin } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.catalog ? { catalog: options.catalog } : {}),
      ...(options.placementRules ? { placementRules: options.placementRules } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...options.deps,
    }),
  );

  const redis = testStack.deps.redis;
  const sessionKeys = async () => (redis ? redis.keys(`${SESSION_KEY_PREFIX}*`) : []);
  return {
    baseUrl,
    config,
    provider,
    issuer,
    clientId,
    clientSecret,
    keys: jwks.keys,
    proxy,
    testStack,
    sessionCount: async () => (await sessionKeys()).length,
    sessions: async () => {
      if (!redis) return [];
      const keys = await sessionKeys();
      const values = keys.length ? await redis.mget(keys) : [];
      return keys.map((key, i) => ({ key, data: JSON.parse(values[i] ?? "{}") as Record<string, unknown> }));
    },
    async close() {
      await Promise.all([gatewayServer.server.stop(1000), providerServer.server.stop(1000), proxy?.close()]);
      await testStack.close();
    },
  };
}

/** The session id a browser holds for the gateway (its `pilotage.sid` cookie, unsigned). */
export function sessionIdOf(browser: Browser): string {
  const cookie = browser.jar.get("pilotage.sid");
  if (!cookie) throw new Error("this browser holds no gateway session cookie");
  return decodeURIComponent(cookie.value).slice(2).split(".")[0]!;
}

/** The Redis key of a browser's gateway session. */
export function sessionKeyOf(browser: Browser): string {
  return `${SESSION_KEY_PREFIX}${sessionIdOf(browser)}`;
}

/** A `pilotage.sid` cookie value for a session id, signed as express-session signs it. */
export function signedSessionCookie(sid: string, secret: string): string {
  const signature = createHmac("sha256", secret).update(sid).digest("base64").replace(/=+$/, "");
  return encodeURIComponent(`s:${sid}.${signature}`);
}
