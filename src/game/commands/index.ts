/**
 * The commands a client can give a character, one file each, behind one
 * dispatch table. Each checks first, then makes its one change and reports
 * it in the tick's events (docs/style.md: "checks first, then one change").
 */
import type { LiveCharacter } from '../character.js';
import type { RegionContext } from '../region/context.js';
import type { TickEvents } from '../region/events.js';
import { block, type BlockCommand } from './block.js';
import { cast, type CastCommand } from './cast.js';
import { chat, type ChatCommand } from './chat.js';
import { move, type MoveCommand } from './move.js';
import type { Reply } from './types.js';

export type Command = MoveCommand | BlockCommand | ChatCommand | CastCommand;
export type { Reply, MoveCommand, BlockCommand, ChatCommand, CastCommand };
export type { NearEntity } from './cast.js';
export { UNKNOWN_SPELL_ID } from './cast.js';

type Handler<C extends Command> = (r: RegionContext, c: LiveCharacter, cmd: C, now: number, ev: TickEvents) => Reply;

export const COMMANDS: { [K in Command['kind']]: Handler<Extract<Command, { kind: K }>> } = { move, block, chat, cast };

export function applyCommand(r: RegionContext, c: LiveCharacter, cmd: Command, now: number, ev: TickEvents): Reply {
  return (COMMANDS[cmd.kind] as Handler<Command>)(r, c, cmd, now, ev);
}
