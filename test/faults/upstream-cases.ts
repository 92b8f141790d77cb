import assert from "node:assert/strict";
import { createApp } from "../../src/app.js";
import { startServer } from "../../src/server.js";
import { driveLogin, loginAs } from "../support/login.js";
import { FRAMED, html, METABASE_UNREACHABLE_NOTICE, OWN_CARD_TABLE } from "./checks.js";
import {
  DDETS,
  DEADLINE_MS,
  METABASE_CLI_TIMEOUT_SECONDS,
  SLACK_MS,
  type FaultEnvironment,
} from "./environment.js";
import { startTcpFront } from "./tcp-front.js";

/** A dashboard page waits for Metabase's health this long at most (src/dashboards/routes.ts). */
const HEALTH_TIMEOUT_MS = 1_500;
/** A Metabase found down is asked again after this long (src/dashboards/metabase-status.ts). */
const DOWN_TTL_MS = 5_000;
/** `pilotage apply`: each request times out, a GET is retried twice, after 300 then 600 ms. */
const APPLY_LIMIT_MS = 3 * METABASE_CLI_TIMEOUT_SECONDS * 1000 + 900;
const PAGE = "/tableaux-de-bord/pass-iae";
const PUBLIC_PAGE = "/public/structures-par-type-et-departement";
const EMBED = "/api/dashboards/pass-iae/embed";

/** Metabase (during page views and during `apply`) and ProConnect (at login), unreachable. */
export function upstreamCases(env: () => FaultEnvironment): void {
  describe("Metabase", () => {
    it("unreachable during page views: the page says so in French and shows its own cards within the health check's limit, then frames again", async () => {
      const e = env();
      const agent = await e.as(DDETS);
      const before = await e.dependencyErrors("metabase", "unavailable");
      await e.metabaseFront.set("silent");
      // A gateway process that has not yet seen Metabase up (the others believe an "up" for 15 s).
      const other = await startServer(
        createApp({ ...e.stack.testStack.deps, metrics: e.metrics }),
        0,
        "127.0.0.1",
      );
      try {
        const fault = "Metabase unreachable (pages)";
        const [page, publicPage, embed] = await Promise.all([
          e.timed(fault, `GET ${PAGE}`, HEALTH_TIMEOUT_MS, (signal) =>
            agent.request(`${other.url}${PAGE}`, { signal }),
          ),
          e.timed(fault, `GET ${PUBLIC_PAGE} (anonymous)`, HEALTH_TIMEOUT_MS, (signal) =>
            fetch(`${other.url}${PUBLIC_PAGE}`, { signal }),
          ),
          e.timed(fault, `GET ${EMBED}`, DEADLINE_MS, (signal) =>
            agent.request(`${other.url}${EMBED}`, { signal }),
          ),
        ]);
        for (const shown of [page, publicPage]) {
          assert.equal(shown.status, 200);
          assert.ok(shown.body.includes(METABASE_UNREACHABLE_NOTICE));
          assert.ok(
            shown.body.includes(
              '<h2 class="fr-alert__title">Les graphiques interactifs sont momentanément indisponibles</h2>',
            ),
          );
          assert.doesNotMatch(shown.body, /<iframe/);
          assert.match(shown.body, OWN_CARD_TABLE);
        }
        // The renewal API never calls Metabase: it signs, audited, as usual.
        assert.equal(embed.status, 200);
        e.ledger.record(`${fault}: ${EMBED}`, embed, "embed");
        assert.equal(
          (await e.dependencyErrors("metabase", "unavailable")) - before,
          1,
          "one probe for both pages",
        );

        await e.metabaseFront.set("forward");
        await e.eventually(
          "Metabase back (pages)",
          async () => {
            const again = await e.timed("Metabase back (pages)", `GET ${PAGE}`, HEALTH_TIMEOUT_MS, (signal) =>
              agent.request(`${other.url}${PAGE}`, { signal }),
            );
            e.ledger.record(`Metabase back: ${PAGE}`, again, "embed");
            return FRAMED.test(again.body);
          },
          DOWN_TTL_MS + 5_000,
        );
      } finally {
        await e.metabaseFront.set("forward");
        await other.stop(1_000);
      }
    });

    it("lost in the middle of `pilotage apply`: it stops within its request limit with a French message and exit code 4, changes nothing the gateway serves, and a rerun succeeds", async () => {
      const e = env();
      const agent = await e.as(DDETS);
      // A few requests of the apply get through, then Metabase hangs up and stops answering.
      e.metabaseFront.failAfter(3, "silent");
      let stopped;
      try {
        stopped = await e.apply();
      } finally {
        await e.metabaseFront.set("forward");
      }
      e.timings.push({
        fault: "Metabase lost during apply",
        request: "pilotage apply",
        status: `exit ${stopped.code}`,
        ms: stopped.ms,
        limitMs: APPLY_LIMIT_MS,
      });
      assert.equal(stopped.code, 4, stopped.out);
      assert.ok(stopped.ms <= APPLY_LIMIT_MS + SLACK_MS, `apply stopped after ${stopped.ms} ms`);
      assert.match(
        stopped.out,
        /Metabase ne répond pas\. Vérifiez METABASE_INTERNAL_URL \(ou METABASE_SITE_URL\), que Metabase est démarré et joignable depuis cette machine, puis relancez\./,
      );
      // The dashboards it verified before stay served.
      const embed = await e.timed("Metabase lost during apply", `GET ${EMBED}`, DEADLINE_MS, (signal) =>
        agent.request(e.url(EMBED), { signal }),
      );
      assert.equal(embed.status, 200);
      e.ledger.record(`Metabase lost during apply: ${EMBED}`, embed, "embed");
      const rerun = await e.apply({ METABASE_TIMEOUT_SECONDS: "30" });
      assert.equal(rerun.code, 0, rerun.out);
    });
  });

  describe("ProConnect", () => {
    it("not answering at login: a French 503 within the request's deadline (not the library's 10 s per call), then logins work again", async () => {
      const e = env();
      const proxy = e.stack.proxy!;
      const target = proxy.target;
      const silent = await startTcpFront(undefined, "silent");
      let started = 0;
      try {
        const { page } = await driveLogin(e.stack.baseUrl, DDETS, {
          rewriteCallbackUrl: (url) => {
            // The authorization went through; the token endpoint behind the callback never answers.
            proxy.target = silent.url;
            started = performance.now();
            return url;
          },
        });
        const ms = Math.round(performance.now() - started);
        e.timings.push({
          fault: "ProConnect not answering",
          request: "GET /connexion/callback",
          status: page.status,
          ms,
          limitMs: DEADLINE_MS,
        });
        assert.equal(page.status, 503);
        assert.equal(page.headers.get("retry-after"), "5");
        assert.ok(page.text.includes("<h1>ProConnect est injoignable</h1>"));
        assert.ok(
          page.text.includes(
            html(
              "ProConnect ne répond pas pour le moment, la connexion est impossible. Merci de réessayer dans quelques minutes.",
            ),
          ),
        );
        assert.ok(ms <= DEADLINE_MS + SLACK_MS, `the callback answered after ${ms} ms`);
        assert.ok(
          e.logs.some((l) => l.includes('"dependency":"proconnect"') && l.includes('"failure":"timeout"')),
        );
        assert.ok((await e.dependencyErrors("proconnect", "timeout")) >= 1);
      } finally {
        proxy.target = target;
        await silent.close();
      }
      const browser = await loginAs(e.stack.baseUrl, DDETS);
      assert.equal((await browser.get(e.url("/api/me"))).status, 200);
    });
  });
}
