import { AsyncResource } from "node:async_hooks";
import { currentDeadline } from "../deadline.js";
import type { Queryable } from "../storage/database.js";
import { ClientTimeout, translateFailure, within } from "../storage/postgres-limits.js";
import { auditParams, AUDIT_COLUMN_LIST, type AuditEntry } from "./audit-log.js";

/**
 * Group commit of audit rows (PRODUCT.md §3, invariant 5, at the service's volume): concurrent requests
 * share one multi-row INSERT, one round trip and one commit, instead of one each. A row that comes while
 * no batch is being written goes at the end of the event loop's current turn (setImmediate), with every
 * row that came in that turn: requests whose session reads Redis answered together reach here together
 * (a lone request waits for nothing but the turn's end); the rows that come while a batch is being
 * written wait for it to end and go together in the next one.
 *
 * Still fail closed: a request's promise resolves only once the statement holding its row has committed,
 * and a batch that fails rejects every request in it, with the same error. Each row may carry a condition
 * checked in that same statement (a dashboard still verified, say): a row whose condition does not hold
 * is not written and its request gets `undefined`, as with writeAuditIf.
 *
 * The statement runs outside any request's context (its deadline, its client going away): a batch is
 * shared, so one request's end must not cut the others'. Each request still waits no longer than its own
 * deadline (a 503 then, as for any statement); its row may be committed after it gave up — an audit row
 * for a URL that never left, never the reverse.
 */

/**
 * A condition checked for one row, in the statement that writes it. Its SQL reads the row's own values,
 * given as text, as `r.c1`, `r.c2`… (cast them as needed); rows are batched with others of the same SQL.
 */
export interface RowCondition {
  sql: string;
  values: readonly string[];
}

const ALWAYS: RowCondition = { sql: "true", values: [] };

interface Pending {
  /** The row as a JSON object: its columns, then its condition's values as c1, c2… */
  document: string;
  resolve(id: number | undefined): void;
  reject(error: unknown): void;
}

interface Shape {
  statement: string;
  queue: Pending[];
  writing: boolean;
}

/** Rows of one statement, at most: a larger queue is written in several batches. */
const MAX_ROWS = 200;
const JSON_COLUMNS: ReadonlySet<string> = new Set(["locked_values", "details"]);

/**
 * The batch travels as one JSON array of rows, read back by `jsonb_to_recordset`. Sent as a dozen text
 * arrays (one per column) it made Postgres plan the statement again at each execution: 285–300 µs of
 * its CPU per batch of three rows, against 155–165 µs this way and 95–100 µs for a lone plain INSERT
 * (docs/performance.md, fourth round).
 */
function batchStatement(condition: string, arity: number): string {
  const conditionColumns = Array.from({ length: arity }, (_, i) => `c${i + 1}`);
  const columns = [...AUDIT_COLUMN_LIST, ...conditionColumns];
  const typed = columns.map((c) => `${c} ${JSON_COLUMNS.has(c) ? "jsonb" : "text"}`).join(", ");
  // `checked` is read twice, so Postgres evaluates it once: the ids drawn there are those written.
  return `WITH checked AS MATERIALIZED (
  SELECT r.*, CASE WHEN ${condition} THEN nextval('audit_log_id_seq'::regclass) END AS id
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (${typed}))
      WITH ORDINALITY AS r(${columns.join(", ")}, ord)
), written AS (
  INSERT INTO audit_log (id, ${AUDIT_COLUMN_LIST.join(", ")})
  SELECT id, ${AUDIT_COLUMN_LIST.join(", ")} FROM checked WHERE id IS NOT NULL ORDER BY ord
)
SELECT ord, id FROM checked ORDER BY ord`;
}

/**
 * One row as a JSON object. Text as Postgres would store it from UTF-8 (a lone surrogate becomes U+FFFD,
 * as when it is sent as a parameter); the JSON columns as the JSON text auditParams made of them.
 */
function rowDocument(params: readonly unknown[], values: readonly string[]): string {
  const fields = AUDIT_COLUMN_LIST.map((column, i) => {
    const value = params[i];
    if (JSON_COLUMNS.has(column)) return `"${column}":${value as string}`;
    return `"${column}":${value === null || value === undefined ? "null" : JSON.stringify(String(value).toWellFormed())}`;
  });
  values.forEach((value, i) => fields.push(`"c${i + 1}":${JSON.stringify(value.toWellFormed())}`));
  return `{${fields.join(",")}}`;
}

export interface AuditBatcher {
  /** Writes `entry` if `condition` holds, with the rows of concurrent requests; its id, or undefined. */
  write(entry: AuditEntry, condition?: RowCondition): Promise<number | undefined>;
}

export function createAuditBatcher(db: Queryable, options: { maxRows?: number } = {}): AuditBatcher {
  const maxRows = options.maxRows ?? MAX_ROWS;
  const shapes = new Map<string, Map<number, Shape>>();
  // Bound here, where the batcher is built (at start-up, outside any request): batches run in that context.
  const atTurnEnd = AsyncResource.bind((work: () => Promise<void>) => void setImmediate(() => void work()));

  async function flush(shape: Shape): Promise<void> {
    shape.writing = true;
    while (shape.queue.length > 0) {
      const batch = shape.queue.splice(0, maxRows);
      const documents = `[${batch.map((row) => row.document).join(",")}]`;
      try {
        const { rows } = await db.query<{ ord: string; id: string | null }>(shape.statement, [documents], {
          prepare: true,
        });
        batch.forEach((row, i) => {
          const id = rows[i]?.id;
          row.resolve(id === null || id === undefined ? undefined : Number(id));
        });
      } catch (error) {
        for (const row of batch) row.reject(error);
      }
    }
    shape.writing = false;
  }

  return {
    write(entry, condition = ALWAYS) {
      // By the condition's SQL (a constant: its hash is kept by the string), then its arity.
      let byArity = shapes.get(condition.sql);
      if (!byArity) shapes.set(condition.sql, (byArity = new Map()));
      let shape = byArity.get(condition.values.length);
      if (!shape) {
        shape = {
          statement: batchStatement(condition.sql, condition.values.length),
          queue: [],
          writing: false,
        };
        byArity.set(condition.values.length, shape);
      }
      const document = rowDocument(auditParams(entry), condition.values);
      const written = new Promise<number | undefined>((resolve, reject) =>
        shape.queue.push({ document, resolve, reject }),
      );
      if (!shape.writing) {
        const current = shape;
        current.writing = true;
        atTurnEnd(() => flush(current));
      }
      const deadline = currentDeadline();
      if (!deadline) return written;
      return within(written, deadline.remainingMs(), deadline.signal, () => new ClientTimeout("query")).catch(
        (error: unknown) => {
          throw translateFailure("gateway_database", error);
        },
      );
    },
  };
}
