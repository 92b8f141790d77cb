import { countOf } from "../french-plural.js";
import type { Plan } from "./plan.js";
import { ACTION, NOUN, renderPlanEntry, summary } from "./plan-text.js";

/**
 * The plan as a Markdown report, for a comment on a pull or merge request (docs/ci/): the summary, one
 * table row per object that would change, each object's detail folded, then lock-contract breaches,
 * warnings and conflicts. Same content as the text rendering, nothing more: no secret ever reaches a plan.
 */
export function renderPlanMarkdown(plan: Plan): string {
  const out: string[] = [
    `### \`pilotage plan\` — Metabase ${plan.siteUrl} (${plan.metabaseVersion})`,
    "",
    `**${summary(plan)}**`,
    "",
  ];
  const changing = plan.entries.filter((entry) => entry.action !== "noop");
  if (changing.length > 0) {
    out.push("| action | objet | clé | nom | pourquoi |", "| --- | --- | --- | --- | --- |");
    for (const entry of changing) {
      const id = entry.metabaseId === undefined ? "" : ` (#${entry.metabaseId})`;
      const why =
        entry.origin === "metabase"
          ? "dérive : modifié dans Metabase"
          : entry.origin === "fichiers"
            ? "fichiers modifiés"
            : "";
      out.push(
        `| ${ACTION[entry.action].sign} ${ACTION[entry.action].verb} | ${NOUN[entry.model]} | ${code(entry.key)}${id} | ${cell(entry.label)} | ${why} |`,
      );
    }
    out.push(
      "",
      "<details><summary>Détail des changements</summary>",
      "",
      ...fenced(changing.flatMap((entry) => [...renderPlanEntry(entry), ""]).join("\n")),
      "",
      "</details>",
      "",
    );
  }
  if (plan.breaches.length > 0) {
    out.push(
      `#### ⚠ ${countOf(plan.breaches.length, "contrat de verrouillage rompu", "contrats de verrouillage rompus")} dans Metabase`,
      "",
      "La passerelle ne signe plus de jeton pour ces tableaux de bord jusqu'au prochain `pilotage apply` réussi.",
      "",
      ...plan.breaches.flatMap((breach) => [
        `- ${code(breach.dashboard)} (#${breach.metabaseId})`,
        ...breach.problems.map((problem) => `  - ${cell(problem)}`),
      ]),
      "",
    );
  }
  if (plan.warnings.length > 0) {
    out.push("#### Avertissements", "", ...plan.warnings.map((w) => `- ${cell(w)}`), "");
  }
  if (plan.conflicts.length > 0) {
    out.push(
      "#### Conflits (apply refusera de s'exécuter)",
      "",
      ...plan.conflicts.map((c) => `- ${cell(c)}`),
      "",
    );
  }
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

/** Text inside a table cell or a list item: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** A code block whose fence is longer than any run of backticks inside it (SQL may hold some). */
function fenced(text: string): string[] {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}text`, text.replace(/\n+$/, ""), fence];
}
