import path from "node:path";
import { loadConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { loadSyncDefinitions } from "../metabase/catalog-adapter.js";
import type { SyncDefinitions } from "../metabase/definitions.js";
import { MetabaseError, type MetabaseErrorCategory } from "../metabase/errors.js";
import type { ConnectOptions } from "../metabase/preflight.js";
import { openSyncSession, type SyncSession } from "../metabase/sync.js";
import { PROJECT_ROOT } from "../project-root.js";
import type { Database } from "../storage/database.js";
import { countOf } from "../french-plural.js";
import { EXIT, type CliIo } from "./command.js";
import { openGatewayDatabase } from "./gateway-database.js";

/**
 * What `plan`, `apply` and `pull` share: configuration, the catalog, the gateway database, the sync
 * session, and the one place where Metabase errors become messages and exit codes.
 */

const EXIT_BY_CATEGORY: Record<MetabaseErrorCategory, number> = {
  network: EXIT.upstream,
  auth: EXIT.upstream,
  permission: EXIT.upstream,
  "not-found": EXIT.upstream,
  http: EXIT.upstream,
  "response-shape": EXIT.upstream,
  capability: EXIT.failed,
  contract: EXIT.failed,
  conflict: EXIT.failed,
};

export const COMMON_OPTIONS = {
  root: { type: "string" },
  verbose: { type: "boolean" },
} as const;

export const COMMON_USAGE = `--root DOSSIER  dossier contenant sql/ et metabase-config/ (par défaut : le dépôt)
--verbose       détail des réponses de Metabase en cas d'erreur
Variables : METABASE_INTERNAL_URL (ou METABASE_SITE_URL), METABASE_API_KEY (ou METABASE_USERNAME et
METABASE_PASSWORD), METABASE_WAREHOUSE_DATABASE, DATABASE_URL (la table metabase_objects de la passerelle).`;

/** What `plan`, `apply` and `pull` may also answer, besides their own codes. */
export const SYNC_EXIT_CODES = {
  [EXIT.failed]:
    "catalogue invalide, Metabase pas prêt (intégration désactivée, base ou colonnes inconnues), contrat de verrouillage rompu ou conflit",
  [EXIT.upstream]: "Metabase injoignable, identifiants refusés ou réponse inattendue",
} as const;

export function connectOptions(env: CliIo["env"]): ConnectOptions {
  const config = loadConfig(env, { for: "cli" });
  const {
    internalUrl: siteUrl,
    apiKey,
    username,
    password,
    warehouseDatabase,
    timeoutSeconds,
  } = config.metabase;
  const problems: string[] = [];
  if (!siteUrl)
    problems.push(
      "METABASE_INTERNAL_URL (ou METABASE_SITE_URL) : requise pour synchroniser (adresse de l'instance Metabase)",
    );
  if (!apiKey && !(username && password)) {
    problems.push(
      "METABASE_API_KEY : requise pour synchroniser (clé API du groupe Administrateurs), ou METABASE_USERNAME et METABASE_PASSWORD",
    );
  }
  if (problems.length > 0 || !siteUrl) throw new ConfigError(problems);
  return {
    siteUrl,
    credentials: apiKey ? { apiKey } : { username: username ?? "", password: password ?? "" },
    warehouseDatabase,
    timeoutMs: timeoutSeconds * 1000,
  };
}

export interface SyncRun {
  session: SyncSession;
  definitions: SyncDefinitions;
  db: Database;
  root: string;
}

/** Opens everything, runs `work`, closes the database; Metabase errors are reported here. */
export async function withSyncSession(
  io: CliIo,
  options: { root?: string | undefined; verbose?: boolean | undefined },
  work: (run: SyncRun) => Promise<number>,
): Promise<number> {
  const connect = connectOptions(io.env);
  const root = path.resolve(options.root ?? PROJECT_ROOT);
  const { definitions, problems } = await loadSyncDefinitions(root);
  if (problems.length > 0) {
    io.stderr(
      `Le catalogue de ${root} n'est pas valide (${countOf(problems.length, "problème", "problèmes")}) : rien n'est envoyé à Metabase. Lancez \`pilotage validate\` pour le détail.\n`,
    );
    return EXIT.failed;
  }
  const db = await openGatewayDatabase(loadConfig(io.env, { for: "cli" }));
  try {
    const session = await openSyncSession({ connect, definitions, db });
    for (const warning of session.warnings) io.stderr(`Attention : ${warning}\n`);
    if (session.unverified.length > 0) {
      io.stderr(
        `Contrat de verrouillage rompu dans Metabase pour ${session.unverified.join(", ")} : la passerelle ne signe plus de jeton pour ${session.unverified.length > 1 ? "ces tableaux" : "ce tableau"} jusqu'au prochain \`pilotage apply\` réussi.\n`,
      );
    }
    return await work({ session, definitions, db, root });
  } catch (error) {
    if (!(error instanceof MetabaseError)) throw error;
    return reportMetabaseError(io, error, options.verbose ?? false);
  } finally {
    await db.close();
  }
}

/** Metabase's error as the CLI prints it (its own words with --verbose), and its exit code. */
export function reportMetabaseError(io: CliIo, error: MetabaseError, verbose: boolean): number {
  io.stderr(`${error.describe()}\n`);
  if (verbose && error.detail) io.stderr(`Détail : ${error.detail}\n`);
  return EXIT_BY_CATEGORY[error.category];
}
