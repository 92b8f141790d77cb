import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { commands, runCli, type CliIo } from "../../src/cli/run.js";
import { PROJECT_ROOT } from "../../src/project-root.js";

function io(): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

describe("pilotage CLI", () => {
  it("prints its usage on stderr and exits 64 without a command", async () => {
    const out = io();
    assert.equal(await runCli([], out), 64);
    assert.equal(out.out, "");
    assert.match(out.err, /^Usage : pilotage <commande> \[options\]/);
  });

  it("names an unknown command and exits 64", async () => {
    const out = io();
    assert.equal(await runCli(["frobnicate"], out), 64);
    assert.match(out.err, /^Commande inconnue : frobnicate\.\n/);
  });

  it("prints its version and Node's", async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    const out = io();
    assert.equal(await runCli(["--version"], out), 0);
    assert.equal(out.out, `pilotage ${version} (Node ${process.version})\n`);
  });

  // Every command, so that a new one cannot forget: a usage error is 64 and French, never 2 (plan's
  // « changes pending »), and --help lists the exit codes.
  for (const [name, command] of Object.entries(commands())) {
    const prefix =
      name === "grants" ? ["grants", "list"] : name === "metabase" ? ["metabase", "bootstrap"] : [name];

    it(`${name}: an unknown option exits 64 with a French message pointing at --help`, async () => {
      const out = io();
      assert.equal(await runCli([...prefix, "--frobnicate"], out), 64);
      assert.equal(out.err, `Option inconnue : --frobnicate.\nVoir : pilotage ${name} --help\n`);
      assert.equal(out.out, "");
    });

    it(`${name}: --help lists every exit code, 64 for usage errors`, async () => {
      const out = io();
      assert.equal(await runCli([name, "--help"], out), 0);
      const codes = out.out.slice(out.out.indexOf("Codes de sortie :\n"));
      assert.ok(codes.length > 0, out.out);
      const listed = [...codes.matchAll(/^ +(\d+) {2}/gm)].map((m) => Number(m[1]));
      assert.deepEqual(
        listed,
        Object.keys({ ...command.exitCodes, 3: "", 64: "" })
          .map(Number)
          .sort((a, b) => a - b),
      );
      assert.ok(listed.includes(64));
      assert.equal(listed.includes(2), name === "plan", "2 means « changes pending », for plan only");
    });
  }

  it("says in French what a value-taking option misses, and refuses stray arguments", async () => {
    const missing = io();
    assert.equal(await runCli(["validate", "--root"], missing), 64);
    assert.equal(
      missing.err,
      "L'option --root attend une valeur (pour une valeur qui commence par un tiret : --root=-valeur).\nVoir : pilotage validate --help\n",
    );
    const stray = io();
    assert.equal(await runCli(["validate", "sql/"], stray), 64);
    assert.equal(stray.err, "Argument inattendu : sql/.\nVoir : pilotage validate --help\n");
    const flag = io();
    assert.equal(await runCli(["validate", "--json=oui"], flag), 64);
    assert.equal(flag.err, "L'option --json ne prend pas de valeur.\nVoir : pilotage validate --help\n");
    const format = io();
    assert.equal(await runCli(["plan", "--format", "yaml"], format), 64);
    assert.equal(
      format.err,
      "--format : « yaml » inconnu (attendu : texte, json, markdown).\nVoir : pilotage plan --help\n",
    );
    const sub = io();
    assert.equal(await runCli(["metabase", "install"], sub), 64);
    assert.equal(
      sub.err,
      "Sous-commande inconnue : install (attendu : metabase bootstrap).\nVoir : pilotage metabase --help\n",
    );
  });
});
