/**
 * `block`: break or place one block within reach, inside the region. A block in reach on a neighbour's ground
 * (the character stands near or past the border, within the handoff margin) is forwarded by the room to the room
 * that owns it while that room runs (rooms/edits.ts, applied there through `editBlock`); one that reaches the
 * simulation is refused with OUT_OF_REGION and the character is handed to that region's room, as walking past the
 * margin does: the client sends the edit again there (docs/protocol.md, "Handoff").
 */
import { Block } from '../../world/index.js';
import { checkBlockEdit, foreignEdit, type BlockEdit } from '../blocks.js';
import type { LiveCharacter } from '../character.js';
import { handOver } from '../region/borders.js';
import type { RegionContext } from '../region/context.js';
import { setBlock } from '../region/edits.js';
import type { TickEvents } from '../region/events.js';
import { refuse, type Vec3 } from '../types.js';
import type { Reply } from './types.js';

export type BlockCommand = { kind: 'block'; characterId: string; edit: BlockEdit };

export function block(r: RegionContext, c: LiveCharacter, cmd: BlockCommand, _now: number, ev: TickEvents): Reply {
  const owner = c.respawnAt === undefined ? foreignEdit(r, c, cmd.edit) : undefined;
  if (owner) {
    handOver(r, ev, c.id, owner);
    return refuse('OUT_OF_REGION', `that block belongs to region (${owner.rx}, ${owner.rz}): your character moves to its room (handoff); send the edit there`);
  }
  return editBlock(r, c, cmd.edit, r.characters.values(), ev);
}

/**
 * One edit of this region's ground by a character standing at `actor`, under this region's rules (reach, what may
 * be broken or placed, nobody in the way of a placed block: `bodies`). Also the edits a neighbour room forwards for
 * its characters standing in its handoff margin (rooms/edits.ts): `actor` is then where that room has its character.
 */
export function editBlock(r: RegionContext, actor: Vec3, edit: BlockEdit, bodies: Iterable<Vec3>, ev: TickEvents): Reply {
  const verdict = checkBlockEdit(r.world, r, actor, edit, bodies);
  if (!verdict.ok) return verdict;
  const { x, y, z } = edit;
  const change = setBlock(r, x, y, z, edit.action === 'break' ? Block.AIR : edit.block!, ev)!;
  return { ok: true, data: { chunk: change.key, index: change.index, version: change.version } };
}
