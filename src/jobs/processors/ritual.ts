/**
 * Ritual outcomes. Pure: the effects are a function of the payload alone
 * (every random choice comes from `payload.seed`), so a worker on any
 * process, a retry, or the room itself (when the queue is unreachable) all
 * compute the same ritual. Integer-only arithmetic on positions and amounts.
 *
 * Coordinates: (x, y, z) is the ritual centre; y is the caster's feet level,
 * i.e. the first block above the ground. Raised earth fills upward from y.
 */
import { Block, seed32, splitmix32, subSeed, WORLD_HEIGHT } from '../../world/index.js';
import {
  parsePayload,
  ritualPayloadSchema,
  type BlockEditEffect,
  type Processor,
  type RitualEffect,
  type RitualKind,
  type RitualPayload,
  type RitualResult,
  JobPayloadError,
} from '../types.js';

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

function raiseEarth(p: RitualPayload, rnd: ReturnType<typeof randomSource>): RitualEffect[] {
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

function storm(p: RitualPayload, rnd: ReturnType<typeof randomSource>): RitualEffect[] {
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

function massHeal(p: RitualPayload, rnd: ReturnType<typeof randomSource>): RitualEffect[] {
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

function purify(p: RitualPayload, rnd: ReturnType<typeof randomSource>): RitualEffect[] {
  const durationMs = clamp(60_000 + Math.floor(p.power) * 500, 60_000, 600_000);
  return [{ kind: 'event', event: 'purified', text: rnd.pick(PURIFY_TEXTS), durationMs }];
}

function summonGolem(p: RitualPayload, rnd: ReturnType<typeof randomSource>): RitualEffect[] {
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

const OUTCOMES: Record<RitualKind, (p: RitualPayload, rnd: ReturnType<typeof randomSource>) => RitualEffect[]> = {
  raise_earth: raiseEarth,
  storm,
  mass_heal: massHeal,
  purify,
  summon_golem: summonGolem,
};

/**
 * The ritual's outcome from its payload alone. Throws JobPayloadError on an
 * invalid payload. Rooms call this directly when the queue is unreachable.
 */
export function computeRitual(payload: RitualPayload): RitualResult {
  const p = parsePayload(ritualPayloadSchema, payload, 'ritual');
  const effects = OUTCOMES[p.ritualKind](p, randomSource(p.seed, p.ritualKind));
  return { ritualId: p.ritualId, status: 'completed', effects };
}

export const ritualProcessor: Processor<'rituals'> = async (payload, ctx) => {
  if (payload?.ritualId !== ctx.jobId) {
    throw new JobPayloadError(`ritual job ${ctx.jobId} carries ritualId ${JSON.stringify(payload?.ritualId)}; they must be equal`);
  }
  return computeRitual(payload);
};
