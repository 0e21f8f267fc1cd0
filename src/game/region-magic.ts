/**
 * Magic, combat and NPCs of one region, on the simulation tick: casts (checks
 * then one change), mana regeneration, corruption, NPC AI and attacks, death
 * and respawn, kills with XP and loot, rituals started and their results
 * applied once. Pure like the rest of src/game: time and ids come in, events
 * go out for the room to mirror, send and persist.
 *
 * Not simulated yet (reported in the cast reply, no lasting change):
 * buff/debuff stats, summons, teleports and terrain-shaping spells other than
 * rituals; cast times of non-ritual spells (they resolve at once).
 */
import { biomeAt, spawnPoint, WORLD_HEIGHT } from '../world/index.js';
import { applyDamage, applyHeal, respawnAt, respawnState, levelForXp } from './combat.js';
import {
  addRegionCorruption,
  decayCorruption,
  effectiveMaxMana,
  gainCorruption,
  newRegionCorruption,
  purifyRegion,
  regionCorruptionEvent,
  type RegionCorruption,
} from './corruption.js';
import { leylineProximity, leylinesForRegion, type Leyline } from './leylines.js';
import { addToInventory, rollLoot, xpForKill, type Drop, type LootTableLike } from './loot.js';
import { regenMana, resolveCast, type CastCandidate, type CastEffect, type CastFactors, type CastTarget, type SpellLike } from './magic.js';
import { damageNpc, provokeNpc, spawnNpcsForRegion, stepNpc, type Npc, type NpcDefLike } from './npc.js';
import { Rng, seedFrom } from './random.js';
import { refuse, type Refusal, type Vec3 } from './types.js';

/** The catalogue the region needs (src/content's Content fits it). */
export type MagicCatalogue = {
  spellById: ReadonlyMap<string, SpellLike>;
  npcs: readonly NpcDefLike[];
  npcByKind: ReadonlyMap<string, NpcDefLike>;
  lootTableById: ReadonlyMap<string, LootTableLike>;
  maxStackOf(itemId: string): number;
};

/** The part of a live character magic reads and changes. */
export type Combatant = Vec3 & {
  id: string;
  name: string;
  hp: number;
  maxHp: number;
  mana: number;
  maxMana: number;
  corruption: number;
  xp: number;
  level: number;
  knownSpells: string[];
  cooldowns: Map<string, number>;
  stats: Record<string, unknown>;
  /** spellId → successful casts. */
  mastery?: Map<string, { uses: number }>;
  shield?: number;
  /** Set while dead: when the character comes back. */
  respawnAt?: number;
};

export type CastCommand = { spellId: string; targetId?: string; point?: Vec3 };

export type CastLog = {
  characterId: string;
  spellId: string;
  success: boolean;
  code: string | null;
  effect: number;
  manaSpent: number;
  factors?: CastFactors;
};

export type RitualStart = {
  ritualId: string;
  casterId: string;
  spellId: string;
  ritualKind: 'raise_earth' | 'storm' | 'mass_heal' | 'purify' | 'summon_golem';
  aim: Vec3;
  /** Effective power: spell power × mastery × environment at the cast. */
  power: number;
  /** Seeds the outcome's random choices (the worker's computation is deterministic). */
  seed: number;
  startedAt: number;
  completesAt: number;
};

/** A ritual's outcome as the worker computes it (src/jobs RitualEffect, structurally). */
export type RitualEffect =
  | { kind: 'blocks'; edits: { x: number; y: number; z: number; block: number }[] }
  | { kind: 'heal'; x: number; y: number; z: number; radius: number; amount: number }
  | { kind: 'damage'; x: number; y: number; z: number; radius: number; amount: number }
  | { kind: 'event'; event: 'storm' | 'purified'; text: string; durationMs: number }
  | { kind: 'summon'; npcKind: string; x: number; y: number; z: number };

export type RitualOutcome = { ritualId: string; casterId: string; status: 'completed' | 'cancelled' | 'failed'; effects: RitualEffect[] };

