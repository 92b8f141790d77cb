import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { startStack, type Stack } from "./stack.js";

/**
 * `npm run stack`: the production shape of docker-compose.yml on this machine, without Docker
 * (scripts/stack/stack.ts). Prints the address and the demo accounts; Ctrl-C stops everything.
 *
 *   npm run stack                      in the foreground, sites on https://localhost:8443, :8444, :8445
 *   npm run stack -- --detach          started, then this command returns; `npm run stack -- stop` ends it
 *   npm run stack -- --port 9443       the gateway's site on 9443 (Metabase 9444, the provider 9445)
 */
const STATE_DIR = path.join(PROJECT_ROOT, ".stack");
const STATE_FILE = path.join(STATE_DIR, "stack.json");

interface DetachedState {
  dir: string;
  url: string;
  groups: { name: string; pid: number }[];
}

function usage(): string {
  return [
    "Usage : npm run stack [-- --detach] [--port N] [--seed-scale S]",
    "        npm run stack -- stop",
    "",
    "  --detach        démarre puis rend la main (arrêt : npm run stack -- stop)",
    "  --port N        port du site de la passerelle (N+1 : Metabase, N+2 : le fournisseur). Défaut : 8443",
    "  --seed-scale S  volume de l'entrepôt de démonstration (PILOTAGE_SEED_SCALE). Défaut : 1",
    "",
  ].join("\n");
}

function banner(stack: Stack): string {
  const width = Math.max(...DEMO_ACCOUNTS.map((a) => a.email.length));
  return [
    "",
    `Pilotage de l'inclusion, pile de production locale : ${stack.urls.gateway}`,
    `  Metabase (serveur de test Metabase) : ${stack.urls.metabase}`,
    `  ProConnect de démonstration (jamais en production) : ${stack.urls.proconnectIssuer}`,
    "",
    "Comptes de démonstration (choisissez-en un sur la page du fournisseur) :",
    ...DEMO_ACCOUNTS.map(
      (a) => `  ${a.email.padEnd(width)}  ${a.expected.profile} — ${a.expected.perimeter}`,
    ),
    "",
    `Les certificats viennent de l'autorité locale de Caddy : ${stack.caCertFile}`,
    "(importez-la dans le navigateur, ou acceptez son avertissement pour localhost).",
    `Journaux : ${path.join(stack.dir, "logs")}`,
    "",
  ].join("\n");
}

async function stopDetached(): Promise<number> {
  if (!fs.existsSync(STATE_FILE)) {
    console.error("Aucune pile détachée en cours (pas de .stack/stack.json).");
    return 1;
  }
  const state = JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as DetachedState;
  // The reverse of the start order, each group asked to stop, then killed if it lingers.
  for (const group of [...state.groups].reverse()) {
    try {
      process.kill(-group.pid, "SIGTERM");
    } catch {
      continue;
    }
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(-group.pid, 0);
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      process.kill(-group.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  fs.rmSync(STATE_FILE);
  console.error(`Pile arrêtée (${state.url}).`);
  return 0;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      detach: { type: "boolean", default: false },
      port: { type: "string", default: "8443" },
      "seed-scale": { type: "string", default: "1" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  if (positionals[0] === "stop") return stopDetached();
  if (positionals.length > 0) {
    process.stderr.write(`Commande inconnue : ${positionals.join(" ")}\n\n${usage()}`);
    return 64;
  }
  if (fs.existsSync(STATE_FILE)) {
    console.error("Une pile détachée tourne déjà : npm run stack -- stop, puis relancez.");
    return 1;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65533) {
    process.stderr.write(`--port attend un numéro de port (reçu : ${values.port})\n\n${usage()}`);
    return 64;
  }
  const dir = path.join(STATE_DIR, "run");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const stack = await startStack({
    dir,
    sitePorts: { gateway: port, metabase: port + 1, proconnect: port + 2 },
    env: { PILOTAGE_SEED_SCALE: values["seed-scale"], LOG_LEVEL: "info" },
    detach: values.detach,
    progress: (line) => process.stderr.write(`stack: ${line}\n`),
  });
  process.stdout.write(banner(stack));
  process.stderr.write(`stack: prête en ${Math.round((Date.now() - started) / 1000)} s\n`);
  if (values.detach) {
    const state: DetachedState = {
      dir,
      url: stack.urls.gateway,
      groups: stack.processes().map((p) => ({ name: p.name, pid: p.pid })),
    };
    fs.writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
    process.stdout.write("Détachée : npm run stack -- stop l'arrête.\n");
    return 0;
  }
  process.stdout.write("Ctrl-C arrête tout.\n");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stderr.write("\nstack: arrêt…\n");
  await stack.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
