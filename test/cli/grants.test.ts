import assert from "node:assert/strict";
import { readAudit } from "../../src/audit/audit-log.js";
import { runCli, type CliIo } from "../../src/cli/run.js";
import { listGrants } from "../../src/perimeter/grants.js";
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

  it("rebinds a grant to another ProConnect account, then unbinds it, each step audited", async () => {
    const add = io(env);
    const args = ["grants", "add", "--email", "rebind@exemple.test", "--kind", "ddets"];
    args.push("--organisation", "DDETS 93", "--departements", "93", "--by", "admin@demo.pilotage.test");
    assert.equal(await runCli([...args, "--json"], add), 0, add.err);
    const id = String(JSON.parse(add.out).id);

    const bound = io(env);
    const rebind = ["grants", "rebind", id, "--sub", "sub-nouveau", "--idp-id", "idp-travail"];
    assert.equal(await runCli([...rebind, "--by", "admin@demo.pilotage.test"], bound), 0, bound.err);
    assert.match(bound.out, new RegExp(`^Accès rattaché : #${id}\\tactif\\trebind@exemple.test\\tddets\\t`));
    // No REDIS_URL here: nothing to end in this process, and it says when the change takes effect.
    assert.match(bound.out, /\nElles cesseront de valoir à la prochaine connexion de la personne\.\n$/);
    const rebound = (await listGrants(db)).find((g) => String(g.id) === id);
    assert.deepEqual([rebound?.subjectSub, rebound?.boundIdpId], ["sub-nouveau", "idp-travail"]);

    const unbound = io(env);
    assert.equal(
      await runCli(["grants", "rebind", id, "--unbind", "--by", "admin@demo.pilotage.test"], unbound),
      0,
      unbound.err,
    );
    const after = (await listGrants(db)).find((g) => String(g.id) === id);
    assert.deepEqual([after?.subjectSub, after?.boundIdpId], [null, null]);

    const audit = (await readAudit(db, { limit: 2 })).map((a) => [a.action, a.details]);
    assert.deepEqual(audit, [
      [
        "grant.rebound",
        {
          subjectEmail: "rebind@exemple.test",
          before: { sub: "sub-nouveau", idpId: "idp-travail" },
          after: { sub: null, idpId: null },
        },
      ],
      [
        "grant.rebound",
        {
          subjectEmail: "rebind@exemple.test",
          before: { sub: null, idpId: null },
          after: { sub: "sub-nouveau", idpId: "idp-travail" },
        },
      ],
    ]);

    const missing = io(env);
    assert.equal(await runCli(["grants", "rebind", "999999", "--unbind", "--by", "a"], missing), 1);
    assert.equal(missing.err, "Aucun accès actif n'a le numéro 999999.\n");
  });

  it("refuses a malformed rebind with exit 64 before touching the database", async () => {
    const cases: Array<[string[], string]> = [
      [
        ["grants", "rebind", "1", "--by", "a"],
        "Indiquez le nouveau compte avec --sub (et --idp-id), ou --unbind pour délier l'accès.",
      ],
      [
        ["grants", "rebind", "1", "--sub", "s", "--unbind", "--by", "a"],
        "Indiquez le nouveau compte avec --sub (et --idp-id), ou --unbind pour délier l'accès.",
      ],
      [
        ["grants", "rebind", "1", "--unbind", "--idp-id", "x", "--by", "a"],
        "--idp-id précise le fournisseur du compte donné par --sub, avec `grants rebind` seulement.",
      ],
      [
        ["grants", "rebind", "1e0", "--unbind", "--by", "a"],
        "Donnez le numéro de l'accès (des chiffres seulement, voir `pilotage grants list`) : « 1e0 » n'en est pas un.",
      ],
      [
        ["grants", "rebind", "1", "2", "--unbind", "--by", "a"],
        "Donnez le numéro de l'accès (des chiffres seulement, voir `pilotage grants list`) : « 1 2 » n'en est pas un.",
      ],
      [
        ["grants", "rebind", "1", "--unbind"],
        "Indiquez qui fait le changement avec --by VOTRE_ADRESSE (il est inscrit au journal d'audit).",
      ],
    ];
    const auditBefore = (await readAudit(db, { limit: 1 }))[0]?.id;
    for (const [args, message] of cases) {
      // A DATABASE_URL nobody can reach: a usage error must be told before any connection.
      const out = io({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", LOG_LEVEL: "silent" });
      assert.equal(await runCli(args, out), 64, args.join(" "));
      assert.equal(out.err, `${message}\nVoir : pilotage grants --help\n`, args.join(" "));
    }
    assert.equal((await readAudit(db, { limit: 1 }))[0]?.id, auditBefore);
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
      assert.equal(await runCli(args, out), 64, args.join(" "));
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

  it("needs only DATABASE_URL in production, and refuses to fall back on a local PGlite without it", async () => {
    const production = io({ NODE_ENV: "production", LOG_LEVEL: "silent" });
    assert.equal(await runCli(["grants", "list"], production), 3);
    assert.equal(
      production.err,
      "Configuration invalide :\n  - DATABASE_URL : obligatoire en production (la base de la passerelle : accès, table metabase_objects)\nCorrigez ces variables (voir .env.example) puis relancez.\n",
    );
    const listed = io({ NODE_ENV: "production", DATABASE_URL: fresh.url, LOG_LEVEL: "silent" });
    assert.equal(await runCli(["grants", "list"], listed), 0, listed.err);
  });
});
