import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { runCli, type CliIo } from "../../src/cli/run.js";
import {
  DEMO_EMPLOYER,
  DEMO_INSTITUTIONS,
  DEMO_ORGANISATIONS,
  MINISTRY_DEFAULT_SIRET,
  STAFF_SIRET,
  UNKNOWN_SIRET,
} from "../../src/demo/accounts.js";
import { isValidSiret } from "../../src/siret.js";
import { openDatabase, type Database } from "../../src/storage/database.js";
import { tableChecksums } from "../../src/warehouse/checksum.js";
import { generateWarehouse } from "../../src/warehouse/generate.js";
import { ForeignWarehouseError, SEED_MARK } from "../../src/warehouse/seed-marker.js";
import {
  ensureDemoWarehouse,
  readSeedMetadata,
  seedVersion,
  seedWarehouse,
} from "../../src/warehouse/seed.js";
import { MEMBERS_TABLE, WAREHOUSE_TABLES } from "../../src/warehouse/tables.js";
import { checkTrickyCases, TRICKY_CASES } from "../../src/warehouse/tricky-cases.js";
import { createTestDatabase, testServices } from "../support/services.js";
import { openFreshWarehouse, type FreshWarehouse } from "../support/warehouse-database.js";

const run = promisify(execFile);

/** Small enough to seed three times in a few seconds, large enough to hold every tricky case. */
const SCALE = 0.2;
const SEED = "test-seed";

function io(): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

