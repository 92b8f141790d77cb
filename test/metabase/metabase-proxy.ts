import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MetabaseTestServer } from "../support/metabase-server/index.js";

/**
 * A recording proxy in front of the Metabase test server, for the sync's acceptance tests:
 * - it records every request the sync sends (the request budget of a no-op plan is asserted on it);
 * - `fail` answers instead of Metabase (a failure midway through an apply);
 * - `tamper` rewrites a JSON answer (a read-back that differs from what was written).
 */
export interface RecordedRequest {
  method: string;
  path: string;
}

export interface MetabaseProxy {
  url: string;
  requests: RecordedRequest[];
  fail: ((request: RecordedRequest) => { status: number; body: string } | undefined) | undefined;
  tamper: ((request: RecordedRequest, body: unknown) => unknown) | undefined;
  close(): Promise<void>;
}

export async function startMetabaseProxy(server: Pick<MetabaseTestServer, "url">): Promise<MetabaseProxy> {
  const target = new URL(server.url);
  const proxy: MetabaseProxy = {
    url: "",
    requests: [],
    fail: undefined,
    tamper: undefined,
    close: () =>
      new Promise((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };

  const httpServer = http.createServer((req, res) => {
    const request = { method: req.method ?? "GET", path: req.url ?? "/" };
    proxy.requests.push(request);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const injected = proxy.fail?.(request);
      if (injected) {
        res.writeHead(injected.status, { "content-type": "text/plain" }).end(injected.body);
        return;
      }
      const forward = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: request.path,
          method: request.method,
          headers: req.headers,
        },
        (upstream) => {
          const parts: Buffer[] = [];
          upstream.on("data", (chunk: Buffer) => parts.push(chunk));
          upstream.on("end", () => {
            let body = Buffer.concat(parts);
            const json = (upstream.headers["content-type"] ?? "").includes("json");
            if (proxy.tamper && json && body.length > 0) {
              body = Buffer.from(JSON.stringify(proxy.tamper(request, JSON.parse(body.toString("utf8")))));
            }
            const { "transfer-encoding": _chunked, ...rest } = upstream.headers;
            const headers = { ...rest, "content-length": String(body.length) };
            res.writeHead(upstream.statusCode ?? 502, headers).end(body);
          });
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  return proxy;
}
