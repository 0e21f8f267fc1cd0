/**
 * `POST /api/play`: a seat in the region room for the character.
 *  - A reservation not yet used is handed out again (one pending seat per
 *    character, however often a client asks).
 *  - A character live in a room gets a seat in that same room: the room
 *    keeps its live object (cooldowns, death, position as they are) and the
 *    old session is taken over.
 *  - Otherwise any other holder saves and lets go first, and the seat is in
 *    the room of the region the character stands in (created if needed; a
 *    full region refuses instead of starting a twin).
 */
import { matchMaker, type Presence } from '@colyseus/core';
import type { CharacterSnapshot } from '../src/game/character.js';
import { regionOfBlock } from '../src/world/index.js';
import type { Logger } from '../src/log.js';
import type { RegionLoader } from './ports.js';
import { handoffRecords, liveCharacters, pendingSeats, playRegion, playRoom, ROOM_NAME } from './registry.js';

export type PlayErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'REGION_FULL' | 'REGION_BUSY' | 'UNAVAILABLE';

/** A seat that takes longer than this (presence or the database unreachable) is refused with UNAVAILABLE. */
const PLAY_TIMEOUT_MS = 8000; // above LEASE_WAIT_MS: a region whose last room is still saving gets its new room in time

export class PlayError extends Error {
  constructor(readonly code: PlayErrorCode, message: string) {
    super(message);
  }
}

export type PlayResult = { reservation: matchMaker.ISeatReservation; region: { rx: number; rz: number } };

export function createPlay(loader: Pick<RegionLoader, 'loadCharacter'>, presence: Presence, log: Logger) {
  const pending = pendingSeats(presence);
  const registry = liveCharacters(presence);

  const inRegion = async (ch: CharacterSnapshot, token: string): Promise<PlayResult> => {
    // A handoff whose seat was not used (failed, or the client went away) left the live record
    // for the next region's room: the character is there now, whatever the row still says.
    const { rx, rz } = (await handoffRecords(presence).peek(ch.id)) ?? regionOfBlock(ch.x, ch.z);
    const opts = { worldId: ch.worldId, rx, rz, characterId: ch.id };
    const [listing] = await matchMaker.query({ name: ROOM_NAME, worldId: ch.worldId, rx, rz });
    if (listing && listing.clients >= listing.maxClients) throw new PlayError('REGION_FULL', `region ${rx},${rz} is full; try again later`);
    try {
      return { reservation: await playRegion(opts, token), region: { rx, rz } };
    } catch (err) {
      if (String((err as Error)?.message).includes('REGION_BUSY')) throw new PlayError('REGION_BUSY', `region ${rx},${rz} is changing hands; try again`);
      throw err;
    }
  };

  // Concurrent calls for one character on this process share one answer (one pending seat).
  const inFlight = new Map<string, Promise<PlayResult>>();

  return (userId: string, characterId: string, token: string): Promise<PlayResult> => {
    const key = `${userId}:${characterId}`;
    let p = inFlight.get(key);
    if (!p) {
      p = withTimeout(seat(userId, characterId, token), log).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  };

  async function seat(userId: string, characterId: string, token: string): Promise<PlayResult> {
    const owned = await loader.loadCharacter(characterId);
    if (!owned) throw new PlayError('NOT_FOUND', 'no such character');
    if (owned.userId !== userId) throw new PlayError('FORBIDDEN', 'that character is not yours');

    const again = await pending.get<PlayResult>(characterId);
    if (again) return again;

    let result: PlayResult | undefined;
    const [holder] = await registry.holders(characterId);
    if (holder) {
      const { rx, rz } = regionOfBlock(owned.x, owned.z);
      // Fails while the holder is disposing or handing the character off: then the slow path below.
      result = await playRoom(holder, { worldId: owned.worldId, rx, rz, characterId }, token).then(
        (reservation) => ({ reservation, region: { rx, rz } }),
        () => undefined,
      );
    }
    if (!result) {
      await registry.evictElsewhere(characterId);
      result = await inRegion((await loader.loadCharacter(characterId)) ?? owned, token);
    }
    await pending.set(characterId, result);
    return result;
  }
}
export type Play = ReturnType<typeof createPlay>;

/** Any failure that is not a refusal (presence, driver or database away) becomes UNAVAILABLE, within PLAY_TIMEOUT_MS. */
function withTimeout<T>(p: Promise<T>, log: Logger): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PlayError('UNAVAILABLE', 'matchmaking is unavailable; try again shortly')), PLAY_TIMEOUT_MS);
  });
  p.catch(() => undefined); // settles after the timeout: not an unhandled rejection
  return Promise.race([p, late])
    .catch((err: unknown) => {
      if (err instanceof PlayError) throw err;
      log.warn({ err }, 'play: no seat (matchmaking unavailable)');
      throw new PlayError('UNAVAILABLE', 'matchmaking is unavailable; try again shortly');
    })
    .finally(() => clearTimeout(timer));
}