describe("synthetic warehouse", function () {
  this.timeout(180_000);
  const dropped: Array<() => Promise<void>> = [];
  let pgFirst: Database;
  let pgSecond: Database;
  let pglite: Database;

  before(async () => {
    const first = await openFreshWarehouse("wh");
    const second = await openFreshWarehouse("wh");
    pgFirst = first.db;
    pgSecond = second.db;
    pglite = await openDatabase({ name: "warehouse", url: undefined, pgliteDataDir: "memory://" });
    dropped.push(
      () => pgFirst.close(),
      () => pgSecond.close(),
      () => pglite.close(),
      () => first.drop(),
      () => second.drop(),
    );
    // One after the other: generation and PGlite's COPY hold the event loop, and a Postgres connection
    // waiting behind them would time out.
    for (const db of [pgFirst, pgSecond, pglite]) await seedWarehouse(db, { seed: SEED, scale: SCALE });
  });

  after(async () => {
    for (const drop of dropped) await drop();
  });

  it("gives the same content, table by table, from the same seed on Postgres twice and on PGlite", async () => {
    const [a, b, c] = await Promise.all([pgFirst, pgSecond, pglite].map((db) => tableChecksums(db)));
    assert.deepEqual(Object.keys(a!), [...WAREHOUSE_TABLES.map((t) => t.name), MEMBERS_TABLE.name]);
    for (const table of Object.keys(a!)) assert.ok(a![table]!.rows > 0, `${table} is empty`);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
  });

  it("draws different data from another seed", () => {
    const fingerprint = (seed: string) => {
      const tables = generateWarehouse({ seed, scale: 0.02 });
      const out: Record<string, string> = {};
      for (const { table, rows } of tables) out[table.name] = JSON.stringify([...rows()]);
      return out;
    };
    const one = fingerprint("one");
    const again = fingerprint("one");
    const other = fingerprint("other");
    assert.deepEqual(again, one);
    // Reference geography does not depend on the seed; everything drawn does.
    assert.equal(other.ref_commune, one.ref_commune);
    for (const table of [
      "structures",
      "organisations",
      "candidats",
      "candidatures",
      "pass_iae",
      "esat",
      "membres",
    ]) {
      assert.notEqual(other[table], one[table], `${table} did not change with the seed`);
    }
  });

  it("holds the demo institutions, organisations and structures with the contract's ids and values", async () => {
    const institutions = await pgFirst.query(
      "SELECT id, type, nom, siret, departement, code_region FROM entrepot.institutions WHERE id <= 4 ORDER BY id",
    );
    const { ddets93, dreetsIdf, dgefp, reseau } = DEMO_INSTITUTIONS;
    assert.deepEqual(institutions.rows, [
      {
        id: 1,
        type: ddets93.type,
        nom: ddets93.nom,
        siret: ddets93.siret,
        departement: "93",
        code_region: "11",
      },
      {
        id: 2,
        type: dreetsIdf.type,
        nom: dreetsIdf.nom,
        siret: dreetsIdf.siret,
        departement: null,
        code_region: "11",
      },
      { id: 3, type: dgefp.type, nom: dgefp.nom, siret: dgefp.siret, departement: null, code_region: null },
      {
        id: 4,
        type: reseau.type,
        nom: reseau.nom,
        siret: reseau.siret,
        departement: null,
        code_region: null,
      },
    ]);

    const organisations = await pgFirst.query(
      `SELECT id, type, nom, siret, departement, habilitee, brsa, code_safir, niveau_ft
       FROM entrepot.organisations WHERE id IN (1, 2) ORDER BY id`,
    );
    const { cd33, ft69 } = DEMO_ORGANISATIONS;
    assert.deepEqual(organisations.rows, [
      {
        id: cd33.id,
        type: cd33.type,
        nom: cd33.nom,
        siret: cd33.siret,
        departement: cd33.departement,
        habilitee: true,
        brsa: false,
        code_safir: null,
        niveau_ft: null,
      },
      {
        id: ft69.id,
        type: ft69.type,
        nom: ft69.nom,
        siret: ft69.siret,
        departement: ft69.departement,
        habilitee: true,
        brsa: false,
        code_safir: ft69.codeSafir,
        niveau_ft: ft69.niveauFt,
      },
    ]);
    const safir = await pgFirst.query("SELECT id FROM entrepot.organisations WHERE code_safir = $1", [
      ft69.codeSafir,
    ]);
    assert.deepEqual(safir.rows, [{ id: ft69.id }]);

    const employer = await pgFirst.query(
      `SELECT id, siret, type, nom, departement, categorie_structure, id_asp IS NOT NULL AS conventionnee
       FROM entrepot.structures WHERE left(siret, 9) = $1 ORDER BY id`,
      [DEMO_EMPLOYER.siren],
    );
    assert.deepEqual(
      employer.rows,
      DEMO_EMPLOYER.structures.map((s) => ({
        id: s.id,
        siret: s.siret,
        type: s.type,
        nom: s.nom,
        departement: s.departement,
        categorie_structure: "IAE",
        conventionnee: true,
      })),
    );

    const members = await pgFirst.query<{ id_structure: number }>(
      "SELECT id_structure FROM entrepot.reseaux_adherents WHERE id_institution = $1 ORDER BY id_structure",
      [reseau.id],
    );
    assert.deepEqual(
      members.rows.map((r) => r.id_structure),
      [...reseau.members],
    );
    const memberDepartements = await pgFirst.query<{ n: number }>(
      "SELECT count(DISTINCT departement)::int AS n FROM entrepot.structures WHERE id = ANY($1::int[])",
      [[...reseau.members]],
    );
    assert.ok(memberDepartements.rows[0]!.n >= 3, "the demo network's members sit in several départements");

    const busy = await pgFirst.query<{ id_structure: number; n: number }>(
      `SELECT id_structure, count(*)::int AS n FROM entrepot.candidatures
       WHERE id_structure = ANY($1::int[]) GROUP BY id_structure ORDER BY id_structure`,
      [DEMO_EMPLOYER.structures.map((s) => s.id)],
    );
    assert.deepEqual(
      busy.rows.map((r) => r.id_structure),
      [1001, 1002, 1003],
      "each demo structure receives applications",
    );
  });

  it("holds les emplois' members in schema annuaire: the demo accounts on their organisations, and people for the others", async () => {
    const demo = await pgFirst.query(
      `SELECT email, id_structure, id_organisation, id_institution, role, depuis::text AS depuis
         FROM annuaire.membres WHERE email LIKE '%@demo.pilotage.test' OR email LIKE '%@%-solidaires.test'
             OR email LIKE '%@phocee-insertion.test'
        ORDER BY email, id_structure, id_organisation, id_institution`,
    );
    const member = (email: string, of: Partial<Record<"s" | "o" | "i", number>>, role = "membre") => ({
      email,
      id_structure: of.s ?? null,
      id_organisation: of.o ?? null,
      id_institution: of.i ?? null,
      role,
      depuis: "2022-01-10",
    });
    // PRODUCT.md §6: staff come by grant and the unknown person by nothing, so neither is a member.
    assert.deepEqual(demo.rows, [
      member("agent.cd33@demo.pilotage.test", { o: 1 }),
      member("agent.ddets93@demo.pilotage.test", { i: 1 }),
      member("agent.dgefp@demo.pilotage.test", { i: 3 }),
      member("agent.dreets-idf@demo.pilotage.test", { i: 2 }),
      member("chef.chantier@ateliers-solidaires.test", { s: 1001 }),
      member("conseiller.ft69@demo.pilotage.test", { o: 2 }),
      member("direction.reseau@demo.pilotage.test", { i: 4 }),
      member("direction@phocee-insertion.test", { s: 1004 }, "administrateur"),
      member("employeur.siae@demo.pilotage.test", { s: 1001 }, "administrateur"),
      member("employeur.siae@demo.pilotage.test", { s: 1002 }, "administrateur"),
      member("employeur.siae@demo.pilotage.test", { s: 1003 }, "administrateur"),
    ]);
    const coverage = await pgFirst.query<{ kind: string; without: number }>(
      `SELECT 'structures' AS kind, count(*)::int AS without FROM entrepot.structures s
        WHERE NOT EXISTS (SELECT 1 FROM annuaire.membres m WHERE m.id_structure = s.id)
       UNION ALL SELECT 'organisations', count(*)::int FROM entrepot.organisations o
        WHERE NOT EXISTS (SELECT 1 FROM annuaire.membres m WHERE m.id_organisation = o.id)
       UNION ALL SELECT 'institutions', count(*)::int FROM entrepot.institutions i
        WHERE NOT EXISTS (SELECT 1 FROM annuaire.membres m WHERE m.id_institution = i.id)`,
    );
    assert.deepEqual(
      coverage.rows.map((r) => [r.kind, r.without]),
      [
        ["structures", 0],
        ["organisations", 0],
        ["institutions", 0],
      ],
    );
    const twoEmployers = await pgFirst.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT m.email FROM annuaire.membres m JOIN entrepot.structures s ON s.id = m.id_structure
          GROUP BY m.email HAVING count(DISTINCT left(s.siret, 9)) > 1) x`,
    );
    assert.ok(twoEmployers.rows[0]!.n > 0, "some people work for two employers (two SIRENs)");
    await assert.rejects(
      pgFirst.query(
        "INSERT INTO annuaire.membres (email, id_structure, id_organisation, role, depuis) VALUES ('x@y.test', 1001, 1, 'membre', '2024-01-01')",
      ),
      /membres_une_seule_organisation/,
      "a membership names one structure, organisation or institution",
    );
  });

  it("lets the gateway's reader read the members and Metabase's reader only entrepot, with the grants of docs/warehouse.md", async () => {
    const doc = fs.readFileSync(path.join(import.meta.dirname, "../../docs/warehouse.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Who may read what"));
    const sql = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(sql, "docs/warehouse.md has the grants statement under « Who may read what »");
    const suffix = Math.random().toString(36).slice(2, 8);
    const roles = { gateway: `warehouse_reader_${suffix}`, metabase: `metabase_reader_${suffix}` };
    await pgFirst.exec(`CREATE ROLE ${roles.gateway}; CREATE ROLE ${roles.metabase};`);
    try {
      await pgFirst.exec(
        sql.replaceAll("warehouse_reader", roles.gateway).replaceAll("metabase_reader", roles.metabase),
      );
      const canRead = async (role: string, table: string) =>
        (
          await pgFirst.query<{ ok: boolean }>(
            "SELECT has_schema_privilege($1, split_part($2, '.', 1), 'USAGE') AND has_table_privilege($1, $2, 'SELECT') AS ok",
            [role, table],
          )
        ).rows[0]!.ok;
      assert.deepEqual(
        {
          gatewayMembers: await canRead(roles.gateway, "annuaire.membres"),
          gatewayWarehouse: await canRead(roles.gateway, "entrepot.structures"),
          metabaseMembers: await canRead(roles.metabase, "annuaire.membres"),
          metabaseWarehouse: await canRead(roles.metabase, "entrepot.candidatures"),
        },
        { gatewayMembers: true, gatewayWarehouse: true, metabaseMembers: false, metabaseWarehouse: true },
      );
    } finally {
      await pgFirst.exec(
        `DROP OWNED BY ${roles.gateway}, ${roles.metabase}; DROP ROLE ${roles.gateway}; DROP ROLE ${roles.metabase};`,
      );
    }
  });

  it("holds every tricky case of the service's data", async () => {
    const results = await checkTrickyCases(pgFirst);
    assert.deepEqual(
      results.filter((r) => !r.present).map((r) => `${r.key} (${r.rows})`),
      [],
    );
    assert.equal(results.length, TRICKY_CASES.length);
  });

  it("writes only well-formed SIRETs, and keeps the demo and unknown SIRENs for the demo rows", async () => {
    const { rows } = await pgFirst.query<{ source: string; siret: string }>(
      `SELECT 'structures' AS source, siret FROM entrepot.structures
       UNION ALL SELECT 'organisations', siret FROM entrepot.organisations
       UNION ALL SELECT 'institutions', siret FROM entrepot.institutions
       UNION ALL SELECT 'reseaux_adherents', siret FROM entrepot.reseaux_adherents
       UNION ALL SELECT 'esat', siret FROM entrepot.esat`,
    );
    assert.ok(rows.length > 1000);
    assert.deepEqual(
      rows.filter((r) => !isValidSiret(r.siret)),
      [],
    );
    const absent = [MINISTRY_DEFAULT_SIRET, STAFF_SIRET, UNKNOWN_SIRET];
    assert.deepEqual(
      rows.filter((r) => absent.some((s) => s.slice(0, 9) === r.siret.slice(0, 9))),
      [],
    );
    const structureSirets = await pgFirst.query<{ siret: string; n: number }>(
      "SELECT siret, count(*)::int AS n FROM entrepot.structures GROUP BY siret HAVING count(*) > 1",
    );
    assert.deepEqual(structureSirets.rows, [], "no two structures share a SIRET");
  });

  it("declares the columns of schema.sql exactly, and a perimeter map over real columns", async () => {
    const { rows } = await pgFirst.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'entrepot' AND table_name NOT IN ('metadonnees', 'chargements') ORDER BY table_name, ordinal_position`,
    );
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.table_name] ??= []).push(r.column_name);
    const declared = Object.fromEntries(WAREHOUSE_TABLES.map((t) => [t.name, [...t.columns]]));
    assert.deepEqual(actual, declared);
    for (const table of WAREHOUSE_TABLES) {
      for (const [attribute, columns] of Object.entries(table.perimeter)) {
        for (const column of columns ?? []) {
          assert.ok(table.columns.includes(column), `${table.name}.${column} (${attribute}) is not a column`);
        }
      }
    }
  });

  it("records what generated the data", async () => {
    assert.deepEqual(await readSeedMetadata(pglite), {
      version: seedVersion(),
      seed: SEED,
      scale: SCALE,
      referenceDate: "2026-10-31",
    });
  });
});

