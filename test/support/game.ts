/** Players for room tests: a registered user with a character, joined through /api/play with the real SDK. */
import { Client, type Room } from '@colyseus/sdk';
import { randomBytes } from 'node:crypto';
import { Character } from '../../src/db/entities/index.js';
import { isSolid, spawnPoint, terrainBlockAt } from '../../src/world/index.js';
import { HANDOFF_MARGIN_BLOCKS } from '../../src/game/region/index.js';
import { http, type TestServer } from './server.js';

export type Player = { token: string; userId: string; characterId: string; worldId: string; seed: number };

export async function newPlayer(t: TestServer, characterClass = 'mage'): Promise<Player> {
  const tag = randomBytes(4).toString('hex');
  const reg = await http(t.url, 'POST', '/api/auth/register', { body: { username: `p_${tag}`, email: `${tag}@example.com`, password: 'a fine password' } });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const ch = await http(t.url, 'POST', '/api/characters', { token: reg.body.token, body: { name: `Hero ${tag}`, characterClass } });
  if (ch.status !== 201) throw new Error(`create character: ${ch.status} ${JSON.stringify(ch.body)}`);
  const worlds = await http(t.url, 'GET', '/api/worlds');
  const world = worlds.body.find((w: { id: string }) => w.id === ch.body.worldId) ?? worlds.body[0];
  return { token: reg.body.token, userId: reg.body.user.id, characterId: ch.body.id, worldId: world.id, seed: world.seed };
}

/** Puts a (not live) character at a column's surface, directly in the database: a test fixture. */
export async function placeCharacter(t: TestServer, p: Player, x: number, z: number, y?: number): Promise<{ x: number; y: number; z: number }> {
  const pos = { x, y: y ?? spawnPoint(p.seed, Math.floor(x), Math.floor(z)), z };
  await t.server.orm.em.fork().nativeUpdate(Character, { id: p.characterId }, pos);
  return pos;
}

export async function play(t: TestServer, p: Player): Promise<{ status: number; body: any }> {
  return http(t.url, 'POST', '/api/play', { token: p.token, body: { characterId: p.characterId } });
}

export async function join(t: TestServer, p: Player): Promise<Room<any, any>> {
  const res = await play(t, p);
  if (res.status !== 200) throw new Error(`play: ${res.status} ${JSON.stringify(res.body)}`);
  const client = new Client(t.url);
  return client.consumeSeatReservation(res.body.reservation);
}

/** Resolves when `pred(state)` holds, checked on every state change (no polling, no sleeps). */
export function until<T>(room: Room<any, any>, pred: (state: any) => T | undefined | false, label = 'condition'): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      try {
        const v = pred(room.state);
        if (v !== undefined && v !== false) {
          off();
          resolve(v as T);
        }
      } catch (err) {
        off();
        reject(err);
      }
    };
    const onLeave = () => reject(new Error(`left the room while waiting for ${label}`));
    const off = () => {
      room.onStateChange.remove(check);
      room.onLeave.remove(onLeave);
    };
    room.onStateChange(check);
    room.onLeave(onLeave);
    check();
  });
}

export function nextMessage<T = any>(room: Room<any, any>, type: string): Promise<T> {
  return new Promise((resolve) => {
    const off = room.onMessage(type, (payload: T) => {
      off();
      resolve(payload);
    });
  });
}

/**
 * A strip of `length` columns along +x inside region (rx, 0) where a character
 * can walk: ground height changes by at most `maxStep` blocks per column, on
 * solid dry ground with headroom, 3 columns wide. Returns the start column's
 * centre and feet y; `yAt(x)` gives the feet y along it.
 */
export function walkableStrip(
  seed: number,
  rx: number,
  length: number,
  maxStep = 0,
  opts: { chunkAligned?: boolean } = {},
): { x: number; y: number; z: number; yAt(x: number): number } {
  const standable = (x: number, z: number, y: number) =>
    isSolid(terrainBlockAt(seed, x, y - 1, z)) && !isSolid(terrainBlockAt(seed, x, y, z)) && !isSolid(terrainBlockAt(seed, x, y + 1, z));
  for (let z = 4; z < 124; z += 3) {
    for (let x0 = rx * 128 + (opts.chunkAligned ? 0 : 2); x0 + length < rx * 128 + 126; x0++) {
      if (opts.chunkAligned && x0 % 16 !== 0) continue;
      let ok = true;
      for (let x = x0; x <= x0 + length && ok; x++) {
        const y = spawnPoint(seed, x, z);
        ok = [z - 1, z + 1].every((zz) => spawnPoint(seed, x, zz) === y) && standable(x, z, y) && standable(x, z - 1, y) && standable(x, z + 1, y);
        if (ok && x > x0) ok = Math.abs(y - spawnPoint(seed, x - 1, z)) <= maxStep;
      }
      if (ok) return { x: x0 + 0.5, y: spawnPoint(seed, x0, z), z: z + 0.5, yAt: (x) => spawnPoint(seed, Math.floor(x), z) };
    }
  }
  throw new Error(`no walkable strip of ${length} columns in region ${rx}`);
}

/** Where to cross from region rx-1 into rx: half a block west of the border, and the ground's height along +x. */
export type Crossing = { x: number; y: number; z: number; surface: (x: number) => number };

