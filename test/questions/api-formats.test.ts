import assert from "node:assert/strict";
import path from "node:path";
import { createApp } from "../../src/app.js";
import { readAudit, type AuditRow } from "../../src/audit/audit-log.js";
import { loadCatalog, type Catalog } from "../../src/catalog/index.js";
import { ApiErrorSchema } from "../../src/questions/api-schemas.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { readLoadMarker } from "../../src/warehouse/load-marker.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { loginAs, type Browser } from "../support/login.js";
import { readWorkbook, sheetValues } from "../support/xlsx.js";

/**
 * The French CSV and the XLSX through the API (issue 17): the same locks, audit rows, preview refusal and
 * limits as the RFC 4180 CSV (api.test.ts), their own file type and name, and the information sheet.
 */

const DDETS = "agent.ddets93@demo.pilotage.test";
const ADMIN = "admin@demo.pilotage.test";
const ETP = "iae/etp-realises-par-structure";
const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/export-catalog");
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async function read(response: Response) {
  return {
    status: response.status,
    headers: response.headers,
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

function errorOf(bytes: Buffer) {
  const { requestId: _, ...rest } = ApiErrorSchema.parse(JSON.parse(bytes.toString("utf8")));
  return rest;
}

async function lastExportAudits(stack: LoginStack, n: number): Promise<AuditRow[]> {
  const all = await readAudit(stack.testStack.deps.db, { limit: 1000 });
  return all
    .filter((r) => r.action.startsWith("export."))
    .sort((a, b) => a.id - b.id)
    .slice(-n);
}

/** CSV records, quote-aware (a quoted field may hold the delimiter or a line break). */
function csvRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) (record.push(field), (field = ""));
    else if (c === "\n") (record.push(field), records.push(record), (record = []), (field = ""));
    else field += c;
  }
  return records;
}

/** The synthetic reference's bassins d'emploi of the 93, in the order locks list them (by name). */
const BASSINS_93 = ["9302", "9301", "9303"];

