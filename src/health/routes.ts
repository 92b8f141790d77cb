import { Router } from "express";
import { withDeadline } from "../deadline.js";

export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2_000;

/**
 * A check under a deadline of its own, which the storage layer enforces (and cancels at); the race is
 * for checks that do not read it (Redis has its own command timeout).
 */
async function withTimeout(check: ReadinessCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      withDeadline(CHECK_TIMEOUT_MS, check),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), CHECK_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process answers. `/readyz`: every dependency answers; a 503 names the failing ones
 * (names only, never a URL or an error message that could carry a secret).
 */
export function healthRouter(checks: Record<string, ReadinessCheck>): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check);
          return [name, "ok"] as const;
        } catch (error) {
          req.log?.warn({ dependency: name, reason: (error as Error)?.message }, "readiness check failed");
          return [name, "unavailable"] as const;
        }
      }),
    );
    const failing = results.filter(([, state]) => state !== "ok").map(([name]) => name);
    res.status(failing.length === 0 ? 200 : 503).json({
      status: failing.length === 0 ? "ok" : "unavailable",
      failing,
      checks: Object.fromEntries(results),
    });
  });
  return router;
}
