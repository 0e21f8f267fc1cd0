/**
 * Casting rules (docs/design.md, Magic model). `checkCast` validates a cast in a fixed
 * order; `resolveCast` turns a valid cast into the ONE change, as data, which
 * the room applies on its tick. Effect = power × mastery × environment.
 *
 * Refusal order (first failing check wins):
 *   CASTER_DEAD (the caster is dead; precondition of any action)
 *   UNKNOWN_SPELL → SPELL_NOT_KNOWN → ON_COOLDOWN → NOT_ENOUGH_MANA → OUT_OF_RANGE → INVALID_TARGET
 *
 * Mastery (per character and spell, stored as `uses` = successful casts, the
 * `character_skills` row):
 *   level   = min(10, 1 + floor(√(uses / 5)))  → 2 at 5 casts, 3 at 20, 5 at 80, 10 at 405
 *   effect  × (1 + 0.05 × (level − 1))          → up to ×1.45
 *   cost    × (1 − 0.03 × (level − 1))          → down to ×0.73
 *   cooldown× (1 − 0.04 × (level − 1))          → down to ×0.64
 *
 * Targets by `spell.target`:
 *   self      → no target needed; aimed at the caster (range not checked);
 *               with area > 0 it is centred on the caster, who is never harmed by it
 *   ally      → a living character (the caster when no target is given)
 *   character → a living character (the caster when no target is given)
 *   enemy     → a living NPC or another living character
 *   npc       → a living NPC
 *   point     → a position (an entity target is taken at its position)
 * Range is the 3D distance caster → target, with CAST_RANGE_SLACK blocks of
 * tolerance for positions a tick apart; targeting oneself is distance 0.
 *
 * Area spells (area > 0) hit every candidate within `area` blocks of the aim
 * point: harmful effects (damage, debuff, drain) hit living NPCs and other
 * characters, beneficial ones (heal, shield, buff) hit living characters,
 * the caster included. The room decides who is in `candidates` (e.g. leave
 * characters out of a region without PvP).
 */
import { corruptionOfSpell, effectiveMaxMana } from './corruption.js';
import { environmentFactor, type EnvironmentFactors } from './environment.js';
import type { Refusal, Vec3 } from './types.js';
import type { RitualKind, SpellDef, SpellEffect, SpellTarget } from '../content/types.js';

export type SpellEffectKind = SpellEffect;
export type SpellTargetKind = SpellTarget;
export type { RitualKind };

/** The fields of a content SpellDef the rules read (the catalogue's own type, less its display text). */
export type SpellLike = Omit<SpellDef, 'name' | 'description'>;

/** Mastery row of one character and spell; `uses` counts successful casts. */
export type MasteryRecord = { uses: number };
export type MasteryState = { uses: number; level: number; mastery: number };

export type Caster = Vec3 & {
  id: string;
  mana: number;
  knownSpells: readonly string[] | ReadonlySet<string>;
  /** spellId → server timestamp (ms) when it is ready again. */
  cooldowns: ReadonlyMap<string, number>;
  mastery: ReadonlyMap<string, MasteryRecord>;
  alive: boolean;
};

export type EntityTarget = Vec3 & { kind: 'character' | 'npc'; id: string; alive: boolean; hostile?: boolean };
export type PointTarget = Vec3 & { kind: 'point' };
export type CastTarget = EntityTarget | PointTarget;

export type CastInput = {
  spell: SpellLike | undefined;
  /** The requested id, for the UNKNOWN_SPELL message. */
  spellId?: string;
  caster: Caster;
  target?: CastTarget;
  now: number;
};

export type CastCheck =
  | {
      ok: true;
      spell: SpellLike;
      cost: number;
      cooldownMs: number;
      mastery: MasteryState;
      /** Where the spell lands. */
      aim: Vec3;
      /** The entity it is aimed at (the caster for self-aimed spells), if any. */
      primary?: { kind: 'character' | 'npc'; id: string };
      distance: number;
    }
  | Refusal;

export type CastEffect = {
  kind: SpellEffectKind | 'purify';
  targetId?: string;
  targetKind?: 'character' | 'npc';
  /** ≥ 0: hp for damage/heal/drain, shield points, buff/debuff magnitude, terrain/summon strength. */
  amount: number;
  area?: number;
  x?: number;
  y?: number;
  z?: number;
  durationMs?: number;
  /** Summons: the NPC kind to spawn. */
  summonKind?: string;
};

