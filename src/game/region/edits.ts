/** Block changes in a region's world: versioned per chunk and reported as events. */
import { Block, blockToChunk, chunkKey, isValidBlockId, regionOfBlock, WORLD_HEIGHT } from '../../world/index.js';
import type { RegionContext } from './context.js';
import type { BlockChange, TickEvents } from './events.js';

/** Sets a block and records the chunk change; undefined when nothing changed. */
export function setBlock(r: RegionContext, x: number, y: number, z: number, id: number, ev: TickEvents): BlockChange | undefined {
  if (!r.world.setBlock(x, y, z, id)) return undefined;
  const b = blockToChunk(x, y, z);
  const key = chunkKey(b.cx, b.cy, b.cz);
  const version = (r.chunkVersions.get(key) ?? 0) + 1;
  r.chunkVersions.set(key, version);
  const change = { key, cx: b.cx, cy: b.cy, cz: b.cz, index: b.index, block: r.world.editsOf(key).get(b.index), version };
  ev.blocks.push(change);
  return change;
}

/**
 * A world edit that is not a player's (a ritual's): kept inside this region and
 * the world's height, never into a character's body, never breaking bedrock.
 */
export function worldEdit(r: RegionContext, x: number, y: number, z: number, id: number, ev: TickEvents): void {
  if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(z) || y < 1 || y >= WORLD_HEIGHT) return;
  const at = regionOfBlock(x, z);
  if (at.rx !== r.rx || at.rz !== r.rz || !isValidBlockId(id) || r.world.getBlock(x, y, z) === Block.BEDROCK) return;
  for (const c of r.characters.values()) {
    if (Math.abs(c.x - (x + 0.5)) < 0.8 && Math.abs(c.z - (z + 0.5)) < 0.8 && y + 1 > c.y && y < c.y + 1.8) return;
  }
  setBlock(r, x, y, z, id, ev);
}
