/**
 * The load side of `npm run bench -- login` and `-- embed`, run in its own process so that the client's work does not
 * share the servers' event loop. Prints one JSON line: { count, seconds, perSecond, p50Ms, p99Ms, latenciesMs }
 * (every latency, sorted, to the microsecond: the embed bench merges the slices of one load).
 *
 *   tsx scripts/bench/load-client.ts logins <gatewayUrl> <email> <concurrency> <count>
 *   tsx scripts/bench/load-client.ts get <url> <cookie|-> <concurrency> <seconds>
 */
import http from "node:http";
import { loginAs } from "../../test/support/login.js";

const [mode, target = "", extra = "", concurrencyArg = "1", amountArg = "1"] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const amount = Number(amountArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function getOnce(url: URL, cookie: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: cookie ? { cookie } : {} }, (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
  });
}

const latencies: number[] = [];
const started = performance.now();
if (mode === "logins") {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < amount) {
        next++;
        const t0 = performance.now();
        await loginAs(target, extra);
        latencies.push(performance.now() - t0);
      }
    }),
  );
} else if (mode === "get") {
  const url = new URL(target);
  const cookie = extra === "-" ? undefined : extra;
  const deadline = started + amount * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await getOnce(url, cookie);
        latencies.push(performance.now() - t0);
      }
    }),
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    count: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    latenciesMs: latencies.map((ms) => Math.round(ms * 1000) / 1000),
  }),
);
agent.destroy();