export type MagicEvents = {
  /** Characters whose hp, mana, corruption, xp, cooldowns … changed. */
  characters: Set<string>;
  npcs: Set<string>;
  casts: CastLog[];
  spells: { casterId: string; spellId: string; aim: Vec3; effects: CastEffect[] }[];
  kills: { characterId: string; npcId: string; npcKind: string; xp: number; drops: Drop[] }[];
  deaths: { characterId: string; respawnAt: number }[];
  rituals: RitualStart[];
  ritualOutcomes: RitualOutcome[];
  /** Block edits of completed rituals, for the simulation to apply to the world. */
  ritualBlocks: { x: number; y: number; z: number; block: number }[];
  worldEvents: { kind: string; text: string; until: number }[];
};

export const NPCS_PER_REGION = 12;
export const INVENTORY_SLOTS = 36;
const CORRUPTION_CHECK_MS = 1000;

export function emptyMagicEvents(): MagicEvents {
  return { characters: new Set(), npcs: new Set(), casts: [], spells: [], kills: [], deaths: [], rituals: [], ritualOutcomes: [], ritualBlocks: [], worldEvents: [] };
}

export class RegionMagic {
  readonly leylines: Leyline[];
  readonly npcs = new Map<string, Npc>();
  readonly spawn: Vec3;
  private corruption: RegionCorruption;
  private lastCorruptionCheck = 0;
  private readonly rng: Rng;
  /** Rituals under way: id → start. Results for ids not here (cancelled, or applied) are ignored. */
  private readonly rituals = new Map<string, RitualStart>();
  private readonly results: RitualOutcome[] = [];
  private kills = 0;

  constructor(
    readonly seed: number,
    readonly rx: number,
    readonly rz: number,
    private readonly catalogue: MagicCatalogue,
    private readonly newId: () => string,
    now: number,
    npcCount = NPCS_PER_REGION,
  ) {
    this.leylines = leylinesForRegion(seed, rx, rz);
    const cx = rx * 128 + 64, cz = rz * 128 + 64;
    this.spawn = { x: cx + 0.5, y: spawnPoint(seed, cx, cz), z: cz + 0.5 };
    this.corruption = newRegionCorruption(now);
    this.rng = new Rng(seedFrom(seed, 'region-magic', rx, rz, now));
    const ground = (x: number, z: number) => this.groundY(x, z);
    for (const n of spawnNpcsForRegion(seed, rx, rz, catalogue.npcs, (x, z) => biomeAt(seed, Math.floor(x), Math.floor(z)), npcCount, ground, now)) {
      this.npcs.set(n.id, n);
    }
  }

  /** Feet y on generated terrain (NPCs ignore player edits: cheap, and edits are local). */
  groundY(x: number, z: number): number {
    return Math.min(WORLD_HEIGHT - 2, spawnPoint(this.seed, Math.floor(x), Math.floor(z)));
  }

  get pendingRituals(): number {
    return this.rituals.size;
  }

  /** Whether a ritual is still waiting for its result (not applied, cancelled or failed). */
  isPending(ritualId: string): boolean {
    return this.rituals.has(ritualId) && !this.results.some((r) => r.ritualId === ritualId);
  }

