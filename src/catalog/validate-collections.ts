import { line, type Problems } from "./problems.js";
import type { Catalog } from "./types.js";

/** Collections (known parents, no cycle) and keys used once across questions and dashboards. */

export function validateCollections(catalog: Catalog, out: Problems) {
  const byKey = new Map(catalog.collections.map((c) => [c.key, c]));
  for (const c of catalog.collections) {
    if (c.parent === undefined) continue;
    if (!byKey.has(c.parent)) {
      out.add(
        "collection.unknown-parent",
        c.location.file,
        line(c.location.lines, `collections.${c.key}.parent`, c.location.line),
        `La collection « ${c.key} » a pour parent « ${c.parent} », qui n'existe pas.`,
        "Indiquez la clé d'une autre collection, ou retirez « parent ».",
      );
      continue;
    }
    const seen = new Set([c.key]);
    for (let p = byKey.get(c.parent); p; p = p.parent ? byKey.get(p.parent) : undefined) {
      if (seen.has(p.key)) {
        out.add(
          "collection.cycle",
          c.location.file,
          c.location.line,
          `La collection « ${c.key} » est son propre ancêtre.`,
          "Corrigez les « parent » pour former un arbre.",
        );
        break;
      }
      seen.add(p.key);
    }
  }
}

export function duplicates<T extends { key: string }>(
  items: T[],
  fileOf: (t: T) => string,
  rule: string,
  what: string,
  out: Problems,
) {
  const first = new Map<string, T>();
  for (const item of items) {
    const previous = first.get(item.key);
    if (previous) {
      out.add(
        rule,
        fileOf(item),
        1,
        `Clé « ${item.key} » déjà utilisée par ${fileOf(previous)}.`,
        `Chaque ${what} a une clé unique : renommez le fichier ou changez « key: ».`,
      );
    } else {
      first.set(item.key, item);
    }
  }
}
