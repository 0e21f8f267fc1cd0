/**
 * Seeded random source for the game rules (docs/design.md, rule 1).
 * splitmix32 over a 32-bit state: only Math.imul, shifts, + and ×, so every
 * JS engine produces the same sequence for the same seed. Never use
 * Math.random in src/game.
 */

/** Stable 32-bit hash of a string (FNV-1a, then an avalanche so short keys spread). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return avalanche(h);
}

/** murmur3 finaliser: bijective on 32 bits. */
function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Folds any finite number into 32 bits (the high word is mixed in, so 2^32 ≠ 0). */
function fold(n: number): number {
  if (!Number.isFinite(n)) throw new RangeError(`seed part must be finite, got ${n}`);
  const t = Math.trunc(n);
  const lo = t >>> 0;
  const hi = Math.floor(t / 4294967296) | 0;
  return avalanche(lo ^ Math.imul(hi, 0x9e3779b1));
}

/**
 * Combines seed parts (numbers and strings) into one 32-bit seed, order-sensitive:
 * `seedFrom(worldSeed, 'npc', rx, rz)`.
 */
export function seedFrom(...parts: readonly (number | string)[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    const v = typeof p === 'string' ? hashString(p) : fold(p);
    h = avalanche((h ^ v) + 0x9e3779b9);
  }
  return h >>> 0;
}

export class Rng {
  private origin: number;
  private s: number;

  constructor(seed: number) {
    this.origin = fold(seed);
    this.s = this.origin | 0;
  }

  /** Next uint32. */
  nextU32(): number {
    this.s = (this.s + 0x9e3779b9) | 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    const lo = Math.ceil(Math.min(min, max));
    const hi = Math.floor(Math.max(min, max));
    if (hi < lo) return lo;
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform float in [min, max). */
  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element; undefined for an empty array. */
  pick<T>(arr: readonly T[]): T | undefined {
    return arr.length === 0 ? undefined : arr[Math.floor(this.next() * arr.length)];
  }

  /** Index chosen with probability weight/total; -1 when every weight is ≤ 0. Negative weights count as 0. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) if (w > 0) total += w;
    if (!(total > 0)) return -1;
    let r = this.next() * total;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w > 0)) continue;
      last = i;
      if (r < w) return i;
      r -= w;
    }
    return last; // float rounding at the very top end
  }

  /**
   * An independent named sub-stream. Derived from this generator's seed and the
   * salt only (not from how far it has been drawn), so `fork('loot')` is the
   * same stream wherever it is called.
   */
  fork(salt: number | string): Rng {
    return new Rng(seedFrom(this.origin, salt));
  }

  /** Current state, to persist a stream and resume it with `Rng.fromState`. */
  get state(): number {
    return this.s >>> 0;
  }

  static fromState(state: number, origin = state): Rng {
    const r = new Rng(0);
    r.origin = origin >>> 0;
    r.s = state | 0;
    return r;
  }
}

export function createRng(seed: number): Rng {
  return new Rng(seed);
}
