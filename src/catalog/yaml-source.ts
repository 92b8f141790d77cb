import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { CatalogProblem } from "./types.js";

/**
 * YAML with line numbers: the parsed data, the line of every key (by dotted path), and syntax errors as
 * problems. `firstLine` is the file line of the YAML's first line (the header of a .sql file starts on
 * line 2).
 */
export interface YamlSource {
  data: unknown;
  /** Dotted path (`parameters.departement`, `cards.0.mappings.annee`) → 1-based file line. */
  lines: Record<string, number>;
  problems: CatalogProblem[];
}

function collectLines(
  node: unknown,
  prefix: string,
  lineAt: (offset: number) => number,
  lines: Record<string, number>,
) {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const path = prefix ? `${prefix}.${key}` : key;
      const keyNode = pair.key as Node | null;
      if (keyNode?.range) lines[path] = lineAt(keyNode.range[0]);
      collectLines(pair.value, path, lineAt, lines);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const path = prefix ? `${prefix}.${index}` : String(index);
      const itemNode = item as Node | null;
      if (itemNode?.range) lines[path] = lineAt(itemNode.range[0]);
      collectLines(item, path, lineAt, lines);
    });
  }
}

export function parseYamlSource(text: string, file: string, firstLine = 1): YamlSource {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number) => counter.linePos(offset).line + firstLine - 1;
  const problems = doc.errors.map((error): CatalogProblem => ({
    rule: "yaml.syntax",
    file,
    line: lineAt(error.pos[0]),
    message:
      error.code === "DUPLICATE_KEY"
        ? "Clé en double : une clé ne peut apparaître qu'une fois au même niveau."
        : `YAML illisible : ${error.message.split("\n")[0]}`,
    hint:
      error.code === "DUPLICATE_KEY"
        ? "Supprimez ou renommez l'une des deux entrées."
        : "Vérifiez l'indentation (espaces, pas de tabulations), les deux-points et les guillemets autour de cette ligne.",
  }));
  const lines: Record<string, number> = {};
  collectLines(doc.contents, "", lineAt, lines);
  return { data: problems.length > 0 ? undefined : doc.toJS(), lines, problems };
}

/** The line of `path`, or of its closest written ancestor, or `fallback`. */
export function lineOf(
  lines: Record<string, number>,
  path: ReadonlyArray<string | number>,
  fallback: number,
): number {
  for (let n = path.length; n > 0; n--) {
    const line = lines[path.slice(0, n).join(".")];
    if (line !== undefined) return line;
  }
  return fallback;
}