describe("pilotage seed and schemas it did not write", function () {
  this.timeout(180_000);
  const ANNUAIRE_DESCRIPTION =
    "Membres des structures, organisations et institutions (données personnelles : jamais accordé au lecteur de Metabase).";
  const ENTREPOT_DESCRIPTION =
    "Entrepôt de Pilotage de l'inclusion (lecture seule pour la passerelle). Données synthétiques quand entrepot.metadonnees existe.";
  const sqlFile = (name: string) =>
    fs.readFileSync(path.join(import.meta.dirname, "../../src/warehouse", name), "utf8");
  let fresh: FreshWarehouse;
  let db: Database;

  beforeEach(async () => {
    fresh = await openFreshWarehouse("whmark");
    db = fresh.db;
  });
  afterEach(async () => {
    await db.close();
    await fresh.drop();
  });

  const seedCli = async (...extra: string[]) => {
    const out = io();
    const code = await runCli(["seed", "--database-url", fresh.url, "--scale", "0.02", ...extra], out);
    return { code, err: out.err };
  };
  const comments = async (on: Database = db) =>
    (
      await on.query(
        `SELECT nspname::text AS schema, obj_description(oid, 'pg_namespace') AS comment
           FROM pg_namespace WHERE nspname IN ('annuaire', 'entrepot') ORDER BY nspname`,
      )
    ).rows;
  const seededComments = [
    { schema: "annuaire", comment: `${SEED_MARK} ${ANNUAIRE_DESCRIPTION}` },
    { schema: "entrepot", comment: `${SEED_MARK} ${ENTREPOT_DESCRIPTION}` },
  ];
  const refusal = (reasons: string[], options: string) =>
    [
      `Entrepôt : Postgres ${new URL(fresh.url).host}${new URL(fresh.url).pathname} — graine « pilotage », échelle 0.02`,
      "« pilotage seed » ne remplace que les schémas qu'il a écrits, et n'a rien modifié :",
      ...reasons,
      "ils peuvent tenir de vraies données (« annuaire » : les membres des emplois, données personnelles).",
      "Vérifiez l'adresse de la base (--database-url, WAREHOUSE_URL). Seulement s'il s'agit d'une base de " +
        `démonstration dont ces données peuvent être perdues, relancez « pilotage seed » avec ${options}.`,
      "",
    ].join("\n");
  const unmarked = (schema: string) =>
    `  - le schéma « ${schema} » existe sans la marque de « pilotage seed » (en tête de son commentaire) ;`;
  const loadCount = async () =>
    (await db.query("SELECT count(*)::int AS n FROM entrepot.chargements")).rows[0];

  it("marks both schemas it writes at the head of their comment, and replaces them on the next run", async () => {
    const first = await seedCli();
    assert.equal(first.code, 0, first.err);
    assert.deepEqual(await comments(), seededComments);
    const second = await seedCli();
    assert.equal(second.code, 0, second.err);
    assert.deepEqual(await comments(), seededComments);
    // Replaced, not appended to: one load marker row, one mark.
    assert.deepEqual(await loadCount(), { n: 1 });
  });

  it("refuses to drop a hand-made annuaire beside a seeded entrepot, --force included, and keeps its members", async () => {
    assert.equal((await seedCli()).code, 0);
    // The data team loads les emplois' members itself, with annuaire.sql.
    await db.exec(
      `DROP SCHEMA annuaire CASCADE; ${sqlFile("annuaire.sql")}
       INSERT INTO annuaire.membres (email, id_structure, role, depuis) VALUES ('vraie.personne@exemple.fr', 1001, 'membre', '2024-01-01');`,
    );
    const members = async () => (await db.query("SELECT email FROM annuaire.membres")).rows;

    assert.deepEqual(await seedCli(), {
      code: 1,
      err: refusal([unmarked("annuaire")], "--replace-foreign-schema annuaire"),
    });
    assert.deepEqual(await seedCli("--force"), {
      code: 64,
      err:
        "--force ne remplace plus un schéma que « pilotage seed » n'a pas écrit : nommez chacun, " +
        "--replace-foreign-schema entrepot ou --replace-foreign-schema annuaire (ses données sont perdues).\n" +
        "Voir : pilotage seed --help\n",
    });
    assert.equal((await seedCli("--replace-foreign-schema", "entrepot")).code, 1);
    await assert.rejects(seedWarehouse(db, { scale: 0.02 }), (error: unknown) => {
      assert.ok(error instanceof ForeignWarehouseError);
      assert.deepEqual(error.schemas, [{ schema: "annuaire" }]);
      return true;
    });
    assert.deepEqual(await members(), [{ email: "vraie.personne@exemple.fr" }]);
    assert.deepEqual(await loadCount(), { n: 1 }, "entrepot was left alone too");

    assert.equal((await seedCli("--replace-foreign-schema", "annuaire")).code, 0);
    assert.deepEqual(await comments(), seededComments);
  });

  it("refuses to drop a hand-made entrepot beside a seeded annuaire, even one made with schema.sql", async () => {
    assert.equal((await seedCli()).code, 0);
    // The pipeline's own warehouse, made with schema.sql (so it has an entrepot.metadonnees table).
    await db.exec(
      `DROP SCHEMA entrepot CASCADE; ${sqlFile("schema.sql")}
       CREATE TABLE entrepot.vraies_donnees (id int); INSERT INTO entrepot.vraies_donnees VALUES (1);`,
    );
    const members = (await db.query("SELECT count(*)::int AS n FROM annuaire.membres")).rows;

    assert.deepEqual(await seedCli(), {
      code: 1,
      err: refusal([unmarked("entrepot")], "--replace-foreign-schema entrepot"),
    });
    await assert.rejects(seedWarehouse(db, { scale: 0.02 }), (error: unknown) => {
      assert.ok(error instanceof ForeignWarehouseError);
      assert.deepEqual(error.schemas, [{ schema: "entrepot" }]);
      return true;
    });
    assert.deepEqual((await db.query("SELECT id FROM entrepot.vraies_donnees")).rows, [{ id: 1 }]);
    assert.deepEqual((await db.query("SELECT count(*)::int AS n FROM annuaire.membres")).rows, members);

    assert.equal((await seedCli("--replace-foreign-schema", "entrepot")).code, 0);
    assert.deepEqual(await comments(), seededComments);
  });

  it("refuses a database holding only schemas it did not write, and names them all", async () => {
    await db.exec(
      `CREATE SCHEMA entrepot; CREATE TABLE entrepot.vraies_donnees (id int); INSERT INTO entrepot.vraies_donnees VALUES (1);
       CREATE SCHEMA annuaire; CREATE TABLE annuaire.vrais_membres (email text); INSERT INTO annuaire.vrais_membres VALUES ('a@b.fr');`,
    );
    assert.deepEqual(await seedCli(), {
      code: 1,
      err: refusal(
        [unmarked("entrepot"), unmarked("annuaire")],
        "--replace-foreign-schema entrepot --replace-foreign-schema annuaire",
      ),
    });
    assert.deepEqual((await db.query("SELECT id FROM entrepot.vraies_donnees")).rows, [{ id: 1 }]);
    assert.deepEqual((await db.query("SELECT email FROM annuaire.vrais_membres")).rows, [
      { email: "a@b.fr" },
    ]);
  });

  it("refuses to drop a seeded entrepot the pipeline has since loaded, by its load marker", async () => {
    assert.equal((await seedCli()).code, 0);
    const doc = fs.readFileSync(path.join(import.meta.dirname, "../../docs/warehouse.md"), "utf8");
    const section = doc.slice(doc.indexOf("## The load marker"));
    const pipelineLoad = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(pipelineLoad, "docs/warehouse.md gives the pipeline's load statement");
    await db.exec(pipelineLoad);

    assert.deepEqual(await seedCli(), {
      code: 1,
      err: refusal(
        [
          "  - le schéma « entrepot » porte cette marque, mais son dernier chargement vient de " +
            "« les emplois de l'inclusion, extranet IAE 2.0 de l'ASP » ;",
        ],
        "--replace-foreign-schema entrepot",
      ),
    });
    assert.deepEqual(await loadCount(), { n: 2 });
  });

  it("keeps its mark through pg_dump and a restore: the restored copy re-seeds without an option", async () => {
    assert.equal((await seedCli()).code, 0);
    const copy = await createTestDatabase("whmark");
    try {
      const bin = (name: string) => path.join(testServices.postgresBinDir, name);
      const { stdout: dump } = await run(bin("pg_dump"), ["--no-owner", fresh.url], {
        maxBuffer: 256 * 1024 * 1024,
      });
      const restore = run(bin("psql"), ["--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1", copy.url]);
      restore.child.stdin!.end(dump);
      await restore;
      const restored = await openDatabase({ name: "warehouse", url: copy.url, pgliteDataDir: "memory://" });
      try {
        assert.deepEqual(await comments(restored), seededComments);
        await seedWarehouse(restored, { scale: 0.02 });
        assert.deepEqual(await comments(restored), seededComments);
      } finally {
        await restored.close();
      }
    } finally {
      await copy.drop();
    }
  });
});

