import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import { createApp } from "../../src/app.js";
import { loadCatalog } from "../../src/catalog/index.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logging.js";
import { loadPlacementRules } from "../../src/perimeter/placement-rules.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import ExcelJS from "exceljs";
import Cursor from "pg-cursor";
import { exportColumns } from "../../src/questions/export-columns.js";
import { copyStatement, streamCsv, type CsvShape } from "../../src/questions/stream.js";
import { streamXlsx, writeXlsx, type XlsxShape } from "../../src/questions/xlsx-export.js";
import { startServer } from "../../src/server.js";
import { openDatabase } from "../../src/storage/database.js";
import { migrate } from "../../src/storage/migrations.js";
import { createTestDatabase } from "../../test/support/services.js";

/**
 * `npm run bench -- export [rows]` (1,000,000 by default), on the same table in the same run, for N/10
 * and N rows (memory must not grow with rows):
 *   - CSV: `psql \copy (query) to '/dev/null' csv`, the baseline; streamCsv directly (COPY with bound
 *     settings, the formula escaping of text columns, the row guard, the header) in both dialects; the
 *     whole gateway, `GET /api/questions/{key}/data?format=csv[&dialect=excel-fr]` of a public question,
 *     read by curl in another process (session-less; audit rows written as always). Rows/s, the ratio to
 *     psql, and the gateway's RSS above its level at the start of each export.
 *   - XLSX: the gateway's `format=xlsx` (cursor → streaming workbook writer → response, read by curl),
 *     against the same writer fed from the rows read into memory first, and against exceljs' streaming
 *     WorkbookWriter fed from the same cursor (the library issue 17 suggested; `--no-exceljs` skips it).
 *     Seconds, bytes, and RSS above the level at the start.
 */
const COLUMNS = "id, departement, nom_structure, type_structure, date_candidature, etat, delai_jours";
const QUERY = {
  sql: `SELECT ${COLUMNS} FROM bench_rows WHERE departement = ANY (string_to_array($1, ',')) AND id > $2`,
  values: ["93,75,13,69,2A", 0],
};

const QUESTION_SQL = `/* ---
name: Lignes du banc d'essai
description: Benchmark question (scripts/bench/export.ts).
collection: public
display: table
parameters:
  departements:
    type: text
    label: Départements
    required: true
    default: "93,75,13,69,2A"
  jusqu_a:
    type: number
    label: Jusqu'à
    required: true
    default: 1000000
--- */
SELECT ${COLUMNS}
FROM bench_rows
WHERE departement = ANY (string_to_array({{departements}}, ',')) AND id > 0 AND id <= {{jusqu_a}}
`;

const DASHBOARD = `title: Banc d'essai
description: Benchmark dashboard (scripts/bench/export.ts).
theme: Données publiques
collection: public
public: true
parameters: []
cards:
  - question: bench/lignes
    row: 0
    col: 0
    size_x: 24
    size_y: 6
`;

const COLLECTIONS = `collections:
  pilotage:
    name: Pilotage de l'inclusion
  public:
    name: Tableaux de bord publics
    parent: pilotage
`;

