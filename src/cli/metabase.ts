import path from "node:path";
import { loadConfig } from "../config.js";
import { ConfigError, UpstreamError } from "../errors.js";
import {
  bootstrapMetabase,
  type BootstrapResult,
  type BootstrapStep,
  type Secrets,
} from "../metabase/bootstrap.js";
import { MetabaseError } from "../metabase/errors.js";
import { createMetabaseSetupClient } from "../metabase/setup-client.js";
import { openDatabase } from "../storage/database.js";
import { checkMetabaseReaderRole } from "../warehouse/metabase-role.js";
import { EXIT, UsageError, type CliCommand, type CliIo } from "./command.js";
import { reportMetabaseError, SYNC_EXIT_CODES } from "./metabase-sync.js";
import { parseCommandArgs } from "./options.js";
import { readSecretsFile, writeSecretsFile } from "./secrets-file.js";

const USAGE = `metabase bootstrap [--secrets-file FICHIER] [--json] [--verbose]

Prépare Metabase pour la passerelle et la synchronisation, ou vérifie qu'il l'est : premier administrateur,
base de l'entrepôt (avec le rôle en lecture seule de Metabase, qui ne lit que le schéma entrepot),
intégration statique activée, clé d'intégration, nombres au format français (1 234,5) et clé API de
synchronisation. Sur un Metabase neuf, crée tout ; sur un Metabase qu'elle a installé (les identifiants de
son fichier de secrets fonctionnent), recrée seulement ce qui manque — une seconde exécution n'écrit rien ;
sur un Metabase installé à la main, vérifie seulement et dit quoi faire.
Les secrets créés vont dans le fichier de secrets (mode 0600) ; la sortie nomme les variables, jamais leurs
valeurs. Chargez ce fichier avant \`pilotage apply\` et dans la passerelle (node --env-file, env_file de
compose).
--secrets-file  fichier des secrets (par défaut : DATA_DIR/metabase-secrets.env)
--json          le compte rendu en JSON
--verbose       détail des réponses de Metabase en cas d'erreur
Variables : METABASE_INTERNAL_URL (ou METABASE_SITE_URL) ; pour un Metabase neuf, METABASE_ADMIN_EMAIL et
METABASE_WAREHOUSE_URL (postgres://rôle_de_metabase:…@hôte:5432/base) ; METABASE_WAREHOUSE_DATABASE ;
METABASE_EMBEDDING_SECRET_KEY (sinon tirée au hasard) ; pour un Metabase installé à la main,
METABASE_API_KEY ou METABASE_USERNAME et METABASE_PASSWORD.`;

