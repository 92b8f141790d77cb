import assert from "node:assert/strict";
import type { Express } from "express";
import { createApp } from "../../src/app.js";
import { DEMO_ACCOUNTS } from "../../src/demo/accounts.js";
import { DashboardListSchema, MeSchema, openApiDocument } from "../../src/openapi/document.js";
import { ApiErrorSchema, ExportJsonSchema, QuestionListSchema } from "../../src/questions/api-schemas.js";
import { openTestStack, type TestStack } from "../support/app.js";
import { startLoginStack, type LoginStack } from "../support/auth-stack.js";
import { loginAs } from "../support/login.js";
import { ownUnknownAccount } from "../support/unknown-account.js";

/**
 * `/api/openapi.json` stays true: every route under /api/ that Express serves is documented with its
 * method, every documented operation is served (or marked planned, and then not served yet), every
 * reference resolves, and real answers of the API parse with the schemas the document is built from.
 */

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: unknown;
}

/** Every `METHOD /path` Express would route, with mount prefixes, in OpenAPI's `{param}` spelling. */
export function servedOperations(app: Express): Set<string> {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          const openApiPath = `${prefix}${path}`.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
          for (const method of Object.keys(layer.route.methods)) {
            if (method !== "_all") found.add(`${method.toUpperCase()} ${openApiPath}`);
          }
        }
      } else if (layer.handle.stack) {
        const mount = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
        assert.ok(
          mount === "" || typeof layer.rawPath === "string",
          "a router mounted under a pattern cannot be read",
        );
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  return new Set([...found].filter((op) => op.split(" ")[1]!.startsWith("/api/")));
}

// An unknown person of our own stays unplaced whatever another suite did with an unknown person.
const UNPLACED = ownUnknownAccount("openapi");

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

function documentedOperations() {
  const operations = new Map<string, { planned: boolean; operation: Record<string, unknown> }>();
  for (const [path, item] of Object.entries(openApiDocument().paths)) {
    for (const method of HTTP_METHODS) {
      if (item[method]) {
        operations.set(`${method.toUpperCase()} ${path}`, {
          planned: item["x-pilotage-planned"] !== undefined,
          operation: item[method] as Record<string, unknown>,
        });
      }
    }
  }
  return operations;
}

describe("OpenAPI document (issue 10)", function () {
  this.timeout(60_000);

  describe("in sync with the routes", () => {
    let stack: TestStack;
    before(async () => {
      stack = await openTestStack({ redis: "none" });
    });
    after(() => stack.close());

    it("documents every /api/ route Express serves, and serves every documented one not planned", () => {
      const served = servedOperations(createApp(stack.deps));
      assert.ok(served.has("GET /api/questions/{key}/data"), [...served].join(", "));
      const documented = documentedOperations();
      const undocumented = [...served].filter((op) => !documented.has(op));
      assert.deepEqual(undocumented, [], "routes missing from src/openapi/document.ts");
      for (const [op, { planned }] of documented) {
        if (planned) {
          assert.ok(
            !served.has(op),
            `${op} is served now: remove its x-pilotage-planned mark and check its description in src/openapi/document.ts`,
          );
        } else {
          assert.ok(served.has(op), `${op} is documented but no route serves it`);
        }
      }
    });

    it("is OpenAPI 3.1 whose references resolve and whose path parameters are declared", () => {
      const document = openApiDocument();
      assert.equal(document.openapi, "3.1.0");
      const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
      const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(refs.length > 5);
      for (const ref of refs) {
        const id = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
        assert.ok(id && schemas[id], `unresolved ${ref}`);
      }
      // Scripts read the exports by column key; the document gives each key its French label (issue 17).
      assert.deepEqual((schemas.Question as { properties: Record<string, unknown> }).properties.columns, {
        type: "array",
        items: { $ref: "#/components/schemas/QuestionColumn" },
        description: "The columns of the data, in order, with their French labels (empty while undescribed).",
      });
      assert.deepEqual((schemas.QuestionColumn as { required: string[] }).required, [
        "name",
        "label",
        "kind",
      ]);
      const ids = new Set<string>();
      for (const [op, { operation }] of documentedOperations()) {
        const id = String(operation.operationId);
        assert.ok(!ids.has(id), `operationId ${id} twice`);
        ids.add(id);
        const declared = ((operation.parameters ?? []) as Array<{ name: string; in: string }>)
          .filter((p) => p.in === "path")
          .map((p) => p.name);
        const inPath = [...op.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        assert.deepEqual(declared, inPath, op);
      }
    });
  });

  describe("describes what the API really answers", () => {
    let stack: LoginStack;
    before(async () => {
      stack = await startLoginStack({
        env: { EXPORT_RATE_LIMIT_PER_MINUTE: "100000" },
        provider: { accounts: [...DEMO_ACCOUNTS, UNPLACED] },
      });
    });
    after(() => stack.close());

    it("serves the document at /api/openapi.json without login", async () => {
      const response = await fetch(`${stack.baseUrl}/api/openapi.json`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type")!, /^application\/json/);
      assert.deepEqual(await response.json(), JSON.parse(JSON.stringify(openApiDocument())));
    });

    it("matches /api/me, /api/questions and the JSON export for logged-in, unplaced and anonymous callers", async () => {
      for (const email of ["agent.ddets93@demo.pilotage.test", "direction.reseau@demo.pilotage.test"]) {
        const browser = await loginAs(stack.baseUrl, email);
        const me = MeSchema.parse(await (await browser.get(`${stack.baseUrl}/api/me`)).json());
        assert.equal(me.email, email);
        const list = QuestionListSchema.parse(
          await (await browser.get(`${stack.baseUrl}/api/questions`)).json(),
        );
        const data = await browser.get(`${stack.baseUrl}${list.questions[0]!.data.json}`);
        assert.equal(data.status, 200);
        ExportJsonSchema.parse(await data.json());
        const dashboards = DashboardListSchema.parse(
          await (await browser.get(`${stack.baseUrl}/api/dashboards`)).json(),
        );
        assert.ok(dashboards.dashboards.length > 0);
        // No Metabase in these tests: the embed endpoint answers its documented 503.
        const embed = await browser.get(`${stack.baseUrl}${dashboards.dashboards[0]!.embed}`);
        assert.equal(embed.status, 503);
        ApiErrorSchema.parse(await embed.json());
      }
      const unplaced = await loginAs(stack.baseUrl, UNPLACED.email);
      const me = MeSchema.parse(await (await unplaced.get(`${stack.baseUrl}/api/me`)).json());
      assert.deepEqual([me.profile, me.access], [null, "none"]);
      ApiErrorSchema.parse(await (await unplaced.get(`${stack.baseUrl}/api/questions`)).json());

      ApiErrorSchema.parse(await (await fetch(`${stack.baseUrl}/api/me`)).json());
      QuestionListSchema.parse(await (await fetch(`${stack.baseUrl}/api/questions`)).json());
    });
  });
});
