/**
 * Effects landing on a region's characters and NPCs: damage (shield first),
 * healing, shields, death (with the caster's rituals cancelled), kills with
 * XP and loot, and the effects of completed rituals.
 */
import type { LiveCharacter } from '../character.js';
import { applyDamage, applyHeal, levelForXp, respawnAt } from '../combat.js';
import { purifyRegion } from '../corruption.js';
import { rollLoot, xpForKill, type Drop } from '../loot.js';
import type { CastEffect } from '../magic.js';
import { damageNpc, provokeNpc, type Npc } from '../npc.js';
import type { RitualEffect } from '../rituals.js';
import type { Vec3 } from '../types.js';
import type { RegionContext } from './context.js';
import type { TickEvents } from './events.js';
import { worldEdit } from './edits.js';

/** The effects a cast may have on another region's entities (what applyEffects applies to a target; never teleports, purifies or the like: those are the caster region's). */
export const AWAY_EFFECTS: ReadonlySet<CastEffect['kind']> = new Set(['damage', 'drain', 'heal', 'shield']);

/** A kill by a caster of another region (rooms/hits.ts): its reward, for the caster's room to grant (RegionSim.creditKills). */
export type AwayKill = { npcId: string; npcKind: string; xp: number; drops: Drop[]; lootId: string };

/**
 * Applies effects; returns the total amount dealt/healed (for analytics). A kill by a caster who is not in this
 * region goes to `awayKills` when given (else it rewards nobody).
 */
export function applyEffects(r: RegionContext, casterId: string, effects: readonly CastEffect[], now: number, ev: TickEvents, awayKills?: AwayKill[]): number {
  let total = 0;
  for (const e of effects) {
    if (e.kind === 'purify') {
      r.corruption = purifyRegion(r.corruption, e.amount, now);
      total += e.amount;
      continue;
    }
    if (!e.targetId) continue;
    if (e.targetKind === 'npc') {
      const npc = r.npcs.get(e.targetId);
      if (!npc || npc.state === 'dead') continue;
      if (e.kind === 'damage' || e.kind === 'drain') {
        const hit = damageNpc(provokeNpc(npc, casterId), e.amount, now);
        r.npcs.set(npc.id, hit.npc);
        ev.npcs.add(npc.id);
        total += hit.dealt;
        if (hit.died) kill(r, casterId, npc, ev, awayKills);
      }
      continue;
    }
    const c = r.characters.get(e.targetId);
    if (!c || c.respawnAt !== undefined) continue;
    if (e.kind === 'damage' || e.kind === 'drain') total += hurt(r, c, e.amount, now, ev);
    else if (e.kind === 'heal') {
      const h = applyHeal(c, e.amount);
      c.hp = h.hp;
      total += h.healed;
      ev.characters.add(c.id);
    } else if (e.kind === 'shield') {
      c.shield = (c.shield ?? 0) + e.amount;
      total += e.amount;
      ev.characters.add(c.id);
    }
  }
  return total;
}

/** Damage to a character; at 0 hp it dies, its respawn is set and its rituals are cancelled. */
export function hurt(r: RegionContext, c: LiveCharacter, amount: number, now: number, ev: TickEvents): number {
  const d = applyDamage({ hp: c.hp, maxHp: c.maxHp, shield: c.shield ?? 0 }, amount);
  c.hp = d.hp;
  c.shield = d.shieldLeft;
  ev.characters.add(c.id);
  if (d.died) {
    c.respawnAt = respawnAt(now);
    ev.deaths.push({ characterId: c.id, respawnAt: c.respawnAt });
    ev.ritualOutcomes.push(...r.rituals.cancelOf(c.id));
  }
  return d.dealt;
}

function kill(r: RegionContext, killerId: string, npc: Npc, ev: TickEvents, awayKills: AwayKill[] | undefined): void {
  const def = r.catalogue.npcByKind.get(npc.kind);
  const killer = r.characters.get(killerId);
  if (!def || (!killer && !awayKills)) return;
  const xp = xpForKill(def);
  const lootId = r.newId();
  const table = r.catalogue.lootTableById.get(def.lootTable);
  const drops = table ? rollLoot(table, r.rng.fork(`loot:${lootId}`)) : [];
  if (!killer) {
    awayKills!.push({ npcId: npc.id, npcKind: npc.kind, xp, drops, lootId });
    return;
  }
  reward(killer, { npcId: npc.id, npcKind: npc.kind, xp, drops, lootId }, ev);
}

/** A kill's xp (and level) to its killer; its loot goes into the tick's kills (the room grants it). */
export function reward(killer: LiveCharacter, k: AwayKill, ev: TickEvents): void {
  killer.xp += k.xp;
  killer.level = Math.max(killer.level, levelForXp(killer.xp));
  ev.characters.add(killer.id);
  ev.kills.push({ characterId: killer.id, ...k });
}

/** One effect of a completed ritual: areas hit what stands in them now; blocks go to the world. */
export function applyRitualEffect(r: RegionContext, casterId: string, e: RitualEffect, now: number, ev: TickEvents): void {
  const within = (p: Vec3, c: { x: number; y: number; z: number; radius: number }) => Math.hypot(p.x - c.x, p.y - c.y, p.z - c.z) <= c.radius;
  switch (e.kind) {
    case 'blocks':
      for (const b of e.edits) worldEdit(r, b.x, b.y, b.z, b.block, ev);
      return;
    case 'heal':
      for (const c of r.characters.values()) {
        if (c.respawnAt !== undefined || !within(c, e)) continue;
        c.hp = applyHeal(c, e.amount).hp;
        ev.characters.add(c.id);
      }
      return;
    case 'damage': {
      // Storms strike everything under them but the caster.
      const hits: CastEffect[] = [];
      for (const n of r.npcs.values()) if (n.state !== 'dead' && within(n, e)) hits.push({ kind: 'damage', targetKind: 'npc', targetId: n.id, amount: e.amount });
      for (const c of r.characters.values()) if (c.id !== casterId && within(c, e)) hits.push({ kind: 'damage', targetKind: 'character', targetId: c.id, amount: e.amount });
      applyEffects(r, casterId, hits, now, ev);
      return;
    }
    case 'event':
      if (e.event === 'purified') r.corruption = purifyRegion(r.corruption, Number.MAX_SAFE_INTEGER, now);
      ev.worldEvents.push({ kind: e.event, text: e.text, until: now + e.durationMs });
      return;
    case 'summon':
      return; // summons are not simulated yet: reported in the `ritual` message only
  }
}
