import net from "node:net";

/**
 * A TCP front for a server the fault suite makes unreachable on purpose, in three ways: `forward` (pipes
 * every connection to the target), `silent` (accepts connections and never answers: a hung process, a
 * black-holed route) and `refuse` (nothing listens on the port: connection refused). The port stays the
 * same throughout, so whoever was configured with `url` sees the server come back.
 */
export type FrontMode = "forward" | "silent" | "refuse";

export interface TcpFront {
  readonly url: string;
  readonly mode: FrontMode;
  /** Switches mode; connections open under the old one are cut (as when a process dies or hangs up). */
  set(mode: FrontMode): Promise<void>;
  /**
   * Lets `requests` more HTTP requests through, then switches to `mode` as the next one arrives (it never
   * reaches the target): a server lost in the middle of a client's work.
   */
  failAfter(requests: number, mode: Exclude<FrontMode, "forward">): void;
  close(): Promise<void>;
}

export async function startTcpFront(
  target: string | undefined,
  mode: FrontMode = "forward",
): Promise<TcpFront> {
  const to = target ? new URL(target) : undefined;
  const sockets = new Set<net.Socket>();
  let current: FrontMode = mode;
  let pending: { requests: number; mode: Exclude<FrontMode, "forward"> } | undefined;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (current !== "forward" || !to) return; // silent: hold the connection, read nothing, answer nothing
    const upstream = net.connect(Number(to.port), to.hostname);
    sockets.add(upstream);
    upstream.on("close", () => (sockets.delete(upstream), socket.destroy()));
    upstream.on("error", () => socket.destroy());
    socket.on("close", () => upstream.destroy());
    socket.on("data", (chunk: Buffer) => {
      if (current !== "forward") return;
      if (pending) {
        // A request starts with its request line; the suite's clients send one request per chunk.
        pending.requests -= (chunk.toString("latin1").match(/^[A-Z]+ \S+ HTTP\/1\.[01]\r$/gm) ?? []).length;
        if (pending.requests < 0) {
          const next = pending.mode;
          pending = undefined;
          void front.set(next);
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.pipe(socket);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => (server.off("error", reject), resolve()));
    });
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  if (mode === "refuse") await stopListening();
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };

  const front: TcpFront = {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return current;
    },
    async set(next) {
      if (next === current) return;
      cut();
      if (current === "refuse") await listen(port);
      if (next === "refuse") await stopListening();
      current = next;
    },
    failAfter(requests, next) {
      pending = { requests, mode: next };
    },
    async close() {
      cut();
      if (current !== "refuse") await stopListening();
    },
  };
  return front;
}
