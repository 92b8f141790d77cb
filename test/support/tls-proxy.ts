import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";

/**
 * A TLS-terminating reverse proxy, as production puts in front of the gateway (Caddy, a load balancer):
 * https on `https://localhost:<port>` outside, plain http to `target` inside, with the
 * `X-Forwarded-Proto: https`, `-Host` and `-For` headers such proxies add. Its certificate is made for
 * the occasion by Debian's openssl and trusted by this process only until `close()`.
 *
 *   const proxy = await startTlsProxy();
 *   proxy.target = gateway.url;               // http://127.0.0.1:…
 *   await fetch(`${proxy.url}/api/me`);       // https://localhost:…
 */
export interface TlsProxy {
  url: string;
  target: string | undefined;
  close(): Promise<void>;
}

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pilotage-tls-"));
  try {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTlsProxy(): Promise<TlsProxy> {
  const { key, cert } = selfSignedCertificate();
  const trusted = tls.getCACertificates("default");
  tls.setDefaultCACertificates([...trusted, cert]);
  const proxy: TlsProxy = { url: "", target: undefined, close: async () => {} };
  const server = https.createServer({ key, cert }, (req, res) => {
    if (!proxy.target) {
      res.statusCode = 503;
      res.end();
      return;
    }
    const target = new URL(req.url ?? "/", proxy.target);
    const upstream = http.request(
      target,
      {
        method: req.method,
        headers: {
          ...req.headers,
          "x-forwarded-proto": "https",
          "x-forwarded-host": req.headers.host ?? "",
          "x-forwarded-for": req.socket.remoteAddress ?? "",
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `https://localhost:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    tls.setDefaultCACertificates(trusted);
  };
  return proxy;
}