export type CastFactors = { mastery: number; leyline: number; biome: number; timeOfDay: number; environment: number };

/** What the room knows about the caster's surroundings (measured at the caster). */
export type EnvironmentContext = { biome: number | string; hour: number; leyline: { distance: number; strength: number } };

export type CastCandidate = EntityTarget;

export type ResolveInput = CastInput & { env: EnvironmentContext; candidates?: readonly CastCandidate[] };

type CastResultBase = {
  ok: true;
  spellId: string;
  manaSpent: number;
  cooldownUntil: number;
  factors: CastFactors;
  corruptionGained: number;
  masteryAfter: MasteryState;
  aim: Vec3;
};
export type CastResult =
  | (CastResultBase & { ritual: false; effects: CastEffect[] })
  | (CastResultBase & {
      ritual: true;
      ritualKind?: RitualKind;
      /** Equal to manaSpent: taken now, to be refunded if the ritual is cancelled. */
      manaReserved: number;
      completesAt: number;
      effects: [];
    });
export type CastOutcome = CastResult | Refusal;

export const MASTERY_MAX_LEVEL = 10;
export const MASTERY_USES_PER_STEP = 5;
export const MASTERY_EFFECT_PER_LEVEL = 0.05;
export const MASTERY_COST_PER_LEVEL = 0.03;
export const MASTERY_COOLDOWN_PER_LEVEL = 0.04;
export const CAST_RANGE_SLACK = 0.5;
export const DEFAULT_EFFECT_DURATION_MS = 10_000;
/** A drain heals the caster for this fraction of the damage it deals. */
export const DRAIN_HEAL_FRACTION = 0.5;
/** Mana regeneration: this fraction of (effective) max mana per second … */
export const MANA_REGEN_FRACTION_PER_S = 0.02;
/** … plus this much per second per point of spirit. */
export const MANA_REGEN_PER_SPIRIT_PER_S = 0.1;

export const CAST_CODES = [
  'CASTER_DEAD',
  'UNKNOWN_SPELL',
  'SPELL_NOT_KNOWN',
  'ON_COOLDOWN',
  'NOT_ENOUGH_MANA',
  'OUT_OF_RANGE',
  'INVALID_TARGET',
] as const;
export type CastCode = (typeof CAST_CODES)[number];

// ---------------------------------------------------------------------------
// Mastery

export function masteryLevel(uses: number): number {
  const u = Number.isFinite(uses) && uses > 0 ? uses : 0;
  return Math.min(MASTERY_MAX_LEVEL, 1 + Math.floor(Math.sqrt(u / MASTERY_USES_PER_STEP)));
}
export function masteryEffectFactor(level: number): number {
  return 1 + MASTERY_EFFECT_PER_LEVEL * (level - 1);
}
export function masteryCostFactor(level: number): number {
  return 1 - MASTERY_COST_PER_LEVEL * (level - 1);
}
export function masteryCooldownFactor(level: number): number {
  return 1 - MASTERY_COOLDOWN_PER_LEVEL * (level - 1);
}
export function masteryState(uses: number): MasteryState {
  const u = Number.isFinite(uses) && uses > 0 ? Math.floor(uses) : 0;
  const level = masteryLevel(u);
  return { uses: u, level, mastery: masteryEffectFactor(level) };
}
/** Mana cost at a mastery level (2 decimals). */
export function castCost(spell: Pick<SpellLike, 'manaCost'>, level: number): number {
  return round2(Math.max(0, spell.manaCost) * masteryCostFactor(level));
}
/** Cooldown at a mastery level (whole ms). */
export function castCooldownMs(spell: Pick<SpellLike, 'cooldownMs'>, level: number): number {
  return Math.round(Math.max(0, spell.cooldownMs) * masteryCooldownFactor(level));
}

// ---------------------------------------------------------------------------
// Mana

/**
 * Mana after `dtMs` of regeneration: 2% of effective max per second + 0.1 per
 * spirit per second, capped at the effective max (corruption lowers it; mana
 * above a newly lowered cap is cut down to it).
 */
