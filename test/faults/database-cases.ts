import assert from "node:assert/strict";
import {
  assertDependencyJson,
  assertDependencyPage,
  AUDIT_UNAVAILABLE_NOTICE,
  FRAMED,
  OWN_CARD_TABLE,
} from "./checks.js";
import { DDETS, DEADLINE_MS, type Answer, type FaultEnvironment } from "./environment.js";

/** /readyz checks each dependency under a deadline of its own (src/health/routes.ts). */
const READINESS_LIMIT_MS = 2_000;
const PAGE = "/tableaux-de-bord/pass-iae";
const EMBED = "/api/dashboards/pass-iae/embed";
const PUBLIC_PAGE = "/public/structures-par-type-et-departement";
const EXPORT = "/api/questions/iae%2Fcandidatures-par-etat/data?format=csv";

/** The gateway database (SIGSTOP, then SIGCONT; a restart) and the warehouse (SIGSTOP, then SIGCONT). */
export function databaseCases(env: () => FaultEnvironment): void {
  /** The requests a person and a visitor make, all at once (a fault costs the suite one deadline). */
  async function visit(fault: string) {
    const e = env();
    const agent = await e.as(DDETS);
    const asAgent = (path: string, limitMs = DEADLINE_MS, accept = "text/html") =>
      e.timed(fault, `GET ${path}`, limitMs, (signal) =>
        agent.request(e.url(path), { signal, headers: { accept } }),
      );
    const [page, embed, exported, hub, publicPage, ready] = await Promise.all([
      asAgent(PAGE),
      asAgent(EMBED, DEADLINE_MS, "application/json"),
      asAgent(EXPORT, DEADLINE_MS, "application/json"),
      asAgent("/tableaux-de-bord"),
      e.timed(fault, `GET ${PUBLIC_PAGE} (anonymous)`, DEADLINE_MS, (signal) =>
        fetch(e.url(PUBLIC_PAGE), { signal }),
      ),
      e.timed(fault, "GET /readyz", READINESS_LIMIT_MS, (signal) => fetch(e.url("/readyz"), { signal })),
    ]);
    e.ledger.record(`${fault}: ${PAGE}`, page, "embed");
    e.ledger.record(`${fault}: ${EMBED}`, embed, "embed");
    e.ledger.record(`${fault}: ${PUBLIC_PAGE}`, publicPage, "embed");
    e.ledger.record(`${fault}: ${EXPORT}`, exported, "export");
    return { page, embed, exported, hub, publicPage, ready };
  }

  /** Everything works again, without restarting the gateway: a framed page, a token, an export. */
  async function recovered(fault: string) {
    const e = env();
    const agent = await e.as(DDETS);
    await e.eventually(`${fault}: the embed API`, async () => {
      const answer = await e.timed(`${fault}, over`, `GET ${EMBED}`, DEADLINE_MS, (signal) =>
        agent.request(e.url(EMBED), { signal }),
      );
      e.ledger.record(`${fault}, over: ${EMBED}`, answer, "embed");
      return answer.status === 200;
    });
    await e.eventually(`${fault}: pages, exports and readiness`, async () => {
      const after = await visit(`${fault}, over`);
      return (
        [after.page, after.embed, after.exported, after.publicPage, after.hub, after.ready].every(
          (answer) => answer.status === 200,
        ) && FRAMED.test(after.page.body)
      );
    });
  }

  const readyBody = (answer: Answer) => JSON.parse(answer.body) as { failing: string[] };

  describe("the gateway database", () => {
    it("frozen: tokens and exports refused (503, the audit log fails closed), pages and public pages still answer with their own cards, /readyz names it; then it resumes", async () => {
      const e = env();
      const before = await e.dependencyErrors("gateway_database", "timeout");
      await e.gatewayPg.freeze();
      let during;
      try {
        during = await visit("gateway database frozen");
      } finally {
        e.gatewayPg.resume();
      }
      assertDependencyJson(during.embed, "gateway_database");
      assertDependencyJson(during.exported, "gateway_database");
      for (const page of [during.page, during.publicPage]) {
        assert.equal(page.status, 200);
        assert.ok(page.body.includes(AUDIT_UNAVAILABLE_NOTICE), page.body.slice(0, 3000));
        assert.doesNotMatch(page.body, /<iframe/);
        assert.match(page.body, OWN_CARD_TABLE);
      }
      assert.equal(during.hub.status, 200);
      assert.equal(during.ready.status, 503);
      assert.deepEqual(readyBody(during.ready).failing, ["database"]);
      // Logged under its name, and counted: the two refusals and the two pages that fell back.
      assert.ok(
        e.logs.some(
          (l) => l.includes('"dependency":"gateway_database"') && l.includes('"failure":"timeout"'),
        ),
      );
      assert.ok((await e.dependencyErrors("gateway_database", "timeout")) - before >= 4);
      await recovered("gateway database frozen");
    });

    it("restarted (every connection reset): 503 at worst while it is away, never a 500, then back without restarting the gateway", async () => {
      const e = env();
      const agent = await e.as(DDETS);
      const answers: Answer[] = [];
      let restarting = true;
      // A person keeps asking for tokens while the server restarts under the gateway's pooled connections.
      const traffic = (async () => {
        while (restarting) {
          const answer = await e.timed("gateway database restarted", `GET ${EMBED}`, DEADLINE_MS, (signal) =>
            agent.request(e.url(EMBED), { signal }),
          );
          e.ledger.record(`gateway database restarted: ${EMBED}`, answer, "embed");
          answers.push(answer);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 200));
      try {
        await e.gatewayPg.restart();
      } finally {
        restarting = false;
        await traffic;
      }
      assert.ok(answers.length > 0);
      for (const answer of answers) {
        if (answer.status !== 200) assertDependencyJson(answer, "gateway_database");
      }
      await recovered("gateway database restarted");
    });
  });

  describe("the warehouse", () => {
    it("frozen: pages answer a French 503 before any token is signed, exports too; the embed API still works; then it resumes", async () => {
      const e = env();
      await e.warehousePg.freeze();
      let during;
      try {
        during = await visit("warehouse frozen");
      } finally {
        e.warehousePg.resume();
      }
      assertDependencyPage(during.page, "warehouse");
      assertDependencyPage(during.publicPage, "warehouse");
      assertDependencyJson(during.exported, "warehouse");
      assert.equal(during.embed.status, 200, "signing a URL needs no warehouse");
      assert.equal(during.hub.status, 200);
      assert.deepEqual(readyBody(during.ready).failing, ["warehouse"]);
      // The cards come first: a page that failed on the warehouse left no token row behind.
      const { rows } = await e.gatewayAdmin.query(
        "SELECT count(*)::int AS n FROM audit_log WHERE request_id = ANY($1)",
        [[during.page.headers.get("x-request-id"), during.publicPage.headers.get("x-request-id")]],
      );
      assert.deepEqual(rows, [{ n: 0 }]);
      assert.ok((await e.dependencyErrors("warehouse", "timeout")) >= 3);
      await recovered("warehouse frozen");
    });
  });
}
