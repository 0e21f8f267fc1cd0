/**
 * Corruption (docs/design.md, Magic model): dark spells raise a character's
 * corruption (0..100), which lowers their max mana and decays slowly. Every
 * dark cast also feeds its region's accumulator, which decays with a
 * half-life; past a threshold the region starts a corruption world event,
 * at most once per cooldown.
 */

export const CORRUPTION_MAX = 100;
/** Corruption from a dark spell that does not set `corruption` itself. */
export const DARK_SPELL_DEFAULT_CORRUPTION = 3;
/** Character corruption lost per minute (linear): 100 → 0 in 200 minutes without dark casts. */
export const CORRUPTION_DECAY_PER_MIN = 0.5;
/** At corruption 100, max mana is reduced by this fraction (linear in between). */
export const CORRUPTION_MAX_MANA_PENALTY = 0.5;

/** Region accumulator half-life: the sum of recent dark casts halves every 10 minutes. */
export const REGION_CORRUPTION_HALF_LIFE_MS = 10 * 60_000;
export const REGION_CORRUPTION_THRESHOLD = 100;
/** How long a corruption event lasts. */
export const REGION_CORRUPTION_EVENT_MS = 3 * 60_000;
/** Minimum time between two event starts in one region. */
export const REGION_CORRUPTION_COOLDOWN_MS = 15 * 60_000;

/** Corruption a spell adds per successful cast: its own `corruption`, else the default for dark spells, else 0. */
export function corruptionOfSpell(spell: { dark: boolean; corruption?: number }): number {
  if (spell.corruption !== undefined && Number.isFinite(spell.corruption)) return Math.max(0, spell.corruption);
  return spell.dark ? DARK_SPELL_DEFAULT_CORRUPTION : 0;
}

export function clampCorruption(v: number): number {
  return Number.isFinite(v) ? Math.min(CORRUPTION_MAX, Math.max(0, v)) : 0;
}

/** A character's corruption after gaining `amount` (clamped 0..100). */
export function gainCorruption(current: number, amount: number): number {
  return clampCorruption(clampCorruption(current) + Math.max(0, amount || 0));
}

/** A character's corruption after `dtMs` of slow linear decay. */
export function decayCorruption(current: number, dtMs: number): number {
  return clampCorruption(clampCorruption(current) - (CORRUPTION_DECAY_PER_MIN * Math.max(0, dtMs)) / 60_000);
}

/** Max mana under corruption: base × (1 − 0.5 × corruption/100); −50% at 100. */
export function effectiveMaxMana(baseMaxMana: number, corruption: number): number {
  return Math.max(0, baseMaxMana) * (1 - (CORRUPTION_MAX_MANA_PENALTY * clampCorruption(corruption)) / CORRUPTION_MAX);
}

export type RegionCorruption = {
  /** Decayed sum of corruption from dark casts in the region, as of `updatedAt`. */
  points: number;
  updatedAt: number;
  /** Start time of the last corruption event, if any. */
  lastEventAt?: number;
  /** End of the running event (for the room's display). */
  eventUntil?: number;
};

export type CorruptionEventStart = { kind: 'corruption'; text: string; until: number };

export function newRegionCorruption(now: number): RegionCorruption {
  return { points: 0, updatedAt: now };
}

/** The accumulator's points at `now` (exponential decay since `updatedAt`). */
export function regionCorruptionAt(state: RegionCorruption, now: number): number {
  const dt = Math.max(0, now - state.updatedAt);
  return state.points * Math.pow(0.5, dt / REGION_CORRUPTION_HALF_LIFE_MS);
}

/** Adds a dark cast's corruption to the region. Returns a new state. */
export function addRegionCorruption(state: RegionCorruption, amount: number, now: number): RegionCorruption {
  const t = Math.max(now, state.updatedAt);
  return { ...state, points: regionCorruptionAt(state, t) + Math.max(0, amount || 0), updatedAt: t };
}

/** Removes points (a purify ritual). Returns a new state. */
export function purifyRegion(state: RegionCorruption, amount: number, now: number): RegionCorruption {
  const t = Math.max(now, state.updatedAt);
  return { ...state, points: Math.max(0, regionCorruptionAt(state, t) - Math.max(0, amount || 0)), updatedAt: t };
}

/**
 * Called on the tick: starts a corruption event when the region's decayed
 * points reach the threshold and the last event started at least the cooldown
 * ago. Points are not reset by the event; the cooldown alone prevents
 * re-triggering every tick, and a region kept corrupt gets a new event after it.
 */
export function regionCorruptionEvent(
  state: RegionCorruption,
  now: number,
): { state: RegionCorruption; start?: CorruptionEventStart } {
  const points = regionCorruptionAt(state, now);
  if (points < REGION_CORRUPTION_THRESHOLD) return { state };
  if (state.lastEventAt !== undefined && now - state.lastEventAt < REGION_CORRUPTION_COOLDOWN_MS) return { state };
  const until = now + REGION_CORRUPTION_EVENT_MS;
  return {
    state: { ...state, lastEventAt: now, eventUntil: until },
    start: {
      kind: 'corruption',
      text: 'Dark magic has soaked into the land: the leylines sour and shadows gather.',
      until,
    },
  };
}
