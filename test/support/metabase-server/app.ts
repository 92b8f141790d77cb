import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { ServerContext } from "./context.js";
import { embedRouter } from "./embed-routes.js";
import { MetabaseError, UNAUTHENTICATED } from "./errors.js";
import { restRouter } from "./rest-routes.js";
import { recordWrites } from "./setup-routes.js";

/**
 * The HTTP face of the test server. Authentication as Metabase does it (metabase-contract.md §2.1): an
 * `x-api-key`, an `X-Metabase-Session` header or the `metabase.SESSION` cookie; anything else on a protected
 * endpoint is a 401 with the plain-text body `Unauthenticated`.
 */

const PUBLIC_ENDPOINTS: readonly [string, RegExp][] = [
  ["GET", /^\/api\/health$/],
  ["GET", /^\/api\/session\/properties$/],
  ["POST", /^\/api\/session$/],
  ["POST", /^\/api\/setup$/],
];

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

export function createMetabaseApp(ctx: ServerContext): Express {
  const { state } = ctx;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(express.json({ limit: "5mb" }));
  app.use(recordWrites(ctx));

  app.use((req, res, next) => {
    const apiKey = req.get("x-api-key");
    const session = req.get("x-metabase-session") ?? cookie(req, "metabase.SESSION");
    const userId = apiKey ? state.apiKeys.get(apiKey) : session ? state.sessions.get(session) : undefined;
    if (userId !== undefined) res.locals.user = state.users.get(userId);
    next();
  });

  // Static embedding is unauthenticated by design: the signed token is the credential.
  app.use("/api/embed", embedRouter(ctx));

  app.use("/api", (req, res, next) => {
    const open = PUBLIC_ENDPOINTS.some(
      ([method, path]) => method === req.method && path.test(req.originalUrl.split("?")[0]!),
    );
    if (!open && !res.locals.user) {
      res.status(401).type("text/plain").send(UNAUTHENTICATED);
      return;
    }
    next();
  });
  app.use("/api", restRouter(ctx));
  app.use("/api", (_req, res) => {
    res.status(404).type("text/plain").send("API endpoint does not exist.");
  });

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof MetabaseError) {
      if (typeof error.body === "string") res.status(error.status).type("text/plain").send(error.body);
      else res.status(error.status).json(error.body);
      return;
    }
    const status = (error as { status?: unknown })?.status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      // A body Express could not parse (malformed JSON): Metabase answers 400 too.
      res
        .status(status)
        .type("text/plain")
        .send(error instanceof Error ? error.message : "Bad request");
      return;
    }
    res.status(500).json({ message: error instanceof Error ? error.message : String(error) });
  });
  return app;
}
