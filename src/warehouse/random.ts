/**
 * The seeded pseudo-random generator of the synthetic warehouse. Same seed, same numbers, on every
 * machine and Node version: sfc32 (a small, well-tested 32-bit generator) seeded by a string hash, and
 * only integer arithmetic, `Math.imul`, `Math.sqrt` and division, whose results IEEE 754 fixes exactly.
 * No `Math.log`/`exp`/`sin` (their last bit may differ between engines), no `Math.random`, no clock.
 */

/** 128 bits of state from a string (the cyrb128 mixing scheme). */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

export interface Rng {
  /** A 32-bit unsigned integer. */
  uint32(): number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A value around `mean`, within ±spread, bell-shaped (sum of three uniforms). */
  around(mean: number, spread: number): number;
  /** How many failures before a success of probability p (a geometric draw), at most `cap`. */
  geometric(p: number, cap: number): number;
  /** A random version-4 UUID. */
  uuid(): string;
}

export function createRng(seed: string): Rng {
  let [a, b, c, d] = hashSeed(seed);
  const uint32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const result = (t + d) | 0;
    c = (c + result) | 0;
    return result >>> 0;
  };
  // The first outputs of a freshly seeded sfc32 are weakly mixed: discard them.
  for (let i = 0; i < 15; i++) uint32();
  const next = () => uint32() / 4294967296;
  const rng: Rng = {
    uint32,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[Math.floor(next() * items.length)]!;
    },
    around: (mean, spread) => mean + spread * ((next() + next() + next()) / 1.5 - 1),
    geometric: (p, cap) => {
      let n = 0;
      while (n < cap && next() >= p) n++;
      return n;
    },
    uuid: () => {
      const hex = (n: number) => n.toString(16).padStart(8, "0");
      const x = hex(uint32());
      const y = hex(uint32());
      const z = hex(uint32());
      const w = hex(uint32());
      const variant = ((parseInt(z[0]!, 16) & 0x3) | 0x8).toString(16);
      return `${x}-${y.slice(0, 4)}-4${y.slice(5, 8)}-${variant}${z.slice(1, 4)}-${z.slice(4)}${w}`;
    },
  };
  return rng;
}

/** Picks items in proportion to integer-ish weights, by binary search over cumulative sums. */
export class WeightedPicker<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new Error("a weighted picker needs as many positive weights as items");
    }
    let sum = 0;
    for (const weight of weights) {
      sum += Math.max(0, weight);
      this.cumulative.push(sum);
    }
    if (sum <= 0) throw new Error("a weighted picker needs a positive total weight");
    this.total = sum;
  }

  pick(rng: Rng): T {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}
