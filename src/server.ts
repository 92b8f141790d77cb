import http from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestListener } from "node:http";

export interface RunningServer {
  server: http.Server;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  stop(timeoutMs?: number): Promise<void>;
}

/** The port is taken by another process: said before any long start-up work, in French. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    // The way out depends on the process (its variables, how it is started): its entry point adds it.
    super(`Le port ${port} est déjà utilisé par un autre programme.`);
    this.name = "PortInUseError";
  }
}

/**
 * Binds the port before the rest of start-up (the demo seeds its warehouse for several seconds first),
 * answering 503 until `serve(handler)` is called: a busy port is reported at once, and nothing else can
 * take the port in between.
 */
export async function reservePort(
  port: number,
  host?: string,
): Promise<{ serve(handler: RequestListener): RunningServer }> {
  let handler: RequestListener | undefined;
  const server = http.createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "5" });
    res.end("Démarrage en cours : réessayez dans quelques secondes.\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(port) : error),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    serve(next) {
      handler = next;
      return running(server, host);
    },
  };
}

export async function startServer(
  handler: RequestListener,
  port: number,
  host?: string,
): Promise<RunningServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return running(server, host);
}

function running(server: http.Server, host: string | undefined): RunningServer {
  const address = server.address() as AddressInfo;
  const shownHost = host && host !== "0.0.0.0" && host !== "::" ? host : "localhost";
  return {
    server,
    url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${address.port}`,
    stop: (timeoutMs = 10_000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, timeoutMs);
        force.unref();
        // A keep-alive connection whose request finishes during shutdown would otherwise hold close()
        // open until its idle timeout: close connections as soon as they become idle.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
      }),
  };
}
