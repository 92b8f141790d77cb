import { z } from "zod";
import { loadConfig } from "../config.js";
import { DEFAULT_SEED } from "../warehouse/generate.js";
import { ensureDemoGrants } from "../demo/grants.js";
import { readSeedMetadata, seedVersion, seedWarehouse, type SeedProgress } from "../warehouse/seed.js";
import { SEED_SCHEMAS } from "../warehouse/seed-marker.js";
import { openGatewayDatabase } from "./gateway-database.js";
import { connectWarehouse, warehouseTarget } from "./warehouse-database.js";
import { parseCommandOptions } from "./options.js";
import { EXIT, type CliCommand } from "./command.js";

const Options = z.object({
  scale: z.coerce
    .number({ message: "--scale attend un nombre" })
    .positive("--scale doit être strictement positif")
    .max(100, "--scale est limité à 100 (plusieurs dizaines de millions de lignes)")
    .default(1),
  seed: z.string().min(1, "--seed ne peut pas être vide").default(DEFAULT_SEED),
  "database-url": z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), "--database-url doit être une URL postgres://")
    .optional(),
  "replace-foreign-schema": z
    .array(z.enum(SEED_SCHEMAS, { message: "--replace-foreign-schema attend « entrepot » ou « annuaire »" }))
    .default([]),
  // Once a blanket "replace what you did not write": now each schema is named, so that no habit of typing
  // --force drops les emplois' real members.
  force: z
    .boolean()
    .default(false)
    .refine(
      (force) => !force,
      "--force ne remplace plus un schéma que « pilotage seed » n'a pas écrit : nommez chacun, " +
        "--replace-foreign-schema entrepot ou --replace-foreign-schema annuaire (ses données sont perdues).",
    ),
  "if-needed": z.boolean().default(false),
  "demo-grants": z.boolean().default(false),
  json: z.boolean().default(false),
});

const number = (n: number) => n.toLocaleString("fr-FR");

const OPTIONS = {
  scale: { type: "string" },
  seed: { type: "string" },
  "database-url": { type: "string" },
  "replace-foreign-schema": { type: "string", multiple: true },
  force: { type: "boolean" },
  "if-needed": { type: "boolean" },
  "demo-grants": { type: "boolean" },
  json: { type: "boolean" },
} as const;

