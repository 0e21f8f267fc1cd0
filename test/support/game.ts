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

/** A spot just west of the border between regions rx-1 and rx where the ground is flat across it. */
export function borderCrossing(seed: number, rx: number): { x: number; y: number; z: number } {
  const border = rx * 128;
  const standable = (x: number, z: number, y: number) =>
    isSolid(terrainBlockAt(seed, x, y - 1, z)) && !isSolid(terrainBlockAt(seed, x, y, z)) && !isSolid(terrainBlockAt(seed, x, y + 1, z));
  for (let z = 4; z < 124; z++) {
    const y = spawnPoint(seed, border - 3, z);
    let ok = true;
    // Flat past the handoff margin (src/game/region/borders.ts): a walk across is handed off.
    for (let x = border - 3; x <= border + HANDOFF_MARGIN_BLOCKS + 2 && ok; x++) {
      for (const zz of [z - 1, z, z + 1]) ok &&= spawnPoint(seed, x, zz) === y && standable(x, zz, y);
    }
    if (ok) return { x: border - 0.5, y, z: z + 0.5 };
  }
  throw new Error(`no flat border crossing into region ${rx}`);
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
 * Walks a character along +x from `from` towards `toX` on flat ground (e.g. a `borderCrossing`), one legal step
 * per request, each answered before the next (at most 0.3 blocks a tick: walking pace). Stops early when the room
 * no longer has it (handed off past the border's margin). Returns where the last accepted step put it.
 */
export async function walkX(room: Room<any, any>, from: { x: number; y: number; z: number }, toX: number, step = 0.3): Promise<{ x: number; y: number; z: number }> {
  let at = from.x;
  for (let x = from.x + step; ; x += step) {
    const nx = Math.min(x, toX);
    const r = await room.request('move', { x: nx, y: from.y, z: from.z });
    if (!r.ok && r.code === 'NOT_IN_REGION' && at > from.x) return { x: at, y: from.y, z: from.z };
    if (!r.ok) throw new Error(`step to x=${nx}: ${JSON.stringify(r)}`);
    at = nx;
    if (nx >= toX) return { x: at, y: from.y, z: from.z };
  }
}
