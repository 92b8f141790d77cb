import assert from "node:assert/strict";
import http from "node:http";
import path from "node:path";
import { createApp } from "../../src/app.js";
import { readAudit, type AuditRow } from "../../src/audit/audit-log.js";
import { loadCatalog, type Catalog } from "../../src/catalog/index.js";
import type { Config } from "../../src/config.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { ApiErrorSchema, ExportJsonSchema, QuestionListSchema } from "../../src/questions/api-schemas.js";
import { UTF8_BOM } from "../../src/questions/export-error.js";
import { startServer, type RunningServer } from "../../src/server.js";
import type { Database } from "../../src/storage/database.js";
import { testContent } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { browserPerAccount } from "../support/login.js";
import { getWithBody, tamperedBodies, tamperedQueries } from "../support/tampering.js";
import { ownUnknownAccount } from "../support/unknown-account.js";
import { documentedBassins } from "../support/documented-territories.js";

/**
 * Issue 10 through the real login: `/api/questions` and `/api/questions/{key}/data` — listings, bad
 * input, tampering, staff preview, the audit written before the first byte (and no byte without it), the
 * rate limit shared by two gateways through Redis, and the row cap and statement timeout ending an export
 * explicitly. The leak check over every demo account × question is in leak-check.test.ts.
 */

const DDETS = "agent.ddets93@demo.pilotage.test";
const DREETS = "agent.dreets-idf@demo.pilotage.test";
const EMPLOYEUR = "employeur.siae@demo.pilotage.test";
const ADMIN = "admin@demo.pilotage.test";
const ETP = "iae/etp-realises-par-structure";
const STRUCTURES = "public/structures-par-type-et-departement";
// An unknown person of our own stays unplaced whatever another suite did with an unknown person.
const UNPLACED = ownUnknownAccount("export");
const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/export-catalog");

const PARIS_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** Status, headers and body; the body decoded by hand, because Response.text() drops the BOM. */
async function read(response: Response) {
  const text = Buffer.from(await response.arrayBuffer()).toString("utf8");
  return { status: response.status, headers: response.headers, text };
}

function errorOf(text: string) {
  const { requestId, ...rest } = ApiErrorSchema.parse(JSON.parse(text));
  assert.ok(requestId.length > 0);
  return rest;
}

/** A gateway on the same stores (sessions, audit, warehouse) with other settings, listening. */
async function sibling(
  stack: LoginStack,
  changes: { export?: Partial<Config["export"]>; catalog?: Catalog; db?: Database },
): Promise<RunningServer> {
  const deps = stack.testStack.deps;
  return startServer(
    createApp({
      ...deps,
      config: { ...deps.config, export: { ...deps.config.export, ...changes.export } },
      ...(changes.catalog ? { catalog: changes.catalog } : {}),
      ...(changes.db ? { db: changes.db } : {}),
    }),
    0,
    "127.0.0.1",
  );
}

async function lastAudits(stack: LoginStack, n: number): Promise<AuditRow[]> {
  const rows = await stack.testStack.deps.db.query<{ id: string }>(
    "SELECT id FROM audit_log WHERE action LIKE 'export.%' ORDER BY id DESC LIMIT $1",
    [n],
  );
  const all = await readAudit(stack.testStack.deps.db, { limit: 1000 });
  const ids = new Set(rows.rows.map((r) => Number(r.id)));
  return all.filter((r) => ids.has(r.id)).sort((a, b) => a.id - b.id);
}

