import path from "node:path";
import { z } from "zod";
import { checkCatalog } from "../catalog/index.js";
import { loadConfig } from "../config.js";
import { PROJECT_ROOT } from "../project-root.js";
import { testCatalog, type CatalogTestReport } from "../warehouse/catalog-test.js";
import { loadExpectations } from "../warehouse/expectations.js";
import { sampleProfiles } from "../warehouse/sample-profiles.js";
import { readSeedMetadata } from "../warehouse/seed.js";
import { parseCommandOptions } from "./options.js";
import { connectWarehouse, warehouseTarget } from "./warehouse-database.js";
import { EXIT, type CliCommand } from "./command.js";

const Options = z.object({
  json: z.boolean().default(false),
  "database-url": z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), "--database-url doit être une URL postgres://")
    .optional(),
  root: z.string().optional(),
  "timeout-ms": z.coerce
    .number({ message: "--timeout-ms attend un nombre" })
    .int("--timeout-ms attend un nombre entier")
    .positive("--timeout-ms doit être strictement positif")
    .default(10_000),
});

const USAGE = `test [--json] [--database-url URL] [--root DOSSIER] [--timeout-ms N]

Exécute chaque question du catalogue sur l'entrepôt rempli, comme chaque tableau de bord (et chaque note
d'analyse) l'affiche, sous
les verrous de chaque profil d'exemple autorisé à l'ouvrir (comptes de démonstration placés sur
l'entrepôt, un prescripteur, une direction territoriale France Travail, l'équipe), et vérifie :
  - qu'elle s'exécute en moins de --timeout-ms (10 000 par défaut) et renvoie la forme déclarée ;
  - qu'elle ne fuit pas : même résultat que sur une copie de l'entrepôt réduite au périmètre ;
  - les valeurs calculées à la main sur l'entrepôt miniature de sql-tests/, dont une pour chaque
    bloc de chaque note d'analyse.
--database-url   Postgres à tester (sinon WAREHOUSE_URL, sinon le PGlite de DATA_DIR/warehouse) ;
                 il doit avoir été rempli par « pilotage seed »
--root           dossier contenant sql/, metabase-config/ et sql-tests/ (par défaut : le dépôt)
--json           rapport JSON { ok, counts, durationMs, slowest, failures, runs }
Refusé avec NODE_ENV=production.`;

const OPTIONS = {
  json: { type: "boolean" },
  "database-url": { type: "string" },
  root: { type: "string" },
  "timeout-ms": { type: "string" },
} as const;

function report(result: CatalogTestReport, target: string): string {
  const c = result.counts;
  const lines = [
    `${c.questions} questions, ${c.dashboards} tableaux de bord, ${c.notes} notes d'analyse, ${c.profiles} profils d'exemple sur ${target} : ` +
      `${c.runs} exécutions, ${c.leakChecks} contrôles de fuite, ${c.expectations} valeurs attendues, ` +
      `en ${(result.durationMs / 1000).toFixed(1)} s.`,
  ];
  const slowest = result.slowest[0];
  if (slowest)
    lines.push(`Requête la plus lente : ${slowest.question} (${slowest.profile}), ${slowest.ms} ms.`);
  if (result.ok) {
    lines.push("Aucune fuite, aucune erreur.");
  } else {
    lines.push("", `${result.failures.length} problème${result.failures.length > 1 ? "s" : ""} :`);
    for (const failure of result.failures) lines.push(`  ✗ ${failure.message}`);
  }
  return `${lines.join("\n")}\n`;
}

export const testCommand: CliCommand = {
  summary: "exécuter les questions sous les verrous des profils d'exemple et chercher les fuites",
  usage: USAGE,
  exitCodes: {
    [EXIT.ok]: "chaque question passe, sans fuite",
    [EXIT.failed]:
      "une question échoue, fuit ou donne une autre valeur que celle attendue ; catalogue invalide ; entrepôt non rempli",
    [EXIT.upstream]: "l'entrepôt (Postgres) ne répond pas",
  },
  options: OPTIONS,
  async run(args, io) {
    const options = parseCommandOptions(args, OPTIONS, Options);
    const config = loadConfig(io.env, { for: "cli" });
    if (config.env === "production") {
      io.stderr(
        "« pilotage test » renomme le schéma de l'entrepôt le temps d'une transaction annulée : il est refusé avec NODE_ENV=production. Lancez-le sur une base remplie par « pilotage seed ».\n",
      );
      return EXIT.config;
    }
    const root = path.resolve(options.root ?? PROJECT_ROOT);
    const { catalog, problems } = await checkCatalog(root);
    if (problems.length > 0) {
      const listed = problems.map(
        (p) => `  ${p.file}${p.line === undefined ? "" : `:${p.line}`} — ${p.message}`,
      );
      io.stderr(
        `Le catalogue de ${root} n'est pas valide : corrigez-le d'abord (détails : pilotage validate).\n${listed.join("\n")}\n`,
      );
      return EXIT.failed;
    }
    const expectations = loadExpectations(root);

    const warehouse = warehouseTarget(config, options["database-url"]);
    const target = warehouse.description;
    const db = await connectWarehouse(warehouse);
    try {
      if (!(await readSeedMetadata(db))) {
        io.stderr(
          `L'entrepôt ${target} n'a pas été rempli par « pilotage seed » : lancez « pilotage seed${warehouse.url ? ` --database-url …` : ""} » d'abord.\n`,
        );
        return EXIT.failed;
      }
      const profiles = await sampleProfiles(db);
      io.stderr(`Entrepôt : ${target} — ${profiles.length} profils d'exemple\n`);
      const result = await testCatalog({
        db,
        catalog,
        profiles,
        expectations,
        timeoutMs: options["timeout-ms"],
        onProgress: (line) => io.stderr(`  ${line}\n`),
      });
      if (options.json) io.stdout(`${JSON.stringify({ target, ...result }, null, 2)}\n`);
      else (result.ok ? io.stdout : io.stderr)(report(result, target));
      return result.ok ? EXIT.ok : EXIT.failed;
    } finally {
      await db.close();
    }
  },
};
