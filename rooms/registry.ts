/**
 * Which room holds a character live, across processes (a hash in Colyseus
 * presence: in-process or Redis). Rule 2 of docs/design.md: one writer per
 * character. Claiming is done by the room that loaded the character; a
 * second session takes over by evicting the holder, which saves first.
 */
import { createAuthContext, matchMaker, type Presence } from '@colyseus/core';
import type { JoinOptions } from './messages.js';

export const ROOM_NAME = 'region';
const LIVE_KEY = 'leyline:live-characters';
const EVICT_TIMEOUT_MS = 10_000; // the holder saves the character before answering

export function liveCharacters(presence: Presence) {
  return {
    holder: (characterId: string): Promise<string | null> => presence.hget(LIVE_KEY, characterId),

    async claim(characterId: string, roomId: string): Promise<void> {
      await presence.hset(LIVE_KEY, characterId, roomId);
    },

    async release(characterId: string, roomId: string): Promise<void> {
      if ((await presence.hget(LIVE_KEY, characterId)) === roomId) await presence.hdel(LIVE_KEY, characterId);
    },

    /** Makes sure no room other than `exceptRoomId` holds the character; resolves once it is saved. */
    async evictElsewhere(characterId: string, exceptRoomId?: string): Promise<void> {
      const holder = await presence.hget(LIVE_KEY, characterId);
      if (!holder || holder === exceptRoomId) return;
      let room: unknown;
      try {
        room = await matchMaker.getRoomById(holder); // a value or a promise, depending on the driver
      } catch {
        room = undefined;
      }
      if (room) {
        try {
          await matchMaker.remoteRoomCall(holder, 'evict', [characterId], EVICT_TIMEOUT_MS);
          return;
        } catch {
          // The holder is unreachable (its process died): its claim is stale.
        }
      }
      if ((await presence.hget(LIVE_KEY, characterId)) === holder) await presence.hdel(LIVE_KEY, characterId);
    },
  };
}

/** A seat reservation in the region room for `opts` (created on whichever process if needed), authorised by `token`. */
export function playRegion(opts: JoinOptions, token: string): Promise<matchMaker.ISeatReservation> {
  return matchMaker.joinOrCreate(ROOM_NAME, opts, createAuthContext({ headers: {}, token }));
}
