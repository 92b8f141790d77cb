import type { Queryable } from "../../src/storage/database.js";

/**
 * The client's side of the audit log's promise (PRODUCT.md §3, invariant 5; issue 21): every embed URL
 * and every export a client received was written to the audit log before it left. The client records
 * what it was delivered under the request id the gateway answered with (`X-Request-Id`, also the audit
 * row's `request_id`); at the end, the ledger is matched against the log:
 *
 * - a delivery without its row is a broken promise (must be none);
 * - a row without a delivery is a lost acknowledgement (the row was written, then the answer failed
 *   or never reached the client): counted, and allowed;
 * - an anonymous public page served whole from the page cache (issue 20; `Cache-Control: public`) hands
 *   out again the token of the rendering it keeps, issued and audited once, under that rendering's
 *   request id: such a delivery is matched against the row of the token's first delivery. Public
 *   dashboards carry no lock, and the cache keeps a page at most half a token's life.
 *
 * Only HTTP answers and the audit table are read, so a soak driving separate gateway processes can use
 * it as the fault suite does.
 */
export type DeliveredAction = "embed.token_issued" | "export.data";

export interface Delivery {
  action: DeliveredAction;
  requestId: string;
  /** What was asked, for the report (`GET /api/dashboards/pass-iae/embed`). */
  what: string;
  /** A cached public page's token: the request id under which the same token was first delivered. */
  firstDeliveredAs?: string;
}

export interface LedgerReport {
  delivered: number;
  /** Deliveries whose row is not in the log: must be empty. */
  missing: Delivery[];
  /** Rows of the watched actions whose answer no client received. */
  undelivered: number;
}

export interface AuditRowRef {
  action: string;
  requestId: string | null;
}

/** Pure: what the ledger says against the rows written since it started. */
export function matchDeliveries(deliveries: readonly Delivery[], rows: readonly AuditRowRef[]): LedgerReport {
  const written = new Set(rows.map((row) => `${row.action} ${row.requestId ?? ""}`));
  const delivered = new Set(deliveries.map((d) => `${d.action} ${d.requestId}`));
  const watched = new Set(deliveries.map((d) => d.action));
  return {
    delivered: deliveries.length,
    missing: deliveries.filter(
      (d) =>
        !written.has(`${d.action} ${d.requestId}`) &&
        !(d.firstDeliveredAs !== undefined && written.has(`${d.action} ${d.firstDeliveredAs}`)),
    ),
    undelivered: rows.filter(
      (row) =>
        watched.has(row.action as DeliveredAction) && !delivered.has(`${row.action} ${row.requestId ?? ""}`),
    ).length,
  };
}

/** An embed URL in a page or a JSON answer: the proof that a token left. */
const EMBED_URL = /\/embed\/dashboard\/ey[\w-]+\.[\w-]+\.[\w-]+/;

export class DeliveryLedger {
  readonly deliveries: Delivery[] = [];
  private firstRowId = 0;
  /** Each embed URL delivered, with the request id of its first delivery. */
  private readonly firstDeliveries = new Map<string, string>();

  /** Remembers where the log stands, so that rows of earlier tests are left out. */
  async start(db: Queryable): Promise<void> {
    const { rows } = await db.query<{ id: string | null }>("SELECT max(id) AS id FROM audit_log");
    this.firstRowId = Number(rows[0]?.id ?? 0);
  }

  /**
   * Records an answer if it delivered a token or an export: a 200 whose body holds a signed embed URL,
   * or a 200 export (its body was read to the end by the caller).
   */
  record(
    what: string,
    answer: { status: number; headers: Headers; body: string },
    kind: "embed" | "export",
  ): void {
    if (answer.status !== 200) return;
    const requestId = answer.headers.get("x-request-id");
    if (!requestId) throw new Error(`${what}: a 200 without X-Request-Id`);
    if (kind === "export") {
      this.deliveries.push({ action: "export.data", requestId, what });
      return;
    }
    const url = EMBED_URL.exec(answer.body)?.[0];
    if (url === undefined) return;
    const first = this.firstDeliveries.get(url);
    if (first === undefined) this.firstDeliveries.set(url, requestId);
    const cachedPublicPage = /^public\b/.test(answer.headers.get("cache-control") ?? "");
    this.deliveries.push({
      action: "embed.token_issued",
      requestId,
      what,
      ...(cachedPublicPage && first !== undefined ? { firstDeliveredAs: first } : {}),
    });
  }

  async report(db: Queryable): Promise<LedgerReport> {
    const { rows } = await db.query<{ action: string; request_id: string | null }>(
      "SELECT action, request_id FROM audit_log WHERE id > $1 AND action IN ('embed.token_issued', 'export.data')",
      [this.firstRowId],
    );
    return matchDeliveries(
      this.deliveries,
      rows.map((row) => ({ action: row.action, requestId: row.request_id })),
    );
  }
}
