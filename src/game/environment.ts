/**
 * The environment part of "effect = power × mastery × environment"
 * (docs/design.md, Magic model): leyline proximity and strength × biome
 * affinity × time of day.
 * Pure tables and arithmetic; the room supplies biome, hour and leyline data.
 *
 * Tables (factor 1 = neutral; elements not listed are neutral everywhere):
 *
 * Biome affinity   water beach plains forest desert snow  mountains
 *   fire           0.70  0.95  1.00   1.05   1.30   0.70  1.00
 *   frost          1.15  0.95  1.00   1.00   0.70   1.30  1.15
 *   storm          1.25  1.10  1.00   0.95   0.90   1.00  1.25
 *   earth          0.80  0.90  1.20   1.05   1.00   0.90  1.30
 *   life           1.00  1.00  1.20   1.30   0.75   0.80  0.90
 *   water          1.30  1.15  1.00   1.00   0.70   1.05  0.95
 *   shadow         1.00  0.95  0.95   1.10   0.95   1.00  1.05
 *   light          1.00  1.05  1.00   0.95   1.15   1.10  1.05
 *   (arcane, physical and unknown elements: 1.00 everywhere)
 *
 * Element aliases: lightning/air/wind → storm, ice/cold → frost, nature → life,
 * holy/radiant → light, dark/necrotic/blood → shadow.
 *
 * Time of day (hour 0..24; daylight d = smoothstep(1 − |hour − 12| / 12): 1 at noon, 0 at midnight):
 *   fire   1 + 0.10 × (2d − 1)  → 0.90 midnight … 1.10 noon
 *   life   1 + 0.15 × (2d − 1)  → 0.85 … 1.15
 *   light  1 + 0.20 × (2d − 1)  → 0.80 … 1.20
 *   shadow 1 − 0.25 × (2d − 1)  → 1.25 midnight … 0.75 noon
 *   frost  1 − 0.05 × (2d − 1)  → 1.05 midnight … 0.95 noon
 *   others 1
 *
 * Leyline: 1 + 0.5 × strength × (1 − distance/16)² for distance < 16 blocks, else 1.
 *   Up to +50% standing on a line at full strength; arcane gets 1.5× the bonus
 *   (up to +75%); physical (martial) spells get none.
 *
 * total = leyline × biome × timeOfDay, clamped to [0.25, 2.5].
 */
import { BIOME_NAMES } from '../world/index.js';

export type EnvironmentInput = {
  element: string;
  /** A BiomeId from `biomeAt` or a biome name from BIOME_NAMES. */
  biome: number | string;
  /** In-game hour, 0..24 (`timeOfDay` of the region). */
  hour: number;
  leyline: { distance: number; strength: number };
};

export type EnvironmentFactors = { leyline: number; biome: number; timeOfDay: number; total: number };

export const ENV_TOTAL_MIN = 0.25;
export const ENV_TOTAL_MAX = 2.5;
export const LEYLINE_MAX_BONUS = 0.5;
export const LEYLINE_REACH = 16;
/** Per-element multiplier on the leyline bonus. */
export const LEYLINE_ELEMENT_SCALE: Readonly<Record<string, number>> = { arcane: 1.5, physical: 0 };

export const ELEMENT_ALIASES: Readonly<Record<string, string>> = {
  lightning: 'storm',
  air: 'storm',
  wind: 'storm',
  ice: 'frost',
  cold: 'frost',
  nature: 'life',
  holy: 'light',
  radiant: 'light',
  dark: 'shadow',
  necrotic: 'shadow',
  blood: 'shadow',
};

type BiomeRow = Readonly<Record<string, number>>;
/** Biome name → factor, per canonical element. Missing biome or element: 1. */
export const BIOME_AFFINITY: Readonly<Record<string, BiomeRow>> = {
  fire: { water: 0.7, beach: 0.95, plains: 1, forest: 1.05, desert: 1.3, snow: 0.7, mountains: 1 },
  frost: { water: 1.15, beach: 0.95, plains: 1, forest: 1, desert: 0.7, snow: 1.3, mountains: 1.15 },
  storm: { water: 1.25, beach: 1.1, plains: 1, forest: 0.95, desert: 0.9, snow: 1, mountains: 1.25 },
  earth: { water: 0.8, beach: 0.9, plains: 1.2, forest: 1.05, desert: 1, snow: 0.9, mountains: 1.3 },
  life: { water: 1, beach: 1, plains: 1.2, forest: 1.3, desert: 0.75, snow: 0.8, mountains: 0.9 },
  water: { water: 1.3, beach: 1.15, plains: 1, forest: 1, desert: 0.7, snow: 1.05, mountains: 0.95 },
  shadow: { water: 1, beach: 0.95, plains: 0.95, forest: 1.1, desert: 0.95, snow: 1, mountains: 1.05 },
  light: { water: 1, beach: 1.05, plains: 1, forest: 0.95, desert: 1.15, snow: 1.1, mountains: 1.05 },
};

/** Amplitude of the day/night swing per canonical element: + peaks at noon, − at midnight. */
export const TIME_OF_DAY_AMPLITUDE: Readonly<Record<string, number>> = {
  fire: 0.1,
  life: 0.15,
  light: 0.2,
  shadow: -0.25,
  frost: -0.05,
};

export function canonicalElement(element: string): string {
  const e = element.toLowerCase();
  return ELEMENT_ALIASES[e] ?? e;
}

export function biomeName(biome: number | string): string {
  return typeof biome === 'number' ? (BIOME_NAMES[biome] ?? 'unknown') : biome.toLowerCase();
}

export function biomeFactor(element: string, biome: number | string): number {
  return BIOME_AFFINITY[canonicalElement(element)]?.[biomeName(biome)] ?? 1;
}

/** 1 at noon, 0 at midnight, smooth in between. Hours outside 0..24 wrap. */
export function daylight(hour: number): number {
  if (!Number.isFinite(hour)) return 0.5;
  const h = ((hour % 24) + 24) % 24;
  const t = 1 - Math.abs(h - 12) / 12;
  return t * t * (3 - 2 * t);
}

export function timeOfDayFactor(element: string, hour: number): number {
  const a = TIME_OF_DAY_AMPLITUDE[canonicalElement(element)] ?? 0;
  return 1 + a * (2 * daylight(hour) - 1);
}

export function leylineFactor(element: string, leyline: { distance: number; strength: number }): number {
  const d = leyline.distance;
  if (!(d >= 0) || d >= LEYLINE_REACH) return 1;
  const s = Math.min(1, Math.max(0, Number.isFinite(leyline.strength) ? leyline.strength : 0));
  const scale = LEYLINE_ELEMENT_SCALE[canonicalElement(element)] ?? 1;
  const falloff = (1 - d / LEYLINE_REACH) ** 2;
  return 1 + LEYLINE_MAX_BONUS * scale * s * falloff;
}

export function environmentFactor(input: EnvironmentInput): EnvironmentFactors {
  const leyline = leylineFactor(input.element, input.leyline);
  const biome = biomeFactor(input.element, input.biome);
  const timeOfDay = timeOfDayFactor(input.element, input.hour);
  const total = Math.min(ENV_TOTAL_MAX, Math.max(ENV_TOTAL_MIN, leyline * biome * timeOfDay));
  return { leyline, biome, timeOfDay, total };
}
