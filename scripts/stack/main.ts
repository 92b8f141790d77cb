import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { attachStack, LAUNCHERS, startStack, stopStack, type Stack } from "./stack.js";

/**
 * `npm run stack`: the production shape of docker-compose.yml on this machine, without Docker
 * (scripts/stack/stack.ts). Prints the address and the demo accounts; Ctrl-C stops everything.
 */
const DEFAULT_DIR = path.join(PROJECT_ROOT, ".stack", "run");

function usage(): string {
  return [
    "Usage : npm run stack [-- --port N] [--seed-scale S] [--dir DOSSIER] [--detach]",
    "        npm run stack -- stop | restart SERVICE | kill SERVICE | start SERVICE  [--dir DOSSIER]",
    "",
    "  --port N        port du site de la passerelle ; N+1 : Metabase, N+2 : le fournisseur. Défaut : 8443",
    "  --seed-scale S  volume de l'entrepôt de démonstration (PILOTAGE_SEED_SCALE). Défaut : 1",
    `  --dir DOSSIER   données, journaux et état de la pile. Défaut : ${path.relative(PROJECT_ROOT, DEFAULT_DIR)}`,
    "  --detach        rend la main une fois la pile prête (arrêt : npm run stack -- stop)",
    "",
    `Services : ${Object.keys(LAUNCHERS).join(", ")}`,
    "Sans Docker : Caddy, Redis et Postgres de Debian, la passerelle compilée (dist/) deux fois, le",
    "fournisseur d'identité de démonstration et le serveur de test Metabase, avec les variables de",
    "docker-compose.yml. Ctrl-C arrête tout.",
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
    `Certificats : l'autorité locale de Caddy, ${stack.caCertFile}`,
    "Importez-la dans le navigateur, ou ouvrez une fois chacune des trois adresses et acceptez son",
    "avertissement : sans cela, les cadres Metabase restent vides (un navigateur ne demande rien pour un cadre).",
    `Journaux : ${path.join(stack.dir, "logs")}`,
    "",
  ].join("\n");
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        detach: { type: "boolean", default: false },
        port: { type: "string", default: "8443" },
        "seed-scale": { type: "string", default: "1" },
        dir: { type: "string", default: DEFAULT_DIR },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
    return 64;
  }
  const { values, positionals } = parsed;
  const dir = path.resolve(values.dir);
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const [action, service, ...rest] = positionals;
  if (action !== undefined) {
    const known = ["stop", "restart", "kill", "start"];
    const needsService = action !== "stop";
    if (!known.includes(action) || rest.length > 0 || needsService !== (service !== undefined)) {
      process.stderr.write(`Commande incomplète ou inconnue : ${positionals.join(" ")}\n\n${usage()}`);
      return 64;
    }
    if (!fs.existsSync(path.join(dir, "stack.json"))) {
      process.stderr.write(`Aucune pile ne tourne dans ${dir}.\n`);
      return 1;
    }
    if (action === "stop") {
      await stopStack(dir);
      process.stderr.write("Pile arrêtée.\n");
      return 0;
    }
    if (!LAUNCHERS[service!]) {
      process.stderr.write(`Service inconnu : ${service}. Services : ${Object.keys(LAUNCHERS).join(", ")}\n`);
      return 64;
    }
    const stack = attachStack(dir);
    await (action === "restart"
      ? stack.restart(service!)
      : action === "kill"
        ? stack.kill(service!)
        : stack.start(service!));
    process.stderr.write(
      `${service} : ${action === "kill" ? "tué" : action === "start" ? "démarré" : "redémarré"}.\n`,
    );
    return 0;
  }

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65533) {
    process.stderr.write(`--port attend un numéro de port (reçu : ${values.port})\n\n${usage()}`);
    return 64;
  }
  if (fs.existsSync(path.join(dir, "stack.json"))) {
    process.stderr.write(`Une pile tourne déjà dans ${dir} : npm run stack -- stop, puis relancez.\n`);
    return 1;
  }
  // Listening before anything starts: a Ctrl-C during the start stops the stack once it is up. A terminal's
  // Ctrl-C reaches npm and this process at once: every repeat is ignored while the stack stops (the
  // default action would end this process half-way).
  let interrupted = false;
  const interruption = new Promise<void>((resolve) => {
    const onSignal = () => {
      if (!interrupted) process.stderr.write("\nstack: arrêt demandé…\n");
      interrupted = true;
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  // A fresh stack each time: new secrets, an empty Postgres, a new local CA.
  fs.rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  const stack = await startStack({
    dir,
    sitePorts: { gateway: port, metabase: port + 1, proconnect: port + 2 },
    env: { PILOTAGE_SEED_SCALE: values["seed-scale"], LOG_LEVEL: "info" },
    // Under `npm test`, scripts/test-services.sh stops whatever a failed test left behind.
    pidDir: process.env.PILOTAGE_TEST_DIR,
    progress: (line) => process.stderr.write(`stack: ${line}\n`),
  });
  process.stdout.write(banner(stack));
  process.stderr.write(`stack: prête en ${Math.round((Date.now() - started) / 1000)} s\n`);
  if (values.detach && !interrupted) {
    process.stdout.write("Détachée : npm run stack -- stop l'arrête.\n");
    return 0;
  }
  if (!interrupted) process.stdout.write("Ctrl-C arrête tout.\n");
  // The services are other process groups, which this process does not wait for: only this timer keeps
  // it in the foreground until Ctrl-C.
  const foreground = setInterval(() => {}, 60_000);
  await interruption;
  clearInterval(foreground);
  await stopStack(dir);
  process.stderr.write("stack: arrêtée\n");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
