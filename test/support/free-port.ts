import { once } from "node:events";
import net from "node:net";

/**
 * A port nothing listens on, on 127.0.0.1, for a server the caller starts next: the system's pick, the
 * probe closed before it returns. Imports nothing of the project, so that the stack's scripts
 * (scripts/stack/) use it without pulling in the test services.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
