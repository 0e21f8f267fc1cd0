/**
 * Rituals as game rules: the kinds, the effects a completed ritual has, the
 * computation of those effects, and the book of rituals under way in a region.
 *
 * The outcome is a function of the ritual's start alone (every random choice
 * comes from its seed), so a worker on any process, a retry, or the room
 * itself (when the queue is unreachable) all compute the same ritual.
 * Integer-only arithmetic on positions and amounts. (x, y, z) is the ritual
 * centre; y is the caster's feet level, the first block above the ground;
 * raised earth fills upward from y.
 */
import { Block, seed32, splitmix32, subSeed, WORLD_HEIGHT } from '../world/index.js';
import type { Vec3 } from './types.js';

export const RITUAL_KINDS = ['raise_earth', 'storm', 'mass_heal', 'purify', 'summon_golem'] as const;
export type RitualKind = (typeof RITUAL_KINDS)[number];

export type BlockEditEffect = { x: number; y: number; z: number; block: number };

export type RitualEffect =
  | { kind: 'blocks'; edits: BlockEditEffect[] }
  | { kind: 'heal'; x: number; y: number; z: number; radius: number; amount: number }
  | { kind: 'damage'; x: number; y: number; z: number; radius: number; amount: number }
  | { kind: 'event'; event: 'storm' | 'purified'; text: string; durationMs: number }
  | { kind: 'summon'; npcKind: string; x: number; y: number; z: number };

/** What the outcome depends on. */
export type RitualInput = { ritualKind: RitualKind; x: number; y: number; z: number; power: number; seed: number };

/** A ritual started by a cast: sent to a worker, its outcome applied once when it completes. */
export type RitualStart = {
  ritualId: string;
  casterId: string;
  spellId: string;
  ritualKind: RitualKind;
  aim: Vec3;
  /** Effective power: spell power × mastery × environment at the cast. */
  power: number;
  /** Seeds the outcome's random choices. */
  seed: number;
  startedAt: number;
  completesAt: number;
};

export type RitualOutcome = { ritualId: string; casterId: string; status: 'completed' | 'cancelled' | 'failed'; effects: RitualEffect[] };

const KIND_SALT: Record<RitualKind, number> = { raise_earth: 1, storm: 2, mass_heal: 3, purify: 4, summon_golem: 5 };

/** Uniform float in [0, 1) and integer helpers over one seeded stream. */
function randomSource(seed: number, kind: RitualKind) {
  const next = splitmix32(subSeed(seed32(seed), KIND_SALT[kind]));
  const float = () => next() / 4294967296;
  return {
    float,
    /** Integer in [lo, hi]. */
    int: (lo: number, hi: number) => lo + Math.floor(float() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(float() * items.length)]!,
  };
}
type Rnd = ReturnType<typeof randomSource>;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Mound radius for raise_earth: 2 at low power, 3 around 40–79, at most 5. */
export function raiseEarthRadius(power: number): number {
  return clamp(2 + Math.floor(power / 40), 2, 5);
}

const STORM_TEXTS = [
  'Thunderheads boil out of a clear sky and lightning lashes the ground.',
  'The air cracks open; a storm answers the ritual and rain falls like iron.',
  'Wind howls across the region as the summoned tempest breaks.',
] as const;
const PURIFY_TEXTS = [
  'A wave of pale light washes over the land; the corruption recedes.',
  'The ley currents run clear again as the purification takes hold.',
  'Blight withers and falls away; the ground breathes.',
] as const;

function raiseEarth(p: RitualInput, rnd: Rnd): RitualEffect[] {
  const r = raiseEarthRadius(p.power);
  const cx = Math.floor(p.x);
  const cy = Math.floor(p.y);
  const cz = Math.floor(p.z);
  const peak = r + 1;
  const edge = (r + 1) * (r + 1);
  const edits: BlockEditEffect[] = [];
  for (let dx = -r; dx <= r; dx++) {
    for (let dz = -r; dz <= r; dz++) {
      const d2 = dx * dx + dz * dz;
      if (d2 > r * r) continue;
      // Dome profile: peak at the centre, 1 at the rim, ±1 of seeded roughness.
      const base = Math.max(1, Math.floor((peak * (edge - d2)) / edge));
      const height = clamp(base + (rnd.float() < 0.3 ? 1 : 0) - (rnd.float() < 0.15 ? 1 : 0), 1, peak + 1);
      for (let k = 0; k < height; k++) {
        const y = cy + k;
        if (y < 1 || y >= WORLD_HEIGHT) continue; // never touch the bedrock floor or leave the world
        let block: number;
        if (k === height - 1) block = Block.DIRT;
        else {
          const roll = rnd.float();
          block = roll < 0.08 ? Block.COBBLESTONE : roll < 0.14 ? Block.GRAVEL : Block.STONE;
        }
        edits.push({ x: cx + dx, y, z: cz + dz, block });
      }
    }
  }
  return [{ kind: 'blocks', edits }];
}

