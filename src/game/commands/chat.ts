/** `chat`: cleaned text to the region. */
import type { LiveCharacter } from '../character.js';
import { cleanChat } from '../chat.js';
import type { RegionContext } from '../region/context.js';
import type { TickEvents } from '../region/events.js';
import type { Reply } from './types.js';

export type ChatCommand = { kind: 'chat'; characterId: string; text: string };

export function chat(_r: RegionContext, c: LiveCharacter, cmd: ChatCommand, _now: number, ev: TickEvents): Reply {
  const { verdict, text } = cleanChat(cmd.text);
  if (!verdict.ok) return verdict;
  ev.chats.push({ characterId: c.id, from: c.name, text });
  return { ok: true };
}