describe("questions API: French CSV and XLSX (issue 17)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let catalog: Catalog;
  let ddets: Browser;

  before(async () => {
    stack = await startLoginStack({ env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" } });
    catalog = (await testContent()).catalog;
    ddets = await loginAs(stack.baseUrl, DDETS);
  });
  after(() => stack.close());

  it("gives the DDETS 93 the same rows in RFC 4180, French CSV and XLSX, each audited with its format", async () => {
    const base = `${stack.baseUrl}/api/questions/${ETP}/data?annee=2025`;
    const rfc = await read(await ddets.get(`${base}&format=csv`));
    const french = await read(await ddets.get(`${base}&format=csv&dialect=excel-fr`));
    assert.equal(french.status, 200);
    assert.equal(french.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.match(
      french.headers.get("content-disposition")!,
      /^attachment; filename=iae-etp-realises-par-structure_93-seine-saint-denis_\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const [frenchData, frenchDone] = await lastExportAudits(stack, 2);
    assert.deepEqual(frenchData?.details, {
      format: "csv",
      dialect: "excel-fr",
      parameters: { annee: 2025 },
      dashboards: ["etp-conventionnes-et-realises"],
    });
    // The question supports narrowing (issue 19): its bassin lock holds every bassin of the 93, by name.
    assert.deepEqual(frenchData?.lockedValues, { bassin: BASSINS_93, departement: ["93"] });
    assert.equal(frenchDone?.action, "export.completed");

    const xlsx = await read(await ddets.get(`${base}&format=xlsx`));
    assert.equal(xlsx.status, 200);
    assert.equal(xlsx.headers.get("content-type"), XLSX_TYPE);
    assert.equal(xlsx.headers.get("cache-control"), "no-store");
    assert.match(
      xlsx.headers.get("content-disposition")!,
      /^attachment; filename=iae-etp-realises-par-structure_93-seine-saint-denis_\d{4}-\d{2}-\d{2}\.xlsx$/,
    );
    const [xlsxData, xlsxDone] = await lastExportAudits(stack, 2);
    assert.equal(xlsxData?.action, "export.data");
    assert.deepEqual(xlsxData?.details, {
      format: "xlsx",
      parameters: { annee: 2025 },
      dashboards: ["etp-conventionnes-et-realises"],
    });
    assert.deepEqual(xlsxData?.lockedValues, { bassin: BASSINS_93, departement: ["93"] });

    const rfcRows = csvRecords(rfc.bytes.toString("utf8").slice(1), ",");
    const frenchRows = csvRecords(french.bytes.toString("utf8").slice(1), ";");
    const workbook = await readWorkbook(xlsx.bytes);
    const sheet = sheetValues(workbook.getWorksheet("Données")!);
    assert.ok(rfcRows.length > 2, "the DDETS 93 has conventioned structures");
    assert.equal(frenchRows.length, rfcRows.length);
    assert.equal(sheet.length, rfcRows.length);
    assert.deepEqual(xlsxDone?.details, {
      export_audit_id: xlsxData!.id,
      format: "xlsx",
      row_count: rfcRows.length - 1,
      bytes: xlsx.bytes.length,
    });
    // Every row of the département's data, none of another: the département column says 93.
    const column = rfcRows[0]!.findIndex((c) => /departement/.test(c));
    assert.deepEqual([...new Set(sheet.slice(1).map((r) => r[column]))], ["93 - Seine-Saint-Denis"]);
  });

  it("says in the XLSX what the rows are: question, perimeter, locks, filters, freshness, extraction", async () => {
    const xlsx = await read(
      await ddets.get(`${stack.baseUrl}/api/questions/${ETP}/data?format=xlsx&annee=2025`),
    );
    const about = sheetValues((await readWorkbook(xlsx.bytes)).getWorksheet("Informations")!);
    const question = catalog.questions.find((q) => q.key === ETP)!;
    const marker = await readLoadMarker(stack.testStack.deps.warehouse);
    assert.ok(marker, "the test warehouse is seeded, with its load marker");
    const rows = sheetValues((await readWorkbook(xlsx.bytes)).getWorksheet("Données")!).length - 1;
    const extraction = about.find((r) => r[0] === "Date d'extraction (heure de Paris)")?.[1];
    assert.ok(extraction instanceof Date && Math.abs(extraction.getTime() - Date.now()) < 3 * 86_400_000);
    assert.deepEqual(
      about.filter((r) => r[0] !== "Date d'extraction (heure de Paris)"),
      [
        ["Question", question.name],
        ...(question.description ? [["Description", question.description]] : []),
        ["Identifiant de la question", ETP],
        ["Version de la question", question.contentVersion],
        ["Périmètre", "93 - Seine-Saint-Denis"],
        ["Filtre verrouillé sur votre périmètre : Département", "93"],
        ["Filtre verrouillé sur votre périmètre : Bassin d'emploi", BASSINS_93.join(", ")],
        ["Filtre choisi : Année", "2025"],
        ["Données arrêtées au", new Date(`${marker.cutoffDate}T00:00:00Z`)],
        ["Source des données", marker.source],
        ["Lignes exportées", rows],
      ],
    );
  });

  it("refuses a dialect outside CSV, an unknown dialect or format, before any audit", async () => {
    const before = (await lastExportAudits(stack, 1))[0]?.id;
    const cases: Array<[string, Record<string, unknown>]> = [
      [
        "format=json&dialect=excel-fr",
        {
          error: "bad_request",
          message: "Le paramètre « dialect » ne s'applique qu'au format csv.",
          parameter: "dialect",
        },
      ],
      [
        "format=xlsx&dialect=rfc4180",
        {
          error: "bad_request",
          message: "Le paramètre « dialect » ne s'applique qu'au format csv.",
          parameter: "dialect",
        },
      ],
      [
        "format=csv&dialect=excel",
        {
          error: "bad_request",
          message: "Le paramètre « dialect » attend rfc4180 ou excel-fr.",
          parameter: "dialect",
        },
      ],
      [
        "format=ods",
        {
          error: "bad_request",
          message: "Le paramètre « format » attend csv, json ou xlsx.",
          parameter: "format",
        },
      ],
    ];
    for (const [query, body] of cases) {
      const response = await read(await ddets.get(`${stack.baseUrl}/api/questions/${ETP}/data?${query}`));
      assert.equal(response.status, 400, query);
      assert.deepEqual(errorOf(response.bytes), body, query);
    }
    assert.equal((await lastExportAudits(stack, 1))[0]?.id, before, "a refused request is no export");
  });

  it("refuses XLSX and French CSV during a staff preview", async () => {
    const admin = await loginAs(stack.baseUrl, ADMIN);
    await admin.submit(`${stack.baseUrl}/admin/apercu`, { profil: "ddets", departement: "93" });
    try {
      for (const query of ["format=xlsx", "format=csv&dialect=excel-fr"]) {
        const refused = await read(await admin.get(`${stack.baseUrl}/api/questions/${ETP}/data?${query}`));
        assert.equal(refused.status, 403, query);
        assert.equal(errorOf(refused.bytes).error, "preview_export");
      }
    } finally {
      await admin.submit(`${stack.baseUrl}/admin/apercu/quitter`, {});
    }
  });

  it("counts XLSX and French CSV in the same rate limit as every export", async () => {
    const redis = stack.testStack.deps.redis!;
    const clear = async () => {
      const keys = await redis.keys("pilotage:rl:export*");
      if (keys.length > 0) await redis.del(...keys);
    };
    await clear();
    const deps = stack.testStack.deps;
    const limited = await startServer(
      createApp({
        ...deps,
        config: { ...deps.config, export: { ...deps.config.export, rateLimitPerMinute: 2 } },
      }),
      0,
      "127.0.0.1",
    );
    try {
      const path = `${limited.url}/api/questions/${ETP}/data`;
      assert.equal((await read(await ddets.get(`${path}?format=xlsx`))).status, 200);
      assert.equal((await read(await ddets.get(`${path}?format=csv&dialect=excel-fr`))).status, 200);
      const refused = await read(await ddets.get(`${path}?format=xlsx`));
      assert.equal(refused.status, 429);
      assert.equal(errorOf(refused.bytes).error, "rate_limited");
    } finally {
      await limited.stop(1000);
      await clear();
    }
  });

  describe("limits", () => {
    let server: RunningServer;
    before(async () => {
      const deps = stack.testStack.deps;
      server = await startServer(
        createApp({
          ...deps,
          catalog: await loadCatalog(FIXTURE),
          config: {
            ...deps.config,
            export: { ...deps.config.export, rowCap: 1000, statementTimeoutSeconds: 1 },
          },
        }),
        0,
        "127.0.0.1",
      );
    });
    after(() => server.stop(1000));
    const url = (key: string, query: string) => `${server.url}/api/questions/essais/${key}/data?${query}`;

    it("answers 422 when the timeout comes before the first byte", async () => {
      for (const query of ["format=xlsx", "format=csv&dialect=excel-fr"]) {
        const response = await read(await fetch(url("lente-avant-le-premier-octet", query)));
        assert.equal(response.status, 422, query);
        assert.equal(response.headers.get("content-disposition"), null);
        assert.equal(errorOf(response.bytes).error, "export_timeout");
      }
    });

    it("cuts an XLSX past the row cap or the timeout once it started: never a file that looks whole", async () => {
      // The cursor's first batch (500 rows) starts the workbook; the cap (1,000) or the timeout (row 900)
      // comes after it.
      for (const key of ["trop-de-lignes", "lente-en-cours-de-route"]) {
        const response = await fetch(url(key, "format=xlsx"));
        assert.equal(response.status, 200, key);
        await assert.rejects(response.arrayBuffer(), key);
        const [, failed] = await lastExportAudits(stack, 2);
        assert.equal(failed?.action, "export.failed");
        assert.equal(failed?.details.reason, key === "trop-de-lignes" ? "row_cap" : "timeout");
      }
    });
  });
});
