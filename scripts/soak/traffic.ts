import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { DashboardListSchema } from "../../src/openapi/document.js";
import { QuestionListSchema } from "../../src/questions/api-schemas.js";
import type { DeliveryLedger } from "../../test/support/audit-ledger.js";
import { Browser, loginAs, startLogout } from "../../test/support/login.js";
import type { Recorder } from "./recorder.js";

/**
 * The soak's visitors: every demo account that has a profile, logged in through the demo provider over
 * https, doing what people do (the hub, dashboard pages, embed tokens, exports, public pages, now and then
 * logging out and in again), plus one anonymous visitor of the public pages. Each visitor is sequential,
 * with a short pause between actions. Every answer goes to the recorder; every token or export delivered
 * goes to the audit ledger.
 */

/** Longer than any limit of the gateway (its deadlines) and of Caddy (lb_try_duration). */
const REQUEST_TIMEOUT_MS = 30_000;

/** A browser whose every request (the login's hops included) is recorded, unless its caller times it. */
class RecordingBrowser extends Browser {
  /** Set while `fetchWhole` measures the answer body included. */
  timedByCaller = false;

  constructor(
    private readonly recorder: Recorder,
    private readonly gatewayOrigin: string,
  ) {
    super();
  }

  override async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    // No request waits forever: one that never answers counts as "no answer".
    init = { ...init, signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
    if (this.timedByCaller) return super.request(url, init);
    const at = this.recorder.now();
    const route = routeOf(init.method ?? "GET", new URL(url), this.gatewayOrigin);
    try {
      const response = await super.request(url, init);
      this.recorder.add(route, response.status, at);
      return response;
    } catch (error) {
      this.recorder.add(route, 0, at);
      throw error;
    }
  }
}

