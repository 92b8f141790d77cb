import { createHash } from "node:crypto";

/**
 * What the sync needs from the versioned content (src/catalog/), in its own terms: the catalog is adapted to
 * this once (catalog-adapter.ts), so the sync and its tests do not depend on the files' format.
 */

/** A Metabase-shaped template tag, as the catalog declares it. */
export interface DefinedTag {
  name: string;
  "display-name": string;
  type: "text" | "number" | "date" | "dimension" | string;
  required?: boolean | undefined;
  default?: unknown;
  /** For a field filter: `["pilotage-column", "schema.table.column"]`, translated to a field id by the sync. */
  dimension?: unknown;
  "widget-type"?: string | undefined;
  options?: Record<string, unknown> | undefined;
  id?: string | undefined;
}

export interface DefinedQuestion {
  key: string;
  name: string;
  description?: string | undefined;
  /** Key of a catalog collection. */
  collection: string;
  display: string;
  visualizationSettings: Record<string, unknown>;
  sql: string;
  templateTags: Record<string, DefinedTag>;
  contentVersion: string;
  /** Source file, relative to the content root (for `pull`). */
  file?: string | undefined;
}

export type EmbeddingStatus = "locked" | "enabled" | "disabled";

export interface DefinedDashboardParameter {
  slug: string;
  label: string;
  /** Metabase parameter type: `string/=`, `category`, `number/=`, `date/all-options`, … */
  type: string;
  default?: unknown;
  /** The perimeter attribute that fills a locked parameter (`departements`, `structures`, …). */
  locked?: string | undefined;
  /** How a parameter that is not locked shows in embeds; default `enabled` (an editable filter). */
  embedding?: "enabled" | "disabled" | undefined;
  /**
   * Its choices in Metabase: a static list (values, or value-label pairs), or `none` (a plain field) for a
   * list that depends on the viewer's perimeter, which only the gateway can compute under the locks.
   * Never a list drawn from a card: Metabase would run that card without the embed's locks.
   */
  choices?: { query: "list"; values: unknown[] } | { query: "none" } | undefined;
}

export interface DefinedDashcard {
  /** Key of the question shown. */
  question: string;
  row: number;
  col: number;
  sizeX: number;
  sizeY: number;
  /** Dashboard parameter slug → template tag of the question. */
  mappings: Record<string, string>;
}

export interface DefinedDashboard {
  key: string;
  title: string;
  description?: string | undefined;
  collection: string;
  parameters: DefinedDashboardParameter[];
  cards: DefinedDashcard[];
  contentVersion: string;
  file?: string | undefined;
}

export interface DefinedCollection {
  key: string;
  name: string;
  description?: string | undefined;
  /** Key of the parent collection; absent → at the top of Metabase, a root of the managed collections. */
  parent?: string | undefined;
}

export interface SyncDefinitions {
  questions: DefinedQuestion[];
  dashboards: DefinedDashboard[];
  collections: DefinedCollection[];
}

/** Collections parents first, so that each one's parent exists when it is created. */
export function collectionsInOrder(collections: readonly DefinedCollection[]): DefinedCollection[] {
  const byKey = new Map(collections.map((c) => [c.key, c]));
  const depth = (c: DefinedCollection, seen = new Set<string>()): number => {
    const parent = c.parent === undefined ? undefined : byKey.get(c.parent);
    if (!parent || seen.has(c.key)) return 0;
    seen.add(c.key);
    return 1 + depth(parent, seen);
  };
  return [...collections].sort((a, b) => depth(a) - depth(b));
}

/** `embedding_params` of a dashboard, exactly as its definition says. */
export function dashboardEmbeddingParams(dashboard: DefinedDashboard): Record<string, EmbeddingStatus> {
  return Object.fromEntries(
    dashboard.parameters.map((p) => [p.slug, p.locked ? "locked" : (p.embedding ?? "enabled")]),
  );
}

/**
 * Parameter ids are ours to choose (any non-blank string); deriving them from the dashboard key and the slug
 * keeps them stable across runs, so an unchanged dashboard never shows a diff and mappings stay valid.
 */
export function dashboardParameterId(dashboardKey: string, slug: string): string {
  return createHash("sha256").update(`${dashboardKey}\0${slug}`).digest("hex").slice(0, 8);
}

/** Template-tag ids must look like UUIDs; stable ones avoid needless updates. */
export function templateTagId(questionKey: string, tagName: string): string {
  const h = createHash("sha256").update(`${questionKey}\0${tagName}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A question embedded on its own gets the same locks as on its dashboards: a tag fed by a locked dashboard
 * parameter anywhere is locked, every other tag editable.
 */
export function cardEmbeddingParams(
  question: DefinedQuestion,
  dashboards: readonly DefinedDashboard[],
): Record<string, EmbeddingStatus> {
  const locked = new Set<string>();
  for (const dashboard of dashboards) {
    const lockedSlugs = new Set(dashboard.parameters.filter((p) => p.locked).map((p) => p.slug));
    for (const card of dashboard.cards) {
      if (card.question !== question.key) continue;
      for (const [slug, tag] of Object.entries(card.mappings)) if (lockedSlugs.has(slug)) locked.add(tag);
    }
  }
  return Object.fromEntries(
    Object.values(question.templateTags)
      .filter((tag) => tag.type !== "snippet" && tag.type !== "card")
      .map((tag) => [tag.name, locked.has(tag.name) ? "locked" : "enabled"]),
  );
}
