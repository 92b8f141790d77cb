import { countOf } from "../french-plural.js";
import { createMetabaseClient, type MetabaseClient } from "./client.js";
import type { SyncDefinitions } from "./definitions.js";
import { MetabaseError } from "./errors.js";
import { definedColumn } from "./forms.js";
import type { SyncTarget } from "./plan.js";
import { featuresOf, parseVersionTag, unsupportedVersion, type MetabaseVersion } from "./version.js";

/**
 * Connect and check, before anything is read or written, that the instance can be synced: reachable, a
 * supported version, credentials of an administrator, static embedding on, the warehouse database found by
 * name and every field-filter column known to Metabase. Each failed check has its own French message saying
 * what to do; the checks that can run together are reported together.
 */
export interface ConnectOptions {
  siteUrl: string;
  credentials: { apiKey: string } | { username: string; password: string };
  warehouseDatabase: string;
  timeoutMs?: number;
  retryDelayMs?: number;
}

export interface Connection {
  client: MetabaseClient;
  target: SyncTarget;
  warnings: string[];
}

export async function connect(options: ConnectOptions, definitions: SyncDefinitions): Promise<Connection> {
  const client = createMetabaseClient({
    siteUrl: options.siteUrl,
    credentials:
      "apiKey" in options.credentials ? { kind: "api-key", apiKey: options.credentials.apiKey } : undefined,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  });
  const warnings: string[] = [];

  const properties = await client.sessionProperties();
  const tag = properties.version?.tag;
  let version: MetabaseVersion | undefined = tag ? parseVersionTag(tag) : undefined;
  if (!version) {
    warnings.push(
      `Version de Metabase non reconnue (${tag ?? "absente"}) : la synchronisation suppose une version récente (≥ 0.57).`,
    );
    version = { tag: tag ?? "inconnue", major: 57, minor: 0 };
  }
  const unsupported = unsupportedVersion(version);
  if (unsupported) throw new MetabaseError("capability", unsupported);
  const features = featuresOf(version);

  if ("username" in options.credentials) {
    await client.login(options.credentials.username, options.credentials.password);
  } else if (!features.apiKeys) {
    throw new MetabaseError(
      "capability",
      `Metabase ${version.tag} ne connaît pas les clés API (apparues en 0.49) : utilisez METABASE_USERNAME et METABASE_PASSWORD.`,
    );
  }

  const user = await client.currentUser();
  if (!user.is_superuser) {
    throw new MetabaseError(
      "capability",
      "Ces identifiants ne sont pas ceux d'un administrateur Metabase : la synchronisation règle l'intégration des objets, ce que seul le groupe Administrateurs peut faire. Utilisez une clé API du groupe Administrateurs (Admin > Authentification > Clés API).",
    );
  }

  const problems: string[] = [];
  const embedding = await client.setting(features.embeddingSetting);
  if (embedding !== true && embedding !== "true") {
    problems.push(
      `L'intégration statique est désactivée dans Metabase (réglage ${features.embeddingSetting}) : activez-la dans Admin > Intégration${features.embeddingSetting === "enable-embedding-static" ? " > Intégration statique" : ""}, ou avec la variable ${features.embeddingSetting === "enable-embedding-static" ? "MB_ENABLE_EMBEDDING_STATIC" : "MB_ENABLE_EMBEDDING"}=true au démarrage de Metabase.`,
    );
  }

  const databases = await client.databases();
  const warehouse = databases.find((db) => db.name === options.warehouseDatabase);
  const fieldIdByColumn = new Map<string, number>();
  const columnByFieldId = new Map<number, string>();
  if (!warehouse) {
    problems.push(
      `Aucune base nommée « ${options.warehouseDatabase} » dans Metabase (bases connues : ${databases.map((db) => `« ${db.name} »`).join(", ") || "aucune"}). Ajoutez l'entrepôt dans Admin > Bases de données, ou donnez son nom exact dans METABASE_WAREHOUSE_DATABASE.`,
    );
  } else {
    const metadata = await client.databaseMetadata(warehouse.id);
    for (const table of metadata.tables) {
      if (!table.schema) continue;
      for (const field of table.fields) {
        const column = `${table.schema}.${table.name}.${field.name}`;
        fieldIdByColumn.set(column, field.id);
        columnByFieldId.set(field.id, column);
      }
    }
    const missing = new Map<string, string[]>();
    for (const question of definitions.questions) {
      for (const tag of Object.values(question.templateTags)) {
        const column = definedColumn(tag);
        if (column === undefined || fieldIdByColumn.has(column)) continue;
        missing.set(column, [...(missing.get(column) ?? []), question.key]);
      }
    }
    problems.push(...missingColumnProblems(missing, metadata.tables, warehouse.name));
  }
  if (problems.length > 0 || !warehouse) {
    throw new MetabaseError("capability", "Metabase n'est pas prêt pour la synchronisation :", { problems });
  }
  return {
    client,
    warnings,
    target: {
      siteUrl: client.http.siteUrl,
      version,
      features,
      warehouseDatabaseId: warehouse.id,
      fieldIdByColumn,
      columnByFieldId,
    },
  };
}

/**
 * Columns behind field filters that Metabase does not know, said once per missing schema, then once per
 * missing table, then per column: a schema Metabase cannot see (not granted to its role, not synced) would
 * otherwise be a hundred lines saying the same thing.
 */
export function missingColumnProblems(
  missing: ReadonlyMap<string, readonly string[]>,
  tables: ReadonlyArray<{ schema?: string | null | undefined; name: string }>,
  databaseName: string,
): string[] {
  const knownSchemas = new Set(tables.map((t) => t.schema).filter((s): s is string => !!s));
  const knownTables = new Set(tables.filter((t) => t.schema).map((t) => `${t.schema}.${t.name}`));
  const groups = new Map<
    string,
    { kind: "schema" | "table" | "column"; columns: string[]; questions: Set<string> }
  >();
  for (const [column, questions] of missing) {
    const [schema = "", table = ""] = column.split(".");
    const [key, kind] = !knownSchemas.has(schema)
      ? [schema, "schema" as const]
      : !knownTables.has(`${schema}.${table}`)
        ? [`${schema}.${table}`, "table" as const]
        : [column, "column" as const];
    const group = groups.get(key) ?? { kind, columns: [], questions: new Set<string>() };
    group.columns.push(column);
    for (const question of questions) group.questions.add(question);
    groups.set(key, group);
  }
  const sync = "puis lancez « Synchroniser le schéma » dans Admin > Bases de données";
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, { kind, columns, questions }]) => {
      const usedBy = [...questions].sort().join(", ");
      if (kind === "schema") {
        return `Le schéma ${key} est inconnu de Metabase dans « ${databaseName} » (${countOf(columns.length, "colonne filtrée", "colonnes filtrées")}, par ${usedBy}) : vérifiez que le rôle de Metabase peut le lire (GRANT USAGE ON SCHEMA ${key}, GRANT SELECT ON ALL TABLES IN SCHEMA ${key}) et que les filtres de schémas de la base l'incluent, ${sync}.`;
      }
      if (kind === "table") {
        return `La table ${key} est inconnue de Metabase dans « ${databaseName} » (${countOf(columns.length, "colonne filtrée", "colonnes filtrées")}, par ${usedBy}) : vérifiez son nom et que le rôle de Metabase peut la lire, ${sync}.`;
      }
      return `La colonne ${key} (filtre de ${usedBy}) est inconnue de Metabase dans « ${databaseName} » : vérifiez son nom, ${sync}.`;
    });
}