  cast(c: Combatant, cmd: CastCommand, characters: ReadonlyMap<string, Combatant>, now: number, hour: number, ev: MagicEvents): { ok: true; data: unknown } | Refusal {
    const spell = this.catalogue.spellById.get(cmd.spellId);
    // An unknown targetId leaves no target: checkCast then refuses in its own order (INVALID_TARGET last).
    const target = this.targetOf(cmd, characters);
    const alive = c.respawnAt === undefined && c.hp > 0;
    const out = resolveCast({
      spell,
      spellId: cmd.spellId,
      caster: { ...c, alive, mastery: c.mastery ?? new Map() },
      target,
      now,
      env: this.envAt(c, now, hour),
      candidates: spell && spell.area > 0 ? this.candidates(characters) : [],
    });
    if (!out.ok) return this.logRefusal(ev, c, cmd.spellId, out);

    // The one change.
    c.mana = Math.max(0, c.mana - out.manaSpent);
    c.cooldowns.set(out.spellId, out.cooldownUntil);
    (c.mastery ??= new Map()).set(out.spellId, { uses: out.masteryAfter.uses });
    if (out.corruptionGained > 0) {
      c.corruption = gainCorruption(c.corruption, out.corruptionGained);
      c.mana = Math.min(c.mana, effectiveMaxMana(c.maxMana, c.corruption));
      this.corruption = addRegionCorruption(this.corruption, out.corruptionGained, now);
    }
    ev.characters.add(c.id);

    if (out.ritual) {
      const ritualId = this.newId();
      const start: RitualStart = {
        ritualId, casterId: c.id, spellId: out.spellId, ritualKind: out.ritualKind ?? 'storm', aim: out.aim,
        power: Math.round(spell!.power * out.factors.mastery * out.factors.environment * 100) / 100,
        seed: seedFrom(this.seed, ritualId), startedAt: now, completesAt: out.completesAt,
      };
      this.rituals.set(ritualId, start);
      ev.rituals.push(start);
      ev.casts.push({ characterId: c.id, spellId: out.spellId, success: true, code: null, effect: 0, manaSpent: out.manaSpent, factors: out.factors });
      return { ok: true, data: { ritualId, completesAt: out.completesAt, manaSpent: out.manaSpent, factors: out.factors } };
    }

    const applied = this.applyEffects(c.id, out.effects, characters, now, ev);
    ev.casts.push({ characterId: c.id, spellId: out.spellId, success: true, code: null, effect: applied, manaSpent: out.manaSpent, factors: out.factors });
    ev.spells.push({ casterId: c.id, spellId: out.spellId, aim: out.aim, effects: out.effects });
    return { ok: true, data: { manaSpent: out.manaSpent, cooldownUntil: out.cooldownUntil, effects: out.effects, factors: out.factors } };
  }

  /** A ritual job's result arrives (any time, any number of times, from any worker): applied once, on the next step. */
  ritualResult(ritualId: string, effects: readonly RitualEffect[]): void {
    const r = this.rituals.get(ritualId);
    if (!r) return; // cancelled, already applied, or not this region's
    this.results.push({ ritualId, casterId: r.casterId, status: 'completed', effects: [...effects] });
  }

  /** The job failed for good (after its retries): the ritual fizzles. */
  ritualFailed(ritualId: string): void {
    const r = this.rituals.get(ritualId);
    if (r) this.results.push({ ritualId, casterId: r.casterId, status: 'failed', effects: [] });
  }

  /** Cancels the rituals of a caster who left or died (documented rule: the reserved mana is not refunded). */
  cancelRitualsOf(casterId: string, ev: MagicEvents): void {
    for (const [id, r] of this.rituals) {
      if (r.casterId !== casterId) continue;
      this.rituals.delete(id);
      ev.ritualOutcomes.push({ ritualId: id, casterId, status: 'cancelled', effects: [] });
    }
  }

