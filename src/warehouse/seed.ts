import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../project-root.js";
import type { Database, Queryable } from "../storage/database.js";
import {
  DEFAULT_SEED,
  GENERATOR_VERSION,
  generateWarehouse,
  REFERENCE_DATE,
  type CopyValue,
} from "./generate.js";
import { SYNTHETIC_SOURCE, writeLoadMarker } from "./load-marker.js";
import { ForeignWarehouseError, foreignSchemas, markSeededSchemas, type SeedSchema } from "./seed-marker.js";
import { ANNUAIRE_SCHEMA, MEMBERS_TABLE, WAREHOUSE_SCHEMA, WAREHOUSE_TABLES } from "./tables.js";

/**
 * `pilotage seed`: (re)creates the `entrepot` and `annuaire` schemas and fills them with synthetic data,
 * through COPY on Postgres and PGlite alike, then adds keys and indexes and writes what generated it in
 * `entrepot.metadonnees`. It drops only the schemas it marked itself (seed-marker.ts).
 */

const WAREHOUSE_DIR = path.join(PROJECT_ROOT, "src", "warehouse");

function readSql(name: string): string {
  return fs.readFileSync(path.join(WAREHOUSE_DIR, name), "utf8");
}

/** Changes whenever the schema, the constraints or the generator change: the demo re-seeds then. */
export function seedVersion(): string {
  const hash = createHash("sha256")
    .update(readSql("schema.sql"))
    .update(readSql("annuaire.sql"))
    .update(readSql("constraints.sql"))
    .digest("hex")
    .slice(0, 12);
  return `${GENERATOR_VERSION}-${hash}`;
}

export type SeedProgress =
  | { step: "schema" }
  | { step: "table"; table: string; rows: number; done: boolean }
  | { step: "constraints" };

export interface SeedOptions {
  seed?: string;
  scale?: number;
  /** Schemas to replace even without the seed's mark: their data is lost (`--replace-foreign-schema`). */
  replaceForeignSchemas?: readonly SeedSchema[];
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedReport {
  version: string;
  seed: string;
  scale: number;
  referenceDate: string;
  rows: Record<string, number>;
  totalRows: number;
  /** Generation and load, constraints included. */
  durationMs: number;
}

export interface SeedMetadata {
  version: string;
  seed: string;
  scale: number;
  referenceDate: string;
}

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const NEEDS_ESCAPE = /[\\\t\n\r]/;

function escapeText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

/** One value in COPY's text format. */
export function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return escapeText(value);
  return escapeText(`{${value.map((item) => `"${item.replace(/["\\]/g, "\\$&")}"`).join(",")}}`);
}

const CHUNK_CHARS = 1 << 19;

function* copyChunks(
  rows: Iterable<CopyValue[]>,
  onRows: (count: number, done: boolean) => void,
): Iterable<string> {
  let buffer: string[] = [];
  let size = 0;
  let count = 0;
  for (const row of rows) {
    const line = `${row.map(copyField).join("\t")}\n`;
    buffer.push(line);
    size += line.length;
    count++;
    if (size >= CHUNK_CHARS) {
      yield buffer.join("");
      onRows(count, false);
      buffer = [];
      size = 0;
    }
  }
  if (buffer.length > 0) yield buffer.join("");
  onRows(count, true);
}

export async function readSeedMetadata(db: Queryable): Promise<SeedMetadata | null> {
  if (!(await isSeeded(db))) return null;
  const result = await db.query<{ version: string; graine: string; echelle: string; date_reference: string }>(
    `SELECT version, graine, echelle::text AS echelle, date_reference::text AS date_reference FROM ${WAREHOUSE_SCHEMA}.metadonnees`,
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    version: row.version,
    seed: row.graine,
    scale: Number(row.echelle),
    referenceDate: row.date_reference,
  };
}

