/**
 * Leylines: seeded straight segments of raw magic inside each region, whose
 * strength drifts slowly over time. Deterministic from the world seed, the
 * region and the clock, so every process (and a client) computes the same
 * lines. Arithmetic only (no Math.sin): bit-identical across JS engines.
 */
import { regionBounds, REGION_SIZE } from '../world/index.js';
import { hashString, Rng, seedFrom } from './random.js';

export type Leyline = {
  /** Stable id: `ley:<rx>,<rz>:<index>`. */
  id: string;
  x1: number;
  z1: number;
  x2: number;
  z2: number;
  /** 0.4..1: the peak the drifting strength reaches. */
  baseStrength: number;
};

export type LeylineProximity = {
  /** Horizontal distance in blocks to the nearest segment; Infinity when there are none. */
  distance: number;
  /** Current strength (0..1) of that segment; 0 when there are none. */
  strength: number;
  lineId?: string;
};

export const LEYLINES_MIN = 2;
export const LEYLINES_MAX = 4;
/** Segments are at least this long (blocks), so a line crosses a good part of its region. */
export const LEYLINE_MIN_LENGTH = 48;
export const LEYLINE_BASE_MIN = 0.4;
export const LEYLINE_BASE_MAX = 1;
/** Periods of the two drift waves (ms). Unrelated periods so the sum does not repeat soon. */
export const LEYLINE_DRIFT_PERIODS_MS = [6 * 60_000, 27 * 60_000] as const;
/** Lowest strength, as a fraction of baseStrength, the drift reaches. */
export const LEYLINE_DRIFT_FLOOR = 0.5;

/** The 2..4 leylines of region (rx, rz): endpoints are block coordinates inside its 128×128 columns. */
export function leylinesForRegion(worldSeed: number, rx: number, rz: number): Leyline[] {
  const rng = new Rng(seedFrom(worldSeed, 'leylines', rx, rz));
  const b = regionBounds(rx, rz);
  const count = rng.int(LEYLINES_MIN, LEYLINES_MAX);
  const lines: Leyline[] = [];
  for (let i = 0; i < count; i++) {
    let x1 = 0, z1 = 0, x2 = 0, z2 = 0;
    // Up to 16 draws for a long enough segment; the last fallback is a diagonal-ish one that always is.
    let found = false;
    for (let attempt = 0; attempt < 16 && !found; attempt++) {
      x1 = rng.int(b.minX, b.maxX);
      z1 = rng.int(b.minZ, b.maxZ);
      x2 = rng.int(b.minX, b.maxX);
      z2 = rng.int(b.minZ, b.maxZ);
      found = (x2 - x1) * (x2 - x1) + (z2 - z1) * (z2 - z1) >= LEYLINE_MIN_LENGTH * LEYLINE_MIN_LENGTH;
    }
    if (!found) {
      x1 = b.minX + rng.int(0, 15);
      z1 = b.minZ + rng.int(0, REGION_SIZE - 1);
      x2 = b.maxX - rng.int(0, 15);
      z2 = b.minZ + rng.int(0, REGION_SIZE - 1);
    }
    const baseStrength = round3(LEYLINE_BASE_MIN + (LEYLINE_BASE_MAX - LEYLINE_BASE_MIN) * rng.next());
    lines.push({ id: `ley:${rx},${rz}:${i}`, x1, z1, x2, z2, baseStrength });
  }
  return lines;
}

/** A smooth (C¹) periodic wave with period 1, ranging 0..1: a smoothstepped triangle wave. */
export function smoothWave(p: number): number {
  const f = p - Math.floor(p);
  const tri = 1 - Math.abs(2 * f - 1); // 0 at integers, 1 at halves
  return tri * tri * (3 - 2 * tri);
}

/**
 * Strength of line `id` at time `now` (ms): base × (0.5 + 0.5 × drift), where drift
 * is 0.6·wave(now/6min + φ₁) + 0.4·wave(now/27min + φ₂), phases from the id. Always
 * within [0.5·base, base] ⊂ [0, 1]; moves by at most a few % per second.
 */
export function leylineStrength(baseStrength: number, id: string, now: number): number {
  const h = hashString(id);
  const ph1 = (h & 0xffff) / 65536;
  const ph2 = (h >>> 16) / 65536;
  const [p1, p2] = LEYLINE_DRIFT_PERIODS_MS;
  const drift = 0.6 * smoothWave(now / p1 + ph1) + 0.4 * smoothWave(now / p2 + ph2);
  const s = clamp01(baseStrength) * (LEYLINE_DRIFT_FLOOR + (1 - LEYLINE_DRIFT_FLOOR) * drift);
  return clamp01(s);
}

/** Horizontal distance from (x, z) to segment (x1,z1)–(x2,z2). */
export function distanceToSegment(x: number, z: number, l: Pick<Leyline, 'x1' | 'z1' | 'x2' | 'z2'>): number {
  const dx = l.x2 - l.x1;
  const dz = l.z2 - l.z1;
  const len2 = dx * dx + dz * dz;
  let t = len2 > 0 ? ((x - l.x1) * dx + (z - l.z1) * dz) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const px = l.x1 + t * dx - x;
  const pz = l.z1 + t * dz - z;
  return Math.sqrt(px * px + pz * pz);
}

/** The nearest line to (x, z) and its strength now (ties: the stronger line). */
export function leylineProximity(x: number, z: number, lines: readonly Leyline[], now: number): LeylineProximity {
  let best: LeylineProximity = { distance: Infinity, strength: 0 };
  for (const l of lines) {
    const d = distanceToSegment(x, z, l);
    if (d > best.distance) continue;
    const s = leylineStrength(l.baseStrength, l.id, now);
    if (d < best.distance || s > best.strength) best = { distance: d, strength: s, lineId: l.id };
  }
  return best;
}

/** Current strengths of all lines (for the wire `LeylineState.strength`). */
export function leylineStrengths(lines: readonly Leyline[], now: number): Map<string, number> {
  return new Map(lines.map((l) => [l.id, leylineStrength(l.baseStrength, l.id, now)]));
}

function clamp01(v: number): number {
  return v > 1 ? 1 : v > 0 ? v : 0;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