function nullSink(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      sink.bytes += chunk.length;
      done();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

async function timed<T>(
  work: () => Promise<T>,
): Promise<{ ms: number; peakRss: number; startRss: number; result: T }> {
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const start = performance.now();
  try {
    const result = await work();
    return { ms: performance.now() - start, peakRss, startRss, result };
  } finally {
    clearInterval(sampler);
  }
}

function child(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    process_.stdout.on("data", (c: Buffer) => (out += c.toString()));
    process_.on("error", reject);
    process_.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exit ${code}`))));
  });
}

async function psqlCopy(url: string, rows: number): Promise<number> {
  return psqlRun(
    url,
    `\\copy (SELECT ${COLUMNS} FROM bench_rows WHERE departement = ANY (string_to_array('93,75,13,69,2A', ',')) AND id > 0 AND id <= ${rows}) to '/dev/null' csv header`,
  );
}

async function psqlRun(url: string, command: string): Promise<number> {
  const start = performance.now();
  await child("psql", [url, "-q", "-c", command]);
  return performance.now() - start;
}

/** curl reads the export in another process; returns the byte count after checking the status. */
async function curlExport(url: string): Promise<number> {
  const out = await child("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url]);
  const [status, bytes] = out.trim().split(" ");
  if (status !== "200") throw new Error(`the export answered ${status}`);
  return Number(bytes);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const perSecond = (rows: number, ms: number) => (rows / (ms / 1000)).toFixed(0).padStart(8);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Interleaved runs of each CSV path per size; the median ratio is reported. */
const RUNS = 3;
const FRENCH: CsvShape = { dialect: "excel-fr", described: [] };
const WALL = { year: 2026, month: 5, day: 4, hour: 9, minute: 30, second: 0 };
const XLSX: XlsxShape = {
  described: [],
  about: (rows) => [{ label: "Lignes", value: rows }],
  wallClock: WALL,
};
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/** Every row of the query as text, read through a cursor (the rows held in memory). */
async function readAll(pool: pg.Pool, query: { sql: string; values: unknown[] }) {
  const client = await pool.connect();
  try {
    const cursor = client.query(new Cursor(query.sql, query.values, { rowMode: "array", types: RAW_TEXT }));
    const rows: Array<Array<string | null>> = [];
    let fields: pg.FieldDef[] = [];
    for (;;) {
      const batch = await new Promise<Array<Array<string | null>>>((resolve, reject) =>
        cursor.read(1000, (error, got, result) => {
          if (result?.fields?.length) fields = result.fields;
          return error ? reject(error) : resolve(got as Array<Array<string | null>>);
        }),
      );
      if (batch.length === 0) break;
      for (const row of batch) rows.push(row);
    }
    await cursor.close();
    return { fields, rows };
  } finally {
    client.release();
  }
}

/** exceljs' streaming writer fed from a cursor, yielding to the event loop between batches. */
async function exceljsStream(pool: pg.Pool, query: { sql: string; values: unknown[] }, out: Writable) {
  const client = await pool.connect();
  try {
    const cursor = client.query(new Cursor(query.sql, query.values, { rowMode: "array" }));
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    });
    const sheet = workbook.addWorksheet("Données");
    let rows = 0;
    for (;;) {
      const batch = await new Promise<unknown[][]>((resolve, reject) =>
        cursor.read(1000, (error, got) => (error ? reject(error) : resolve(got as unknown[][]))),
      );
      if (batch.length === 0) break;
      for (const row of batch) sheet.addRow(row).commit();
      rows += batch.length;
    }
    sheet.commit();
    await workbook.commit();
    await cursor.close();
    return rows;
  } finally {
    client.release();
  }
}

export async function run(args: string[]): Promise<void> {
  const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const withExceljs = !args.includes("--no-exceljs");
  const warehouse = await createTestDatabase("bench_export");
  const gateway = await createTestDatabase("bench_export_gw");
  const pool = new pg.Pool({ connectionString: warehouse.url, max: 2 });
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-bench-export-"));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const stores: Array<{ close(): Promise<void> }> = [];
  try {
    console.error(`Préparation de ${total.toLocaleString("fr-FR")} lignes…`);
    await pool.query(`
      CREATE TABLE bench_rows AS
      SELECT g AS id,
             (ARRAY['93','75','13','69','2A'])[1 + g % 5] AS departement,
             'Structure d''insertion n° ' || g AS nom_structure,
             (ARRAY['ACI','AI','EI','ETTI','EITI'])[1 + g % 5] AS type_structure,
             DATE '2024-01-01' + (g % 700) AS date_candidature,
             (ARRAY['Candidature acceptée','Candidature refusée','Nouvelle candidature'])[1 + g % 3] AS etat,
             g % 90 AS delai_jours
        FROM generate_series(1, ${total}) g`);
    await pool.query("VACUUM ANALYZE bench_rows");

    // The gateway, on a catalogue holding one public question over bench_rows.
    await fs.mkdir(path.join(root, "sql/bench"), { recursive: true });
    await fs.mkdir(path.join(root, "metabase-config/dashboards"), { recursive: true });
    await fs.writeFile(path.join(root, "sql/bench/lignes.sql"), QUESTION_SQL);
    await fs.writeFile(path.join(root, "metabase-config/dashboards/banc-d-essai.yaml"), DASHBOARD);
    await fs.writeFile(path.join(root, "metabase-config/collections.yaml"), COLLECTIONS);
    await fs.copyFile(
      path.join(PROJECT_ROOT, "metabase-config/profile-kinds.yaml"),
      path.join(root, "metabase-config/profile-kinds.yaml"),
    );
    const config = loadConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      SESSION_SECRET: "bench-session-secret-that-is-long-enough-0123456789",
      DATABASE_URL: gateway.url,
      WAREHOUSE_URL: warehouse.url,
      EXPORT_ROW_CAP: String(total + 1),
      EXPORT_STATEMENT_TIMEOUT_SECONDS: "600",
      EXPORT_RATE_LIMIT_PER_MINUTE: "1000",
    });
    const db = await openDatabase({ name: "gateway", url: gateway.url, pgliteDataDir: "memory://" });
    stores.push(db);
    await migrate(db);
    const warehouseDb = await openDatabase({
      name: "warehouse",
      url: warehouse.url,
      pgliteDataDir: "memory://",
    });
    stores.push(warehouseDb);
    const app = createApp({
      config,
      logger: createLogger("silent"),
      db,
      warehouse: warehouseDb,
      redis: undefined,
      catalog: await loadCatalog(root),
      placementRules: await loadPlacementRules(PROJECT_ROOT, { demo: true }),
    });
    server = await startServer(app, 0, "127.0.0.1");
    const exportUrl = (rows: number, format: string) =>
      `${server!.url}/api/questions/bench/lignes/data?${format}&jusqu_a=${rows}`;

    const csvLines: string[] = [];
    const xlsxLines: string[] = [];
    const growth = {
      csv: [] as number[],
      french: [] as number[],
      xlsx: [] as number[],
      memory: [] as number[],
      exceljs: [] as number[],
    };
    const sizes = [Math.floor(total / 10), total];
    for (const rows of sizes) {
      const query = { sql: `${QUERY.sql} AND id <= ${rows}`, values: QUERY.values };
      const limits = { rowCap: rows + 1, statementTimeoutMs: 600_000 };
      console.error(`CSV, ${rows.toLocaleString("fr-FR")} lignes…`);
      // Warm every path once.
      await streamCsv(pool, query, nullSink(), limits);
      await psqlCopy(warehouse.url, rows);
      await curlExport(exportUrl(rows, "format=csv"));

      // The gateway's own COPY statements (escaping; French dates), run by psql: what Postgres pays for them.
      const literal = `SELECT ${COLUMNS} FROM bench_rows WHERE departement = ANY (string_to_array('93,75,13,69,2A', ',')) AND id > 0 AND id <= ${rows}`;
      const described = exportColumns(
        (await pool.query(`SELECT * FROM (${literal}) AS d LIMIT 0`)).fields,
        [],
      );
      const ownCopy = (shape: CsvShape) =>
        copyStatement(literal, described, shape.dialect, rows)
          .replace(/^COPY \(/, "\\copy (")
          .replace(/\) TO STDOUT WITH \(/, ") to '/dev/null' with (")
          .replaceAll("\n", " ");

      // Interleaved runs, each path's time divided into the psql run just before it, the median of those
      // ratios reported: the machine is shared, and its load drifts more than our paths differ.
      const runs: Array<Record<string, number>> = [];
      const sink = nullSink();
      let http: Awaited<ReturnType<typeof timed<number>>> | undefined;
      for (let run = 0; run < RUNS; run++) {
        const psql = await psqlCopy(warehouse.url, rows);
        sink.bytes = 0;
        const direct = await timed(() => streamCsv(pool, query, sink, limits));
        const directFrench = await timed(() => streamCsv(pool, query, nullSink(), limits, undefined, FRENCH));
        http = await timed(() => curlExport(exportUrl(rows, "format=csv")));
        const httpFrench = await timed(() => curlExport(exportUrl(rows, "format=csv&dialect=excel-fr")));
        const psqlOwn = await psqlRun(warehouse.url, ownCopy({ dialect: "rfc4180", described: [] }));
        const psqlOwnFrench = await psqlRun(warehouse.url, ownCopy(FRENCH));
        growth.csv.push(http.peakRss - http.startRss);
        growth.french.push(httpFrench.peakRss - httpFrench.startRss);
        runs.push({
          psql,
          direct: direct.ms,
          directFrench: directFrench.ms,
          http: http.ms,
          httpFrench: httpFrench.ms,
          psqlOwn,
          psqlOwnFrench,
        });
      }
      const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
      const ratio = (path: string) => median(runs.map((r) => r.psql! / r[path]!)).toFixed(2);
      const psqlMs = median(runs.map((r) => r.psql!));
      csvLines.push(
        `${rows.toLocaleString("fr-FR").padStart(11)} rows (${mb(sink.bytes)}) | psql \\copy ${perSecond(rows, psqlMs)} rows/s (${psqlMs.toFixed(0)} ms)` +
          ` | streamCsv ratio rfc4180 ${ratio("direct")}, excel-fr ${ratio("directFrench")}` +
          ` | HTTP ratio rfc4180 ${ratio("http")}, excel-fr ${ratio("httpFrench")} (${mb(http!.result)} read by curl)` +
          ` | psql \\copy of the gateway's COPY ratio rfc4180 ${ratio("psqlOwn")}, excel-fr ${ratio("psqlOwnFrench")}` +
          ` | gateway RSS ${mb(http!.startRss)} → peak ${mb(http!.peakRss)}`,
      );

      console.error(`XLSX, ${rows.toLocaleString("fr-FR")} lignes…`);
      await streamXlsx(pool, query, nullSink(), limits, undefined, XLSX);
      await curlExport(exportUrl(rows, "format=xlsx"));
      const xlsx = await timed(() => curlExport(exportUrl(rows, "format=xlsx")));
      growth.xlsx.push(xlsx.peakRss - xlsx.startRss);
      xlsxLines.push(
        `${rows.toLocaleString("fr-FR").padStart(11)} rows | streamed (HTTP, curl) ${seconds(xlsx.ms)}, ${perSecond(rows, xlsx.ms)} rows/s, ${mb(xlsx.result)}` +
          ` | gateway RSS ${mb(xlsx.startRss)} → peak ${mb(xlsx.peakRss)}`,
      );
    }
    if (withExceljs) {
      for (const rows of sizes) {
        const query = { sql: `${QUERY.sql} AND id <= ${rows}`, values: QUERY.values };
        console.error(`exceljs, ${rows.toLocaleString("fr-FR")} lignes…`);
        const out = nullSink();
        const streamed = await timed(() => exceljsStream(pool, query, out));
        growth.exceljs.push(streamed.peakRss - streamed.startRss);
        xlsxLines.push(
          `${rows.toLocaleString("fr-FR").padStart(11)} rows | exceljs stream.xlsx.WorkbookWriter from the cursor ${seconds(streamed.ms)}, ${mb(out.bytes)}` +
            ` | RSS ${mb(streamed.startRss)} → peak ${mb(streamed.peakRss)}`,
        );
      }
    }

    // Memory-bound runs last: RSS rarely goes back down after them.
    for (const rows of sizes) {
      const query = { sql: `${QUERY.sql} AND id <= ${rows}`, values: QUERY.values };
      console.error(`XLSX depuis la mémoire, ${rows.toLocaleString("fr-FR")} lignes…`);
      const out = nullSink();
      const memory = await timed(async () => {
        const { fields, rows: all } = await readAll(pool, query);
        return writeXlsx(out, exportColumns(fields, []), all, XLSX);
      });
      growth.memory.push(memory.peakRss - memory.startRss);
      xlsxLines.push(
        `${rows.toLocaleString("fr-FR").padStart(11)} rows | same writer, rows read into memory first ${seconds(memory.ms)}, ${mb(out.bytes)}` +
          ` | RSS ${mb(memory.startRss)} → peak ${mb(memory.peakRss)}`,
      );
    }
    const perSize = (values: number[]) => [
      Math.max(...values.slice(0, values.length / 2)),
      Math.max(...values.slice(values.length / 2)),
    ];
    growth.csv = perSize(growth.csv);
    growth.french = perSize(growth.french);
    const flat = ([small, large]: number[]) =>
      `${mb(small!)} for N/10 rows, ${mb(large!)} for N rows (${large! - small! < 32e6 ? "flat" : "GROWS WITH ROWS"})`;
    console.log(
      `CSV export benchmark (ratio = psql \\copy time / our time, median of ${RUNS} interleaved runs; target ≥ 0.8)`,
    );
    for (const line of csvLines) console.log(line);
    console.log(
      `gateway RSS above its level at the start of the export: CSV ${flat(growth.csv)}; excel-fr ${flat(growth.french)}`,
    );
    console.log("XLSX export benchmark");
    for (const line of xlsxLines) console.log(line);
    console.log(
      `RSS above the level at the start: streamed XLSX ${flat(growth.xlsx)}; from memory ${flat(growth.memory)}` +
        (withExceljs ? `; exceljs ${flat(growth.exceljs)}` : ""),
    );
  } finally {
    await server?.stop(1000);
    for (const store of stores) await store.close();
    await pool.end();
    await Promise.all([warehouse.drop(), gateway.drop()]);
    await fs.rm(root, { recursive: true, force: true });
  }
}
