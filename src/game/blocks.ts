/**
 * Block edits by players: checks first, then one change (the caller applies
 * it). Reach is measured from the eyes to the block's centre.
 */
import { WORLD_HEIGHT, isBreakable, isLiquid, isPlaceable, isValidBlockId, regionOfBlock, Block, type VoxelWorld } from '../world/index.js';
import { BODY_HALF_WIDTH, BODY_HEIGHT, EYE_HEIGHT } from './movement.js';
import { OK, refuse, type Vec3, type Verdict } from './types.js';

export const REACH_BLOCKS = 6;

export type BlockEdit = { action: 'break' | 'place'; x: number; y: number; z: number; block?: number };

/**
 * The neighbour region that owns a block within reach of the actor but outside `region`, else undefined. A room
 * keeps a character within HANDOFF_MARGIN_BLOCKS of its region (src/game/region/borders.ts), where the ground
 * may be a neighbour's: an edit there hands the character to the owner's room (src/game/commands/block.ts).
 */
export function foreignEdit(region: { rx: number; rz: number }, actor: Vec3, edit: BlockEdit): { rx: number; rz: number } | undefined {
  const { x, y, z } = edit;
  if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(z) || y < 0 || y >= WORLD_HEIGHT) return undefined;
  const r = regionOfBlock(x, z);
  if (r.rx === region.rx && r.rz === region.rz) return undefined;
  return reachOf(actor, edit) <= REACH_BLOCKS ? r : undefined;
}

/** From the eyes to the block's centre. */
const reachOf = (actor: Vec3, { x, y, z }: BlockEdit) => Math.hypot(x + 0.5 - actor.x, y + 0.5 - (actor.y + EYE_HEIGHT), z + 0.5 - actor.z);

export function checkBlockEdit(
  world: VoxelWorld,
  region: { rx: number; rz: number },
  actor: Vec3,
  edit: BlockEdit,
  bodies: Iterable<Vec3>,
): Verdict {
  const { x, y, z } = edit;
  if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(z)) return refuse('BAD_MESSAGE', 'block coordinates are integers');
  if (y < 0 || y >= WORLD_HEIGHT) return refuse('OUT_OF_REGION', 'outside the world');
  const r = regionOfBlock(x, z);
  if (r.rx !== region.rx || r.rz !== region.rz) return refuse('OUT_OF_REGION', 'that block is in another region');
  if (reachOf(actor, edit) > REACH_BLOCKS) return refuse('OUT_OF_REACH', `blocks are within ${REACH_BLOCKS} of your eyes`);

  const current = world.getBlock(x, y, z);
  if (edit.action === 'break') {
    if (current === Block.AIR || isLiquid(current)) return refuse('INVALID_BLOCK', 'nothing to break there');
    if (!isBreakable(current)) return refuse('INVALID_BLOCK', 'that block cannot be broken');
    return OK;
  }
  if (edit.block === undefined || !isValidBlockId(edit.block) || !isPlaceable(edit.block)) {
    return refuse('INVALID_BLOCK', 'that block cannot be placed');
  }
  if (current !== Block.AIR && !isLiquid(current)) return refuse('INVALID_BLOCK', 'that space is taken');
  for (const b of bodies) {
    const overlaps =
      x < b.x + BODY_HALF_WIDTH && x + 1 > b.x - BODY_HALF_WIDTH &&
      y < b.y + BODY_HEIGHT && y + 1 > b.y &&
      z < b.z + BODY_HALF_WIDTH && z + 1 > b.z - BODY_HALF_WIDTH;
    if (overlaps) return refuse('OCCUPIED', 'someone is standing there');
  }
  return OK;
}