/** The first region from `rx` on with a border crossing (borderCrossing) into it: that region and the spot. */
export function firstBorderCrossing(seed: number, rx: number): { rx: number; spot: Crossing } {
  for (let r = rx; ; r++) {
    try {
      return { rx: r, spot: borderCrossing(seed, r) };
    } catch {
      /* next region */
    }
  }
}

/** A spot just west of the border between regions rx-1 and rx with walkable ground across it and past the handoff margin. */
export function borderCrossing(seed: number, rx: number): Crossing {
  const border = rx * 128;
  const from = border - 3, to = border + HANDOFF_MARGIN_BLOCKS + 3;
  const free = (x: number, z: number, y: number) => !isSolid(terrainBlockAt(seed, x, y, z));
  for (let z = 4; z < 124; z++) {
    const heights: number[] = [];
    let ok = true;
    // Past the handoff margin (src/game/region/borders.ts): a walk across is handed off. Three rows wide, the same
    // height across them, at most a block up or down from one column to the next, room for the body after a step up.
    for (let x = from; x <= to && ok; x++) {
      const y = spawnPoint(seed, x, z);
      for (const zz of [z - 1, z, z + 1]) ok &&= spawnPoint(seed, x, zz) === y && isSolid(terrainBlockAt(seed, x, y - 1, zz)) && free(x, zz, y) && free(x, zz, y + 1) && free(x, zz, y + 2);
      if (ok && heights.length) ok = Math.abs(y - heights.at(-1)!) <= 1;
      heights.push(y);
    }
    // Flat where the tests place players (the first eight columns) and where the walker goes on (the last five).
    ok &&= heights.slice(0, 8).every((h) => h === heights[0]) && heights.slice(-5).every((h) => h === heights.at(-1));
    if (ok) return { x: border - 0.5, y: heights[0]!, z: z + 0.5, surface: (x: number) => heights[Math.floor(x) - from] ?? heights.at(-1)! };
  }
  throw new Error(`no border crossing into region ${rx} to walk`);
}

/** A room suite's connections: `enter` joins through /api/play and waits for the own character; `leaveAll` in afterEach. */
export function roomSession(server: () => TestServer) {
  const open: Room<any, any>[] = [];
  return {
    track(room: Room<any, any>): Room<any, any> {
      open.push(room);
      return room;
    },
    async enter(p: Player): Promise<Room<any, any>> {
      const room = this.track(await join(server(), p));
      await until(room, (s) => s.characters?.get(p.characterId), 'own character');
      return room;
    },
    forget(room: Room<any, any>): void {
      open.splice(open.indexOf(room), 1);
    },
    async leaveAll(): Promise<void> {
      await Promise.all(open.splice(0).map((r) => (r.connection.isOpen ? r.leave().catch(() => undefined) : undefined)));
    },
  };
}

/** The player's own character in a room's state. */
export const me = (room: Room<any, any>, p: Player) => room.state.characters.get(p.characterId);

/** Waits `n` server ticks (an event: every tick patches the state). */
export async function ticks(room: Room<any, any>, n: number): Promise<void> {
  const t0 = room.state.tick;
  await until(room, (s) => s.tick >= t0 + n, `${n} ticks`);
}

/** Positions in state are rounded to 1/32 block (docs/protocol.md): a wire position is within this of the true one. */
export const WIRE_EPS = 1 / 64 + 1e-9;

/**
 * Walks a character along +x from `from` towards `toX` (e.g. a `borderCrossing`, following its `surface`: a step
 * up is a hop in place first, a step down a drop after), one legal move per request, each answered before the next
 * (at most 0.3 blocks a tick: walking pace). Stops early when the room no longer has it (handed off past the
 * border's margin). Returns where the last accepted move put it.
 */
export async function walkX(room: Room<any, any>, from: { x: number; y: number; z: number; surface?: (x: number) => number }, toX: number, step = 0.3): Promise<{ x: number; y: number; z: number }> {
  let at = from.x, y = from.y;
  // The body spans x ± BODY_HALF_WIDTH (src/game/movement.ts): it stands on the higher of the columns under it.
  const ground = (x: number) => (from.surface ? Math.max(from.surface(x - 0.3), from.surface(x + 0.3)) : from.y);
  const move = async (x: number, toY: number): Promise<boolean> => {
    const r = await room.request('move', { x, y: toY, z: from.z });
    if (!r.ok && r.code === 'NOT_IN_REGION' && at > from.x) return false;
    if (!r.ok) throw new Error(`move to x=${x} y=${toY}: ${JSON.stringify(r)}`);
    return true;
  };
  for (let x = from.x + step; ; x += step) {
    const nx = Math.min(x, toX);
    const up = ground(nx);
    if (up > y) {
      if (!(await move(at, up))) return { x: at, y, z: from.z };
      y = up;
    }
    if (!(await move(nx, y))) return { x: at, y, z: from.z };
    at = nx;
    const down = ground(nx);
    if (down < y) {
      if (!(await move(nx, down))) return { x: at, y, z: from.z };
      y = down;
    }
    if (nx >= toX) return { x: at, y, z: from.z };
  }
}
