import assert from "node:assert/strict";
import jwt from "jsonwebtoken";
import { readAudit } from "../../src/audit/audit-log.js";
import {
  createEmbedService,
  DashboardNotVerifiedError,
  MetabaseNotConfiguredError,
  PreviewEmbedError,
  type EmbedDashboard,
} from "../../src/embed/embed-service.js";
import type { AppError } from "../../src/errors.js";
import { clearVerified, markVerified, recordBinding } from "../../src/metabase/object-map.js";
import type { Database } from "../../src/storage/database.js";
import { openMigratedGateway, type MigratedGateway } from "../support/gateway-database.js";

const SECRET = "ab".repeat(32);
const NOW = new Date("2026-11-29T10:00:00Z");
const dashboard: EmbedDashboard = {
  key: "candidatures",
  public: false,
  audiences: ["ddets"],
  contentVersion: "v1",
  parameters: [
    { slug: "departement", locked: "departements" },
    { slug: "annee", default: "2026" },
  ],
};
const viewer = {
  sub: "sub-1",
  email: "agent.ddets93@demo.pilotage.test",
  kind: "ddets" as const,
  organisationRef: "institution:1",
  perimeter: { departements: ["93"], region: "11" },
  preview: false,
};

describe("embed service", () => {
  let fresh: MigratedGateway;
  let db: Database;
  before(async () => {
    fresh = await openMigratedGateway("embed");
    ({ db } = fresh);
  });
  /** What `pilotage apply` records: the dashboard bound to a Metabase id, its lock contract verified. */
  async function bind(metabaseId: number, verifiedVersion: string | null = dashboard.contentVersion) {
    await recordBinding(db, {
      model: "dashboard",
      key: dashboard.key,
      metabaseId,
      entityId: null,
      contentVersion: dashboard.contentVersion,
      embeddingParams: { departement: "locked", annee: "enabled" },
    });
    if (verifiedVersion) await markVerified(db, dashboard.key, verifiedVersion);
    else await clearVerified(db, dashboard.key);
  }
  beforeEach(() => bind(42));
  after(async () => {
    await db.close();
    await fresh.drop();
  });

  const service = () =>
    createEmbedService({
      db,
      siteUrl: "https://stats.example.gouv.fr",
      secretKey: SECRET,
      ttlSeconds: 600,
      now: () => NOW,
    });
  const tokenOf = (url: string) => url.split("/embed/dashboard/")[1]!.split(/[?#]/)[0]!;
  const resourceOf = (url: string) =>
    (jwt.decode(tokenOf(url)) as { resource: { dashboard: number } }).resource.dashboard;
  const issuedRows = async () => (await readAudit(db, { action: "embed.token_issued" })).length;

  it("issues a URL for a verified dashboard and audits the token before returning it", async () => {
    const issued = await service().issue(dashboard, viewer, "req-1");
    const token = tokenOf(issued.url);
    assert.deepEqual(jwt.verify(token, SECRET, { clockTimestamp: NOW.getTime() / 1000 }), {
      resource: { dashboard: 42 },
      params: { departement: ["93"] },
      exp: NOW.getTime() / 1000 + 600,
      iat: NOW.getTime() / 1000,
    });
    const [row] = await readAudit(db, { action: "embed.token_issued" });
    assert.deepEqual(
      {
        actorEmail: row?.actorEmail,
        profileKind: row?.profileKind,
        organisationId: row?.organisationId,
        resourceKey: row?.resourceKey,
        resourceId: row?.resourceId,
        lockedValues: row?.lockedValues,
        details: row?.details,
        requestId: row?.requestId,
      },
      {
        actorEmail: viewer.email,
        profileKind: "ddets",
        organisationId: "institution:1",
        resourceKey: "candidatures",
        resourceId: "42",
        lockedValues: { departement: ["93"] },
        details: { expiresAt: "2026-11-29T10:10:00.000Z", preview: false, public: false },
        requestId: "req-1",
      },
    );
  });

  it("signs only a dashboard verified for its current content version", async () => {
    await bind(42, "v0");
    const before = await issuedRows();
    await assert.rejects(service().issue(dashboard, viewer), DashboardNotVerifiedError);
    await bind(42, null);
    await assert.rejects(service().issue(dashboard, viewer), DashboardNotVerifiedError);
    assert.equal(await issuedRows(), before, "nothing audited, nothing issued");
    await bind(42);
    assert.equal(resourceOf((await service().issue(dashboard, viewer)).url), 42);
  });

  it("stops at once when a plan finds the contract broken, though it remembers the id", async () => {
    const embed = service();
    await embed.issue(dashboard, viewer);
    const before = await issuedRows();
    assert.equal(await clearVerified(db, dashboard.key), true);
    await assert.rejects(embed.issue(dashboard, viewer), DashboardNotVerifiedError);
    assert.equal(await issuedRows(), before);
    await bind(42);
    assert.equal(resourceOf((await embed.issue(dashboard, viewer)).url), 42);
  });

  it("follows a dashboard bound again to another Metabase id", async () => {
    const embed = service();
    assert.equal(resourceOf((await embed.issue(dashboard, viewer)).url), 42);
    await bind(77);
    const issued = await embed.issue(dashboard, viewer);
    assert.equal(resourceOf(issued.url), 77);
    const [row] = await readAudit(db, { action: "embed.token_issued", limit: 1 });
    assert.equal(row?.resourceId, "77", "the audit row names the id the token was signed for");
  });

  it("refuses a profile outside the audience before anything is signed", async () => {
    const before = (await readAudit(db)).length;
    await assert.rejects(
      service().issue(dashboard, { ...viewer, kind: "conseil_departemental" }),
      (error: unknown) => (error as { status?: number }).status === 403,
    );
    assert.equal((await readAudit(db)).length, before);
  });

  it("never signs a région for a perimeter that is not exactly one région: 403, nothing audited", async () => {
    // A dashboard validate would refuse (lock.region-scope), served anyway: the signer still says no.
    const regional: EmbedDashboard = {
      ...dashboard,
      audiences: ["ddets", "dreets"],
      parameters: [{ slug: "region", locked: "region" }],
    };
    const before = (await readAudit(db)).length;
    await assert.rejects(service().issue(regional, viewer), (error: unknown) => {
      assert.deepEqual(
        { status: (error as AppError).status, message: (error as AppError).publicMessage },
        { status: 403, message: "Vous n'avez pas accès à ce tableau de bord." },
      );
      return true;
    });
    assert.equal((await readAudit(db)).length, before);
    const idf = ["75", "77", "78", "91", "92", "93", "94", "95"];
    const issued = await service().issue(regional, {
      ...viewer,
      kind: "dreets",
      perimeter: { departements: idf, region: "11" },
    });
    assert.deepEqual((jwt.decode(tokenOf(issued.url)) as { params: unknown }).params, {
      region: "Île-de-France",
    });
  });

  it("signs nothing during a staff preview: Metabase's frame has downloads the preview forbids", async () => {
    const before = (await readAudit(db)).length;
    await assert.rejects(service().issue(dashboard, { ...viewer, preview: true }), (error: unknown) => {
      assert.ok(error instanceof PreviewEmbedError);
      assert.deepEqual({ status: error.status, code: error.code }, { status: 403, code: "preview_embed" });
      return true;
    });
    assert.equal((await readAudit(db)).length, before);
  });

  it("refuses without Metabase configured", async () => {
    const unconfigured = createEmbedService({
      db,
      siteUrl: undefined,
      secretKey: undefined,
      ttlSeconds: 600,
    });
    assert.equal(unconfigured.enabled, false);
    await assert.rejects(unconfigured.issue(dashboard, viewer), MetabaseNotConfiguredError);
  });

  it("returns no URL when the audit row cannot be written (fail closed)", async () => {
    await db.exec("ALTER TABLE audit_log ADD CONSTRAINT audit_refuses_everything CHECK (false) NOT VALID");
    try {
      await assert.rejects(service().issue(dashboard, viewer), /audit_refuses_everything/);
    } finally {
      await db.exec("ALTER TABLE audit_log DROP CONSTRAINT audit_refuses_everything");
    }
  });
});