describe("questions API (issue 10)", function () {
  this.timeout(60_000);
  let stack: LoginStack;
  let catalog: Catalog;
  const as = browserPerAccount(() => stack.baseUrl);

  /** The bassin lock of the DDETS 93 (issue 19): every bassin d'emploi of the 93. */
  let bassins93: string[];
  before(async () => {
    stack = await startLoginStack({
      env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" },
      provider: { accounts: [...DEMO_ACCOUNTS, UNPLACED] },
    });
    catalog = (await testContent()).catalog;
    bassins93 = await documentedBassins(stack.testStack.deps.warehouse, ["93"]);
  });
  after(() => stack.close());

  describe("GET /api/questions", () => {
    it("lists the public questions without login, exactly as the catalogue defines them", async () => {
      const response = await fetch(`${stack.baseUrl}/api/questions`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("cache-control"), "private, no-store");
      const { questions } = QuestionListSchema.parse(await response.json());
      const publicKeys = catalog.dashboards
        .filter((d) => d.public && !d.parameters.some((p) => p.locked))
        .flatMap((d) => d.cards.map((c) => c.question));
      assert.deepEqual(questions.map((q) => q.key).sort(), [...new Set(publicKeys)].sort());
      const question = catalog.questions.find((q) => q.key === STRUCTURES)!;
      assert.deepEqual(
        questions.find((q) => q.key === STRUCTURES),
        {
          key: STRUCTURES,
          name: "Structures de l'inclusion par type et par département",
          description: question.description,
          content_version: question.contentVersion,
          display: "table",
          parameters: [
            {
              tag: "departement",
              label: "Département",
              type: "field filter",
              value_type: "text",
              required: false,
              multiple: true,
              locked: false,
            },
          ],
          columns: [
            { name: "region", label: "Région", kind: "territory" },
            { name: "departement", label: "Département", kind: "territory" },
            { name: "type", label: "Type de structure", kind: "text" },
            { name: "categorie_structure", label: "Catégorie", kind: "text" },
            { name: "structures", label: "Structures", kind: "count", decimals: 0 },
          ],
          dashboards: [
            {
              key: "structures-par-type-et-departement",
              title: "Les structures de l'inclusion dans l'emploi",
            },
          ],
          data: {
            csv: `/api/questions/${STRUCTURES}/data?format=csv`,
            csv_excel_fr: `/api/questions/${STRUCTURES}/data?format=csv&dialect=excel-fr`,
            json: `/api/questions/${STRUCTURES}/data?format=json`,
            xlsx: `/api/questions/${STRUCTURES}/data?format=xlsx`,
          },
        },
      );
    });

    it("lists what a DDETS agent may see, with the locked parameters marked", async () => {
      const browser = await as(DDETS);
      const { questions } = QuestionListSchema.parse(
        await (await browser.get(`${stack.baseUrl}/api/questions`)).json(),
      );
      // Oracle from the dashboards' audiences, independently of question-access.ts.
      const expected = new Set(
        catalog.dashboards
          .filter((d) => (d.public && !d.parameters.some((p) => p.locked)) || d.audiences.includes("ddets"))
          .flatMap((d) => d.cards.map((c) => c.question)),
      );
      assert.deepEqual(questions.map((q) => q.key).sort(), [...expected].sort());
      const etp = questions.find((q) => q.key === ETP)!;
      assert.deepEqual(
        etp.parameters.map((p) => [p.tag, p.locked, p.default]),
        [
          ["bassin", true, undefined],
          ["departement", true, undefined],
          ["annee", false, 2026],
        ],
      );
      assert.deepEqual(etp.dashboards, [
        { key: "etp-conventionnes-et-realises", title: "ETP conventionnés et réalisés" },
      ]);
    });

    it("refuses a person who is logged in but not placed", async () => {
      const response = await read(await (await as(UNPLACED.email)).get(`${stack.baseUrl}/api/questions`));
      assert.equal(response.status, 403);
      assert.deepEqual(errorOf(response.text), {
        error: "no_access",
        message: "Vous n'avez pas encore accès aux données : demandez un accès.",
      });
    });
  });

  describe("GET /api/questions/{key}/data", () => {
    it("streams CSV with a BOM, named after the question and the territory, and audits it first", async () => {
      const browser = await as(DDETS);
      const response = await read(await browser.get(`${stack.baseUrl}/api/questions/${ETP}/data?format=csv`));
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get("content-type"), "text/csv; charset=utf-8");
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(
        response.headers.get("content-disposition"),
        `attachment; filename=iae-etp-realises-par-structure_93-seine-saint-denis_${PARIS_DAY.format(new Date())}.csv`,
      );
      assert.ok(response.text.startsWith(UTF8_BOM));
      const lines = response.text.slice(1).trimEnd().split("\n");
      assert.match(lines[0]!, /^[a-z_]+(,[a-z_]+)+$/);
      assert.ok(lines.length > 2, "the DDETS 93 has conventioned structures");

      const [data, completed] = await lastAudits(stack, 2);
      assert.equal(data?.action, "export.data");
      assert.equal(data?.actorEmail, DDETS);
      assert.equal(data?.profileKind, "ddets");
      assert.equal(data?.resourceKey, ETP);
      assert.equal(data?.resourceId, catalog.questions.find((q) => q.key === ETP)!.contentVersion);
      assert.deepEqual(data?.lockedValues, { departement: ["93"], bassin: bassins93 });
      assert.deepEqual(data?.details, {
        format: "csv",
        dialect: "rfc4180",
        parameters: {},
        dashboards: ["etp-conventionnes-et-realises"],
      });
      assert.equal(completed?.action, "export.completed");
      assert.deepEqual(completed?.details, {
        export_audit_id: data!.id,
        format: "csv",
        row_count: lines.length - 1,
        bytes: Buffer.byteLength(response.text),
      });
    });

    it("answers JSON with columns, rows and a completion flag; key slashes may be encoded", async () => {
      const browser = await as(DDETS);
      const csv = await read(
        await browser.get(`${stack.baseUrl}/api/questions/${ETP}/data?format=csv&annee=2025`),
      );
      const response = await read(
        await browser.get(
          `${stack.baseUrl}/api/questions/iae%2Fetp-realises-par-structure/data?format=json&annee=2025`,
        ),
      );
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
      assert.match(
        response.headers.get("content-disposition")!,
        /^attachment; filename=iae-etp-realises-par-structure_93-seine-saint-denis_\d{4}-\d{2}-\d{2}\.json$/,
      );
      const body = ExportJsonSchema.parse(JSON.parse(response.text));
      assert.equal(body.complete, true);
      assert.equal(body.row_count, body.rows.length);
      assert.equal(body.columns.join(","), csv.text.slice(1).split("\n")[0]);
      assert.equal(body.rows.length, csv.text.trimEnd().split("\n").length - 1);
    });

    it("names the file after the organisation when the locks are not territorial", async () => {
      const browser = await as(EMPLOYEUR);
      const response = await read(
        await browser.get(`${stack.baseUrl}/api/questions/employeur/etp-de-mes-structures/data`),
      );
      assert.equal(response.status, 200, response.text);
      assert.match(
        response.headers.get("content-disposition")!,
        /^attachment; filename=employeur-etp-de-mes-structures_[a-z0-9-]+_\d{4}-\d{2}-\d{2}\.csv$/,
      );
      assert.doesNotMatch(response.headers.get("content-disposition")!, /france-entiere/);
    });

    it("lets anyone export a public question, named for all of France", async () => {
      const response = await read(
        await fetch(`${stack.baseUrl}/api/questions/${STRUCTURES}/data?departement=93&departement=75`),
      );
      assert.equal(response.status, 200, response.text);
      assert.match(response.headers.get("content-disposition")!, /_france-entiere_/);
      const departements = new Set(
        response.text
          .slice(1)
          .trimEnd()
          .split("\n")
          .slice(1)
          .map((l) => l.split(",")[1]),
      );
      assert.deepEqual([...departements].sort(), ["75 - Paris", "93 - Seine-Saint-Denis"]);
      const [data] = await lastAudits(stack, 2);
      assert.equal(data?.actorEmail, null);
      assert.equal(data?.profileKind, "anonyme");
      assert.deepEqual(data?.details.parameters, { departement: ["93", "75"] });
    });

    it("refuses bad input, naming the parameter", async () => {
      const browser = await as(DDETS);
      const cases: Array<[string, number, Record<string, unknown>]> = [
        ["iae/n-existe-pas/data", 404, { error: "not_found", message: "Cette question n'existe pas." }],
        [
          `${ETP}/data?annee=deux-mille`,
          400,
          { error: "bad_request", message: "Le paramètre « annee » attend un nombre.", parameter: "annee" },
        ],
        [
          // Since issue 19, a locked département in the address is a narrowing choice, refused outside the perimeter.
          `${ETP}/data?departement=75`,
          400,
          {
            error: "bad_request",
            message: "Le département 75 - Paris n'est pas dans votre périmètre : choisissez l'un des vôtres.",
            parameter: "departement",
          },
        ],
        [
          `${ETP}/data?departement[]=75`,
          400,
          {
            error: "bad_request",
            message: "Le paramètre « departement[] » n'existe pas pour cette question.",
            parameter: "departement[]",
          },
        ],
        [
          `${ETP}/data?format=ods`,
          400,
          {
            error: "bad_request",
            message: "Le paramètre « format » attend csv, json ou xlsx.",
            parameter: "format",
          },
        ],
        [
          `iae/candidatures-par-mois-et-origine/data?periode=depuis-toujours`,
          400,
          {
            error: "bad_request",
            message:
              "Le paramètre « periode » attend une date (AAAA-MM-JJ), une période (AAAA-MM-JJ~AAAA-MM-JJ) ou une période relative (past12months, thisyear…).",
            parameter: "periode",
          },
        ],
      ];
      const before = (await lastAudits(stack, 1))[0]?.id;
      for (const [pathAndQuery, status, body] of cases) {
        const response = await read(await browser.get(`${stack.baseUrl}/api/questions/${pathAndQuery}`));
        assert.equal(response.status, status, pathAndQuery);
        assert.equal(response.headers.get("content-disposition"), null, pathAndQuery);
        assert.deepEqual(errorOf(response.text), body, pathAndQuery);
      }
      assert.equal((await lastAudits(stack, 1))[0]?.id, before, "a refused request is no export");
    });

    it("takes the dashboard's period filter as Metabase writes it", async () => {
      const browser = await as(DDETS);
      const response = await read(
        await browser.get(
          `${stack.baseUrl}/api/questions/iae/candidatures-par-mois-et-origine/data?periode=past12months&type_structure=ACI&type_structure=EI`,
        ),
      );
      assert.equal(response.status, 200, response.text);
    });

    it("refuses questions the caller may not see: 401 anonymous, 403 another profile", async () => {
      const anonymous = await read(await fetch(`${stack.baseUrl}/api/questions/${ETP}/data`));
      assert.equal(anonymous.status, 401);
      assert.deepEqual(errorOf(anonymous.text), {
        error: "unauthenticated",
        message: "Connectez-vous pour exporter les données de cette question.",
      });
      const employer = await read(
        await (await as(EMPLOYEUR)).get(`${stack.baseUrl}/api/questions/${ETP}/data`),
      );
      assert.equal(employer.status, 403);
      assert.deepEqual(errorOf(employer.text), {
        error: "forbidden",
        message: "Votre profil ne donne pas accès à cette question.",
      });
    });

    it("never takes a locked value from headers, cookies or a body", async () => {
      const browser = await as(DDETS);
      const url = `${stack.baseUrl}/api/questions/${ETP}/data?format=json`;
      const baseline = await read(await browser.get(url));
      assert.equal(baseline.status, 200);
      const rows = ExportJsonSchema.parse(JSON.parse(baseline.text));
      assert.ok(rows.rows.length > 0);
      const column = rows.columns.findIndex((c) => /departement/.test(c));
      assert.ok(column >= 0, `a département column in ${rows.columns.join(", ")}`);
      assert.deepEqual([...new Set(rows.rows.map((r) => r[column]))], ["93 - Seine-Saint-Denis"]);

      const cookie = `${browser.jar.headerFor(new URL(url))}; departement=75; departements=75`;
      const tampered = await new Promise<string>((resolve, reject) => {
        const body = JSON.stringify({ departement: ["75"], departements: ["75"] });
        const request = http.request(
          url,
          {
            method: "GET",
            headers: {
              cookie,
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              "x-departement": "75",
              departement: "75",
              "x-forwarded-for": "10.0.0.75",
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (c: Buffer) => chunks.push(c));
            response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          },
        );
        request.on("error", reject);
        request.end(body);
      });
      assert.equal(tampered, baseline.text);
      const [data] = await lastAudits(stack, 2);
      assert.deepEqual(data?.lockedValues, { departement: ["93"], bassin: bassins93 });
    });

    it("refuses the perimeter's attribute names in any form in the query, and ignores them in a body", async () => {
      for (const [email, key, locked] of [
        [DDETS, ETP, { departement: ["93"], bassin: bassins93 }],
        [EMPLOYEUR, "employeur/etp-de-mes-structures", { structures: ["1001", "1002", "1003"] }],
      ] as Array<[string, string, Record<string, string[]>]>) {
        const browser = await as(email);
        const base = `${stack.baseUrl}/api/questions/${key}/data?format=json`;
        const baseline = await read(await browser.get(base));
        assert.equal(baseline.status, 200, baseline.text);
        assert.deepEqual((await lastAudits(stack, 2))[0]?.lockedValues, locked);
        const before = (await lastAudits(stack, 1))[0]?.id;
        for (const [label, query] of tamperedQueries()) {
          const refused = await read(await browser.get(`${base}&${query}`));
          const name = [...new URLSearchParams(query).keys()][0]!;
          assert.equal(refused.status, 400, `${email} ${label}`);
          assert.deepEqual(
            errorOf(refused.text),
            {
              error: "bad_request",
              // `epci` is also a narrowing choice (issue 19), which takes one value.
              message:
                name === "epci"
                  ? `« epci » ne prend qu'une valeur.`
                  : Object.hasOwn(locked, name)
                    ? `Le paramètre « ${name} » est verrouillé sur votre périmètre : il ne peut pas être choisi dans la requête.`
                    : `Le paramètre « ${name} » n'existe pas pour cette question.`,
              parameter: name,
            },
            `${email} ${label}`,
          );
        }
        assert.equal((await lastAudits(stack, 1))[0]?.id, before, "a refused request is no export");
        const cookie = browser.jar.headerFor(new URL(base));
        for (const body of tamperedBodies()) {
          const answer = await getWithBody(base, cookie, body);
          assert.equal(answer.status, 200, `${email} ${body.label}`);
          assert.equal(answer.text, baseline.text, `${email} ${body.label}`);
          assert.deepEqual((await lastAudits(stack, 2))[0]?.lockedValues, locked, `${email} ${body.label}`);
        }
      }
    });

    it("refuses exports during a staff preview, and lists what the previewed profile sees", async () => {
      const admin = await as(ADMIN);
      const own = await read(await admin.get(`${stack.baseUrl}/api/questions/${ETP}/data`));
      assert.equal(own.status, 200, "staff may export on their own profile");
      await admin.submit(`${stack.baseUrl}/admin/apercu`, { profil: "ddets", departement: "93" });
      const before = (await lastAudits(stack, 1))[0]?.id;
      for (const format of ["csv", "json", "xlsx"]) {
        const refused = await read(
          await admin.get(`${stack.baseUrl}/api/questions/${ETP}/data?format=${format}`),
        );
        assert.equal(refused.status, 403);
        assert.deepEqual(errorOf(refused.text), {
          error: "preview_export",
          message:
            "Les exports sont désactivés pendant un aperçu : quittez l'aperçu pour télécharger des données.",
        });
      }
      const publicOne = await read(await admin.get(`${stack.baseUrl}/api/questions/${STRUCTURES}/data`));
      assert.equal(publicOne.status, 403, "not even a public question");
      assert.equal((await lastAudits(stack, 1))[0]?.id, before);
      const list = QuestionListSchema.parse(
        JSON.parse((await read(await admin.get(`${stack.baseUrl}/api/questions`))).text),
      );
      assert.equal(list.questions.find((q) => q.key === ETP)?.parameters[0]?.locked, true);
      await admin.submit(`${stack.baseUrl}/admin/apercu/quitter`, {});
      assert.equal((await admin.get(`${stack.baseUrl}/api/questions/${ETP}/data`)).status, 200);
    });
  });

  describe("audit before the first byte", () => {
    /** The gateway database, with the audit INSERT of an export held or failed on demand. */
    function auditControlled(db: Database) {
      const control = {
        fail: false,
        hold: undefined as Promise<void> | undefined,
        reached: () => {},
      };
      const wrapped: Database = Object.create(db) as Database;
      wrapped.query = async (sql, params) => {
        if (/INSERT INTO audit_log/.test(sql) && params?.[0] === "export.data") {
          if (control.fail) throw new Error("audit log unavailable");
          control.reached();
          if (control.hold) await control.hold;
        }
        return db.query(sql, params);
      };
      return { wrapped, control };
    }

    it("sends nothing, not even headers, until the audit row is written", async () => {
      const { wrapped, control } = auditControlled(stack.testStack.deps.db);
      const server = await sibling(stack, { db: wrapped });
      try {
        let release!: () => void;
        control.hold = new Promise((resolve) => (release = resolve));
        const reached = new Promise<void>((resolve) => (control.reached = resolve));
        let answered = false;
        const pending = fetch(`${server.url}/api/questions/${STRUCTURES}/data`).then((r) => {
          answered = true;
          return read(r);
        });
        await reached;
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(answered, false, "no status line while the audit row is being written");
        release();
        const response = await pending;
        assert.equal(response.status, 200);
        assert.ok(response.text.startsWith(UTF8_BOM));
      } finally {
        await server.stop(1000);
      }
    });

    it("fails closed: no audit row, no data", async () => {
      const { wrapped, control } = auditControlled(stack.testStack.deps.db);
      control.fail = true;
      const server = await sibling(stack, { db: wrapped });
      try {
        for (const format of ["csv", "json", "xlsx"]) {
          const response = await read(
            await fetch(`${server.url}/api/questions/${STRUCTURES}/data?format=${format}`),
          );
          assert.equal(response.status, 500);
          assert.equal(response.headers.get("content-disposition"), null);
          assert.match(response.headers.get("content-type")!, /^application\/json/);
          assert.equal(errorOf(response.text).error, "error");
          assert.doesNotMatch(response.text, /Seine-Saint-Denis|audit log unavailable/);
        }
      } finally {
        await server.stop(1000);
      }
    });
  });

  describe("rate limit, shared by every gateway through Redis", () => {
    it("answers 429 with Retry-After past the limit per person, counted across two gateways", async () => {
      const redis = stack.testStack.deps.redis!;
      const keys = await redis.keys("pilotage:rl:export*");
      if (keys.length > 0) await redis.del(...keys);
      const [one, two] = await Promise.all([
        sibling(stack, { export: { rateLimitPerMinute: 3 } }),
        sibling(stack, { export: { rateLimitPerMinute: 3 } }),
      ]);
      try {
        const ddets = await as(DDETS);
        const url = (server: RunningServer) => `${server.url}/api/questions/${STRUCTURES}/data`;
        for (const server of [one, two, one])
          assert.equal((await read(await ddets.get(url(server)))).status, 200);
        const refused = await read(await ddets.get(url(two)));
        assert.equal(refused.status, 429);
        const retryAfter = Number(refused.headers.get("retry-after"));
        assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
        assert.deepEqual(errorOf(refused.text), {
          error: "rate_limited",
          message: "Trop de requêtes : merci de patienter quelques instants avant de réessayer.",
        });
        assert.equal((await ddets.get(url(one))).status, 429);
        const other = await as(DREETS);
        assert.equal((await read(await other.get(url(one)))).status, 200, "another person is not limited");
      } finally {
        await Promise.all([one.stop(1000), two.stop(1000)]);
        const left = await redis.keys("pilotage:rl:export*");
        if (left.length > 0) await redis.del(...left);
      }
    });
  });

  describe("row cap and statement timeout end an export explicitly", () => {
    let server: RunningServer;
    before(async () => {
      server = await sibling(stack, {
        catalog: await loadCatalog(FIXTURE),
        export: { rowCap: 1000, statementTimeoutSeconds: 1 },
      });
    });
    after(() => server.stop(1000));
    const url = (key: string, format: string) =>
      `${server.url}/api/questions/essais/${key}/data?format=${format}`;
    const TIMEOUT = "La requête a dépassé le temps maximal autorisé : l'export est interrompu.";

    it("answers 422 when the timeout comes before the first byte, in both formats", async () => {
      for (const format of ["csv", "json"]) {
        const started = Date.now();
        const response = await read(await fetch(url("lente-avant-le-premier-octet", format)));
        assert.ok(Date.now() - started < 4000, "the statement timeout (1 s) stopped the query");
        assert.equal(response.status, 422);
        assert.equal(response.headers.get("content-disposition"), null);
        assert.deepEqual(errorOf(response.text), { error: "export_timeout", message: TIMEOUT });
        const [data, failed] = await lastAudits(stack, 2);
        assert.equal(data?.action, "export.data");
        assert.equal(failed?.action, "export.failed");
        assert.deepEqual(failed?.details, {
          export_audit_id: data!.id,
          format,
          reason: "timeout",
          bytes: 0,
          message: TIMEOUT,
        });
      }
    });

    it("cuts a CSV whose rows had started: the transfer fails, it never ends like a whole file", async () => {
      const response = await fetch(url("lente-en-cours-de-route", "csv"));
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      let bytes = 0;
      await assert.rejects(async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          bytes += value.length;
        }
      });
      assert.ok(bytes > 0, "rows were sent before the timeout");
      const [, failed] = await lastAudits(stack, 2);
      assert.equal(failed?.action, "export.failed");
      assert.equal(failed?.details.reason, "timeout");
      assert.ok(Number(failed?.details.bytes) > 0);
    });

    it("ends a JSON export whose rows had started with complete: false and the error", async () => {
      const response = await read(await fetch(url("lente-en-cours-de-route", "json")));
      assert.equal(response.status, 200);
      const body = ExportJsonSchema.parse(JSON.parse(response.text));
      assert.equal(body.complete, false);
      assert.equal(body.error, TIMEOUT);
      assert.ok(body.rows.length > 0 && body.rows.length < 950, String(body.rows.length));
      assert.equal(body.row_count, undefined);
    });

    it("refuses more rows than the cap instead of shortening the file", async () => {
      // Whether the rows past the cap arrive in the first chunk of COPY data or a later one is up to
      // the network: before the first byte it is a 422, after it the transfer is cut. Never a whole file.
      const csv = await fetch(url("trop-de-lignes", "csv"));
      if (csv.status === 422) {
        assert.deepEqual(errorOf((await read(csv)).text), {
          error: "export_row_cap",
          message: "Le résultat dépasse 1000 lignes : affinez les filtres avant d'exporter.",
        });
      } else {
        assert.equal(csv.status, 200);
        await assert.rejects(csv.arrayBuffer(), "the transfer is cut");
      }
      const [, csvFailed] = await lastAudits(stack, 2);
      assert.equal(csvFailed?.details.reason, "row_cap");
      const json = await read(await fetch(url("trop-de-lignes", "json")));
      const body = ExportJsonSchema.parse(JSON.parse(json.text));
      assert.equal(body.complete, false);
      assert.equal(body.error, "Le résultat dépasse 1000 lignes : affinez les filtres avant d'exporter.");
      assert.equal(body.rows.length, 1000);
      const [, failed] = await lastAudits(stack, 2);
      assert.equal(failed?.details.reason, "row_cap");
    });
  });
});