export function regenMana(c: { mana: number; maxMana: number; corruption?: number; spirit?: number }, dtMs: number): number {
  const max = effectiveMaxMana(c.maxMana, c.corruption ?? 0);
  const mana = Number.isFinite(c.mana) ? Math.max(0, c.mana) : 0;
  const dt = Number.isFinite(dtMs) && dtMs > 0 ? dtMs : 0;
  const spirit = Number.isFinite(c.spirit) && c.spirit! > 0 ? c.spirit! : 0;
  const perS = MANA_REGEN_FRACTION_PER_S * max + MANA_REGEN_PER_SPIRIT_PER_S * spirit;
  return Math.min(max, mana + (perS * dt) / 1000);
}

export { effectiveMaxMana } from './corruption.js';

// ---------------------------------------------------------------------------
// Checking

function refuse(code: CastCode, message: string): Refusal {
  return { ok: false, code, message };
}

function knows(caster: Caster, spellId: string): boolean {
  const k = caster.knownSpells;
  return Array.isArray(k) ? k.includes(spellId) : (k as ReadonlySet<string>).has(spellId);
}

function dist(a: Vec3, b: Vec3): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  const dz = a.z - b.z;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

function finiteVec(v: Vec3): boolean {
  return Number.isFinite(v.x) && Number.isFinite(v.y) && Number.isFinite(v.z);
}

/** Where the cast is aimed before validity is judged (undefined: nothing to aim at). */
function aimOf(spell: SpellLike, caster: Caster, target: CastTarget | undefined): Vec3 | undefined {
  if (spell.target === 'self') return { x: caster.x, y: caster.y, z: caster.z };
  if (target) return { x: target.x, y: target.y, z: target.z };
  if (spell.target === 'ally' || spell.target === 'character') return { x: caster.x, y: caster.y, z: caster.z };
  return undefined;
}

/** The entity hit by a single-target cast, or 'invalid'. undefined = a point (no entity). */
function primaryOf(
  spell: SpellLike,
  caster: Caster,
  target: CastTarget | undefined,
): { kind: 'character' | 'npc'; id: string } | undefined | 'invalid' {
  const self = { kind: 'character' as const, id: caster.id };
  switch (spell.target) {
    case 'self':
      return self;
    case 'ally':
    case 'character':
      if (!target) return self;
      if (target.kind !== 'character' || !target.alive) return 'invalid';
      return { kind: 'character', id: target.id };
    case 'enemy':
      if (!target || target.kind === 'point' || !target.alive) return 'invalid';
      if (target.kind === 'character' && target.id === caster.id) return 'invalid';
      return { kind: target.kind, id: target.id };
    case 'npc':
      if (!target || target.kind !== 'npc' || !target.alive) return 'invalid';
      return { kind: 'npc', id: target.id };
    case 'point':
      if (!target) return 'invalid';
      if (target.kind !== 'point' && !target.alive) return 'invalid';
      return undefined;
    default:
      return 'invalid';
  }
}

export function checkCast(input: CastInput): CastCheck {
  const { spell, caster, target, now } = input;
  if (!caster.alive) return refuse('CASTER_DEAD', 'You cannot cast while dead.');
  if (!spell) return refuse('UNKNOWN_SPELL', `There is no spell "${input.spellId ?? '?'}".`);
  if (!knows(caster, spell.id)) return refuse('SPELL_NOT_KNOWN', `You have not learned ${spell.id}.`);
  const readyAt = caster.cooldowns.get(spell.id);
  if (readyAt !== undefined && now < readyAt) {
    return refuse('ON_COOLDOWN', `${spell.id} is ready in ${Math.ceil((readyAt - now) / 100) / 10}s.`);
  }
  const mastery = masteryState(caster.mastery.get(spell.id)?.uses ?? 0);
  const cost = castCost(spell, mastery.level);
  if (!(caster.mana >= cost)) return refuse('NOT_ENOUGH_MANA', `${spell.id} needs ${cost} mana.`);
  const aim = aimOf(spell, caster, target);
  let distance = 0;
  if (aim && spell.target !== 'self') {
    distance = finiteVec(aim) ? dist(caster, aim) : Infinity;
    if (!(distance <= Math.max(0, spell.range) + CAST_RANGE_SLACK)) {
      return refuse('OUT_OF_RANGE', `Target is out of range (${spell.range} blocks).`);
    }
  }
  const primary = primaryOf(spell, caster, target);
  if (!aim || primary === 'invalid') return refuse('INVALID_TARGET', `${spell.id} cannot target that.`);
  return { ok: true, spell, cost, cooldownMs: castCooldownMs(spell, mastery.level), mastery, aim, primary, distance };
}

