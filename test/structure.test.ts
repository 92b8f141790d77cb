import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

/**
 * The architecture, checked: one boundary per external system (STYLE.md §9), one reader of the
 * environment, and arrows that point one way.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const SRC = path.join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const files = sourceFiles(SRC).map((file) => ({
  file: path.relative(ROOT, file),
  text: fs.readFileSync(file, "utf8"),
}));

/** Module specifiers a file needs at run time (type-only imports excluded). */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/gms)) {
    if (!m[1]) specs.push(m[2]!);
  }
  for (const m of text.matchAll(/import\s*\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) specs.push(m[1]!);
  return specs;
}

/** Library → the only folder (or file) of src/ allowed to import it. */
const BOUNDARIES: Record<string, string> = {
  "openid-client": "src/auth/",
  "oidc-provider": "src/demo-idp/",
  axios: "src/metabase/",
  jsonwebtoken: "src/embed/",
  "@electric-sql/pglite": "src/storage/",
  ioredis: "src/storage/",
};

describe("structure", () => {
  it("has source files to check", () => {
    assert.ok(files.length > 10);
  });

  it("reads process.env only in src/config.ts", () => {
    const readers = files.filter((f) => /process\.env/.test(f.text)).map((f) => f.file);
    assert.deepEqual(readers, ["src/config.ts"]);
  });

  for (const [library, home] of Object.entries(BOUNDARIES)) {
    it(`imports ${library} only from ${home}`, () => {
      const offenders = files
        .filter((f) => !f.file.startsWith(home))
        .filter((f) => importsOf(f.text).some((spec) => spec === library || spec.startsWith(`${library}/`)))
        .map((f) => f.file);
      assert.deepEqual(offenders, []);
    });
  }

  it("never imports exceljs from src/: a dev dependency, to read the XLSX exports back in tests", () => {
    const offenders = files.filter((f) => importsOf(f.text).includes("exceljs")).map((f) => f.file);
    assert.deepEqual(offenders, []);
  });

  it("never imports test/ or scripts/ from src/", () => {
    const offenders = files
      .filter((f) =>
        importsOf(f.text).some((spec) => /(^|\/)(test|scripts)\//.test(spec) && spec.startsWith(".")),
      )
      .map((f) => f.file);
    assert.deepEqual(offenders, []);
  });

  it("keeps src/http/ free of feature imports", () => {
    const allowed = new Set(["errors.js", "logging.js", "config.js", "project-root.js", "deadline.js"]);
    const offenders = files
      .filter((f) => f.file.startsWith("src/http/"))
      .flatMap((f) =>
        importsOf(f.text)
          .filter((spec) => spec.startsWith("../"))
          .filter((spec) => !allowed.has(spec.slice(3)))
          .map((spec) => `${f.file} → ${spec}`),
      );
    assert.deepEqual(offenders, []);
  });

  it("keeps the Metabase test server independent of the gateway's renderer: nothing it imports reaches src/template/", () => {
    // The test server checks src/template/ against its own reading of Metabase's source (issue 16): were it to
    // import the renderer, even through another module, it would check it against itself.
    const serverDir = path.join(ROOT, "test/support/metabase-server");
    const start = sourceFiles(serverDir);
    assert.ok(start.length > 10);
    const seen = new Set<string>();
    const offenders: string[] = [];
    const queue = start.map((file) => ({ file, via: path.relative(ROOT, file) }));
    while (queue.length > 0) {
      const { file, via } = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      if (file.startsWith(path.join(SRC, "template") + path.sep)) {
        offenders.push(via);
        continue;
      }
      const text = fs.readFileSync(file, "utf8");
      const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.[^"']+)["']/g)].map((m) => m[1]!);
      for (const spec of specs) {
        const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts"));
        if (fs.existsSync(target))
          queue.push({ file: target, via: `${via} → ${path.relative(ROOT, target)}` });
      }
    }
    assert.deepEqual(offenders, []);
  });

  it("imports src/demo/ only from the demo's own parts (provider, synthetic warehouse, main.ts), never from features", () => {
    const allowed = ["src/demo/", "src/demo-idp/", "src/warehouse/", "src/main.ts"];
    const offenders = files
      .filter((f) => !allowed.some((prefix) => f.file.startsWith(prefix)))
      .flatMap((f) =>
        importsOf(f.text)
          .filter((spec) => spec.startsWith("."))
          .map((spec) => path.posix.join(path.posix.dirname(f.file), spec))
          .filter((target) => target.startsWith("src/demo/"))
          .map((target) => `${f.file} → ${target}`),
      );
    assert.deepEqual(offenders, []);
  });

  it("has no utils/common/lib/helpers buckets", () => {
    const buckets = files.filter((f) => /\/(utils|common|lib|helpers)\//.test(f.file)).map((f) => f.file);
    assert.deepEqual(buckets, []);
  });
});
