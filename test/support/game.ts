/** Players for room tests: a registered user with a character, joined through /api/play with the real SDK. */
import { Client, type Room } from '@colyseus/sdk';
import { randomBytes } from 'node:crypto';
import { Character } from '../../src/db/entities/index.js';
import { spawnPoint } from '../../src/world/index.js';
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
export async function placeCharacter(t: TestServer, p: Player, x: number, z: number): Promise<{ x: number; y: number; z: number }> {
  const pos = { x, y: spawnPoint(p.seed, Math.floor(x), Math.floor(z)), z };
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
