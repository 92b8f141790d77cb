import assert from "node:assert/strict";
import { DeliveryLedger, matchDeliveries } from "../support/audit-ledger.js";

/**
 * The ledger the fault suite and the soak match against the audit log (invariant 5): a token delivered
 * without its row is reported, except a cached anonymous public page handing out again the token its
 * first rendering delivered (and the log recorded) — and only that.
 */
describe("the delivery ledger", () => {
  const URL_A = "https://mb.test/embed/dashboard/eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.c2lnbmF0dXJl#bordered=false";
  const answer = (requestId: string, cacheControl: string, body = `<iframe src="${URL_A}">`) => ({
    status: 200,
    headers: new Headers({ "x-request-id": requestId, "cache-control": cacheControl }),
    body,
  });
  const rows = (...ids: string[]) => ids.map((requestId) => ({ action: "embed.token_issued", requestId }));

  it("matches a cached public page's token against the row of its first delivery", () => {
    const ledger = new DeliveryLedger();
    ledger.record("first rendering", answer("r1", "public, max-age=60"), "embed");
    ledger.record("from the cache", answer("r2", "public, max-age=60"), "embed");
    assert.deepEqual(matchDeliveries(ledger.deliveries, rows("r1")), {
      delivered: 2,
      missing: [],
      undelivered: 0,
    });
    // Without the first rendering's row, both are missing.
    assert.deepEqual(
      matchDeliveries(ledger.deliveries, []).missing.map((d) => d.requestId),
      ["r1", "r2"],
    );
  });

  it("never lets a private answer lean on another's row, even for the same token", () => {
    const ledger = new DeliveryLedger();
    ledger.record("person A", answer("r1", "private, no-store"), "embed");
    ledger.record("person B", answer("r2", "private, no-store"), "embed");
    assert.deepEqual(
      matchDeliveries(ledger.deliveries, rows("r1")).missing.map((d) => d.requestId),
      ["r2"],
    );
  });
});
