/**
 * Rules of asking the game master (`act`, `talk`): who may be talked to,
 * how often a character may ask, and what of the region the narrator is
 * told. Pure; the room applies them (rooms/narration.ts).
 */
import type { Npc } from './npc.js';
import type { Vec3 } from './types.js';
import { refuse, type Verdict, OK } from './types.js';

/** A `talk` needs the NPC within this 3-D distance (blocks) of the character; always inside the view radius. */
export const TALK_RANGE_BLOCKS = 8;
/** NPCs named to the narrator: within this horizontal distance, nearest first, at most NEARBY_MAX. */
export const NEARBY_NPC_BLOCKS = 24;
/** Other characters named to the narrator: within this horizontal distance, nearest first. */
export const NEARBY_PLAYER_BLOCKS = 32;
export const NEARBY_MAX = 8;
/** Narrations one character may ask for per one-minute window (act and talk together). */
export const NARRATIONS_PER_MINUTE = 6;
/** Narrations one character may have in flight at once. */
export const NARRATIONS_IN_FLIGHT = 1;
/** Longest text of an `act` / `talk`, characters. */
export const NARRATION_TEXT_MAX = 500;

const dist3 = (a: Vec3, b: Vec3) => Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);
const dist2 = (a: Vec3, b: Vec3) => Math.hypot(a.x - b.x, a.z - b.z);

/** Whether `who` may talk to `npc` (undefined: no such NPC here). Dead NPCs are not there to talk to. */
export function canTalkTo(who: Vec3, npc: Pick<Npc, 'x' | 'y' | 'z' | 'state' | 'hp'> | undefined): Verdict {
  if (!npc || npc.state === 'dead' || npc.hp <= 0) return refuse('UNKNOWN_NPC', 'there is no one by that id here');
  if (dist3(who, npc) > TALK_RANGE_BLOCKS) return refuse('OUT_OF_RANGE', `too far away to talk (within ${TALK_RANGE_BLOCKS} blocks)`);
  return OK;
}

/** The living NPCs near `who`, nearest first. */
export function nearbyNpcs(who: Vec3, npcs: Iterable<Npc>, radius = NEARBY_NPC_BLOCKS, max = NEARBY_MAX): { id: string; kind: string }[] {
  return [...npcs]
    .filter((n) => n.state !== 'dead' && n.hp > 0 && dist2(who, n) <= radius)
    .sort((a, b) => dist2(who, a) - dist2(who, b) || (a.id < b.id ? -1 : 1))
    .slice(0, max)
    .map((n) => ({ id: n.id, kind: n.kind }));
}

/** Names of other characters near `who`, nearest first. */
export function nearbyPlayers(who: Vec3 & { id: string }, characters: Iterable<Vec3 & { id: string; name: string }>, radius = NEARBY_PLAYER_BLOCKS, max = NEARBY_MAX): string[] {
  return [...characters]
    .filter((c) => c.id !== who.id && dist2(who, c) <= radius)
    .sort((a, b) => dist2(who, a) - dist2(who, b) || (a.id < b.id ? -1 : 1))
    .slice(0, max)
    .map((c) => c.name);
}

/** The one-minute window a time falls in (the per-minute limit counts per window). */
export function narrationWindow(now: number): number {
  return Math.floor(now / 60_000);
}
