import assert from "node:assert/strict";
import { runCli, type CliIo } from "../../src/cli/run.js";

function io(): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

describe("pilotage CLI", () => {
  it("prints its usage and exits 2 without a command", async () => {
    const out = io();
    assert.equal(await runCli([], out), 2);
    assert.match(out.out, /^Usage : pilotage <commande> \[options\]/);
  });

  it("names an unknown command and exits 2", async () => {
    const out = io();
    assert.equal(await runCli(["frobnicate"], out), 2);
    assert.match(out.err, /^Commande inconnue : frobnicate/);
  });
});
