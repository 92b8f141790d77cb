import express from "express";
import { proconnectRedirectUris } from "../auth/routes.js";
import { ConfigError, loadDemoProviderConfig } from "../config.js";
import { createLogger } from "../logging.js";
import { PortInUseError, reservePort } from "../server.js";
import { createDemoIdentityProvider } from "./provider.js";

/**
 * The ProConnect-like demo provider as a process of its own (`node dist/src/demo-idp/main.js`), for the
 * compose stack's `demo-idp` service and `npm run stack`, behind Caddy over https. A demonstration
 * only: it logs in anyone who picks a demo account, and refuses to serve an issuer outside localhost
 * and *.test (src/config.ts). The gateway trusts its accounts only with PROCONNECT_DEMO_ACCOUNTS=1.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadDemoProviderConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.log.level);

  let port;
  try {
    port = await reservePort(config.port);
  } catch (error) {
    if (error instanceof PortInUseError) {
      console.error(error.message);
      process.exit(75);
    }
    throw error;
  }

  const gateway = proconnectRedirectUris(config.gatewayPublicUrl);
  const provider = createDemoIdentityProvider({
    issuer: config.issuer,
    clients: [
      {
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        clientName: "Pilotage de l'inclusion",
        redirectUris: [gateway.redirectUri],
        postLogoutRedirectUris: [gateway.postLogoutRedirectUri],
        idTokenSigningAlg: config.signingAlg,
        userinfoSigningAlg: config.signingAlg,
      },
    ],
    proxy: config.trustProxy !== undefined,
  });
  const app = express();
  app.disable("x-powered-by");
  if (config.trustProxy !== undefined) app.set("trust proxy", config.trustProxy);
  app.use(provider.basePath, provider.router);

  const running = port.serve(app);
  logger.warn(
    { issuer: provider.issuer, client: config.clientId, gateway: config.gatewayPublicUrl },
    "fournisseur d'identité de démonstration (jamais en production) : tout compte de démonstration se connecte",
  );
  console.log(`\nProConnect de démonstration : ${provider.issuer}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "demo identity provider stopping");
    await running.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