/** Whether `entrepot` has the metadata table of `pilotage seed` (what generated it; not the drop guard). */
async function isSeeded(db: Queryable): Promise<boolean> {
  const result = await db.query<{ found: boolean }>("SELECT to_regclass($1) IS NOT NULL AS found", [
    `${WAREHOUSE_SCHEMA}.metadonnees`,
  ]);
  return result.rows[0]?.found === true;
}

export async function seedWarehouse(db: Database, options: SeedOptions = {}): Promise<SeedReport> {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? 1;
  const progress = options.onProgress ?? (() => {});
  const started = performance.now();
  const version = seedVersion();

  const replaced = new Set(options.replaceForeignSchemas ?? []);
  const refused = (await foreignSchemas(db)).filter(({ schema }) => !replaced.has(schema));
  if (refused.length > 0) throw new ForeignWarehouseError(refused);

  progress({ step: "schema" });
  await db.exec(
    `DROP SCHEMA IF EXISTS ${ANNUAIRE_SCHEMA} CASCADE; DROP SCHEMA IF EXISTS ${WAREHOUSE_SCHEMA} CASCADE;\n` +
      `${readSql("schema.sql")}\n${readSql("annuaire.sql")}`,
  );
  // Marked before the load: a seed stopped half-way leaves schemas the next run may replace.
  await markSeededSchemas(db);

  const rows: Record<string, number> = {};
  for (const { schema, table, rows: draw } of generateWarehouse({ seed, scale })) {
    progress({ step: "table", table: table.name, rows: 0, done: false });
    await db.copyFrom(
      `${schema}.${table.name}`,
      table.columns,
      copyChunks(draw(), (count, done) => {
        rows[table.name] = count;
        progress({ step: "table", table: table.name, rows: count, done });
      }),
    );
  }

  progress({ step: "constraints" });
  await db.exec(readSql("constraints.sql"));
  const analyze = `ANALYZE ${[
    ...WAREHOUSE_TABLES.map((t) => `${WAREHOUSE_SCHEMA}.${t.name}`),
    `${ANNUAIRE_SCHEMA}.${MEMBERS_TABLE.name}`,
  ].join(", ")}`;
  // ANALYZE samples 300 rows per unit of statistics target: at Postgres' default (100) that takes
  // seconds in WASM, and the demo's small tables plan just as well from a smaller sample.
  if (db.kind === "pglite") {
    await db.exec(`SET default_statistics_target = 20; ${analyze}; RESET default_statistics_target`);
  } else {
    await db.exec(analyze);
  }
  await db.query(
    `INSERT INTO ${WAREHOUSE_SCHEMA}.metadonnees (version, graine, echelle, date_reference, genere_le, lignes_par_table)
     VALUES ($1, $2, $3, $4, now(), $5)`,
    [version, seed, scale, REFERENCE_DATE, JSON.stringify(rows)],
  );
  await writeLoadMarker(db, {
    dataVersion: `synthetique-${version}-${seed}-${scale}-${randomBytes(6).toString("hex")}`,
    cutoffDate: REFERENCE_DATE,
    source: SYNTHETIC_SOURCE,
  });
  const totalRows = Object.values(rows).reduce((sum, n) => sum + n, 0);
  return {
    version,
    seed,
    scale,
    referenceDate: REFERENCE_DATE,
    rows,
    totalRows,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * The demo's warehouse (PGlite under DATA_DIR/warehouse): seeded once at scale 1 with the default seed,
 * then reused as long as what generated it has not changed.
 */
export async function ensureDemoWarehouse(
  db: Database,
  options: { scale?: number; onProgress?: (progress: SeedProgress) => void } = {},
): Promise<{ reused: boolean; report?: SeedReport }> {
  const scale = options.scale ?? 1;
  const metadata = await readSeedMetadata(db);
  if (
    metadata &&
    metadata.version === seedVersion() &&
    metadata.seed === DEFAULT_SEED &&
    metadata.scale === scale
  ) {
    return { reused: true };
  }
  const report = await seedWarehouse(db, {
    seed: DEFAULT_SEED,
    scale,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return { reused: false, report };
}
