import express from "express";
import { proconnectRedirectUris } from "../auth/routes.js";
import { loadDemoProviderConfig } from "../config.js";
import { createLogger } from "../logging.js";
import { configOrExit, reservePortOrExit, runMain, stopOnSignals } from "../process-start.js";
import { createDemoIdentityProvider } from "./provider.js";

/**
 * The ProConnect-like demo provider as a process of its own (`node dist/src/demo-idp/main.js`), for the
 * compose stack's `demo-idp` service and `npm run stack`, behind Caddy over https. A demonstration
 * only: it logs in anyone who picks a demo account, and refuses to serve an issuer outside localhost
 * and *.test (src/demo-provider-config.ts). The gateway trusts its accounts only with
 * PROCONNECT_DEMO_ACCOUNTS=1.
 */
async function main(): Promise<void> {
  const config = configOrExit(() => loadDemoProviderConfig());
  const logger = createLogger(config.log.level);
  const port = await reservePortOrExit(
    config.port,
    (free) =>
      `PORT=${free}, et faites-y pointer le proxy qui sert PROCONNECT_ISSUER (${config.issuer}), ` +
      "l'adresse que la passerelle appelle aussi",
  );

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

  stopOnSignals(async (signal) => {
    logger.info({ signal }, "demo identity provider stopping");
    await running.stop();
  });
}

runMain(main);
