/**
 * `(pr-str (set names))`, as Metabase prints missing parameters: a PersistentHashSet iterates its hash trie,
 * whose branches are chosen by the 5-bit chunks of each element's hash, lowest chunk first; a String's hash is
 * Murmur3's `hashInt` of Java's `String.hashCode`.
 */

function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function rotateLeft(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function murmurHashInt(input: number): number {
  if (input === 0) return 0;
  let k = Math.imul(input, 0xcc9e2d51);
  k = Math.imul(rotateLeft(k, 15), 0x1b873593);
  let h = Math.imul(rotateLeft(k, 13), 5) + 0xe6546b64;
  h ^= 4;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function trieCompare(a: number, b: number): number {
  for (let shift = 0; shift < 32; shift += 5) {
    const diff = ((a >>> shift) & 31) - ((b >>> shift) & 31);
    if (diff !== 0) return diff;
  }
  return 0;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\t": "\\t",
  "\r": "\\r",
  "\f": "\\f",
  "\b": "\\b",
};

function printString(s: string): string {
  return `"${s.replace(/["\\\n\t\r\f\b]/g, (c) => ESCAPES[c]!)}"`;
}

export function printSet(names: readonly string[]): string {
  const unique = [...new Set(names)];
  const hashed = unique.map((name) => ({ name, hash: murmurHashInt(javaHashCode(name)) }));
  // Array.prototype.sort is stable: equal hashes keep their insertion order, as a collision node does.
  hashed.sort((x, y) => trieCompare(x.hash, y.hash));
  return `#{${hashed.map((h) => printString(h.name)).join(" ")}}`;
}
