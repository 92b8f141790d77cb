import { ConfigError } from "./errors.js";
import { PortInUseError, reservePort } from "./server.js";

/**
 * How the two server processes (the gateway, src/main.ts; the standalone demo provider,
 * src/demo-idp/main.ts) start and stop: for those entry points only, the places that may exit. A bad
 * configuration or a busy port is said at once, in French, with sysexits' codes (78 EX_CONFIG, 75
 * EX_TEMPFAIL), before any long start-up work.
 */

export function configOrExit<Config>(load: () => Config): Config {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}

/** `wayOut` gives the command or setting that starts this process on a free port (`port + 100`). */
export async function reservePortOrExit(
  port: number,
  wayOut: (freePort: number) => string,
): ReturnType<typeof reservePort> {
  try {
    return await reservePort(port);
  } catch (error) {
    if (error instanceof PortInUseError) {
      console.error(`${error.message} Arrêtez-le, ou choisissez un autre port : ${wayOut(port + 100)}`);
      process.exit(75);
    }
    throw error;
  }
}

/** Runs `stop` once on SIGTERM or SIGINT (the second signal while stopping is ignored), then exits 0. */
export function stopOnSignals(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    await stop(signal);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
