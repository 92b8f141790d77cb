import { asSubquery } from "../template/index.js";
import { once } from "node:events";
import type { Writable } from "node:stream";
import pg from "pg";
import type { Database } from "../storage/database.js";
import type { ExportFormat } from "./api-schemas.js";
import {
  ExportError,
  hasSeveralStatements,
  UTF8_BOM,
  type RenderedQuery,
  type StreamLimits,
} from "./stream.js";

/**
 * Exports for the demo's warehouse, PGlite, which has no pg pool: no `COPY … TO STDOUT`, no cursor. The
 * result is read in one go, bounded by the row cap (at most `rowCap + 1` rows are fetched), then written
 * in the same formats as stream.ts: production and the tests stream from Postgres instead (constant
 * memory). PGlite runs in this process's thread, so the statement timeout is set but may not be able to
 * interrupt a query; the row cap always holds.
 *
 * Every column is read as Postgres' own text output (its type's output function), which is what `COPY … CSV` writes, and
 * JSON values are parsed from that text with node-postgres' parsers, as the cursor path gets them: both
 * formats come out byte for byte as on Postgres.
 */

const TEXT_DATE = (value: string) => value;

function jsonValue(text: string | null, oid: number): unknown {
  if (text === null) return null;
  const parse = oid === pg.types.builtins.DATE ? TEXT_DATE : pg.types.getTypeParser(oid, "text");
  return parse(text);
}

/** A CSV field as Postgres' COPY writes it: quoted when it holds a delimiter, a quote or a line break, or is empty. */
export function csvField(value: string | null, onlyColumn: boolean): string {
  if (value === null) return "";
  const quote = value === "" || (onlyColumn && value === "\\.") || /[",\r\n]/.test(value);
  return quote ? `"${value.replaceAll('"', '""')}"` : value;
}

async function write(out: Writable, text: string): Promise<void> {
  if (out.destroyed) throw new ExportError("aborted", "Le téléchargement a été interrompu.");
  if (!out.write(text)) await once(out, "drain");
}

export async function exportBuffered(
  db: Database,
  query: RenderedQuery,
  format: ExportFormat,
  out: Writable,
  limits: StreamLimits,
  onStart?: () => void | Promise<void>,
): Promise<number> {
  if (hasSeveralStatements(query.sql)) {
    throw new ExportError(
      "query_failed",
      "La question contient plusieurs instructions SQL : elle ne peut pas être exportée.",
    );
  }
  const sql = asSubquery(query.sql);
  let result: { columns: Array<{ name: string; dataTypeID: number }>; rows: Array<Array<string | null>> };
  try {
    result = await db.transaction(async (tx) => {
      await tx.exec("SET TRANSACTION READ ONLY");
      await tx.exec(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(limits.statementTimeoutMs))}`);
      const probe = await tx.query(`SELECT * FROM ${sql} AS export LIMIT 0`, query.values);
      const columns = probe.fields ?? [];
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
    if (error instanceof ExportError) throw error;
    if ((error as { code?: unknown })?.code === "57014") {
      throw new ExportError(
        "timeout",
        "La requête a dépassé le temps maximal autorisé : l'export est interrompu.",
        error,
      );
    }
    throw new ExportError("query_failed", "La requête a échoué : l'export est interrompu.", error);
  }
  if (result.rows.length > limits.rowCap) {
    throw new ExportError(
      "row_cap",
      `Le résultat dépasse ${limits.rowCap} lignes : affinez les filtres avant d'exporter.`,
    );
  }
  await onStart?.();
  const names = result.columns.map((c) => c.name);
  const BATCH = 1000;
  if (format === "csv") {
    const only = names.length === 1;
    const line = (fields: Array<string | null>) => `${fields.map((f) => csvField(f, only)).join(",")}\n`;
    await write(out, UTF8_BOM + line(names));
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
