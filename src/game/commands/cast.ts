/**
 * `cast`: checks in protocol order (src/game/magic.ts), then one change:
 * mana, cooldown, mastery, corruption; then the effects land at once, or a
 * ritual starts (computed by a worker, applied on a later tick).
 *
 * Across a border (docs/protocol.md, "Casting across a border"): the room
 * passes the neighbours' characters and NPCs its clients see (`near`, from
 * their ghost rows). A cast may aim at one of them and an area spell hits
 * them too; the caster pays here, and the effects on them go out in
 * `ev.hits` for the room that owns them to apply in its next tick
 * (RegionSim.submitHits).
 */
import { biomeAt } from '../../world/index.js';
import type { LiveCharacter } from '../character.js';
import { addRegionCorruption, effectiveMaxMana, gainCorruption } from '../corruption.js';
import { leylineProximity } from '../leylines.js';
import { resolveCast, type CastCandidate, type CastEffect, type CastTarget } from '../magic.js';
import { seedFrom } from '../random.js';
import type { RegionContext } from '../region/context.js';
import { applyEffects, AWAY_EFFECTS } from '../region/effects.js';
import type { TickEvents } from '../region/events.js';
import type { RitualStart } from '../rituals.js';
import type { Refusal, Vec3 } from '../types.js';
import type { Reply } from './types.js';

export type CastCommand = {
  kind: 'cast';
  characterId: string;
  spellId: string;
  targetId?: string;
  point?: Vec3;
  /** Neighbouring regions' characters and NPCs within reach, as this room last heard of them (set by the room, never by a client). */
  near?: readonly NearEntity[];
};

/** A character or NPC of a neighbouring region, where region (rx, rz)'s last ghost row put it. */
export type NearEntity = CastCandidate & { rx: number; rz: number };

/** What the event log records for a spell id that is not in the catalogue (never the client's raw string). */
export const UNKNOWN_SPELL_ID = '(unknown)';

export function cast(r: RegionContext, c: LiveCharacter, cmd: CastCommand, now: number, ev: TickEvents): Reply {
  const spell = r.catalogue.spellById.get(cmd.spellId);
  // An unknown targetId leaves no target: checkCast then refuses in its own order (INVALID_TARGET last).
  const target = targetOf(r, cmd);
  const near = cmd.near ?? [];
  const alive = c.respawnAt === undefined && c.hp > 0;
  const out = resolveCast({
    spell,
    spellId: cmd.spellId,
    caster: { ...c, alive },
    target,
    now,
    env: envAt(r, c, now),
    candidates: spell && spell.area > 0 ? candidates(r, near) : [],
  });
  if (!out.ok) return logRefusal(ev, c, spell ? cmd.spellId : UNKNOWN_SPELL_ID, out);

  // The one change.
  c.mana = Math.max(0, c.mana - out.manaSpent);
  c.cooldowns.set(out.spellId, out.cooldownUntil);
  c.mastery.set(out.spellId, { uses: out.masteryAfter.uses });
  if (out.corruptionGained > 0) {
    c.corruption = gainCorruption(c.corruption, out.corruptionGained);
    c.mana = Math.min(c.mana, effectiveMaxMana(c.maxMana, c.corruption));
    r.corruption = addRegionCorruption(r.corruption, out.corruptionGained, now);
  }
  ev.characters.add(c.id);

  if (out.ritual) {
    const ritualId = r.newId();
    const start: RitualStart = {
      ritualId, casterId: c.id, spellId: out.spellId, ritualKind: out.ritualKind ?? 'storm', aim: out.aim,
      power: Math.round(spell!.power * out.factors.mastery * out.factors.environment * 100) / 100,
      seed: seedFrom(r.seed, ritualId), startedAt: now, completesAt: out.completesAt,
    };
    r.rituals.start(start);
    ev.rituals.push(start);
    ev.casts.push({ characterId: c.id, spellId: out.spellId, success: true, code: null, effect: 0, manaSpent: out.manaSpent, factors: out.factors });
    return { ok: true, data: { ritualId, completesAt: out.completesAt, manaSpent: out.manaSpent, factors: out.factors } };
  }

  const applied = applyEffects(r, c.id, awayHits(r, c.id, near, out.effects, ev), now, ev);
  ev.casts.push({ characterId: c.id, spellId: out.spellId, success: true, code: null, effect: applied, manaSpent: out.manaSpent, factors: out.factors });
  ev.spells.push({ casterId: c.id, spellId: out.spellId, aim: out.aim, effects: out.effects });
  return { ok: true, data: { manaSpent: out.manaSpent, cooldownUntil: out.cooldownUntil, effects: out.effects, factors: out.factors } };
}

