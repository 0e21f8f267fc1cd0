/** `block`: break or place one block within reach, inside the region. */
import { Block } from '../../world/index.js';
import { checkBlockEdit, type BlockEdit } from '../blocks.js';
import type { LiveCharacter } from '../character.js';
import type { RegionContext } from '../region/context.js';
import { setBlock } from '../region/edits.js';
import type { TickEvents } from '../region/events.js';
import type { Reply } from './types.js';

export type BlockCommand = { kind: 'block'; characterId: string; edit: BlockEdit };

export function block(r: RegionContext, c: LiveCharacter, cmd: BlockCommand, _now: number, ev: TickEvents): Reply {
  const verdict = checkBlockEdit(r.world, r, c, cmd.edit, r.characters.values());
  if (!verdict.ok) return verdict;
  const { x, y, z } = cmd.edit;
  const change = setBlock(r, x, y, z, cmd.edit.action === 'break' ? Block.AIR : cmd.edit.block!, ev)!;
  return { ok: true, data: { chunk: change.key, index: change.index, version: change.version } };
}
