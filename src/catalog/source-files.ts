import fs from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import { MULTI_VALUE_ATTRIBUTES, schemaProblems, type DashboardParameterSchema } from "./schema.js";
import type { CatalogProblem, DashboardParameter } from "./types.js";

/**
 * What every catalogue file reader shares (load.ts for sql/ and metabase-config/, notes.ts for notes/):
 * reading a file, naming it from the repository root, parsing its data with a schema, and reading a
 * dashboard parameter — a note's parameters are a dashboard's, read by the same function.
 */

/** A file's text without its byte-order mark, or null when it does not exist. */
export async function readText(file: string): Promise<string | null> {
  try {
    return (await fs.readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** A file's path from the repository root, with forward slashes (as problems and keys name it). */
export function relativePath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

/** The data parsed by `schema`, or null with its problems (lines from `lines`, README to read). */
export function parseWith<S extends z.ZodType>(
  schema: S,
  data: unknown,
  file: string,
  lines: Record<string, number>,
  fallbackLine: number,
  readme: string,
  problems: CatalogProblem[],
): z.infer<S> | null {
  const parsed = schema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  problems.push(...schemaProblems(parsed.error, data, file, lines, fallbackLine, readme));
  return null;
}

/**
 * A dashboard's (or a note's) parameter as the gateway uses it. The key order is part of a dashboard's
 * content version (content-version.ts hashes it): keep it.
 */
export function dashboardParameter(p: z.infer<typeof DashboardParameterSchema>): DashboardParameter {
  return {
    slug: p.slug,
    label: p.label,
    type: p.type,
    ...(p.default === undefined ? {} : { default: p.default }),
    multiple: p.locked ? MULTI_VALUE_ATTRIBUTES.has(p.locked) : (p.multiple ?? false),
    ...(p.locked === undefined ? {} : { locked: p.locked }),
    ...(p.values === undefined
      ? {}
      : {
          values: p.values.map((v) =>
            typeof v === "object" ? { value: v.value, label: v.label } : { value: v, label: String(v) },
          ),
        }),
    ...(p.values_from === undefined ? {} : { valuesFrom: p.values_from }),
    ...(p.value_labels === undefined ? {} : { valueLabels: p.value_labels }),
  };
}