function targetOf(r: RegionContext, cmd: CastCommand): CastTarget | undefined {
  if (cmd.targetId !== undefined) {
    const npc = r.npcs.get(cmd.targetId);
    if (npc) {
      const def = r.catalogue.npcByKind.get(npc.kind);
      return { kind: 'npc', id: npc.id, x: npc.x, y: npc.y, z: npc.z, alive: npc.state !== 'dead', hostile: def?.hostile ?? true };
    }
    const c = r.characters.get(cmd.targetId);
    if (c) return { kind: 'character', id: c.id, x: c.x, y: c.y, z: c.z, alive: c.respawnAt === undefined && c.hp > 0 };
    return cmd.near?.find((e) => e.id === cmd.targetId);
  }
  return cmd.point ? { kind: 'point', ...cmd.point } : undefined;
}

/**
 * The effects on neighbours' entities go to `ev.hits`, one entry per region; returns the rest (to apply here). An id
 * that is both here and in `near` (a character just handed over) is this region's. Only the kinds an effect has on
 * a target go (AWAY_EFFECTS: buffs and debuffs have none yet, here or there).
 */
function awayHits(r: RegionContext, casterId: string, near: readonly NearEntity[], effects: CastEffect[], ev: TickEvents): CastEffect[] {
  if (near.length === 0) return effects;
  const here: CastEffect[] = [];
  const away = new Map<string, { rx: number; rz: number; casterId: string; effects: CastEffect[] }>();
  for (const e of effects) {
    const n = AWAY_EFFECTS.has(e.kind) ? near.find((x) => x.id === e.targetId && x.kind === e.targetKind && !isHere(r, x)) : undefined;
    if (!n) {
      here.push(e);
      continue;
    }
    const key = `${n.rx},${n.rz}`;
    let hit = away.get(key);
    if (!hit) away.set(key, (hit = { rx: n.rx, rz: n.rz, casterId, effects: [] }));
    hit.effects.push(e);
  }
  ev.hits.push(...away.values());
  return here;
}

function candidates(r: RegionContext, near: readonly NearEntity[]): CastCandidate[] {
  const out: CastCandidate[] = [];
  for (const n of r.npcs.values()) {
    if (n.state !== 'dead') out.push({ kind: 'npc', id: n.id, x: n.x, y: n.y, z: n.z, alive: true, hostile: r.catalogue.npcByKind.get(n.kind)?.hostile ?? true });
  }
  for (const c of r.characters.values()) {
    if (c.respawnAt === undefined && c.hp > 0) out.push({ kind: 'character', id: c.id, x: c.x, y: c.y, z: c.z, alive: true });
  }
  for (const n of near) if (n.alive && !isHere(r, n)) out.push(n);
  return out;
}

/** Whether a neighbour's entity is also this region's (a character just handed over): then it is this region's. */
const isHere = (r: RegionContext, e: { kind: 'character' | 'npc'; id: string }) => (e.kind === 'npc' ? r.npcs.has(e.id) : r.characters.has(e.id));

function envAt(r: RegionContext, p: Vec3, now: number) {
  const ley = leylineProximity(p.x, p.z, r.leylines, now);
  return { biome: biomeAt(r.seed, Math.floor(p.x), Math.floor(p.z)), hour: r.hour, leyline: { distance: ley.distance, strength: ley.strength } };
}

function logRefusal(ev: TickEvents, c: LiveCharacter, spellId: string, refusal: Refusal): Refusal {
  ev.casts.push({ characterId: c.id, spellId, success: false, code: refusal.code, effect: 0, manaSpent: 0 });
  return refusal;
}
