/**
 * Conversions between the room's three shapes of a thing: persisted
 * snapshots (src/persist), live simulation objects (src/game) and wire state
 * (schema/). Kept out of the room so it stays a thin translator.
 */
import { CharacterState } from '../schema/index.js';
import { loadContent } from '../src/content/index.js';
import { masteryState } from '../src/game/magic.js';
import { MOVE_BUDGET_MAX_BLOCKS } from '../src/game/movement.js';
import type { LiveCharacter, RegionSim } from '../src/game/region.js';
import type { MagicCatalogue } from '../src/game/region-magic.js';
import type { CharacterSnapshot, ChunkSnapshot } from '../src/persist/store.js';

export function toLive(s: CharacterSnapshot): LiveCharacter {
  return {
    id: s.id, userId: s.userId, name: s.name, characterClass: s.characterClass, level: s.level, xp: s.xp,
    stats: s.stats as Record<string, unknown>, x: s.x, y: s.y, z: s.z, yaw: s.yaw, maxHp: s.maxHp,
    mana: s.mana, maxMana: s.maxMana, corruption: s.corruption, knownSpells: [...s.knownSpells],
    cooldowns: new Map(), lastMoveAt: 0, moveBudget: MOVE_BUDGET_MAX_BLOCKS,
    mastery: new Map((s.skills ?? []).map((k) => [k.skillId, { uses: k.uses }])),
    // A character saved dead (hp 0) comes back alive at its saved place with a sliver of health.
    hp: s.hp > 0 ? s.hp : Math.max(1, s.maxHp * 0.25),
  };
}

export function toState(c: LiveCharacter): CharacterState {
  const st = new CharacterState();
  Object.assign(st, {
    id: c.id, name: c.name, characterClass: c.characterClass, level: c.level, x: c.x, y: c.y, z: c.z, yaw: c.yaw,
    hp: c.hp, maxHp: c.maxHp, mana: c.mana, maxMana: c.maxMana, corruption: c.corruption, xp: c.xp,
  });
  st.knownSpells.push(...c.knownSpells);
  return st;
}

export function characterSnapshot(c: LiveCharacter, worldId: string): CharacterSnapshot {
  return {
    id: c.id, userId: c.userId, worldId, name: c.name, characterClass: c.characterClass,
    level: c.level, xp: c.xp, stats: c.stats as CharacterSnapshot['stats'], x: c.x, y: c.y, z: c.z, yaw: c.yaw,
    hp: c.hp, maxHp: c.maxHp, mana: Math.min(c.mana, c.maxMana), maxMana: c.maxMana, corruption: c.corruption, knownSpells: [...c.knownSpells],
    skills: [...(c.mastery ?? [])].map(([skillId, m]) => {
      const st = masteryState(m.uses);
      return { skillId, uses: st.uses, level: st.level, mastery: st.mastery };
    }),
  };
}

export function chunkSnapshot(sim: RegionSim, worldId: string, key: string, cx: number, cy: number, cz: number): ChunkSnapshot {
  return {
    worldId, cx, cy, cz,
    version: sim.chunkVersions.get(key) ?? 0,
    edits: Object.fromEntries([...sim.world.editsOf(key)].map(([i, b]) => [String(i), b])),
  };
}

let catalogue: MagicCatalogue | undefined;

/** The content catalogue in the shape the region's magic needs (built once per process). */
export function magicCatalogue(): MagicCatalogue {
  if (!catalogue) {
    const c = loadContent();
    catalogue = {
      spellById: c.spellById,
      npcs: c.npcs,
      npcByKind: c.npcByKind,
      lootTableById: c.lootTableById,
      maxStackOf: (id) => c.itemById.get(id)?.maxStack ?? 1,
    };
  }
  return catalogue;
}
