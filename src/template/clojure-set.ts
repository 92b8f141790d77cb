/**
 * Metabase prints missing parameters as a Clojure set (`#{"a" "b"}`), whose order is that of its hash array
 * mapped trie: by the 5-bit chunks of each string's hash, lowest chunk first. Reproducing it keeps the
 * message byte-for-byte identical to Metabase's when several parameters are missing.
 */

function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** clojure.lang.Murmur3.hashInt, which Clojure's `hash` applies to a String's hashCode. */
function murmur3HashInt(input: number): number {
  if (input === 0) return 0;
  let k1 = Math.imul(input, 0xcc9e2d51);
  k1 = rotl(k1, 15);
  k1 = Math.imul(k1, 0x1b873593);
  let h1 = k1;
  h1 = rotl(h1, 13);
  h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  h1 ^= 4;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1;
}

function trieOrder(a: number, b: number): number {
  for (let shift = 0; shift < 32; shift += 5) {
    const d = ((a >>> shift) & 0x1f) - ((b >>> shift) & 0x1f);
    if (d !== 0) return d;
  }
  return 0;
}

function printString(s: string): string {
  const escaped = s.replace(/[\\"\n\t\r\f\b]/g, (c) => {
    switch (c) {
      case "\n":
        return "\\n";
      case "\t":
        return "\\t";
      case "\r":
        return "\\r";
      case "\f":
        return "\\f";
      case "\b":
        return "\\b";
      default:
        return `\\${c}`;
    }
  });
  return `"${escaped}"`;
}

/** `(pr-str (set names))`. Names with equal hashes keep their first-seen order, as in Clojure. */
export function printClojureStringSet(names: readonly string[]): string {
  const unique = [...new Set(names)].map((name) => ({ name, hash: murmur3HashInt(javaStringHash(name)) }));
  unique.sort((x, y) => trieOrder(x.hash, y.hash));
  return `#{${unique.map((u) => printString(u.name)).join(" ")}}`;
}
