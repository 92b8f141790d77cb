import { asSubquery } from "../template/index.js";
import type { Writable } from "node:stream";
import pg from "pg";
import type { Database } from "../storage/database.js";
import { csvCellText, csvDelimiter, csvField, csvHeaderLine } from "./csv-dialect.js";
import { exportColumns } from "./export-columns.js";
import {
  abortedError,
  noColumnsError,
  rowCapError,
  severalStatementsError,
  translateExportError,
  UTF8_BOM,
} from "./export-error.js";
import { drained } from "./response-sink.js";
import { hasSeveralStatements } from "./sql-statements.js";
import { RFC4180, type CsvShape, type RenderedQuery, type StreamLimits } from "./stream.js";
import { writeXlsx, type XlsxShape } from "./xlsx-export.js";

/**
 * Exports for the demo's warehouse, PGlite, which has no pg pool: no `COPY … TO STDOUT`, no cursor. The
 * result is read in one go, bounded by the row cap (at most `rowCap + 1` rows are fetched), then written
 * in the same formats as stream.ts: production and the tests stream from Postgres instead (constant
 * memory). PGlite runs in this process's thread, so the statement timeout is set but may not be able to
 * interrupt a query; the row cap always holds.
 *
 * Every column is read as Postgres' own text output (its type's output function), which is what `COPY … CSV` writes, and
 * JSON values are parsed from that text with node-postgres' parsers, as the cursor path gets them: every
 * format comes out byte for byte as on Postgres (csv-dialect.ts has each CSV rule in SQL and here), and
 * XLSX goes through the same writer as the cursor path.
 */

/** What to write: CSV in a dialect, JSON, or XLSX with its information sheet. */
export type BufferedFormat =
  { format: "csv"; csv?: CsvShape } | { format: "json" } | { format: "xlsx"; xlsx: XlsxShape };

const TEXT_DATE = (value: string) => value;

function jsonValue(text: string | null, oid: number): unknown {
  if (text === null) return null;
  const parse = oid === pg.types.builtins.DATE ? TEXT_DATE : pg.types.getTypeParser(oid, "text");
  return parse(text);
}

async function write(out: Writable, text: string): Promise<void> {
  if (out.destroyed) throw abortedError();
  if (!out.write(text)) await drained(out, undefined);
}

export async function exportBuffered(
  db: Database,
  query: RenderedQuery,
  target: BufferedFormat,
  out: Writable,
  limits: StreamLimits,
  onStart?: () => void | Promise<void>,
): Promise<number> {
  if (hasSeveralStatements(query.sql)) throw severalStatementsError();
  const sql = asSubquery(query.sql);
  let result: { columns: Array<{ name: string; dataTypeID: number }>; rows: Array<Array<string | null>> };
  try {
    result = await db.transaction(async (tx) => {
      await tx.exec("SET TRANSACTION READ ONLY");
      await tx.exec(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(limits.statementTimeoutMs))}`);
      await tx.exec("SET LOCAL DateStyle = 'ISO'");
      const probe = await tx.query(`SELECT * FROM ${sql} AS export LIMIT 0`, query.values);
      const columns = probe.fields ?? [];
      if (columns.length === 0) throw noColumnsError();
      // Positional aliases: column names may repeat or need quoting.
      const aliases = columns.map((_, i) => `c${i + 1}`);
      // format('%s') goes through each type's output function, as COPY does (a `::text` cast does
      // not: it trims char(n) and spells booleans out); it turns NULL into '', hence the CASE.
      const text = await tx.query(
        `SELECT ${aliases.map((a) => `CASE WHEN ${a} IS NULL THEN NULL ELSE format('%s', ${a}) END AS ${a}`).join(", ")}
           FROM ${sql} AS export(${aliases.join(", ")}) LIMIT ${limits.rowCap + 1}`,
        query.values,
      );
      const rows = text.rows.map((row) => aliases.map((a) => (row[a] ?? null) as string | null));
      return { columns, rows };
    });
  } catch (error) {
    throw translateExportError(error);
  }
  if (result.rows.length > limits.rowCap) throw rowCapError(limits.rowCap);
  const names = result.columns.map((c) => c.name);
  const BATCH = 1000;
  if (target.format === "xlsx") {
    await onStart?.();
    return writeXlsx(out, exportColumns(result.columns, target.xlsx.described), result.rows, target.xlsx);
  }
  if (target.format === "csv") {
    const { dialect, described } = target.csv ?? RFC4180;
    const columns = exportColumns(result.columns, described);
    await onStart?.();
    const delimiter = csvDelimiter(dialect);
    const only = columns.length === 1;
    const cells = columns.map((c) => csvCellText(c, dialect));
    const line = (fields: Array<string | null>) =>
      `${fields.map((f, i) => csvField(cells[i]!(f), delimiter, only)).join(delimiter)}\n`;
    await write(out, UTF8_BOM + csvHeaderLine(columns, dialect));
    for (let i = 0; i < result.rows.length; i += BATCH) {
      await write(
        out,
        result.rows
          .slice(i, i + BATCH)
          .map(line)
          .join(""),
      );
    }
  } else {
    await onStart?.();
    await write(out, `{"columns":${JSON.stringify(names)},"rows":[`);
    for (let i = 0; i < result.rows.length; i += BATCH) {
      const chunk = result.rows
        .slice(i, i + BATCH)
        .map((row) => JSON.stringify(row.map((v, c) => jsonValue(v, result.columns[c]!.dataTypeID))));
      await write(out, `${i === 0 ? "" : ","}${chunk.join(",")}`);
    }
    await write(out, `],"complete":true,"row_count":${result.rows.length}}`);
  }
  return result.rows.length;
}
