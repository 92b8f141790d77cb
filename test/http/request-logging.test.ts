import assert from "node:assert/strict";
import express from "express";
import request from "supertest";
import { requestLogging } from "../../src/http/request-logging.js";
import { createLogger } from "../../src/logging.js";
import { captureLogger } from "../support/app.js";

/**
 * One line per request (status, duration, method and path without the query string), the request id on
 * every line a handler logs, nothing for the health checks — and no per-request logger made unless a
 * handler asks for one (src/http/request-logging.ts).
 */
function appWith(logger = captureLogger("info")) {
  const app = express();
  app.use(requestLogging(logger.logger));
  app.get("/quiet", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/chatty", (req, res) => {
    req.log.info({ detail: "something" }, "handler says");
    res.status(404).json({ ok: false });
  });
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  return { app, lines: logger.lines };
}

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const without = (line: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(Object.entries(line).filter(([key]) => !keys.includes(key)));

describe("request logging", () => {
  it("logs one line per request, with its id, method and path but never its query string", async () => {
    const { app, lines } = appWith();
    const res = await request(app)
      .get("/quiet?code=secret-authorization-code")
      .set("Cookie", "a=b")
      .expect(200);
    const id = res.headers["x-request-id"];
    assert.match(id ?? "", /^[0-9a-f-]{36}$/);
    const [line, ...others] = parsed(lines);
    assert.deepEqual(others, []);
    assert.equal(typeof line!.responseTime, "number");
    assert.deepEqual(without(line!, "time", "pid", "hostname", "responseTime"), {
      level: 30,
      service: "pilotage-gateway",
      req: { id, method: "GET", path: "/quiet" },
      res: { statusCode: 200 },
      msg: "request completed",
    });
    assert.ok(!lines.join("\n").includes("secret-authorization-code"));
  });

  it("stamps the request on what a handler logs, and logs a 4xx as a warning", async () => {
    const { app, lines } = appWith();
    const res = await request(app).get("/chatty").expect(404);
    const id = res.headers["x-request-id"];
    assert.deepEqual(
      parsed(lines).map((line) => without(line, "time", "pid", "hostname", "responseTime")),
      [
        {
          level: 30,
          service: "pilotage-gateway",
          req: { id, method: "GET", path: "/chatty" },
          detail: "something",
          msg: "handler says",
        },
        {
          level: 40,
          service: "pilotage-gateway",
          req: { id, method: "GET", path: "/chatty" },
          res: { statusCode: 404 },
          msg: "request completed",
        },
      ],
    );
  });

  it("leaves the health checks out", async () => {
    const { app, lines } = appWith();
    await request(app).get("/healthz").expect(200);
    assert.deepEqual(lines, []);
  });

  it("makes no per-request logger when nothing is written", async () => {
    const logger = createLogger("silent");
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => (
      children++,
      child(...args)
    )) as typeof logger.child;
    const { app } = appWith({ logger, lines: [] });
    await request(app).get("/quiet").expect(200);
    await request(app).get("/chatty").expect(404);
    assert.equal(children, 0);
  });

  it("gives each request its logger without defining a property on it (V8 keeps the request's shape)", async () => {
    const { logger, lines } = captureLogger("info");
    const app = express();
    app.use(requestLogging(logger));
    let own: PropertyDescriptor | undefined = {};
    app.get("/look", (req, res) => {
      own = Object.getOwnPropertyDescriptor(req, "log");
      req.log.info("from the handler");
      res.json({ ok: true });
    });
    const res = await request(app).get("/look").expect(200);
    assert.equal(own, undefined, "req.log is read through the prototype's accessor");
    const handlerLine = parsed(lines).find((line) => line.msg === "from the handler");
    assert.deepEqual(handlerLine?.req, { id: res.headers["x-request-id"], method: "GET", path: "/look" });
  });
});
