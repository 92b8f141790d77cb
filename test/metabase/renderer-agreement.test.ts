import assert from "node:assert/strict";
import { anchorDashboard, cutoffDay, type Catalog } from "../../src/catalog/index.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { readStoredObjects } from "../../src/metabase/object-map.js";
import type { Database } from "../../src/storage/database.js";
import type { Day } from "../../src/template/index.js";
import { readLoadMarker } from "../../src/warehouse/load-marker.js";
import { signToken } from "../metabase-contract/client.js";
import { testContent } from "../support/app.js";
import { documentedAccess, documentedProfile } from "../support/demo-profiles.js";
import { withDocumentedTerritories } from "../support/documented-territories.js";
import { gatewayRenderer } from "../support/gateway-renderer.js";
import {
  metabaseRenderer,
  type MetabaseTestServer,
  type NativeRenderer,
} from "../support/metabase-server/index.js";
import { startAppliedMetabase } from "../support/applied-catalog.js";
import { openTestWarehouse } from "../support/warehouse-database.js";

/**
 * Issue 16, §6: the repository's catalogue applied into the Metabase test server by `pilotage apply`, then every
 * dashcard of every dashboard each demo account may open, queried through static embedding with the values the
 * gateway signs — once with the test server's own renderer (its reading of Metabase's source), once with the
 * gateway's (`src/template/`). Both must answer the same rows: where they did not, one of them misreads
 * Metabase's template language on a query the product actually runs.
 */

interface CardAnswer {
  status?: string;
  error?: string;
  data?: { rows: unknown[][] };
}

describe("the catalogue's dashcards under both renderers of the Metabase test server", function () {
  this.timeout(180_000);
  let gatewayDb: Database;
  let closeMetabase: () => Promise<void>;
  let warehouse: Database;
  let metabase: MetabaseTestServer;
  let catalog: Catalog;
  let cutoff: Day;
  let active: NativeRenderer = metabaseRenderer;

  before(async () => {
    catalog = (await testContent()).catalog;
    warehouse = await openTestWarehouse();
    cutoff = cutoffDay((await readLoadMarker(warehouse))?.cutoffDate)!;
    ({
      gatewayDb,
      metabase,
      close: closeMetabase,
    } = await startAppliedMetabase("agree_gw", {
      warehouse,
      render: (input) => active(input),
    }));
  });

  after(async () => {
    await closeMetabase?.();
    await warehouse?.close();
  });

  async function query(path: string, renderer: NativeRenderer): Promise<CardAnswer> {
    active = renderer;
    const res = await fetch(`${metabase.url}${path}`);
    assert.equal(res.status, 202, path);
    return (await res.json()) as CardAnswer;
  }

  it("answers every dashcard, for every demo account, with the same rows whichever renderer runs", async () => {
    const dashboardIds = new Map(
      (await readStoredObjects(gatewayDb))
        .filter((o) => o.model === "dashboard")
        .map((o) => [o.key, o.metabaseId]),
    );
    let compared = 0;
    let nonEmpty = 0;
    for (const account of DEMO_ACCOUNTS) {
      const profile = await withDocumentedTerritories(documentedProfile(account.email), warehouse);
      for (const dashboard of catalog.dashboards) {
        const access = documentedAccess(profile, dashboard);
        if (!access.allowed) continue;
        const token = signToken(metabase.embeddingSecretKey!, {
          resource: { dashboard: dashboardIds.get(dashboard.key) },
          params: access.locks,
          exp: Math.floor(Date.now() / 1000) + 600,
        });
        // The iframe's starting values, as the gateway puts them in its URL (relative periods read against the
        // warehouse's cut-off), then none at all.
        const defaults = new URLSearchParams();
        for (const p of anchorDashboard(dashboard, cutoff).parameters) {
          if (p.locked || p.default === undefined || p.default === null) continue;
          for (const value of [p.default].flat()) defaults.append(p.slug, String(value));
        }
        const shown = await fetch(`${metabase.url}/api/embed/dashboard/${token}`);
        assert.equal(shown.status, 200, `${account.email} × ${dashboard.key}`);
        const { dashcards } = (await shown.json()) as { dashcards: Array<{ id: number; card_id: number }> };
        for (const search of [defaults.toString(), ""]) {
          for (const dashcard of dashcards) {
            const path = `/api/embed/dashboard/${token}/dashcard/${dashcard.id}/card/${dashcard.card_id}${search ? `?${search}` : ""}`;
            const where = `${account.email} × ${dashboard.key} × card ${dashcard.card_id} ?${search}`;
            const ours = await query(path, metabaseRenderer);
            const gateway = await query(path, gatewayRenderer);
            assert.equal(ours.status, "completed", `${where}: ${ours.error}`);
            assert.deepEqual(gateway, { ...ours, ...pick(gateway, ["started_at", "running_time"]) }, where);
            compared++;
            if ((ours.data?.rows.length ?? 0) > 0) nonEmpty++;
          }
        }
      }
    }
    assert.ok(compared >= 150, `compared ${compared} dashcard queries`);
    assert.ok(nonEmpty >= compared * 0.8, `${nonEmpty} of ${compared} had rows`);
  });
});

function pick(answer: object, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(answer).filter(([k]) => keys.includes(k)));
}
