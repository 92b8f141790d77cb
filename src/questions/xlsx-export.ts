import type { Writable } from "node:stream";
import type pg from "pg";
import type { QuestionColumn } from "../catalog/index.js";
import { exportColumns, type ExportColumn } from "./export-columns.js";
import { rowCapError } from "./export-error.js";
import { cursorBatches, inTransaction, type RenderedQuery, type StreamLimits } from "./stream.js";
import { XlsxWriter, type AboutRow, type TextRow } from "./xlsx-writer.js";
import type { WallClock } from "./zip-writer.js";

/**
 * `format=xlsx` (issue 17): the rows of a cursor, as Postgres' text output of each value, into the
 * streaming workbook writer (xlsx-writer.ts). The demo's buffered path feeds the same writer from the
 * rows it read in one go. The first byte waits for the first batch, so a query that fails or times out
 * before any row is still a plain JSON error.
 */

export interface XlsxShape {
  described: readonly QuestionColumn[];
  /** The "Informations" sheet, given the number of rows exported. */
  about: (rowCount: number) => AboutRow[];
  /** The extraction time, Paris wall clock (the ZIP entries' dates). */
  wallClock: WallClock;
  /** Excel's limit unless a test wants sheets to roll over sooner. */
  rowsPerSheet?: number;
}

/** Every value as Postgres wrote it (its type's output function), as COPY would. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

export async function streamXlsx(
  pool: pg.Pool,
  query: RenderedQuery,
  out: Writable,
  limits: StreamLimits,
  onStart: (() => void | Promise<void>) | undefined,
  shape: XlsxShape,
): Promise<number> {
  return inTransaction(pool, limits, out, async (client, signal) => {
    let book: XlsxWriter | undefined;
    for await (const batch of cursorBatches(client, query, limits.rowCap, RAW_TEXT)) {
      if (!book) {
        await onStart?.();
        book = new XlsxWriter(out, exportColumns(batch.fields, shape.described), {
          wallClock: shape.wallClock,
          rowsPerSheet: shape.rowsPerSheet,
          signal,
        });
        await book.start();
      }
      if (book.rowCount + batch.rows.length > limits.rowCap) throw rowCapError(limits.rowCap);
      await book.addRows(batch.rows);
    }
    await book!.finish(shape.about(book!.rowCount));
    return book!.rowCount;
  });
}

/** The same workbook from rows already in memory (the demo's PGlite path, and the benchmark's baseline). */
export async function writeXlsx(
  out: Writable,
  columns: readonly ExportColumn[],
  rows: readonly TextRow[],
  shape: XlsxShape,
): Promise<number> {
  const book = new XlsxWriter(out, columns, { wallClock: shape.wallClock, rowsPerSheet: shape.rowsPerSheet });
  await book.start();
  const BATCH = 1000;
  for (let i = 0; i < rows.length; i += BATCH) await book.addRows(rows.slice(i, i + BATCH));
  await book.finish(shape.about(book.rowCount));
  return book.rowCount;
}