export const seedCommand: CliCommand = {
  summary: "remplir l'entrepôt de données synthétiques déterministes",
  usage: [
    "seed [--scale N] [--seed S] [--database-url URL] [--replace-foreign-schema SCHÉMA]… [--if-needed] [--demo-grants] [--json]",
    "",
    "  --scale N            volume (1 : environ 320 000 lignes ; 10 : environ 2,8 millions). Défaut : 1",
    `  --seed S             graine : la même graine donne les mêmes données partout. Défaut : ${DEFAULT_SEED}`,
    "  --database-url URL   Postgres à remplir (sinon WAREHOUSE_URL, sinon le PGlite de DATA_DIR/warehouse)",
    "  --replace-foreign-schema SCHÉMA",
    "                       remplace aussi ce schéma (entrepot ou annuaire) s'il n'a pas été écrit par cette",
    "                       commande : ses données sont perdues. Une fois par schéma ; seulement en démonstration",
    "  --if-needed          ne fait rien si l'entrepôt tient déjà ces données (même version, graine et échelle)",
    "  --demo-grants        donne aussi à admin@demo.pilotage.test son accès d'administration (DATABASE_URL)",
    "  --json               rapport en JSON sur la sortie standard",
    "",
    "Recrée les schémas « entrepot » et « annuaire » (membres synthétiques) et les remplit par COPY. La",
    "progression s'affiche sur la sortie d'erreur. Chaque schéma écrit porte la marque « [pilotage seed] » en",
    "tête de son commentaire ; un schéma qui existe sans elle (de vraies données, peut-être) n'est ni supprimé",
    "ni remplacé, sauf s'il est nommé par --replace-foreign-schema.",
    "Refusé avec NODE_ENV=production, sauf démonstration déclarée par PILOTAGE_SEED_DEMO_DATA=1.",
  ].join("\n"),
  exitCodes: {
    [EXIT.ok]: "entrepôt rempli (ou déjà rempli de ces données, avec --if-needed)",
    [EXIT.failed]: "un schéma existe sans la marque de « pilotage seed » : rien n'est modifié",
    [EXIT.config]: "NODE_ENV=production sans PILOTAGE_SEED_DEMO_DATA=1",
    [EXIT.upstream]: "l'entrepôt (Postgres) ne répond pas",
  },
  options: OPTIONS,
  async run(args, io) {
    const options = parseCommandOptions(args, OPTIONS, Options);
    const config = loadConfig(io.env, { for: "cli" });
    if (config.env === "production" && !config.seedDemoData) {
      io.stderr(
        "« pilotage seed » remplace l'entrepôt par des données synthétiques : il est refusé avec NODE_ENV=production. " +
          "Pour une démonstration (jamais sur de vraies données), déclarez-la : PILOTAGE_SEED_DEMO_DATA=1.\n",
      );
      return EXIT.config;
    }
    const warehouse = warehouseTarget(config, options["database-url"]);
    const target = warehouse.description;
    io.stderr(`Entrepôt : ${target} — graine « ${options.seed} », échelle ${options.scale}\n`);
    const db = await connectWarehouse(warehouse);

    let lastLine = 0;
    let tableStarted = performance.now();
    const onProgress = (progress: SeedProgress) => {
      const now = performance.now();
      if (progress.step === "schema") io.stderr("  schémas entrepot et annuaire recréés\n");
      else if (progress.step === "constraints") io.stderr("  clés, index et statistiques…\n");
      else if (progress.rows === 0 && !progress.done) tableStarted = now;
      else if (progress.done) {
        const seconds = ((now - tableStarted) / 1000).toFixed(1);
        io.stderr(
          `  ${progress.table.padEnd(28)} ${number(progress.rows).padStart(11)} lignes  ${seconds} s\n`,
        );
      } else if (now - lastLine > 1000) {
        lastLine = now;
        io.stderr(`  ${progress.table.padEnd(28)} ${number(progress.rows).padStart(11)} lignes…\n`);
      }
    };

    const grantDemoAccounts = async () => {
      if (!options["demo-grants"]) return;
      const gateway = await openGatewayDatabase(config);
      try {
        await ensureDemoGrants(gateway);
      } finally {
        await gateway.close();
      }
      io.stderr("  accès d'administration de admin@demo.pilotage.test en place\n");
    };

    try {
      const existing = options["if-needed"] ? await readSeedMetadata(db) : null;
      if (
        existing &&
        existing.version === seedVersion() &&
        existing.seed === options.seed &&
        existing.scale === options.scale
      ) {
        await grantDemoAccounts();
        if (options.json) io.stdout(`${JSON.stringify({ reused: true, ...existing, target }, null, 2)}\n`);
        else io.stdout(`Entrepôt déjà rempli (${target}), version ${existing.version} : inchangé.\n`);
        return EXIT.ok;
      }
      const report = await seedWarehouse(db, {
        seed: options.seed,
        scale: options.scale,
        replaceForeignSchemas: options["replace-foreign-schema"],
        onProgress,
      });
      await grantDemoAccounts();
      const seconds = report.durationMs / 1000;
      const rate = Math.round(report.totalRows / seconds);
      if (options.json) {
        io.stdout(`${JSON.stringify({ ...report, target, rowsPerSecond: rate }, null, 2)}\n`);
      } else {
        const lines = Object.entries(report.rows).map(
          ([table, rows]) => `  ${table.padEnd(28)} ${number(rows).padStart(11)}`,
        );
        io.stdout(
          [
            `Entrepôt rempli (${target}), version ${report.version}, données arrêtées au ${report.referenceDate} :`,
            ...lines,
            `  ${"total".padEnd(28)} ${number(report.totalRows).padStart(11)} lignes en ${seconds.toFixed(1)} s (${number(rate)} lignes/s)`,
            "",
          ].join("\n"),
        );
      }
      return EXIT.ok;
    } finally {
      await db.close();
    }
  },
};