const OPTIONS = {
  "secrets-file": { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
} as const;

const MARK = { present: "✓", created: "+", missing: "✗" } as const;
/** Each step's words, agreeing with its noun (« base … : créée », « format des nombres : réglé »). */
const WORDS: Record<BootstrapStep["kind"], Record<BootstrapStep["status"], string>> = {
  admin: { present: "présent", created: "créé", missing: "manquant" },
  warehouse: { present: "présente", created: "ajoutée", missing: "manquante" },
  secret: { present: "présente", created: "réglée", missing: "à régler" },
  embedding: { present: "activée", created: "activée", missing: "désactivée" },
  formatting: { present: "réglé", created: "réglé", missing: "à régler" },
  "api-key": { present: "présente", created: "créée", missing: "manquante" },
};
const MODE = {
  setup: "installation d'un Metabase neuf",
  converge: "Metabase installé par cette commande : seul ce qui manque est recréé",
  check: "Metabase installé à la main : vérification seulement, rien n'est écrit",
} as const;

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, { positionals: true });
  if (positionals.length !== 1 || positionals[0] !== "bootstrap") {
    throw new UsageError(
      `Sous-commande ${positionals[0] ? `inconnue : ${positionals.join(" ")}` : "manquante"} (attendu : metabase bootstrap).`,
    );
  }
  const config = loadConfig(io.env, { for: "cli" });
  const { internalUrl, warehouseDatabase, warehouseUrl, adminEmail } = config.metabase;
  if (!internalUrl) {
    throw new ConfigError([
      "METABASE_INTERNAL_URL (ou METABASE_SITE_URL) : requise (l'adresse de Metabase depuis cette machine)",
    ]);
  }
  const secretsFile = path.resolve(
    values["secrets-file"] ?? path.join(config.dataDir, "metabase-secrets.env"),
  );
  const stored = (await readSecretsFile(secretsFile)) ?? {};
  const header = [
    `Secrets de Metabase (${internalUrl}), écrits par \`pilotage metabase bootstrap\`.`,
    "Lisible par son propriétaire seulement (0600) ; ne le versionnez pas, ne l'affichez pas.",
  ].join("\n");

  let result: BootstrapResult;
  try {
    result = await bootstrapMetabase({
      client: createMetabaseSetupClient({
        siteUrl: internalUrl,
        timeoutMs: config.metabase.timeoutSeconds * 1000,
      }),
      warehouseDatabase,
      warehouseUrl,
      adminEmail,
      given: {
        apiKey: config.metabase.apiKey,
        username: config.metabase.username,
        password: config.metabase.password,
      },
      embeddingSecretKey: config.metabase.embeddingSecretKey,
      stored,
      checkWarehouseRole,
      persist: (secrets: Secrets) => writeSecretsFile(secretsFile, secrets, header),
      progress: (line) => io.stderr(`${line}\n`),
    });
  } catch (error) {
    if (!(error instanceof MetabaseError)) throw error;
    return reportMetabaseError(io, error, values.verbose ?? false);
  }

  const missing = result.steps.filter((step) => step.status === "missing").length;
  const variables = Object.keys(result.secrets).sort();
  if (values.json) {
    io.stdout(
      `${JSON.stringify(
        {
          ok: missing === 0,
          metabase: internalUrl,
          version: result.version,
          mode: result.mode,
          steps: result.steps,
          secretsFile: variables.length > 0 ? secretsFile : null,
          variables,
          created: result.created,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const lines = [
      `Metabase ${internalUrl} (${result.version}) : ${MODE[result.mode]}.`,
      ...result.steps.map(
        (step) => `  ${MARK[step.status]} ${step.step} : ${WORDS[step.kind][step.status]} — ${step.detail}`,
      ),
    ];
    if (result.created.length > 0) {
      lines.push(
        `Secrets écrits dans ${secretsFile} (mode 0600) : ${result.created.join(", ")}.`,
        `Chargez ce fichier pour \`pilotage apply\` et pour la passerelle (il contient ${variables.join(", ")}).`,
      );
    } else if (variables.length > 0) {
      lines.push(`Aucun secret créé ; ${secretsFile} garde ${variables.join(", ")}.`);
    }
    lines.push(
      missing === 0
        ? "Metabase est prêt : lancez `pilotage apply`."
        : `${missing === 1 ? "Un élément manque" : `${missing} éléments manquent`} : faites ce qui est indiqué, puis relancez \`pilotage metabase bootstrap\`.`,
    );
    io.stdout(`${lines.join("\n")}\n`);
  }
  return missing === 0 ? EXIT.ok : EXIT.failed;
}

/** Connects to the warehouse as Metabase will, to check that role before Metabase gets it. */
async function checkWarehouseRole(url: string): Promise<{ role: string; problems: string[] }> {
  const target = new URL(url);
  const db = await openDatabase({
    name: "metabase-role-check",
    url,
    pgliteDataDir: "memory://",
    poolSize: 1,
  });
  try {
    return await checkMetabaseReaderRole(db);
  } catch (error) {
    throw new UpstreamError(
      "warehouse",
      `Impossible de joindre l'entrepôt avec METABASE_WAREHOUSE_URL (${target.host}${target.pathname}, rôle ${decodeURIComponent(target.username)}) : ${error instanceof Error ? error.message : String(error)}. Vérifiez l'adresse, le rôle et son mot de passe.`,
      error,
    );
  } finally {
    await db.close();
  }
}

export const metabaseCommand: CliCommand = {
  summary: "préparer un Metabase neuf pour la passerelle (metabase bootstrap), ou vérifier qu'il l'est",
  usage: USAGE,
  exitCodes: {
    [EXIT.ok]: "Metabase est prêt (tout est présent, ou vient d'être créé)",
    [EXIT.failed]:
      "un élément manque (Metabase installé à la main) ou ne convient pas (rôle de Metabase sur l'entrepôt, Metabase antérieur à 0.50)",
    [EXIT.upstream]: SYNC_EXIT_CODES[EXIT.upstream],
  },
  options: OPTIONS,
  run,
};
