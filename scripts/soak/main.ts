import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { attachStack, startStack, stopStack, type Stack } from "../stack/stack.js";
import { buildReport, summary, writeReport } from "./report.js";
import { runSoak } from "./run.js";

/**
 * `npm run soak -- --minutes N`: issue 21's soak on `npm run stack` (two gateway processes behind Caddy).
 * Starts a stack of its own (or uses a running one, --dir), runs the soak, writes
 * test-artifacts/soak/soak-<N>min.json and .svg, prints the summary, and exits 1 when a check failed.
 */
function usage(): string {
  return [
    "Usage : npm run soak -- [--minutes N] [--seed-scale S] [--dir DOSSIER] [--out DOSSIER] [--json]",
    "",
    "  --minutes N     durée du trafic, pannes comprises. Défaut : 10",
    "  --seed-scale S  volume de l'entrepôt de démonstration de la pile démarrée. Défaut : 0.2",
    "  --dir DOSSIER   une pile déjà démarrée (npm run stack -- --detach --dir DOSSIER) ; sinon une pile",
    "                  temporaire, arrêtée à la fin",
    "  --out DOSSIER   où écrire le rapport (JSON et SVG). Défaut : test-artifacts/soak",
    "  --json          le rapport en JSON sur la sortie standard",
    "",
    "Code de sortie : 0 si tout est conforme (aucun 5xx hors des fenêtres de panne, aucun service mort sans",
    "qu'on le tue, aucun jeton sans sa ligne d'audit, sessions gardées à la perte d'une passerelle, RSS +30 Mo",
    "au plus, jugé à partir de 5 minutes), 1 sinon, 64 : usage.",
    "",
  ].join("\n");
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        minutes: { type: "string", default: "10" },
        "seed-scale": { type: "string", default: "0.2" },
        dir: { type: "string" },
        out: { type: "string", default: path.join(PROJECT_ROOT, "test-artifacts", "soak") },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
    return 64;
  }
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes < 0.5 || minutes > 24 * 60) {
    process.stderr.write(
      `--minutes attend une durée entre 0.5 et 1440 (reçu : ${values.minutes})\n\n${usage()}`,
    );
    return 64;
  }
  const progress = (line: string) => process.stderr.write(`soak: ${line}\n`);
  let stack: Stack;
  let ownDir: string | undefined;
  if (values.dir) {
    stack = attachStack(path.resolve(values.dir));
  } else {
    ownDir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-soak-"));
    progress(`starting a stack in ${ownDir}…`);
    // Ctrl-C stops the stack this command started.
    const dir = ownDir;
    process.once("SIGINT", () => {
      progress("interrupted: stopping the stack…");
      void stopStack(dir).finally(() => process.exit(130));
    });
    stack = await startStack({
      dir: ownDir,
      env: { PILOTAGE_SEED_SCALE: values["seed-scale"] },
      pidDir: process.env.PILOTAGE_TEST_DIR,
      progress: (line) => progress(`stack: ${line}`),
    });
  }
  try {
    const run = await runSoak({ stack, minutes, progress });
    const command = `npm run soak -- ${process.argv.slice(2).join(" ")}`.trim();
    const report = buildReport(run, command);
    const files = writeReport(path.resolve(values.out), run, report);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
    progress(
      `report: ${path.relative(process.cwd(), files.json)}, chart: ${path.relative(process.cwd(), files.svg)}`,
    );
    return Object.values(report.checks).every((ok) => ok !== false) ? 0 : 1;
  } finally {
    if (ownDir) {
      progress("stopping the stack…");
      await stopStack(ownDir);
      fs.rmSync(ownDir, { recursive: true, force: true });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
