// Seeded noise that gives bit-identical results in every JS engine: only
// 32-bit integer ops (Math.imul, shifts) and IEEE +, −, ×, Math.floor.
// No Math.random, no Math.sin/exp/pow/sqrt (transcendental functions are
// implementation-approximated in ECMAScript and differ between engines).

/** Folds any finite number into a 32-bit seed (high bits mixed in, so 2^32 and 0 differ). */
export function seed32(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const t = Math.trunc(seed);
  const lo = t >>> 0;
  const hi = Math.floor(t / 4294967296) | 0;
  return mix32(lo ^ Math.imul(hi, 0x9e3779b1)) | 0;
}

/** murmur3 finaliser: a bijective avalanche on 32 bits. */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Derives an independent sub-seed, so each noise layer of a world gets its own stream. */
export function subSeed(seed: number, salt: number): number {
  return mix32(seed ^ mix32(Math.imul(salt + 1, 0x9e3779b9))) | 0;
}

/** splitmix32 PRNG: returns uint32 values. Small state, good enough for shuffling tables. */
export function splitmix32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** Hash of an integer 2D position → uint32. For per-column decisions (soil depth, feature cells). */
export function hash2(seed: number, x: number, z: number): number {
  let h = mix32(seed ^ Math.imul(x | 0, 0x27d4eb2d));
  h = mix32(h ^ Math.imul(z | 0, 0x165667b1));
  return h;
}

/** Hash of an integer 3D position → uint32. For per-block decisions (ores). */
export function hash3(seed: number, x: number, y: number, z: number): number {
  let h = mix32(seed ^ Math.imul(x | 0, 0x27d4eb2d));
  h = mix32(h ^ Math.imul(y | 0, 0x9e3779b1));
  h = mix32(h ^ Math.imul(z | 0, 0x165667b1));
  return h;
}

// Skew constants for 2D simplex, written as literals instead of Math.sqrt(3) so
// nothing depends on the engine's math library.
const F2 = 0.36602540378443865; // (√3 − 1) / 2
const G2 = 0.21132486540518713; // (3 − √3) / 6
// 8 gradient directions; the diagonals are not normalised, as in Gustavson's reference.
const GX = new Float64Array([1, -1, 1, -1, 1, -1, 0, 0]);
const GY = new Float64Array([1, 1, -1, -1, 0, 0, 1, -1]);

/** 2D simplex noise (Perlin/Gustavson), seeded by a shuffled permutation table. Output ≈ [−1, 1]. */
export class Simplex2 {
  private readonly perm = new Uint8Array(512);
  private readonly grad = new Uint8Array(512);

  constructor(seed: number) {
    const rnd = splitmix32(seed);
    const p = new Uint8Array(256);
    for (let i = 0; i < 256; i++) p[i] = i;
    for (let i = 255; i > 0; i--) {
      const j = rnd() % (i + 1); // the tiny modulo bias is irrelevant for a shuffle
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    for (let i = 0; i < 512; i++) {
      this.perm[i] = p[i & 255]!;
      this.grad[i] = p[i & 255]! & 7;
    }
  }

  noise(x: number, y: number): number {
    const s = (x + y) * F2;
    const i = Math.floor(x + s);
    const j = Math.floor(y + s);
    const t = (i + j) * G2;
    const x0 = x - (i - t);
    const y0 = y - (j - t);
    // Which of the two triangles of the skewed cell are we in?
    const i1 = x0 > y0 ? 1 : 0;
    const j1 = 1 - i1;
    const x1 = x0 - i1 + G2;
    const y1 = y0 - j1 + G2;
    const x2 = x0 - 1 + 2 * G2;
    const y2 = y0 - 1 + 2 * G2;
    const ii = i & 255;
    const jj = j & 255;
    const perm = this.perm;
    const grad = this.grad;
    let n = 0;
    let t0 = 0.5 - x0 * x0 - y0 * y0;
    if (t0 > 0) {
      const g = grad[ii + perm[jj]!]!;
      t0 *= t0;
      n += t0 * t0 * (GX[g]! * x0 + GY[g]! * y0);
    }
    let t1 = 0.5 - x1 * x1 - y1 * y1;
    if (t1 > 0) {
      const g = grad[ii + i1 + perm[jj + j1]!]!;
      t1 *= t1;
      n += t1 * t1 * (GX[g]! * x1 + GY[g]! * y1);
    }
    let t2 = 0.5 - x2 * x2 - y2 * y2;
    if (t2 > 0) {
      const g = grad[ii + 1 + perm[jj + 1]!]!;
      t2 *= t2;
      n += t2 * t2 * (GX[g]! * x2 + GY[g]! * y2);
    }
    return 70 * n; // scales the sum to roughly [−1, 1]
  }
}

/**
 * Fractal Brownian motion: `octaves` layers of noise, each at double the
 * frequency and half the amplitude, normalised back to ≈ [−1, 1]. Each octave
 * is shifted by a fixed offset so the octaves don't all share a lattice
 * point at the origin (which shows up as a visible artefact there).
 */
export function fbm2(n: Simplex2, x: number, z: number, octaves: number): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  for (let o = 0; o < octaves; o++) {
    sum += amp * n.noise(x + o * 17.31, z - o * 23.77);
    norm += amp;
    amp *= 0.5;
    x *= 2;
    z *= 2;
  }
  return sum / norm;
}
