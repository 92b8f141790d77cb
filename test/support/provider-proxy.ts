import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy in front of the demo provider, for the tests that need a provider misbehaving in ways
 * the real library never would (an unsigned ID token, a tampered userinfo): the real oidc-provider still
 * answers every request, and the proxy rewrites the body of a token or userinfo response on its way to
 * the gateway. Headers (Host included) pass through unchanged, so the provider builds its URLs with the
 * proxy's address, which is its issuer.
 */
export interface ProviderProxy {
  url: string;
  port: number;
  /** Where requests go (set once the provider listens). */
  target: string;
  /** Rewrites the JSON body of `/token` responses (authorization code and refresh grants). */
  rewriteToken: ((body: Record<string, unknown>) => Record<string, unknown>) | undefined;
  /** Rewrites the body of `/userinfo` responses (a JWT when the client registered a signing alg). */
  rewriteUserInfo: ((body: string) => string) | undefined;
  /** Every token response the provider sent (before rewriting): what must never reach logs or pages. */
  readonly tokenResponses: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startProviderProxy(): Promise<ProviderProxy> {
  const proxy: Omit<ProviderProxy, "url" | "port" | "close"> = {
    target: "",
    rewriteToken: undefined,
    rewriteUserInfo: undefined,
    tokenResponses: [],
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const target = new URL(req.url ?? "/", proxy.target);
      const upstream = http.request(
        target,
        { method: req.method, headers: req.headers, agent: false },
        (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => body.push(chunk));
          answer.on("end", () => {
            let payload = Buffer.concat(body);
            const path = target.pathname;
            if (path.endsWith("/token") && answer.statusCode === 200) {
              const json = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
              proxy.tokenResponses.push(json);
              if (proxy.rewriteToken) payload = Buffer.from(JSON.stringify(proxy.rewriteToken(json)));
            }
            if (path.endsWith("/userinfo") && answer.statusCode === 200 && proxy.rewriteUserInfo) {
              payload = Buffer.from(proxy.rewriteUserInfo(payload.toString("utf8")));
            }
            const headers = { ...answer.headers, "content-length": String(payload.length) };
            delete headers["transfer-encoding"];
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(payload);
          });
        },
      );
      upstream.on("error", () => {
        res.writeHead(502).end();
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
