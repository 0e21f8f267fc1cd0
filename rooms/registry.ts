/**
 * Which room holds a character live, across processes (Colyseus presence:
 * in-process or Redis). Rule 2 of docs/design.md: one writer per character.
 * A claim is a set member `roomId` under the character's key: claim and
 * release are single atomic set operations, so a room releasing late can
 * never delete a newer room's claim. A second session takes over by
 * evicting the holder, which saves first.
 *
 * Also the only way into the matchmaker: seat reservations are made here,
 * by the server (/api/play, handoffs, takeovers), marked with a per-process
 * secret that onAuth requires; a client's own /matchmake call is refused.
 */
import { createAuthContext, matchMaker, type AuthContext, type Presence } from '@colyseus/core';
import { randomBytes } from 'node:crypto';
import type { JoinOptions } from './messages.js';

export const ROOM_NAME = 'region';
const LIVE_PREFIX = 'leyline:live:';
const PENDING_PREFIX = 'leyline:pending-seat:';
/** How long a seat reservation holds (the room's seatReservationTimeout). */
export const SEAT_RESERVATION_S = 15;
const EVICT_TIMEOUT_MS = 10_000; // the holder saves the character before answering
const INTERNAL_HEADER = 'x-leyline-internal';
const INTERNAL_SECRET = randomBytes(24).toString('hex'); // this process's own matchmaking calls
export const LEASE_WAIT_MS = 6_000; // how long a new region room waits for the previous one to finish its final flush

/** True when this process's server code asked for the seat (never a client's /matchmake request). */
export function isInternal(ctx: AuthContext | undefined): boolean {
  return ctx?.headers.get(INTERNAL_HEADER) === INTERNAL_SECRET;
}

const internal = (token: string) => createAuthContext({ headers: { [INTERNAL_HEADER]: INTERNAL_SECRET }, token });

async function roomExists(roomId: string): Promise<boolean> {
  try {
    return !!(await matchMaker.getRoomById(roomId)); // a value or a promise, depending on the driver
  } catch {
    return false;
  }
}

export function liveCharacters(presence: Presence) {
  const key = (characterId: string) => LIVE_PREFIX + characterId;
  const self = {
    /** Rooms holding the character (normally one; stale claims of rooms that are gone are dropped). */
    async holders(characterId: string): Promise<string[]> {
      const out: string[] = [];
      for (const roomId of await presence.smembers(key(characterId))) {
        if (await roomExists(roomId)) out.push(roomId);
        else await presence.srem(key(characterId), roomId);
      }
      return out;
    },

    async claim(characterId: string, roomId: string): Promise<void> {
      await presence.sadd(key(characterId), roomId);
    },

    async release(characterId: string, roomId: string): Promise<void> {
      await presence.srem(key(characterId), roomId);
    },

    /** Makes sure no room other than `exceptRoomId` holds the character; resolves once it is saved. */
    async evictElsewhere(characterId: string, exceptRoomId?: string): Promise<void> {
      for (const holder of await presence.smembers(key(characterId))) {
        if (holder === exceptRoomId) continue;
        if (await roomExists(holder)) {
          try {
            await matchMaker.remoteRoomCall(holder, 'evict', [characterId], EVICT_TIMEOUT_MS);
            continue;
          } catch {
            // The holder is unreachable (its process died): its claim is stale.
          }
        }
        await presence.srem(key(characterId), holder);
      }
    },
  };
  return self;
}

/** Seat reservations handed out and not used yet, one per character (reused by a repeated /api/play). */
export function pendingSeats(presence: Presence) {
  const key = (characterId: string) => PENDING_PREFIX + characterId;
  return {
    async get<T>(characterId: string): Promise<T | undefined> {
      const v = await presence.get(key(characterId));
      return typeof v === 'string' ? (JSON.parse(v) as T) : undefined;
    },
    set: (characterId: string, value: unknown) => presence.setex(key(characterId), JSON.stringify(value), SEAT_RESERVATION_S - 1),
    clear: (characterId: string) => presence.del(key(characterId)),
  };
}

/** A seat reservation in the region room for `opts` (created on whichever process if needed), authorised by `token`. */
export function playRegion(opts: JoinOptions, token: string, roomName = ROOM_NAME): Promise<matchMaker.ISeatReservation> {
  return matchMaker.joinOrCreate(roomName, opts, internal(token));
}

/** A seat in a given live room (the one holding the character: a takeover that keeps the live character). */
export function playRoom(roomId: string, opts: JoinOptions, token: string): Promise<matchMaker.ISeatReservation> {
  return matchMaker.joinById(roomId, opts, internal(token));
}

/** How long a handed-off character's live record waits in presence for the next room (well past the seat's life). */
export const HANDOFF_RECORD_S = 60;

/**
 * Live records passed from room to room at a handoff (no database round trip): the
 * room a character walks out of puts its record here for region (rx, rz); that
 * region's room takes it in onJoin. Without it (expired, presence restarted) the
 * next room loads the row, which the previous room's writer saves on its interval.
 */
export function handoffRecords(presence: Presence) {
  const key = (characterId: string) => `leyline:handoff:${characterId}`;
  type Waiting = { rx: number; rz: number; record?: { userId?: unknown; worldId?: unknown } };
  const read = async (characterId: string): Promise<Waiting | undefined> => {
    const raw = await presence.get(key(characterId));
    return typeof raw === 'string' ? (JSON.parse(raw) as Waiting) : undefined;
  };
  return {
    put: (characterId: string, to: { rx: number; rz: number }, record: unknown) =>
      presence.setex(key(characterId), JSON.stringify({ ...to, record }), HANDOFF_RECORD_S),
    /** The waiting record, left in place: its region (a handoff whose seat was never used: /api/play seats the character there) and its owner. */
    async peek(characterId: string): Promise<{ rx: number; rz: number; userId?: unknown; worldId?: unknown } | undefined> {
      const v = await read(characterId);
      return v && { rx: v.rx, rz: v.rz, userId: v.record?.userId, worldId: v.record?.worldId };
    },
    /** The record addressed to region (rx, rz), removed as it is taken; undefined when there is none for it. */
    async take(characterId: string, rx: number, rz: number): Promise<unknown> {
      const v = await read(characterId);
      if (!v || v.rx !== rx || v.rz !== rz) return undefined;
      await presence.del(key(characterId));
      return v.record;
    },
  };
}