/** The route's template: ids and keys replaced, the provider's paths marked as such. */
export function routeOf(method: string, url: URL, gatewayOrigin: string): string {
  if (url.origin !== gatewayOrigin) {
    // The provider's interaction and session ids.
    return `${method} provider ${url.pathname.replace(/\/[\w-]{16,}(?=\/|$)/g, "/:id")}`;
  }
  const path = url.pathname
    .replace(/^\/tableaux-de-bord\/[^/]+$/, "/tableaux-de-bord/:key")
    .replace(/^\/api\/dashboards\/[^/]+\/embed$/, "/api/dashboards/:key/embed")
    .replace(/^\/api\/questions\/.+\/data$/, "/api/questions/:key/data")
    .replace(/^\/public\/[^/]+$/, "/public/:key");
  return `${method} ${path}`;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** Exports per person and minute the soak stays under (the gateway's default limit is 20). */
const EXPORTS_PER_MINUTE = 10;

export interface Visitor {
  email: string | undefined;
  browser: RecordingBrowser;
  loggedIn: boolean;
  loggingOut: boolean;
}

export interface TrafficCounts {
  logins: number;
  loginFailures: number;
  logouts: number;
  /** A logged-in visitor found logged out (401, or sent to the login page), by when it happened. */
  sessionsLost: { at: number; email: string; route: string }[];
}

export interface Traffic {
  visitors: Visitor[];
  counts: TrafficCounts;
  /** Stops (or allows again) the visitors' own logouts. */
  allowLogouts(allowed: boolean): void;
  /** Resolves once every visitor finished its current action after `stop()`. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(Math.random() * list.length)];

/** Starts every visitor; each logs in first (retrying while the stack is not ready for it). */
export function startTraffic(options: {
  gateway: string;
  recorder: Recorder;
  ledger: DeliveryLedger;
}): Traffic {
  const { gateway, recorder, ledger } = options;
  const publicPages: string[] = [];
  const origin = new URL(gateway).origin;
  const counts: TrafficCounts = { logins: 0, loginFailures: 0, logouts: 0, sessionsLost: [] };
  let running = true;
  let logouts = true;

  const fetchWhole = async (visitor: Visitor, route: string, url: string): Promise<Answer> => {
    const at = recorder.now();
    visitor.browser.timedByCaller = true;
    try {
      const response = await visitor.browser.get(`${gateway}${url}`);
      const body = await response.text();
      recorder.add(route, response.status, at);
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      recorder.add(route, 0, at);
      throw error;
    } finally {
      visitor.browser.timedByCaller = false;
    }
  };

  const login = async (visitor: Visitor): Promise<void> => {
    if (!visitor.email) return;
    visitor.browser = new RecordingBrowser(recorder, origin);
    try {
      await loginAs(gateway, visitor.email, { browser: visitor.browser });
      visitor.loggedIn = true;
      counts.logins++;
    } catch {
      visitor.loggedIn = false;
      counts.loginFailures++;
    }
  };

  /** A logged-in visitor sent away: 401, or a redirect to the login page. */
  const lostSession = (visitor: Visitor, route: string, answer: Answer): boolean => {
    const location = answer.headers.get("location") ?? "";
    const lost =
      answer.status === 401 ||
      (answer.status >= 300 && answer.status < 400 && location.includes("/connexion"));
    if (lost && visitor.loggedIn && visitor.email) {
      counts.sessionsLost.push({ at: recorder.now(), email: visitor.email, route });
      visitor.loggedIn = false;
    }
    return lost;
  };

  const personLoop = async (visitor: Visitor) => {
    let dashboards: { page: string; embed: string }[] = [];
    let questions: string[] = [];
    const exportTimes: number[] = [];
    const learn = async () => {
      const list = await fetchWhole(visitor, "GET /api/dashboards", "/api/dashboards");
      if (list.status !== 200) return lostSession(visitor, "GET /api/dashboards", list);
      const all = DashboardListSchema.parse(JSON.parse(list.body)).dashboards;
      dashboards = all.filter((d) => !d.public);
      // Public pages are learnt from the list, which only a logged-in person may read.
      for (const d of all) if (d.public && !publicPages.includes(d.page)) publicPages.push(d.page);
      const asked = await fetchWhole(visitor, "GET /api/questions", "/api/questions");
      if (asked.status !== 200) return;
      // Every format the pages and the API offer, for the questions that need no value from the person.
      questions = QuestionListSchema.parse(JSON.parse(asked.body))
        .questions.filter((q) =>
          q.parameters.every((p) => p.locked || !p.required || p.default !== undefined),
        )
        .flatMap((q) => [q.data.csv, q.data.csv_excel_fr, q.data.json, q.data.xlsx]);
    };
    while (running) {
      try {
        if (!visitor.loggedIn) {
          await login(visitor);
          if (visitor.loggedIn) await learn();
          else await sleep(1000);
          continue;
        }
        const roll = Math.random() * 100;
        const dashboard = pick(dashboards);
        if (roll < 15) {
          lostSession(
            visitor,
            "GET /tableaux-de-bord",
            await fetchWhole(visitor, "GET /tableaux-de-bord", "/tableaux-de-bord"),
          );
        } else if (roll < 20) {
          await fetchWhole(visitor, "GET /", "/");
        } else if (roll < 45 && dashboard) {
          const route = "GET /tableaux-de-bord/:key";
          const answer = await fetchWhole(visitor, route, dashboard.page);
          if (!lostSession(visitor, route, answer))
            ledger.record(`${visitor.email}: ${dashboard.page}`, answer, "embed");
        } else if (roll < 65 && dashboard) {
          const route = "GET /api/dashboards/:key/embed";
          const answer = await fetchWhole(visitor, route, dashboard.embed);
          if (!lostSession(visitor, route, answer))
            ledger.record(`${visitor.email}: ${dashboard.embed}`, answer, "embed");
        } else if (roll < 75) {
          lostSession(visitor, "GET /api/me", await fetchWhole(visitor, "GET /api/me", "/api/me"));
        } else if (roll < 85) {
          const page = pick(publicPages);
          if (page)
            ledger.record(
              `${visitor.email}: ${page}`,
              await fetchWhole(visitor, "GET /public/:key", page),
              "embed",
            );
        } else if (roll < 99) {
          const url = pick(questions);
          const now = Date.now();
          while (exportTimes.length > 0 && exportTimes[0]! < now - 60_000) exportTimes.shift();
          if (url && exportTimes.length < EXPORTS_PER_MINUTE) {
            exportTimes.push(now);
            const route = "GET /api/questions/:key/data";
            const answer = await fetchWhole(visitor, route, url);
            if (!lostSession(visitor, route, answer))
              ledger.record(`${visitor.email}: ${url}`, answer, "export");
          }
        } else if (logouts) {
          // Logging out goes through the provider's end-session page, then a new login: rare, since
          // every visitor comes from Caddy's one address, under the login limit (60 a minute).
          visitor.loggingOut = true;
          try {
            const response = await startLogout(visitor.browser, gateway);
            await visitor.browser.follow(response, { from: `${gateway}/deconnexion` });
            counts.logouts++;
          } finally {
            visitor.loggedIn = false;
            visitor.loggingOut = false;
          }
        }
      } catch {
        // A connection reset mid-fault: recorded as "no answer" by the browser; the visitor goes on.
        await sleep(250);
      }
      await sleep(100 + Math.random() * 300);
    }
  };

  const anonymousLoop = async (visitor: Visitor) => {
    while (running) {
      try {
        const page = pick(publicPages);
        if (page)
          ledger.record(`anonymous: ${page}`, await fetchWhole(visitor, "GET /public/:key", page), "embed");
        if (Math.random() < 0.2) await fetchWhole(visitor, "GET /", "/");
      } catch {
        await sleep(250);
      }
      await sleep(300 + Math.random() * 500);
    }
  };

  const visitors: Visitor[] = [
    ...DEMO_ACCOUNTS.filter((a) => a.expected.profile !== "aucun").map((a) => ({
      email: a.email,
      browser: new RecordingBrowser(recorder, origin),
      loggedIn: false,
      loggingOut: false,
    })),
    { email: undefined, browser: new RecordingBrowser(recorder, origin), loggedIn: false, loggingOut: false },
  ];
  const loops = visitors.map((v) => (v.email ? personLoop(v) : anonymousLoop(v)));
  return {
    visitors,
    counts,
    allowLogouts(allowed) {
      logouts = allowed;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