function storm(p: RitualInput, rnd: Rnd): RitualEffect[] {
  const durationMs = clamp(15_000 + Math.floor(p.power) * 200, 15_000, 120_000);
  return [
    { kind: 'event', event: 'storm', text: rnd.pick(STORM_TEXTS), durationMs },
    {
      kind: 'damage',
      x: p.x,
      y: p.y,
      z: p.z,
      radius: clamp(6 + Math.floor(p.power / 20), 6, 16),
      amount: Math.max(1, Math.round(p.power * (0.4 + 0.2 * rnd.float()))),
    },
  ];
}

function massHeal(p: RitualInput, rnd: Rnd): RitualEffect[] {
  return [
    {
      kind: 'heal',
      x: p.x,
      y: p.y,
      z: p.z,
      radius: clamp(5 + Math.floor(p.power / 25), 5, 12),
      amount: Math.max(1, Math.round(p.power * (0.8 + 0.4 * rnd.float()))),
    },
  ];
}

function purify(p: RitualInput, rnd: Rnd): RitualEffect[] {
  const durationMs = clamp(60_000 + Math.floor(p.power) * 500, 60_000, 600_000);
  return [{ kind: 'event', event: 'purified', text: rnd.pick(PURIFY_TEXTS), durationMs }];
}

function summonGolem(p: RitualInput, rnd: Rnd): RitualEffect[] {
  const npcKind = p.power >= 80 && rnd.float() < 0.5 ? 'crystal_golem' : 'stone_golem';
  return [
    {
      kind: 'summon',
      npcKind,
      x: Math.floor(p.x) + rnd.int(-2, 2),
      y: clamp(Math.floor(p.y), 1, WORLD_HEIGHT - 2),
      z: Math.floor(p.z) + rnd.int(-2, 2),
    },
  ];
}

const OUTCOMES: Record<RitualKind, (p: RitualInput, rnd: Rnd) => RitualEffect[]> = {
  raise_earth: raiseEarth,
  storm,
  mass_heal: massHeal,
  purify,
  summon_golem: summonGolem,
};

/** The effects of a completed ritual, from its input alone. */
export function ritualEffects(input: RitualInput): RitualEffect[] {
  return OUTCOMES[input.ritualKind](input, randomSource(input.seed, input.ritualKind));
}

/** The input of a started ritual. */
export function ritualInput(r: RitualStart): RitualInput {
  return { ritualKind: r.ritualKind, x: r.aim.x, y: r.aim.y, z: r.aim.z, power: r.power, seed: r.seed };
}

/**
 * The rituals under way in one region. A result (from any worker, any number
 * of times, or from the room's own fallback) is applied once: the first one
 * for a pending id is queued; later ones, and ones for rituals cancelled
 * meanwhile, find nothing.
 */
export class RitualBook {
  private readonly pending = new Map<string, RitualStart>();
  private readonly arrived: RitualOutcome[] = [];

  start(r: RitualStart): void {
    this.pending.set(r.ritualId, r);
  }

  /** True while started and neither applied, cancelled, failed nor holding an arrived result. */
  isPending(ritualId: string): boolean {
    return this.pending.has(ritualId) && !this.arrived.some((r) => r.ritualId === ritualId);
  }

  result(ritualId: string, effects: readonly RitualEffect[]): void {
    const r = this.pending.get(ritualId);
    if (r) this.arrived.push({ ritualId, casterId: r.casterId, status: 'completed', effects: [...effects] });
  }

  /** The job failed for good (after its retries): the ritual fizzles. */
  failed(ritualId: string): void {
    const r = this.pending.get(ritualId);
    if (r) this.arrived.push({ ritualId, casterId: r.casterId, status: 'failed', effects: [] });
  }

  /** Cancels a caster's rituals (left or died; documented rule: the reserved mana is not refunded). */
  cancelOf(casterId: string): RitualOutcome[] {
    const out: RitualOutcome[] = [];
    for (const [id, r] of this.pending) {
      if (r.casterId !== casterId) continue;
      this.pending.delete(id);
      out.push({ ritualId: id, casterId, status: 'cancelled', effects: [] });
    }
    return out;
  }

  /** Arrived outcomes of rituals still pending, each once. */
  take(): RitualOutcome[] {
    return this.arrived.splice(0).filter((r) => this.pending.delete(r.ritualId));
  }
}