describe("demo warehouse", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotage-demo-warehouse-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is seeded on the first start, reused on the next ones, and re-seeded when the generator changed", async () => {
    const open = () =>
      openDatabase({ name: "warehouse", url: undefined, pgliteDataDir: path.join(dir, "warehouse") });
    let db = await open();
    const first = await ensureDemoWarehouse(db, { scale: 0.02 });
    assert.equal(first.reused, false);
    assert.ok(first.report!.rows.candidatures! > 0);
    await db.close();

    db = await open();
    assert.deepEqual(await ensureDemoWarehouse(db, { scale: 0.02 }), { reused: true });
    await db.exec("UPDATE entrepot.metadonnees SET version = 'an-older-generator'");
    const third = await ensureDemoWarehouse(db, { scale: 0.02 });
    assert.equal(third.reused, false);
    assert.equal((await readSeedMetadata(db))?.version, seedVersion());
    await db.close();
  });
});

describe("pilotage seed", function () {
  this.timeout(120_000);

  it("seeds the Postgres given by --database-url and reports rows per table in JSON", async () => {
    const fresh = await createTestDatabase("whcli");
    try {
      const out = io();
      const code = await runCli(
        ["seed", "--database-url", fresh.url, "--scale", "0.02", "--seed", "cli", "--json"],
        out,
      );
      assert.equal(code, 0, out.err);
      const report = JSON.parse(out.out) as {
        seed: string;
        scale: number;
        rows: Record<string, number>;
        totalRows: number;
      };
      assert.equal(report.seed, "cli");
      assert.equal(report.scale, 0.02);
      assert.deepEqual(Object.keys(report.rows), [
        ...WAREHOUSE_TABLES.map((t) => t.name),
        MEMBERS_TABLE.name,
      ]);
      assert.equal(
        report.totalRows,
        Object.values(report.rows).reduce((a, b) => a + b, 0),
      );
      assert.match(out.err, /candidatures\s+[\d\u202f ]+ lignes/);
      const db = await openDatabase({ name: "warehouse", url: fresh.url, pgliteDataDir: "memory://" });
      const counted = await tableChecksums(db);
      await db.close();
      for (const [table, rows] of Object.entries(report.rows))
        assert.equal(counted[table]!.rows, rows, table);
    } finally {
      await fresh.drop();
    }
  });

  it("refuses a bad scale or an unknown option with a usage error", async () => {
    const bad = io();
    assert.equal(await runCli(["seed", "--scale", "0"], bad), 64);
    assert.equal(bad.err, "--scale doit être strictement positif\nVoir : pilotage seed --help\n");
    const unknown = io();
    assert.equal(await runCli(["seed", "--frobnicate"], unknown), 64);
    assert.equal(unknown.err, "Option inconnue : --frobnicate.\nVoir : pilotage seed --help\n");
  });

  it("says what to check when Postgres cannot be reached", async () => {
    const out = io();
    assert.equal(await runCli(["seed", "--database-url", "postgres://nobody@127.0.0.1:1/nothing"], out), 4);
    assert.match(out.err, /Impossible de joindre l'entrepôt \(Postgres 127\.0\.0\.1:1\/nothing\)/);
  });
});
