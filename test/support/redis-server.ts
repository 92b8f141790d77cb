import { spawn, type ChildProcess } from "node:child_process";
import { openRedis, waitForRedis } from "../../src/storage/redis.js";
import { testServices } from "./services.js";

/**
 * A Redis of one's own (the test services' binary), for tests that stop, freeze or restart it. Without
 * persistence by default; `appendonly` keeps every write in an append-only file of `dir`, fsynced at
 * each (what a restart must not lose: sessions).
 */
export async function startRedis(
  port: number,
  options: { appendonly?: boolean; dir?: string } = {},
): Promise<ChildProcess> {
  const child = spawn(
    testServices.redisServerBin,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      options.appendonly ? "yes" : "no",
      ...(options.appendonly ? ["--appendfsync", "always"] : []),
      "--dir",
      options.dir ?? testServices.tmpDir,
    ],
    { stdio: "ignore" },
  );
  const probe = openRedis(`redis://127.0.0.1:${port}`);
  try {
    await waitForRedis(probe, 10_000);
  } finally {
    probe.disconnect();
  }
  return child;
}
