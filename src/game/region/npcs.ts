/** A region's NPC population: spawned from the seed per biome, stepped on the tick, attacking characters. */
import { biomeAt, pairKey, spawnPoint, WORLD_HEIGHT } from '../../world/index.js';
import { spawnNpcsForRegion, stepNpc, type Npc } from '../npc.js';
import type { MagicCatalogue, RegionContext } from './context.js';
import { hurt } from './effects.js';
import type { TickEvents } from './events.js';

export const NPCS_PER_REGION = 12;

/** Columns remembered per world seed by npcGroundY (about 1 MB at the limit), and seeds at most. */
const GROUND_COLUMNS = 1 << 15;
const GROUND_SEEDS = 8;
const groundCache = new Map<number, Map<number, number>>();

/**
 * Feet y on generated terrain (NPCs ignore player edits: cheap, and edits are local). Remembered per column:
 * the generated terrain never changes, NPCs keep to the columns around their home, and working a column out
 * from the noise was the largest cost of a world of many quiet regions (a profile over 64 regions).
 */
export function npcGroundY(seed: number, x: number, z: number): number {
  const cx = Math.floor(x), cz = Math.floor(z);
  let columns = groundCache.get(seed);
  if (!columns) {
    if (groundCache.size >= GROUND_SEEDS) groundCache.clear();
    groundCache.set(seed, (columns = new Map()));
  }
  const key = pairKey(cx, cz);
  let y = columns.get(key);
  if (y === undefined) {
    if (columns.size >= GROUND_COLUMNS) columns.clear();
    y = Math.min(WORLD_HEIGHT - 2, spawnPoint(seed, cx, cz));
    columns.set(key, y);
  }
  return y;
}

export function spawnRegionNpcs(seed: number, rx: number, rz: number, catalogue: MagicCatalogue, count: number, now: number): Npc[] {
  const biome = (x: number, z: number) => biomeAt(seed, Math.floor(x), Math.floor(z));
  return spawnNpcsForRegion(seed, rx, rz, catalogue.npcs, biome, count, (x, z) => npcGroundY(seed, x, z), now);
}

export function stepNpcs(r: RegionContext, now: number, dtMs: number, ev: TickEvents): void {
  const targets = [...r.characters.values()].map((c) => ({ id: c.id, x: c.x, y: c.y, z: c.z, alive: c.respawnAt === undefined && c.hp > 0 }));
  for (const [id, npc] of r.npcs) {
    const def = r.catalogue.npcByKind.get(npc.kind);
    if (!def) continue;
    const s = stepNpc(npc, def, { now, dtMs, rng: r.rng, characters: targets, groundY: (x, z) => npcGroundY(r.seed, x, z) });
    if (s.moved || s.npc.hp !== npc.hp || s.npc.state !== npc.state) ev.npcs.add(id);
    r.npcs.set(id, s.npc);
    if (s.attack) {
      const victim = r.characters.get(s.attack.targetId);
      if (victim) hurt(r, victim, s.attack.damage, now, ev);
    }
  }
}
