/**
 * Identity: which Metabase object is the one for each key. Pure.
 *
 * 1. The mapping table (`metabase_objects`) first: its id, if that object still exists (live or archived),
 *    still has the entity id recorded when it was bound, and does not carry another key's marker.
 * 2. Otherwise the ownership marker (marker.ts): objects whose description ends with `pilotage:<key>`,
 *    preferring one inside the managed collections, then a live one, then the oldest (a UI "duplicate" copies
 *    the description, and the original has the lower id).
 *
 * The boundary: an object is only ever written if it is inside the managed collections. An owned object
 * found outside them (moved away in the UI) is a conflict that a person resolves; nothing without a marker
 * or a table row is ever bound, whatever its name.
 */

export interface BindableObject {
  id: number;
  /** Key of the marker in its description, if any. */
  marker: string | undefined;
  archived: boolean;
  entityId: string | null | undefined;
  /** Inside the managed collections (for the root collection itself: always true). */
  inside: boolean;
}

export interface StoredBinding {
  key: string;
  metabaseId: number;
  entityId: string | null;
}

export interface Binding<T extends BindableObject> {
  key: string;
  object: T;
  via: "table" | "marker";
}

export interface BindingResult<T extends BindableObject> {
  /** Key → object, for every key that has one (defined or not). */
  bound: Map<string, Binding<T>>;
  /** Owned objects bound to a key that is no longer defined: archive candidates if inside. */
  orphans: Array<Binding<T>>;
  /** Blocking problems: the sync must not guess. */
  conflicts: string[];
  /** Things a person should know, that do not block. */
  warnings: string[];
}

export function bindObjects<T extends BindableObject>(
  noun: string,
  definedKeys: readonly string[],
  stored: readonly StoredBinding[],
  objects: readonly T[],
): BindingResult<T> {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const byMarker = new Map<string, T[]>();
  for (const o of objects) {
    if (o.marker === undefined) continue;
    byMarker.set(o.marker, [...(byMarker.get(o.marker) ?? []), o]);
  }
  const defined = new Set(definedKeys);
  const keys = [...new Set([...definedKeys, ...stored.map((s) => s.key), ...byMarker.keys()])];
  const storedByKey = new Map(stored.map((s) => [s.key, s]));
  const bound = new Map<string, Binding<T>>();
  const taken = new Set<number>();
  const conflicts: string[] = [];
  const warnings: string[] = [];

  // Table rows first for every key, so that a marker never steals an object the table gives to another key.
  for (const key of keys) {
    const row = storedByKey.get(key);
    if (!row) continue;
    const object = byId.get(row.metabaseId);
    if (!object) continue;
    if (row.entityId && object.entityId && row.entityId !== object.entityId) continue;
    if (object.marker !== undefined && object.marker !== key) continue;
    if (taken.has(object.id)) continue;
    bound.set(key, { key, object, via: "table" });
    taken.add(object.id);
  }
  for (const key of keys) {
    if (bound.has(key)) continue;
    const candidates = (byMarker.get(key) ?? [])
      .filter((o) => !taken.has(o.id))
      .sort(
        (a, b) =>
          Number(b.inside) - Number(a.inside) || Number(a.archived) - Number(b.archived) || a.id - b.id,
      );
    const object = candidates[0];
    if (!object) continue;
    bound.set(key, { key, object, via: "marker" });
    taken.add(object.id);
  }

  for (const [key, others] of byMarker) {
    const chosen = bound.get(key)?.object.id;
    const extra = others.filter((o) => o.id !== chosen && !taken.has(o.id));
    if (extra.length > 0 && defined.has(key)) {
      warnings.push(
        `${noun} ${key} : ${extra.map((o) => `#${o.id}`).join(", ")} porte aussi la marque pilotage:${key} (copie faite dans Metabase ?) ; cette copie n'est pas gérée et reste telle quelle.`,
      );
    }
  }

  const orphans: Array<Binding<T>> = [];
  for (const [key, binding] of bound) {
    if (!binding.object.inside) {
      if (defined.has(key)) {
        conflicts.push(
          `${noun} ${key} (#${binding.object.id}) se trouve hors des collections gérées : remettez cet objet dans sa collection depuis Metabase (la synchronisation ne touche à rien en dehors), puis relancez.`,
        );
      }
      continue;
    }
    if (!defined.has(key)) orphans.push(binding);
  }
  return { bound, orphans, conflicts, warnings };
}
