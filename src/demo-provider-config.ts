import { z } from "zod";
import { EnvSchema, MIN_SECRET_LENGTH, optionalString, trustProxySetting, type Env } from "./env-schema.js";
import { ConfigError } from "./errors.js";

/**
 * Host names no real ProConnect uses (RFC 6761's `localhost` and `test`): the only issuers whose
 * accounts PROCONNECT_DEMO_ACCOUNTS may trust, so that the switch can never widen placement on the
 * integration or production federation.
 */
const DEMO_ISSUER_HOST = /^(localhost|127\.0\.0\.1|\[::1\]|[a-z0-9.-]+\.(localhost|test))$/;

/** Whether an issuer URL is one the demo provider may serve (see DEMO_ISSUER_HOST). */
export function isDemoIssuer(issuer: string): boolean {
  return URL.canParse(issuer) && DEMO_ISSUER_HOST.test(new URL(issuer).host.replace(/:\d+$/, ""));
}

const DemoProviderEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ message: "PUBLIC_URL : l'adresse publique de la passerelle, requise" }),
  TRUST_PROXY: optionalString,
  LOG_LEVEL: EnvSchema.shape.LOG_LEVEL,
  PROCONNECT_ISSUER: z.url({ message: "PROCONNECT_ISSUER : l'émetteur servi par ce fournisseur, requis" }),
  PROCONNECT_CLIENT_ID: z.string().trim().min(1).default("pilotage-demo"),
  PROCONNECT_CLIENT_SECRET: z
    .string({ message: "PROCONNECT_CLIENT_SECRET : requis (le même que celui de la passerelle)" })
    .trim()
    .min(
      MIN_SECRET_LENGTH,
      `PROCONNECT_CLIENT_SECRET : trop courte (au moins ${MIN_SECRET_LENGTH} caractères)`,
    ),
  PROCONNECT_SIGNING_ALG: EnvSchema.shape.PROCONNECT_SIGNING_ALG,
});

/** The demo provider run on its own (src/demo-idp/main.ts): the gateway's own variable names. */
export interface DemoProviderConfig {
  port: number;
  /** The gateway's public address: its callback and post-logout URLs are registered from it. */
  gatewayPublicUrl: string;
  trustProxy: number | string | undefined;
  log: { level: Env["LOG_LEVEL"] };
  issuer: string;
  clientId: string;
  clientSecret: string;
  signingAlg: "RS256" | "ES256";
}

/**
 * The standalone demo provider reads the same variables as the gateway it serves (compose hands both
 * the same values): PROCONNECT_ISSUER is the address it answers at, PROCONNECT_CLIENT_ID and _SECRET the
 * one client it knows, PUBLIC_URL the gateway it sends people back to. It refuses any issuer outside
 * localhost and *.test, so that it can never pose as the real federation. src/config.ts's
 * `loadDemoProviderConfig` hands it the process' environment.
 */
export function demoProviderConfigFrom(source: Record<string, string | undefined>): DemoProviderConfig {
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = DemoProviderEnvSchema.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) =>
        issue.message.includes(" : ") ? issue.message : `${issue.path.join(".")} : ${issue.message}`,
      );
  const issuer = present.PROCONNECT_ISSUER;
  if (issuer && URL.canParse(issuer) && !isDemoIssuer(issuer)) {
    problems.push(
      "PROCONNECT_ISSUER : le fournisseur de démonstration ne sert que localhost, *.localhost ou *.test " +
        "(jamais l'adresse d'un vrai ProConnect)",
    );
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  return {
    port: env.PORT,
    gatewayPublicUrl: env.PUBLIC_URL.replace(/\/+$/, ""),
    trustProxy: trustProxySetting(env.TRUST_PROXY),
    log: { level: env.LOG_LEVEL },
    issuer: env.PROCONNECT_ISSUER.replace(/\/+$/, ""),
    clientId: env.PROCONNECT_CLIENT_ID,
    clientSecret: env.PROCONNECT_CLIENT_SECRET,
    signingAlg: env.PROCONNECT_SIGNING_ALG,
  };
}
