import type { z } from "zod";

/**
 * A schema's check of stored objects, made once per object and kept (weakly) with it: the value parsed,
 * or null when this version cannot read it. Sound only for objects never changed in place once checked —
 * a session's user and profile, which are replaced, never edited, and which the embed renewal's lean read
 * shares between requests while the stored session is unchanged (src/storage/session-store.ts).
 */
export function checkedPerObject<T>(schema: z.ZodType<T>): (stored: unknown) => T | null {
  const checked = new WeakMap<object, T | null>();
  return (stored) => {
    if (typeof stored !== "object" || stored === null) return null;
    let known = checked.get(stored);
    if (known === undefined) {
      const parsed = schema.safeParse(stored);
      known = parsed.success ? parsed.data : null;
      checked.set(stored, known);
    }
    return known;
  };
}
