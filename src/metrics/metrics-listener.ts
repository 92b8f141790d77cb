import type { RequestListener } from "node:http";
import type { Metrics } from "./metrics.js";

/**
 * `GET /metrics` for Prometheus, alone on a listener main.ts binds to METRICS_HOST:METRICS_PORT (loopback
 * by default): the text exposition format of the process's registry, and 404 for anything else. Never
 * mounted on the public app — the figures (routes, outcomes, errors) are for operators, not visitors.
 */
export function metricsHandler(metrics: Metrics): RequestListener {
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("metrics unavailable\n");
      },
    );
  };
}
