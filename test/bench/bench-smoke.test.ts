import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { createTestDatabase } from "../support/services.js";

const run$ = promisify(execFile);

/**
 * The HTTP benchmarks run for a fraction of a second each, so that one that no longer works (the login
 * bench once ended on a 500 for months: it placed people through a warehouse it never seeded) fails
 * here rather than on the day someone needs its figures. The figures themselves are not checked: timed
 * assertions have no place in tests. Each gets its own gateway database (the embed bench binds and
 * verifies a dashboard, which other suites must not see). None seeds more than scale 0.05: the pages
 * bench's scale 10 (two minutes of seeding) is for `npm run bench`, never for `npm test`.
 */
describe("benchmarks still run (a fraction of a second each, figures not checked)", function () {
  this.timeout(180_000);

  const bench = async (...args: string[]) => {
    const fresh = await createTestDatabase("bench");
    try {
      const { stdout } = await run$(process.execPath, ["--import", "tsx", "scripts/bench/main.ts", ...args], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, TEST_DATABASE_URL: fresh.url },
        maxBuffer: 1 << 22,
      });
      return stdout;
    } finally {
      await fresh.drop();
    }
  };

  it("embed: prints each row, both ratios, and one audit row per URL issued", async () => {
    const out = await bench("embed", "--seconds", "0.2", "--clients", "1,2", "--rounds", "1");
    const rows = out.split("\n").filter((line) => /^ {2}\S/.test(line));
    for (const name of ["bare Express handler", "bare + Redis GET + INSERT", "GET /api/me", "GET …/embed"]) {
      const measured = rows.filter((line) => line.trim().startsWith(name) && / req\/s /.test(line));
      assert.equal(measured.length, 2, `${name} at 1 and 2 clients:\n${out}`);
    }
    assert.match(out, /ratio \(embed \/ bare\): throughput \d+\.\d\d/);
    assert.match(out, /embed \/ \(bare \+ its I\/O\): \d+\.\d\d/);
    assert.match(out, /gateway database: Postgres WITHOUT durability/);
    const issued = Number(/audit rows written during the run: (\d+)/.exec(out)?.[1]);
    assert.ok(issued > 0, out);
  });

  it("pages: EXPLAINs every card, views three perimeters and a public page, at scale 0.05", async () => {
    const out = await bench(
      "pages",
      "--scale",
      "0.05",
      "--views",
      "2",
      "--seconds",
      "0.2",
      "--concurrency",
      "2",
    );
    assert.match(out, /warehouse at scale 0\.05 \(/);
    assert.match(out, /DDETS 93 .* iae\/candidatures-par-etat +\d+\.\d ms +\d+ pages {2}\S/);
    for (const scope of ["national", "regional", "département"]) {
      assert.match(out, new RegExp(`${scope} +first +\\d+ ms +next +\\d+\\.\\d ms`), out);
    }
    assert.match(out, /→ public page \/ bare: \d+\.\d\d/);
  });

  it("login: logs people in through the whole flow and compares the session lookup", async () => {
    const out = await bench("login", "--logins", "3", "--seconds", "0.2", "--concurrency", "2");
    assert.match(out, /1 client\s+\d+\.\d logins\/s/);
    assert.match(out, /→ session lookup: \d+\.\d× the bare handler's server time/);
  });
});