  step(characters: ReadonlyMap<string, Combatant>, now: number, dtMs: number, ev: MagicEvents): void {
    for (const c of characters.values()) {
      if (c.respawnAt !== undefined) {
        if (now >= c.respawnAt) {
          const r = respawnState(c, this.spawn);
          Object.assign(c, { hp: r.hp, mana: r.mana, shield: r.shield, x: r.x, y: r.y, z: r.z, respawnAt: undefined });
          ev.characters.add(c.id);
        }
        continue;
      }
      const mana = regenMana({ mana: c.mana, maxMana: c.maxMana, corruption: c.corruption, spirit: Number(c.stats.spirit) || 0 }, dtMs);
      const corruption = c.corruption > 0 ? decayCorruption(c.corruption, dtMs) : 0;
      // Mirror only visible changes (≥ 0.25 mana, or reaching the cap): regen would otherwise patch every tick.
      if (Math.floor(mana * 4) !== Math.floor(c.mana * 4) || corruption !== c.corruption) ev.characters.add(c.id);
      c.mana = mana;
      c.corruption = corruption;
    }

    const targets = [...characters.values()].map((c) => ({ id: c.id, x: c.x, y: c.y, z: c.z, alive: c.respawnAt === undefined && c.hp > 0 }));
    for (const [id, npc] of this.npcs) {
      const def = this.catalogue.npcByKind.get(npc.kind);
      if (!def) continue;
      const r = stepNpc(npc, def, { now, dtMs, rng: this.rng, characters: targets, groundY: (x, z) => this.groundY(x, z) });
      if (r.moved || r.npc.hp !== npc.hp || r.npc.state !== npc.state) ev.npcs.add(id);
      this.npcs.set(id, r.npc);
      if (r.attack) {
        const victim = characters.get(r.attack.targetId);
        if (victim) this.hurtCharacter(victim, r.attack.damage, now, ev);
      }
    }

    for (const r of this.results.splice(0)) {
      if (!this.rituals.delete(r.ritualId)) continue; // applied once: a duplicate delivery finds nothing
      for (const e of r.effects) this.applyRitualEffect(r.casterId, e, characters, now, ev);
      ev.ritualOutcomes.push(r);
    }

    if (now - this.lastCorruptionCheck >= CORRUPTION_CHECK_MS) {
      this.lastCorruptionCheck = now;
      const { state, start } = regionCorruptionEvent(this.corruption, now);
      this.corruption = state;
      if (start) ev.worldEvents.push(start);
    }
  }

  /** One effect of a completed ritual: areas hit what stands in them now; blocks go to the world. */
  private applyRitualEffect(casterId: string, e: RitualEffect, characters: ReadonlyMap<string, Combatant>, now: number, ev: MagicEvents): void {
    const within = (p: Vec3, c: { x: number; y: number; z: number; radius: number }) => Math.hypot(p.x - c.x, p.y - c.y, p.z - c.z) <= c.radius;
    switch (e.kind) {
      case 'blocks':
        ev.ritualBlocks.push(...e.edits);
        return;
      case 'heal':
        for (const c of characters.values()) {
          if (c.respawnAt !== undefined || !within(c, e)) continue;
          c.hp = applyHeal(c, e.amount).hp;
          ev.characters.add(c.id);
        }
        return;
      case 'damage': {
        // Storms strike everything under them but the caster.
        const hits: CastEffect[] = [];
        for (const n of this.npcs.values()) if (n.state !== 'dead' && within(n, e)) hits.push({ kind: 'damage', targetKind: 'npc', targetId: n.id, amount: e.amount });
        for (const c of characters.values()) if (c.id !== casterId && within(c, e)) hits.push({ kind: 'damage', targetKind: 'character', targetId: c.id, amount: e.amount });
        this.applyEffects(casterId, hits, characters, now, ev);
        return;
      }
      case 'event':
        if (e.event === 'purified') this.corruption = purifyRegion(this.corruption, Number.MAX_SAFE_INTEGER, now);
        ev.worldEvents.push({ kind: e.event, text: e.text, until: now + e.durationMs });
        return;
      case 'summon':
        return; // summons are not simulated yet: reported in the `ritual` message only
    }
  }

  /** Applies effects; returns the total amount dealt/healed (for analytics). */
  private applyEffects(casterId: string, effects: readonly CastEffect[], characters: ReadonlyMap<string, Combatant>, now: number, ev: MagicEvents): number {
    let total = 0;
    for (const e of effects) {
      if (e.kind === 'purify') {
        this.corruption = purifyRegion(this.corruption, e.amount, now);
        total += e.amount;
        continue;
      }
      if (!e.targetId) continue;
      if (e.targetKind === 'npc') {
        const npc = this.npcs.get(e.targetId);
        if (!npc || npc.state === 'dead') continue;
        if (e.kind === 'damage' || e.kind === 'drain') {
          const r = damageNpc(provokeNpc(npc, casterId), e.amount, now);
          this.npcs.set(npc.id, r.npc);
          ev.npcs.add(npc.id);
          total += r.dealt;
          if (r.died) this.kill(casterId, npc, characters, ev);
        }
        continue;
      }
      const c = characters.get(e.targetId);
      if (!c || c.respawnAt !== undefined) continue;
      if (e.kind === 'damage' || e.kind === 'drain') total += this.hurtCharacter(c, e.amount, now, ev);
      else if (e.kind === 'heal') {
        const r = applyHeal(c, e.amount);
        c.hp = r.hp;
        total += r.healed;
        ev.characters.add(c.id);
      } else if (e.kind === 'shield') {
        c.shield = (c.shield ?? 0) + e.amount;
        total += e.amount;
        ev.characters.add(c.id);
      }
    }
    return total;
  }

