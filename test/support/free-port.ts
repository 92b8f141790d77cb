import { once } from "node:events";
import fs from "node:fs";
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

/** The system's range for client sockets' ports (Linux: 32768–60999 by default). */
function clientPortRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    if (Number(low) > 0 && Number(high) > 0) return [Number(low), Number(high)];
  } catch {
    // Not Linux: its default.
  }
  return [32768, 60999];
}

/** Whether nothing listens on 127.0.0.1:port (a preferred port for the stack's sites may be taken). */
export async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  try {
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/**
 * The first of `count` consecutive ports nothing listens on (`npm run stack --port N` takes N, N+1 and
 * N+2). Drawn below the range of client sockets' ports: a free port the system picks is drawn from that
 * range, and N+1 could then be taken at any moment by any outgoing connection of the machine (a CI run
 * once failed so).
 */
export async function freePortRun(count: number): Promise<number> {
  const [clientLow] = clientPortRange();
  const low = 10_000;
  const high = clientLow - count;
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low));
    let free = true;
    for (let port = base; free && port < base + count; port++) free = await portIsFree(port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports between ${low} and ${clientLow}`);
}
