/** A region's NPC population: spawned from the seed per biome, stepped on the tick, attacking characters. */
import { biomeAt, pairKey, REGION_SIZE, spawnPoint, WORLD_HEIGHT } from '../../world/index.js';
import { spawnNpcsForRegion, stepNpc, type Npc, type NpcCharacter } from '../npc.js';
import type { MagicCatalogue, NeighbourCharacter, RegionContext } from './context.js';
import { hurt } from './effects.js';
import type { TickEvents } from './events.js';

export const NPCS_PER_REGION = 12;

/** Regions whose columns npcGroundY remembers, at most (32 KB each: 8 MB at the limit), and seeds at most. */
const GROUND_REGIONS = 256;
const GROUND_SEEDS = 8;
const UNKNOWN = -0x8000;
/** Seed → region → feet y per column of the region (UNKNOWN until worked out). */
const groundCache = new Map<number, Map<number, Int16Array>>();

/**
 * Feet y on generated terrain (NPCs ignore player edits: cheap, and edits are local). Remembered per column, in
 * an array per region: the generated terrain never changes, NPCs keep to the columns around their home, and
 * working a column out from the noise was the largest cost of a world of many quiet regions (a profile over 64
 * regions). A map of columns for the whole process (32,768 at most, emptied when full) was emptied every few
 * seconds there: 768 NPCs wandering 8 blocks from home cross more columns than that.
 */
export function npcGroundY(seed: number, x: number, z: number): number {
  const cx = Math.floor(x), cz = Math.floor(z);
  const rx = Math.floor(cx / REGION_SIZE), rz = Math.floor(cz / REGION_SIZE);
  let regions = groundCache.get(seed);
  if (!regions) {
    if (groundCache.size >= GROUND_SEEDS) groundCache.clear();
    groundCache.set(seed, (regions = new Map()));
  }
  const key = pairKey(rx, rz);
  let columns = regions.get(key);
  if (!columns) {
    if (regions.size >= GROUND_REGIONS) regions.clear();
    regions.set(key, (columns = new Int16Array(REGION_SIZE * REGION_SIZE).fill(UNKNOWN)));
  }
  const i = (cx - rx * REGION_SIZE) * REGION_SIZE + (cz - rz * REGION_SIZE);
  let y = columns[i]!;
  if (y === UNKNOWN) {
    y = Math.min(WORLD_HEIGHT - 2, spawnPoint(seed, cx, cz));
    columns[i] = y;
  }
  return y;
}

export function spawnRegionNpcs(seed: number, rx: number, rz: number, catalogue: MagicCatalogue, count: number, now: number): Npc[] {
  const biome = (x: number, z: number) => biomeAt(seed, Math.floor(x), Math.floor(z));
  return spawnNpcsForRegion(seed, rx, rz, catalogue.npcs, biome, count, (x, z) => npcGroundY(seed, x, z), now);
}

/**
 * One tick of the region's NPCs. They hunt the region's characters and the neighbours' near the border
 * (`r.neighbours`, a character of this region first if both list it): a strike at a neighbour's character goes
 * out in `ev.hits` for its own room to apply (rooms/hits.ts), as a cast at it would.
 */
export function stepNpcs(r: RegionContext, now: number, dtMs: number, ev: TickEvents): void {
  const targets: NpcCharacter[] = [...r.characters.values()].map((c) => ({ id: c.id, x: c.x, y: c.y, z: c.z, alive: c.respawnAt === undefined && c.hp > 0 }));
  const away = new Map<string, NeighbourCharacter>();
  for (const n of r.neighbours) {
    if (r.characters.has(n.id) || away.has(n.id)) continue;
    away.set(n.id, n);
    targets.push(n);
  }
  const seed = r.seed;
  const ctx = { now, dtMs, rng: r.rng, characters: targets, groundY: (x: number, z: number) => npcGroundY(seed, x, z) };
  for (const [id, npc] of r.npcs) {
    const def = r.catalogue.npcByKind.get(npc.kind);
    if (!def) continue;
    const s = stepNpc(npc, def, ctx);
    if (s.moved || s.npc.hp !== npc.hp || s.npc.state !== npc.state) ev.npcs.add(id);
    r.npcs.set(id, s.npc);
    if (s.attack) {
      const victim = r.characters.get(s.attack.targetId);
      const there = victim ? undefined : away.get(s.attack.targetId);
      if (victim) hurt(r, victim, s.attack.damage, now, ev);
      else if (there) {
        ev.hits.push({ rx: there.rx, rz: there.rz, casterId: id, effects: [{ kind: 'damage', targetKind: 'character', targetId: there.id, amount: s.attack.damage }] });
      }
    }
  }
}