  private hurtCharacter(c: Combatant, amount: number, now: number, ev: MagicEvents): number {
    const r = applyDamage({ hp: c.hp, maxHp: c.maxHp, shield: c.shield ?? 0 }, amount);
    c.hp = r.hp;
    c.shield = r.shieldLeft;
    ev.characters.add(c.id);
    if (r.died) {
      c.respawnAt = respawnAt(now);
      ev.deaths.push({ characterId: c.id, respawnAt: c.respawnAt });
      this.cancelRitualsOf(c.id, ev);
    }
    return r.dealt;
  }

  private kill(killerId: string, npc: Npc, characters: ReadonlyMap<string, Combatant>, ev: MagicEvents): void {
    const def = this.catalogue.npcByKind.get(npc.kind);
    const killer = characters.get(killerId);
    if (!def || !killer) return;
    const xp = xpForKill(def);
    killer.xp += xp;
    killer.level = Math.max(killer.level, levelForXp(killer.xp));
    ev.characters.add(killer.id);
    const table = this.catalogue.lootTableById.get(def.lootTable);
    const drops = table ? rollLoot(table, this.rng.fork(`loot:${npc.id}:${this.kills++}`)) : [];
    ev.kills.push({ characterId: killer.id, npcId: npc.id, npcKind: npc.kind, xp, drops });
  }

  /** The slots after adding drops (the room writes them through to the database at once). */
  placeLoot<S extends { slot: number; itemId: string; quantity: number; maxStack: number }>(slots: readonly S[], drops: readonly Drop[]) {
    return addToInventory(slots, drops, INVENTORY_SLOTS, (id) => this.catalogue.maxStackOf(id));
  }

  private targetOf(cmd: CastCommand, characters: ReadonlyMap<string, Combatant>): CastTarget | undefined {
    if (cmd.targetId !== undefined) {
      const npc = this.npcs.get(cmd.targetId);
      if (npc) {
        const def = this.catalogue.npcByKind.get(npc.kind);
        return { kind: 'npc', id: npc.id, x: npc.x, y: npc.y, z: npc.z, alive: npc.state !== 'dead', hostile: def?.hostile ?? true };
      }
      const c = characters.get(cmd.targetId);
      if (c) return { kind: 'character', id: c.id, x: c.x, y: c.y, z: c.z, alive: c.respawnAt === undefined && c.hp > 0 };
      return undefined;
    }
    return cmd.point ? { kind: 'point', ...cmd.point } : undefined;
  }

  private candidates(characters: ReadonlyMap<string, Combatant>): CastCandidate[] {
    const out: CastCandidate[] = [];
    for (const n of this.npcs.values()) {
      if (n.state !== 'dead') out.push({ kind: 'npc', id: n.id, x: n.x, y: n.y, z: n.z, alive: true, hostile: this.catalogue.npcByKind.get(n.kind)?.hostile ?? true });
    }
    for (const c of characters.values()) {
      if (c.respawnAt === undefined && c.hp > 0) out.push({ kind: 'character', id: c.id, x: c.x, y: c.y, z: c.z, alive: true });
    }
    return out;
  }

  private envAt(p: Vec3, now: number, hour: number) {
    const ley = leylineProximity(p.x, p.z, this.leylines, now);
    return { biome: biomeAt(this.seed, Math.floor(p.x), Math.floor(p.z)), hour, leyline: { distance: ley.distance, strength: ley.strength } };
  }

  private logRefusal(ev: MagicEvents, c: Combatant, spellId: string, r: Refusal): Refusal {
    ev.casts.push({ characterId: c.id, spellId, success: false, code: r.code, effect: 0, manaSpent: 0 });
    return r;
  }
}
