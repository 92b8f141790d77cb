import type { Stack } from "../stack/stack.js";
import type { FaultWindow, Recorder } from "./recorder.js";
import type { Traffic, Visitor } from "./traffic.js";

/**
 * The soak's faults, through the stack's own controls (what `npm run stack -- restart redis` runs): a Redis
 * restart, a Postgres restart, and one gateway process killed (SIGKILL, a crash) then started again. Each
 * becomes a window from its injection to its recovery (the service's healthcheck passing again).
 */
export interface FaultPlan {
  redisAt: number;
  postgresAt: number;
  killGatewayAt: number;
  /** How long the killed gateway stays down. */
  gatewayDownMs: number;
}

/** Faults spread over the run after the warm-up, the gateway killed last. */
export function planFaults(durationMs: number, warmUpMs: number): FaultPlan {
  const span = durationMs - warmUpMs;
  return {
    redisAt: warmUpMs + Math.round(span * 0.1),
    postgresAt: warmUpMs + Math.round(span * 0.35),
    killGatewayAt: warmUpMs + Math.round(span * 0.6),
    gatewayDownMs: Math.min(20_000, Math.round(span * 0.1)),
  };
}

/** Whether each logged-in visitor's session still answers once a gateway is gone. */
export interface SessionSurvival {
  /** Visitors logged in when the gateway was killed. */
  loggedIn: number;
  /** Of those, still logged in with the same session cookie, through the other gateway. */
  survived: number;
  lost: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SESSION_COOKIE = "__Host-pilotage.sid";
/** How long the sessions may take to answer again through the surviving gateway. */
const SESSION_PROBE_MS = 15_000;

/**
 * Each visitor's session as it was before the kill: /api/me through Caddy, retried while the answer is
 * neither 200 nor 401 (a request caught on the dying process). A new login by the visitor's own loop
 * changes the cookie, and counts as lost.
 */
async function sessionsAfterKill(
  gateway: string,
  before: { visitor: Visitor; cookie: string }[],
): Promise<SessionSurvival> {
  const lost: string[] = [];
  const deadline = Date.now() + SESSION_PROBE_MS;
  await Promise.all(
    before.map(async ({ visitor, cookie }) => {
      const probe = visitor.browser;
      while (Date.now() < deadline) {
        const answer = await probe
          .request(`${gateway}/api/me`, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) })
          .catch(() => undefined);
        await answer?.body?.cancel();
        const same = probe.jar.get(SESSION_COOKIE)?.value === cookie;
        if (answer?.status === 200 && same) return;
        if (answer?.status === 401 || !same) break;
        await sleep(500);
      }
      lost.push(visitor.email ?? "anonymous");
    }),
  );
  return { loggedIn: before.length, survived: before.length - lost.length, lost };
}

export interface FaultOutcome {
  windows: FaultWindow[];
  sessions: SessionSurvival | undefined;
  /** The killed replica, and when it was started again. */
  killed: { replica: string; restartedAt: number } | undefined;
}

/** Runs the plan against the stack; resolves once the last fault recovered. */
export async function injectFaults(options: {
  stack: Stack;
  plan: FaultPlan;
  recorder: Recorder;
  traffic: Traffic;
  progress: (line: string) => void;
  /** Set while a fault is in progress: a service may then be down on purpose. */
  injecting: { now: boolean };
}): Promise<FaultOutcome> {
  const { stack, plan, recorder, progress, injecting } = options;
  const windows: FaultWindow[] = [];
  const waitUntil = async (at: number) => {
    const ms = at - recorder.now();
    if (ms > 0) await sleep(ms);
  };
  const window = async (fault: string, inject: () => Promise<void>) => {
    const injectedAt = recorder.now();
    progress(`${fault}…`);
    injecting.now = true;
    try {
      await inject();
    } finally {
      injecting.now = false;
    }
    windows.push({ fault, injectedAt, recoveredAt: recorder.now() });
    progress(`${fault}: recovered after ${((recorder.now() - injectedAt) / 1000).toFixed(1)} s`);
  };

  await waitUntil(plan.redisAt);
  await window("Redis restarted", () => stack.restartRedis());
  await waitUntil(plan.postgresAt);
  await window("Postgres restarted", () => stack.restartPostgres());
  await waitUntil(plan.killGatewayAt);

  const replica = "gateway-1";
  let sessions: SessionSurvival | undefined;
  await window(`${replica} killed, then started again`, async () => {
    // No visitor logs out on purpose meanwhile: every session lost is the fault's.
    options.traffic.allowLogouts(false);
    const before = options.traffic.visitors
      .filter((v) => v.loggedIn && !v.loggingOut)
      .map((v) => ({ visitor: v, cookie: v.browser.jar.get(SESSION_COOKIE)?.value ?? "" }));
    await stack.killGateway(replica);
    const down = sleep(plan.gatewayDownMs);
    sessions = await sessionsAfterKill(stack.urls.gateway, before);
    progress(`sessions after ${replica}'s death: ${sessions.survived}/${sessions.loggedIn} kept`);
    options.traffic.allowLogouts(true);
    await down;
    await stack.startGateway(replica);
  });
  return { windows, sessions, killed: { replica, restartedAt: windows.at(-1)!.recoveredAt } };
}
