/**
 * "1 fichier", "2 fichiers", "0 fichier": French takes the singular for 0 and 1. Messages agree with
 * their number instead of writing « fichier(s) ».
 */
export function countOf(n: number, one: string, many: string): string {
  return `${n} ${n <= 1 ? one : many}`;
}

/** The word alone, agreeing with `n` (for a participle after the noun: « 2 questions créées »). */
export function agree(n: number, one: string, many: string): string {
  return n <= 1 ? one : many;
}
