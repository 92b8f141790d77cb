import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs/promises";
import os from "node:os";
import { CatalogError, checkCatalog, loadValidCatalog, readCatalog } from "../../src/catalog/index.js";
import { runCli, type CliIo } from "../../src/cli/run.js";
import { PROJECT_ROOT } from "../../src/project-root.js";

const FIXTURES = path.join(PROJECT_ROOT, "test/fixtures/catalog");

async function problemsOf(root: string) {
  return (await checkCatalog(root)).problems;
}

/** rule, file, line: what a person needs to find the problem. */
async function located(fixture: string): Promise<Array<[string, string, number | undefined]>> {
  return (await problemsOf(path.join(FIXTURES, fixture))).map((p) => [p.rule, p.file, p.line]);
}

function io(): CliIo & { out: string; err: string } {
  const captured = { out: "", err: "" };
  return Object.assign(captured, {
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
  });
}

describe("catalog fixtures", () => {
  it("accepts the valid example catalogue", async () => {
    assert.deepEqual(await problemsOf(path.join(FIXTURES, "valid")), []);
  });

  it("accepts the repository's own sql/ and metabase-config/", async () => {
    assert.deepEqual(await problemsOf(PROJECT_ROOT), []);
  });

  it("is what the gateway serves only when validate accepts it: an unwired lock stops the start-up", async () => {
    await assert.rejects(loadValidCatalog(path.join(FIXTURES, "broken/lock-not-wired")), (error: unknown) => {
      assert.ok(error instanceof CatalogError);
      assert.ok(
        error.problems.some((p) => p.rule.startsWith("lock.")),
        JSON.stringify(error.problems),
      );
      return true;
    });
    assert.ok((await loadValidCatalog(PROJECT_ROOT)).dashboards.length > 0);
    // The gateway's own start-up goes through it (it renders cards itself, without Metabase).
    const main = await fs.readFile(path.join(PROJECT_ROOT, "src/main.ts"), "utf8");
    assert.match(main, /= await loadValidCatalog\(PROJECT_ROOT\)/);
    assert.doesNotMatch(main, /\bloadCatalog\(/);
  });

  describe("lock contract (PRODUCT.md §3, invariant 3): one failing fixture per rule", () => {
    const dashboard = "metabase-config/dashboards/territoire.yaml";
    const cases: Array<[string, Array<[string, string, number]>]> = [
      ["lock-not-wired", [["lock.not-wired", dashboard, 19]]],
      ["lock-tag-not-required", [["lock.tag-not-required", "sql/iae/delai.sql", 6]]],
      ["lock-tag-optional", [["lock.tag-optional", "sql/iae/delai.sql", 16]]],
      ["lock-tag-default", [["lock.tag-default", "sql/iae/delai.sql", 12]]],
      ["lock-audience-cannot-provide", [["lock.audience-cannot-provide", dashboard, 9]]],
      ["lock-public", [["lock.public", dashboard, 9]]],
      ["lock-multi-value-equals", [["lock.multi-value-equals", "sql/iae/delai.sql", 13]]],
      ["lock-editable-same-column", [["lock.editable-same-column", dashboard, 22]]],
      ["lock-region-scope", [["lock.region-scope", dashboard, 10]]],
      [
        "lock-conflicting-attributes",
        [["lock.conflicting-attributes", "metabase-config/dashboards/par-libelle.yaml", 18]],
      ],
      [
        "profile-kind-region-scope",
        [["profile-kind.region-scope", "metabase-config/profile-kinds.yaml", 14]],
      ],
      [
        "embed-url-too-long",
        [["embed.url-too-long", "metabase-config/dashboards/orientations-croisees.yaml", 6]],
      ],
    ];
    for (const [fixture, expected] of cases) {
      it(`refuses ${fixture}`, async () => {
        assert.deepEqual(await located(`broken/${fixture}`), expected);
      });
    }

    it("explains a breach in French, with what to do", async () => {
      const [problem] = await problemsOf(path.join(FIXTURES, "broken/lock-tag-optional"));
      assert.deepEqual(problem, {
        rule: "lock.tag-optional",
        file: "sql/iae/delai.sql",
        line: 16,
        message:
          "{{departement}} reçoit le paramètre verrouillé « departement » (metabase-config/dashboards/territoire.yaml) mais se trouve dans une clause optionnelle [[ … ]], qui disparaît sans valeur.",
        hint: "Sortez {{departement}} de la clause [[ … ]] : un filtre verrouillé s'applique toujours.",
      });
    });
  });

  it("reports every other cross-file rule with its file and line", async () => {
    const dashboard = "metabase-config/dashboards/mise-en-page.yaml";
    assert.deepEqual(await located("broken/other-rules"), [
      ["dashboard.unknown-profile-kind", dashboard, 4],
      ["dashboard.parameter-unused", dashboard, 9],
      ["dashboard.unknown-question", dashboard, 13],
      ["dashboard.grid", dashboard, 18],
      ["dashboard.type-mismatch", dashboard, 24],
      ["dashboard.mapping-unknown-parameter", dashboard, 25],
      ["dashboard.overlap", dashboard, 26],
      ["dashboard.mapping-unknown-tag", dashboard, 32],
      ["dashboard.no-audience", "metabase-config/dashboards/sans-audience.yaml", 1],
      ["dashboard.unknown-collection", "metabase-config/dashboards/sans-audience.yaml", 3],
      ["question.unknown-collection", "sql/iae/mauvaise.sql", 3],
      ["question.column-format", "sql/iae/mauvaise.sql", 8],
      ["question.default-invalid", "sql/iae/mauvaise.sql", 13],
      ["question.parameter-unused", "sql/iae/mauvaise.sql", 14],
      ["question.parameter-reserved", "sql/iae/mauvaise.sql", 17],
      ["question.field-filter-usage", "sql/iae/mauvaise.sql", 27],
      ["question.multiple-not-in", "sql/iae/mauvaise.sql", 29],
      ["question.tag-undeclared", "sql/iae/mauvaise.sql", 30],
      ["duplicate.question-key", "sql/iae/vieille-copie.sql", 1],
    ]);
  });

  describe("notes d'analyse (notes/*.md)", () => {
    const rules = "notes/regles.md";
    it("checks a note as the dashboard it behaves like, locks included, and adds its own rules", async () => {
      assert.deepEqual(await located("broken/notes"), [
        ["filter.value-labels", "notes/filtres.md", 17],
        ["note.unwired-parameter", "notes/publique.md", 10],
        ["note.public-question", "notes/publique.md", 12],
        ["dashboard.parameter-unused", rules, 13],
        ["note.parameter-without-value", rules, 13],
        ["note.relative-period", rules, 19],
        ["note.unknown-citation", rules, 22],
        ["note.citation-not-value", rules, 22],
        ["note.value-column", rules, 27],
        ["note.column-unexpected", rules, 35],
        ["note.chart-display", rules, 42],
        ["lock.not-wired", rules, 46],
        ["note.unwired-parameter", rules, 50],
        ["note.inline-unused", rules, 54],
        ["note.value-column", rules, 57],
        ["note.row-column", rules, 58],
        ["note.duplicate-block", rules, 63],
        ["note.unwired-parameter", rules, 66],
        ["dashboard.unknown-question", rules, 71],
      ]);
    });

    it("refuses a public note citing a question no public dashboard shows, and says what to do", async () => {
      const problem = (await problemsOf(path.join(FIXTURES, "broken/notes"))).find(
        (p) => p.rule === "note.public-question",
      );
      assert.deepEqual(problem, {
        rule: "note.public-question",
        file: "notes/publique.md",
        line: 12,
        message:
          "Note publique : le bloc « delai » cite « iae/delai-de-reponse », qu'aucun tableau de bord public ne montre.",
        hint: "Citez une question d'un tableau de bord public, ou retirez « public: true » et déclarez les audiences de la note.",
      });
    });

    it("runs the dashboards' filter-list rules on a note's parameters (value_labels without values_from)", async () => {
      const problem = (await problemsOf(path.join(FIXTURES, "broken/notes"))).find(
        (p) => p.file === "notes/filtres.md",
      );
      assert.deepEqual(problem, {
        rule: "filter.value-labels",
        file: "notes/filtres.md",
        line: 17,
        message:
          "« value_labels » du filtre « type_structure » ne vaut que pour une liste calculée (« values_from »).",
        hint: "Pour une liste écrite, donnez les libellés dans « values » ({ value, label }).",
      });
    });

    it("reports unreadable notes all at once", async () => {
      assert.deepEqual(await located("broken/notes-unreadable"), [
        ["note.figure-unclosed", "notes/bloc-ouvert.md", 10],
        ["schema", "notes/champs.md", 1],
        ["schema", "notes/champs.md", 2],
        ["schema", "notes/champs.md", 5],
        ["schema", "notes/champs.md", 12],
        ["note.key", "notes/Majuscules.md", 1],
        ["note.front-matter", "notes/sans-entete.md", 1],
      ]);
    });

    it("loads the valid notes with their blocks and the text around them", async () => {
      const { catalog } = await checkCatalog(path.join(FIXTURES, "valid"));
      assert.deepEqual(
        catalog.notes.map((n) => ({ key: n.key, public: n.public, blocks: n.blocks, body: n.body })),
        [
          {
            key: "exemple",
            public: false,
            blocks: [
              {
                id: "par-mois",
                question: "iae/candidatures-par-mois",
                show: "chart",
                mappings: { departement: "departement", periode: "periode" },
                line: 22,
              },
            ],
            body: [
              { kind: "markdown", text: "\nLes candidatures reçues, mois par mois.\n", line: 19 },
              { kind: "figure", blockId: "par-mois" },
            ],
          },
          {
            key: "publique",
            public: true,
            blocks: [
              {
                id: "structures",
                question: "public/structures-par-type",
                show: "table",
                mappings: {},
                line: 10,
              },
            ],
            body: [{ kind: "figure", blockId: "structures" }],
          },
        ],
      );
    });

    it("reads a note's parameters exactly as a dashboard's: values, values_from and value_labels kept", async () => {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), "note-parameters-"));
      try {
        const parameters = [
          "parameters:",
          "  - slug: type",
          "    label: Type de prescripteur",
          "    type: text",
          "    default: ML",
          "    values_from: entrepot.organisations.type",
          "    value_labels: { ML: Mission locale, FT: France Travail }",
          "  - slug: annee",
          "    label: Année",
          "    type: number",
          "    default: 2025",
          "    values: [2024, { value: 2025, label: L'année commentée }]",
        ].join("\n");
        await fs.mkdir(path.join(root, "notes"));
        await fs.mkdir(path.join(root, "metabase-config/dashboards"), { recursive: true });
        await fs.writeFile(
          path.join(root, "notes/parametres.md"),
          `---\ntitle: T\nsummary: S\nauthors: [A]\ndate: 2026-11-20\nthemes: [Tests]\n${parameters}\n---\n\nTexte.\n`,
        );
        await fs.writeFile(
          path.join(root, "metabase-config/dashboards/parametres.yaml"),
          `title: T\ntheme: Tests\ncollection: iae\n${parameters}\n`,
        );
        const { catalog } = await readCatalog(root);
        const expected = [
          {
            slug: "type",
            label: "Type de prescripteur",
            type: "text",
            default: "ML",
            multiple: false,
            valuesFrom: "entrepot.organisations.type",
            valueLabels: { ML: "Mission locale", FT: "France Travail" },
          },
          {
            slug: "annee",
            label: "Année",
            type: "number",
            default: 2025,
            multiple: false,
            values: [
              { value: 2024, label: "2024" },
              { value: 2025, label: "L'année commentée" },
            ],
          },
        ];
        assert.deepEqual(catalog.dashboards[0]?.parameters, expected);
        assert.deepEqual(catalog.notes[0]?.parameters, expected);
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    });
  });

  it("reports unreadable files all at once, before any cross-file rule", async () => {
    assert.deepEqual(await located("broken/unreadable"), [
      ["yaml.syntax", "metabase-config/dashboards/cle-en-double.yaml", 4],
      ["dashboard.key", "metabase-config/dashboards/Mauvais_Nom.yaml", 1],
      ["schema", "sql/iae/champs.sql", 1],
      ["schema", "sql/iae/champs.sql", 2],
      ["schema", "sql/iae/champs.sql", 4],
      ["schema", "sql/iae/champs.sql", 7],
      ["question.header", "sql/iae/sans-entete.sql", 1],
      ["yaml.syntax", "sql/iae/yaml-casse.sql", 3],
    ]);
    const messages = (await problemsOf(path.join(FIXTURES, "broken/unreadable"))).map((p) => p.message);
    assert.deepEqual(messages.slice(2, 6), [
      "Champ obligatoire manquant : « name ».",
      "Clé inconnue « titre ».",
      "« display » : valeur « camembert » non reconnue.",
      "« parameters.departement.type » : valeur « liste » non reconnue.",
    ]);
  });

  describe("pilotage validate", () => {
    it("exits 0 on the valid catalogue and summarises it", async () => {
      const out = io();
      assert.equal(await runCli(["validate", "--root", path.join(FIXTURES, "valid")], out), 0);
      assert.match(
        out.out,
        /^Catalogue valide \(.*\) : 4 questions, 3 tableaux de bord, 4 collections, 9 types de profil, 2 notes d.analyse\.\n$/,
      );
      assert.equal(out.err, "");
    });

    it("exits 1 on each broken fixture, naming file, line, problem and remedy", async () => {
      const out = io();
      assert.equal(
        await runCli(["validate", "--root", path.join(FIXTURES, "broken/lock-not-wired")], out),
        1,
      );
      assert.equal(
        out.err,
        "metabase-config/dashboards/territoire.yaml:19 — La carte 2 (« iae/delai-de-reponse ») n'est pas reliée au paramètre verrouillé « departement » : elle montrerait les données de tous les territoires.\n" +
          "  → Ajoutez « departement: <tag> » à ses « mappings », vers un tag obligatoire de la question.\n" +
          "\n1 problème dans 1 fichier. Corrigez-les puis relancez `pilotage validate`.\n",
      );
    });

    it("prints JSON a script can read with --json", async () => {
      const out = io();
      assert.equal(
        await runCli(["validate", "--json", "--root", path.join(FIXTURES, "broken/lock-public")], out),
        1,
      );
      const report = JSON.parse(out.out) as {
        ok: boolean;
        counts: unknown;
        problems: Array<{ rule: string }>;
      };
      assert.equal(report.ok, false);
      assert.deepEqual(report.counts, {
        questions: 1,
        dashboards: 1,
        collections: 4,
        profileKinds: 9,
        notes: 0,
      });
      assert.deepEqual(
        report.problems.map((p) => p.rule),
        ["lock.public"],
      );
    });

    it("refuses an unknown option with the usage exit code, 64 (2 is plan's « changes pending »)", async () => {
      const out = io();
      assert.equal(await runCli(["validate", "--jsn"], out), 64);
      assert.equal(out.err, "Option inconnue : --jsn.\nVoir : pilotage validate --help\n");
    });
  });
});
