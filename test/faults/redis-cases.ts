import assert from "node:assert/strict";
import { REDIS_COMMAND_TIMEOUT_MS } from "../../src/storage/redis.js";
import { loginAs, type Browser } from "../support/login.js";
import { assertDependencyJson, assertDependencyPage, FRAMED } from "./checks.js";
import { DDETS, DEADLINE_MS, type FaultEnvironment } from "./environment.js";

const PAGE = "/tableaux-de-bord/pass-iae";
const PUBLIC_PAGE = "/public/structures-par-type-et-departement";

/** Sessions live in Redis: frozen, it answers nothing; restarted, it keeps them only with persistence. */
export function redisCases(env: () => FaultEnvironment): void {
  const page = (browser: Browser, fault: string, limitMs = DEADLINE_MS) =>
    env().timed(fault, `GET ${PAGE}`, limitMs, (signal) => browser.request(env().url(PAGE), { signal }));

  /** A person logged in afresh: the earlier cases' sessions may be gone by now. */
  const freshAgent = () => loginAs(env().stack.baseUrl, DDETS);

  describe("Redis", () => {
    it("frozen: a logged-in person gets a French 503 saying to try again, visitors without a session are served; then it resumes with the session intact", async () => {
      const e = env();
      const agent = await freshAgent();
      e.freezeRedis();
      let during;
      try {
        const fault = "Redis frozen";
        during = await Promise.all([
          page(agent, fault, REDIS_COMMAND_TIMEOUT_MS),
          e.timed(fault, "GET /api/me", REDIS_COMMAND_TIMEOUT_MS, (signal) =>
            agent.request(e.url("/api/me"), { signal }),
          ),
          e.timed(fault, `GET ${PUBLIC_PAGE} (anonymous)`, DEADLINE_MS, (signal) =>
            fetch(e.url(PUBLIC_PAGE), { signal }),
          ),
        ]);
      } finally {
        e.resumeRedis();
      }
      const [refused, refusedApi, publicPage] = during;
      assertDependencyPage(refused, "redis");
      assertDependencyJson(refusedApi, "redis");
      assert.equal(publicPage.status, 200);
      e.ledger.record(`Redis frozen: ${PUBLIC_PAGE}`, publicPage, "embed");
      await e.eventually(
        "Redis frozen, over",
        async () => (await page(agent, "Redis frozen, over")).status === 200,
      );
      const again = await page(agent, "Redis frozen, over");
      assert.match(again.body, FRAMED, "the same session, still logged in");
      e.ledger.record(`Redis frozen, over: ${PAGE}`, again, "embed");
    });

    it("restarted with its append-only file: sessions survive, nobody logs in again", async () => {
      const e = env();
      const agent = await freshAgent();
      await e.restartRedis({ appendonly: true, keepData: true });
      await e.eventually("Redis restarted with persistence", async () => {
        const answer = await page(agent, "Redis restarted (append-only file)");
        if (answer.status === 503) assertDependencyPage(answer, "redis");
        e.ledger.record(`Redis restarted (append-only file): ${PAGE}`, answer, "embed");
        return answer.status === 200;
      });
      const kept = await page(agent, "Redis restarted (append-only file)");
      assert.equal(kept.status, 200);
      assert.match(kept.body, FRAMED);
      e.ledger.record(`Redis restarted (append-only file): ${PAGE}`, kept, "embed");
    });

    it("restarted without persistence: sessions are lost, the page sends the person to log in again, which works", async () => {
      const e = env();
      const agent = await freshAgent();
      await e.restartRedis({ appendonly: false, keepData: false });
      let lost: Awaited<ReturnType<typeof page>> | undefined;
      await e.eventually("Redis restarted without persistence", async () => {
        lost = await page(agent, "Redis restarted (no persistence)");
        if (lost.status === 503) assertDependencyPage(lost, "redis");
        return lost.status !== 503;
      });
      assert.equal(lost!.status, 303);
      assert.equal(lost!.headers.get("location"), `/connexion?retour=${encodeURIComponent(PAGE)}`);
      const login = await e.timed(
        "Redis restarted (no persistence)",
        "GET /connexion",
        DEADLINE_MS,
        (signal) => agent.request(e.url(`/connexion?retour=${encodeURIComponent(PAGE)}`), { signal }),
      );
      assert.equal(login.status, 200);
      assert.match(login.body, /<h1[^>]*>Se connecter<\/h1>/);
      const api = await agent.get(e.url("/api/me"));
      assert.equal(api.status, 401);
      const back = await loginAs(e.stack.baseUrl, DDETS, { browser: agent });
      const framed = await page(back, "Redis restarted (no persistence)");
      assert.match(framed.body, FRAMED);
      e.ledger.record(`Redis restarted (no persistence): ${PAGE}`, framed, "embed");
      // The next cases run on a Redis without persistence, as most test set-ups do.
    });
  });
}