// ---------------------------------------------------------------------------
// Resolving

const HARMFUL: ReadonlySet<string> = new Set(['damage', 'debuff', 'drain']);
const ENTITY_EFFECTS: ReadonlySet<string> = new Set(['damage', 'heal', 'shield', 'buff', 'debuff', 'drain']);
const TIMED: ReadonlySet<string> = new Set(['buff', 'debuff', 'summon']);

/** Effect amount: power × mastery × environment, never negative (2 decimals). */
export function effectAmount(power: number, masteryFactor: number, environmentTotal: number): number {
  const v = (Number.isFinite(power) ? power : 0) * masteryFactor * environmentTotal;
  return v > 0 ? round2(v) : 0;
}

function castFactors(mastery: MasteryState, env: EnvironmentFactors): CastFactors {
  return { mastery: mastery.mastery, leyline: env.leyline, biome: env.biome, timeOfDay: env.timeOfDay, environment: env.total };
}

type EffectPlan = {
  kind: SpellEffectKind | 'purify';
  amount: number;
  area: number;
  aim: Vec3;
  durationMs?: number;
  summonKind?: string;
  casterId: string;
  casterPos: Vec3;
  primary?: { kind: 'character' | 'npc'; id: string };
  candidates: readonly CastCandidate[];
};

