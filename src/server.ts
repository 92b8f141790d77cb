import http from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestListener } from "node:http";

export interface RunningServer {
  server: http.Server;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  stop(timeoutMs?: number): Promise<void>;
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
