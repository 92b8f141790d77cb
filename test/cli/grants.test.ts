import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { runCli, type CliIo } from "../../src/cli/run.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { createTestDatabase } from "../support/services.js";

function io(env: Record<string, string>): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    env,
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

describe("pilotage grants", () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let db: Database;
  before(async () => {
    fresh = await createTestDatabase("cli");
    env = { DATABASE_URL: fresh.url, LOG_LEVEL: "silent" };
    db = await openDatabase({ name: "check", url: fresh.url, pgliteDataDir: "memory://" });
  });
  after(async () => {
    await db.close();
    await fresh.drop();
  });

  it("adds a grant for a région, lists it, revokes it, each step audited", async () => {
    const add = io(env);
    const code = await runCli(
      [
        "grants",
        "add",
        "--email",
        "Nouvel.Agent@Travail.gouv.fr",
        "--kind",
        "dreets",
        "--organisation",
        "DREETS Bretagne",
        "--region",
        "53",
        "--by",
        "admin@demo.pilotage.test",
        "--json",
      ],
      add,
    );
    assert.equal(code, 0, add.err);
    const created = JSON.parse(add.out);
    assert.equal(created.subjectEmail, "nouvel.agent@travail.gouv.fr");
    assert.deepEqual(created.perimeter, { departements: ["22", "29", "35", "56"], region: "53" });

    const listed = io(env);
    assert.equal(await runCli(["grants", "list"], listed), 0);
    assert.match(
      listed.out,
      new RegExp(`^#${created.id}\\tactif\\tnouvel.agent@travail.gouv.fr\\tdreets\\tDREETS Bretagne\\t`, "m"),
    );

    const revoked = io(env);
    assert.equal(
      await runCli(["grants", "revoke", String(created.id), "--by", "admin@demo.pilotage.test"], revoked),
      0,
    );
    assert.match(revoked.out, /^Accès révoqué : #\d+\trévoqué/);

    const again = io(env);
    assert.equal(
      await runCli(["grants", "revoke", String(created.id), "--by", "admin@demo.pilotage.test"], again),
      1,
    );
    assert.match(again.err, /Aucun accès actif n'a le numéro/);

    const actions = (await readAudit(db)).map((a) => a.action);
    assert.deepEqual(actions, ["grant.revoked", "grant.created"]);
  });

  it("explains what is missing instead of guessing", async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        [
          "grants",
          "add",
          "--email",
          "a@b.fr",
          "--kind",
          "ddets",
          "--organisation",
          "X",
          "--departements",
          "93",
        ],
        /--by VOTRE_ADRESSE/,
      ],
      [
        ["grants", "add", "--kind", "ddets", "--organisation", "X", "--departements", "93", "--by", "a"],
        /--email ADRESSE ou --sub/,
      ],
      [
        ["grants", "add", "--email", "a@b.fr", "--kind", "chef", "--organisation", "X", "--by", "a"],
        /--kind doit être l'un de/,
      ],
      [["grants", "frobnicate"], /Action inconnue : frobnicate/],
    ];
    for (const [args, message] of cases) {
      const out = io(env);
      assert.equal(await runCli(args, out), 2, args.join(" "));
      assert.match(out.err, message);
    }
    const noScope = io(env);
    assert.equal(
      await runCli(
        ["grants", "add", "--email", "a@b.fr", "--kind", "ddets", "--organisation", "X", "--by", "a"],
        noScope,
      ),
      1,
    );
    assert.match(noScope.err, /Précisez le périmètre/);
    const badRegion = io(env);
    assert.equal(
      await runCli(
        [
          "grants",
          "add",
          "--email",
          "a@b.fr",
          "--kind",
          "dreets",
          "--organisation",
          "X",
          "--region",
          "99",
          "--by",
          "a",
        ],
        badRegion,
      ),
      1,
    );
    assert.match(badRegion.err, /n'est pas un code de région INSEE/);
  });
});