function buildEffects(p: EffectPlan): CastEffect[] {
  const at = { x: p.aim.x, y: p.aim.y, z: p.aim.z };
  // Buffs, debuffs and summons always last a while; other effects carry a duration only when the spell sets one.
  const durationMs = TIMED.has(p.kind) ? (p.durationMs ?? DEFAULT_EFFECT_DURATION_MS) : p.durationMs;
  const duration = durationMs !== undefined ? { durationMs } : {};
  if (!ENTITY_EFFECTS.has(p.kind)) {
    if (p.kind === 'teleport') return [{ kind: 'teleport', targetId: p.casterId, targetKind: 'character', amount: p.amount, ...at }];
    const summon = p.kind === 'summon' && p.summonKind !== undefined ? { summonKind: p.summonKind } : {};
    return [{ kind: p.kind, amount: p.amount, ...(p.area > 0 ? { area: p.area } : {}), ...at, ...duration, ...summon }];
  }
  const harmful = HARMFUL.has(p.kind);
  const hits: { kind: 'character' | 'npc'; id: string }[] = [];
  const seen = new Set<string>();
  const add = (h: { kind: 'character' | 'npc'; id: string }) => {
    const key = `${h.kind}:${h.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      hits.push(h);
    }
  };
  if (p.primary) add(p.primary);
  if (p.area > 0) {
    const pool: CastCandidate[] = [...p.candidates];
    if (!harmful) pool.push({ kind: 'character', id: p.casterId, alive: true, ...p.casterPos });
    for (const c of pool) {
      if (!c.alive || !finiteVec(c)) continue;
      if (harmful ? c.kind === 'character' && c.id === p.casterId : c.kind !== 'character') continue;
      if (dist(c, p.aim) <= p.area) add({ kind: c.kind, id: c.id });
    }
  }
  const effects: CastEffect[] = hits.map((h) => ({
    kind: p.kind,
    targetId: h.id,
    targetKind: h.kind,
    amount: p.amount,
    ...(p.area > 0 ? { area: p.area } : {}),
    ...duration,
  }));
  if (p.kind === 'drain' && hits.length > 0) {
    effects.push({ kind: 'heal', targetId: p.casterId, targetKind: 'character', amount: round2(p.amount * hits.length * DRAIN_HEAL_FRACTION) });
  }
  return effects;
}

/**
 * The ONE change of a cast, as data (or the refusal of `checkCast`). The room
 * subtracts `manaSpent`, sets `cooldowns[spellId] = cooldownUntil`, adds
 * `corruptionGained` (gainCorruption), writes `masteryAfter` to the skill row,
 * then applies `effects` (applyDamage / applyHeal …). A ritual applies nothing
 * yet: its job computes the effects with `resolveRitual` at `completesAt`.
 * Mastery and corruption count at the start of a ritual (it is a successful cast).
 */
export function resolveCast(input: ResolveInput): CastOutcome {
  const check = checkCast(input);
  if (!check.ok) return check;
  const { spell, cost, cooldownMs, mastery, aim, primary } = check;
  const { caster, now } = input;
  const env = environmentFactor({ element: spell.element, ...input.env });
  const base = {
    ok: true as const,
    spellId: spell.id,
    manaSpent: cost,
    cooldownUntil: now + cooldownMs,
    factors: castFactors(mastery, env),
    corruptionGained: corruptionOfSpell(spell),
    masteryAfter: masteryState(mastery.uses + 1),
    aim,
  };
  if (spell.ritual) {
    return {
      ...base,
      ritual: true,
      ...(spell.ritualKind ? { ritualKind: spell.ritualKind } : {}),
      manaReserved: cost,
      completesAt: now + Math.max(0, spell.castTimeMs),
      effects: [],
    };
  }
  const effects = buildEffects({
    kind: spell.effect,
    amount: effectAmount(spell.power, mastery.mastery, env.total),
    area: Math.max(0, spell.area),
    aim,
    durationMs: spell.durationMs,
    summonKind: spell.summonKind,
    casterId: caster.id,
    casterPos: { x: caster.x, y: caster.y, z: caster.z },
    // A self-aimed area spell is centred on the caster: harm never hits the caster, help includes them via the area.
    primary: spell.target === 'self' && spell.area > 0 ? undefined : primary,
    candidates: input.candidates ?? [],
  });
  return { ...base, ritual: false, effects };
}

export type RitualInput = {
  spell: SpellLike;
  casterId: string;
  /** Caster position at completion (beneficial area rituals include the caster when within area). */
  casterPos: Vec3;
  /** The aim point recorded when the ritual started (`CastResult.aim`). */
  aim: Vec3;
  /** Mastery uses when the ritual started. */
  masteryUses: number;
  env: EnvironmentContext;
  candidates: readonly CastCandidate[];
};

/** Region corruption a completed `purify` ritual removes, per point of effect amount. */
export const PURIFY_PER_AMOUNT = 1;

/**
 * The effects of a ritual at completion (run by the ritual job, applied by the
 * room once). Same formula and targeting as a cast, with the candidates
 * present at completion. `ritualKind` selects the job; its effect is the
 * spell's `effect` (storm → damage, raise_earth → terrain, mass_heal → heal,
 * summon_golem → summon), and `purify` adds a `purify` effect whose amount is
 * the region corruption to remove (`purifyRegion`).
 */
export function resolveRitual(input: RitualInput): { effects: CastEffect[]; factors: CastFactors } {
  const { spell } = input;
  const mastery = masteryState(input.masteryUses);
  const env = environmentFactor({ element: spell.element, ...input.env });
  const area = Math.max(0, spell.area);
  const amount = effectAmount(spell.power, mastery.mastery, env.total);
  const selfAimed = spell.target === 'self' || spell.target === 'ally' || spell.target === 'character';
  const effects = buildEffects({
    kind: spell.effect,
    amount,
    area,
    aim: input.aim,
    durationMs: spell.durationMs,
    summonKind: spell.summonKind,
    casterId: input.casterId,
    casterPos: input.casterPos,
    // A self-aimed ritual without an area (e.g. a personal pact) lands on the caster.
    primary: selfAimed && area === 0 ? { kind: 'character', id: input.casterId } : undefined,
    candidates: input.candidates,
  });
  if (spell.ritualKind === 'purify') {
    effects.push({ kind: 'purify', amount: round2(amount * PURIFY_PER_AMOUNT), ...(area > 0 ? { area } : {}), x: input.aim.x, y: input.aim.y, z: input.aim.z });
  }
  return { effects, factors: castFactors(mastery, env) };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
