import type { CatalogProblem } from "./types.js";

/** The problems `validate` collects, each with its file, line, message and what to do (in French). */

export class Problems {
  readonly list: CatalogProblem[] = [];
  add(rule: string, file: string, line: number | undefined, message: string, hint: string) {
    this.list.push({ rule, file, ...(line === undefined ? {} : { line }), message, hint });
  }
}

/** The line of a YAML path in a file, or the fallback when the path has none. */
export function line(lines: Record<string, number>, path: string, fallback = 1): number {
  return lines[path] ?? fallback;
}
