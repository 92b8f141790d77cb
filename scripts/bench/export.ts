import { spawn } from "node:child_process";
import { Writable } from "node:stream";
import pg from "pg";
import { streamCsv } from "../../src/questions/stream.js";
import { createTestDatabase } from "../../test/support/services.js";

/**
 * Exports N rows as CSV through streamCsv (COPY with bound settings) and through `psql \copy … to
 * /dev/null`, on the same table in the same run; reports rows/s, the ratio, and peak RSS for two sizes
 * to show memory does not grow with rows.
 */
const QUERY = {
  sql: `SELECT id, departement, nom_structure, type_structure, date_candidature, etat, delai_jours
          FROM bench_rows WHERE departement = ANY (string_to_array($1, ',')) AND id > $2`,
  values: ["93,75,13,69,2A", 0],
};

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

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; peakRss: number; result: T }> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const start = performance.now();
  try {
    const result = await work();
    return { ms: performance.now() - start, peakRss, result };
  } finally {
    clearInterval(sampler);
  }
}

function psqlCopy(url: string, rows: number): Promise<number> {
  const sql = `\\copy (SELECT id, departement, nom_structure, type_structure, date_candidature, etat, delai_jours FROM bench_rows WHERE departement = ANY (string_to_array('93,75,13,69,2A', ',')) AND id > 0 AND id <= ${rows}) to '/dev/null' csv header`;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn("psql", [url, "-q", "-c", sql], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(performance.now() - start) : reject(new Error(`psql exit ${code}`)),
    );
  });
}

export async function run(args: string[]): Promise<void> {
  const total = Number(args[0] ?? 1_000_000);
  const db = await createTestDatabase("bench_export");
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
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

    const lines: string[] = [];
    for (const rows of [Math.floor(total / 10), total]) {
      const query = { sql: `${QUERY.sql} AND id <= ${rows}`, values: QUERY.values };
      // Warm both paths once.
      await streamCsv(pool, query, nullSink(), { rowCap: rows + 1, statementTimeoutMs: 600_000 });
      await psqlCopy(db.url, rows);
      const sink = nullSink();
      const ours = await timed(() =>
        streamCsv(pool, query, sink, { rowCap: rows + 1, statementTimeoutMs: 600_000 }),
      );
      const psqlMs = await psqlCopy(db.url, rows);
      const ratio = psqlMs / ours.ms;
      lines.push(
        `${rows.toLocaleString("fr-FR").padStart(11)} rows | streamCsv ${(ours.result / (ours.ms / 1000)).toFixed(0).padStart(8)} rows/s (${ours.ms.toFixed(0)} ms, ${(sink.bytes / 1e6).toFixed(1)} MB) | psql \\copy ${(rows / (psqlMs / 1000)).toFixed(0).padStart(8)} rows/s (${psqlMs.toFixed(0)} ms) | ratio ${ratio.toFixed(2)} | peak RSS ${(ours.peakRss / 1e6).toFixed(0)} MB`,
      );
    }
    console.log("export benchmark (ratio = psql time / streamCsv time; target ≥ 0.5)");
    for (const line of lines) console.log(line);
  } finally {
    await pool.end();
    await db.drop();
  }
}
