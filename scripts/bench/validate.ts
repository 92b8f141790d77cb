import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  dashboardCardParameters,
  questionRenderParameters,
  readCatalog,
  renderQuestion,
  validateCatalog,
  type Catalog,
} from "../../src/catalog/index.js";
import { PROJECT_ROOT } from "../../src/project-root.js";
import { DEPARTEMENTS } from "../../src/territories/territories.js";

/**
 * `pilotage validate` at scale: generates 300 questions and 30 dashboards (10 cards each, every one locked
 * to the départements) in a temporary folder, then times loading, validating, and rendering every card
 * with a national lock plus every question on its own. The baseline is reading the same files from disk,
 * the floor any loader pays. Target: load + validate + render under one second.
 */

const QUESTIONS = 300;
const DASHBOARDS = 30;
const CARDS_PER_DASHBOARD = QUESTIONS / DASHBOARDS;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function questionFile(i: number): string {
  return `/* ---
name: Question ${i}
description: >
  Question générée pour le banc d'essai, numéro ${i}, avec un filtre verrouillé
  et des filtres facultatifs.
collection: iae
display: ${["table", "bar", "line", "scalar"][i % 4]}
visualization:
  graph.dimensions: [mois]
  graph.metrics: [n]
parameters:
  departement:
    type: field filter
    column: public.candidatures.nom_departement_structure
    label: Département
    required: true
    multiple: true
  periode:
    type: field filter
    column: public.candidatures.date_candidature
    column_type: date
    label: Période
  origine:
    type: text
    label: Origine
  structures:
    type: number
    label: Structures
    multiple: true
--- */
-- Requête ${i} : candidatures par mois.
SELECT date_trunc('month', date_candidature) AS mois, count(*) AS n
FROM public.candidatures
WHERE {{departement}}
  [[AND {{periode}}]]
  [[AND origine = {{origine}}]]
  [[AND id_structure IN ({{structures}})]]
  AND etat <> 'Vivier de candidatures' /* [[ {{pas_un_tag}} ]] */
GROUP BY 1
ORDER BY 1
`;
}

function dashboardFile(d: number): string {
  const cards = Array.from({ length: CARDS_PER_DASHBOARD }, (_, c) => {
    const q = d * CARDS_PER_DASHBOARD + c;
    return `  - question: bench/q${String(q).padStart(3, "0")}
    row: ${Math.floor(c / 2) * 6}
    col: ${(c % 2) * 12}
    size_x: 12
    size_y: 6
    mappings:
      departement: departement
      periode: periode
      origine: origine`;
  }).join("\n");
  return `title: Tableau de bord ${d}
description: Généré pour le banc d'essai.
theme: Thème ${d % 5}
collection: iae
audiences: [ddets, dreets, dgefp, conseil_departemental, france_travail, prescripteur]
parameters:
  - slug: departement
    label: Département
    type: text
    locked: departement_labels
  - slug: periode
    label: Période
    type: date range
    default: past12months
  - slug: origine
    label: Origine
    type: text
cards:
${cards}
`;
}

async function generate(root: string): Promise<string[]> {
  await fs.mkdir(path.join(root, "sql/bench"), { recursive: true });
  await fs.mkdir(path.join(root, "metabase-config/dashboards"), { recursive: true });
  for (const f of ["profile-kinds.yaml", "collections.yaml"]) {
    await fs.copyFile(path.join(PROJECT_ROOT, "metabase-config", f), path.join(root, "metabase-config", f));
  }
  const files: string[] = [];
  for (let i = 0; i < QUESTIONS; i++) {
    const file = path.join(root, `sql/bench/q${String(i).padStart(3, "0")}.sql`);
    await fs.writeFile(file, questionFile(i));
    files.push(file);
  }
  for (let d = 0; d < DASHBOARDS; d++) {
    const file = path.join(root, `metabase-config/dashboards/tdb-${d}.yaml`);
    await fs.writeFile(file, dashboardFile(d));
    files.push(file);
  }
  return files;
}

function renderAll(catalog: Catalog): number {
  const national = DEPARTEMENTS.map((d) => d.libelle);
  const questions = new Map(catalog.questions.map((q) => [q.key, q]));
  const now = new Date("2025-06-15T12:00:00Z");
  let renders = 0;
  for (const dashboard of catalog.dashboards) {
    for (const card of dashboard.cards) {
      const question = questions.get(card.question)!;
      renderQuestion(
        question,
        dashboardCardParameters(dashboard, card, question, { departement: national }),
        { now },
      );
      renders++;
    }
  }
  for (const question of catalog.questions) {
    const values = {
      departement: ["93 - Seine-Saint-Denis"],
      periode: "2024-01-01~2024-06-30",
      structures: ["1", "2"],
    };
    renderQuestion(question, questionRenderParameters(question, values), { now });
    renders++;
  }
  return renders;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(_args: string[]): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "pilotage-bench-validate-"));
  try {
    const files = await generate(root);
    const runs: Array<{
      read: number;
      load: number;
      validate: number;
      render: number;
      renders: number;
      cpu: number;
    }> = [];
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      await Promise.all(files.map((f) => fs.readFile(f, "utf8")));
      const read = performance.now() - t;
      // CPU time as well as wall time: on a busy machine the wall clock mostly measures the neighbours.
      const cpuStart = process.cpuUsage();
      t = performance.now();
      const { catalog, problems: loadProblems } = await readCatalog(root);
      const load = performance.now() - t;
      t = performance.now();
      const problems = validateCatalog(catalog);
      const validate = performance.now() - t;
      if (loadProblems.length + problems.length > 0) {
        throw new Error(
          `generated catalogue is invalid: ${JSON.stringify([...loadProblems, ...problems][0])}`,
        );
      }
      t = performance.now();
      const renders = renderAll(catalog);
      const render = performance.now() - t;
      const cpuUsed = process.cpuUsage(cpuStart);
      runs.push({ read, load, validate, render, renders, cpu: (cpuUsed.user + cpuUsed.system) / 1000 });
    }
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const first = runs[0]!;
    const total = (x: (typeof runs)[number]) => x.load + x.validate + x.render;
    console.log(
      `validate: ${QUESTIONS} questions, ${DASHBOARDS} dashboards, ${first.renders} renders per run, ${RUNS} runs`,
    );
    console.log(
      `  first run : load ${ms(first.load)}, validate ${ms(first.validate)}, render ${ms(first.render)} → total ${ms(total(first))} wall, ${ms(first.cpu)} CPU`,
    );
    console.log(
      `  median    : load ${ms(median(runs.map((x) => x.load)))}, validate ${ms(median(runs.map((x) => x.validate)))}, render ${ms(median(runs.map((x) => x.render)))} → total ${ms(median(runs.map(total)))} wall, ${ms(median(runs.map((x) => x.cpu)))} CPU`,
    );
    const baseline = median(runs.map((x) => x.read));
    console.log(
      `  baseline  : reading the ${files.length} files ${ms(baseline)}; load+validate+render = ${(median(runs.map(total)) / baseline).toFixed(0)}× that`,
    );
    const [load1, load5] = os.loadavg();
    console.log(
      `  target    : under 1000 ms — first (cold) run ${total(first) < 1000 ? "met" : "missed"} (wall), ` +
        `${first.cpu < 1000 ? "met" : "missed"} (CPU); machine: ${os.cpus().length} CPUs, load average ` +
        `${load1!.toFixed(1)} / ${load5!.toFixed(1)}`,
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
