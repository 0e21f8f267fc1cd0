/**
 * Trust boundaries of region rooms (real server, PostgreSQL, Redis and SDK
 * clients): one room per region, seats only through /api/play, every exit
 * releases the character once, and what a player would miss (cooldowns,
 * death) survives playing again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LocalPresence, type Presence } from '@colyseus/core';
import { Client } from '@colyseus/sdk';
import { RedisPresence } from '@colyseus/redis-presence';
import { Character } from '../src/db/entities/index.js';
import { leaseKeys, RegionHeld, takeRegionLease } from '../rooms/lease.js';
import { bootTestServer, http, type TestServer } from './support/server.js';
import { me, newPlayer, placeCharacter, play, roomSession, until, type Player } from './support/game.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Retries `fn` every 50 ms until it returns true or 5 s pass (for effects the client gets no event about). */
async function eventually(fn: () => Promise<boolean>, label: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not within 5 s: ${label}`);
}

async function gauge(t: TestServer): Promise<number> {
  const text = (await http(t.url, 'GET', '/metrics')).body as string;
  return Number(/^leyline_room_clients (\S+)$/m.exec(text)?.[1]);
}

describe('region room trust boundaries', function () {
  this.timeout(30_000);
  let t: TestServer;
  const rooms = roomSession(() => t);
  let column = 0;
  /** A player standing in a region of its own (every test its own region, so seats never collide). */
  async function alone(): Promise<Player> {
    const p = await newPlayer(t);
    column += 1;
    await placeCharacter(t, p, 64.5 + 128 * (10 + column), 64.5);
    return p;
  }

  before(async () => {
    t = await bootTestServer({ REGION_SEATS: '2', PERSIST_INTERVAL_MS: '200' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('a kicked flooder is gone: saved and released (DELETE works), and the clients gauge comes back down', async () => {
    const before = await gauge(t);
    const p = await alone();
    // A bystander in the same region keeps the room alive: the release must come from the kick, not from a dispose.
    const bystander = await newPlayer(t);
    const at = await t.server.orm.em.fork().findOneOrFail(Character, { id: p.characterId });
    await placeCharacter(t, bystander, Number(at.x) + 1, Number(at.z));
    const stays = await rooms.enter(bystander);
    const room = await rooms.enter(p);
    assert.equal(room.roomId, stays.roomId);
    assert.equal(await gauge(t), before + 2);
    const left = new Promise<number>((resolve) => room.onLeave((code: number) => resolve(code)));
    await Promise.all(Array.from({ length: 110 }, () => room.request('chat', { text: 'spam' }).catch(() => undefined)));
    assert.equal(await left, 4102);
    rooms.forget(room);
    await eventually(async () => (await http(t.url, 'DELETE', `/api/characters/${p.characterId}`, { token: p.token })).status === 204, 'the character can be deleted');
    assert.equal(await gauge(t), before + 1, 'the flooder no longer counts; the bystander does');
  });

  it('repeated /api/play hands out one pending seat per character, not one per call', async () => {
    const p = await alone();
    const seats = await Promise.all(Array.from({ length: 5 }, () => play(t, p)));
    assert.deepEqual(new Set(seats.map((s) => s.status)), new Set([200]));
    assert.equal(new Set(seats.map((s) => s.body.reservation.sessionId)).size, 1, JSON.stringify(seats.map((s) => s.body)));
  });

  it('an id in capitals names the same character: one pending seat, and no DELETE while it is in play', async () => {
    // PostgreSQL compares uuids ignoring case; the presence keys (pending seats, live claims) are strings.
    const p = await alone();
    const upper = { ...p, characterId: p.characterId.toUpperCase() };
    const seats = [await play(t, p), await play(t, upper)];
    assert.deepEqual(seats.map((s) => s.status), [200, 200]);
    assert.equal(seats[1]!.body.reservation.sessionId, seats[0]!.body.reservation.sessionId, 'the pending seat is reused');
    await rooms.enter(p);
    const del = await http(t.url, 'DELETE', `/api/characters/${upper.characterId}`, { token: p.token });
    assert.equal(del.status, 409, JSON.stringify(del.body));
    assert.equal(del.body.error.code, 'CHARACTER_IN_PLAY');
  });

  it('playing again while the room holds the character keeps the live object: cooldowns stay, same room', async () => {
    const p = await alone();
    const first = await rooms.enter(p);
    const cast = await first.request('cast', { spellId: 'mana_shield' });
    assert.equal(cast.ok, true, JSON.stringify(cast));
    const readyAt = cast.data.cooldownUntil as number;
    const closed = new Promise<number>((resolve) => first.onLeave((code: number) => resolve(code)));
    const second = await rooms.enter(p);
    assert.equal(await closed, 4101);
    assert.equal(second.roomId, first.roomId);
    await until(second, (s) => s.characters.get(p.characterId)?.cooldowns?.get('mana_shield') === readyAt, 'cooldown kept');
    assert.equal((await second.request('cast', { spellId: 'mana_shield' })).code, 'ON_COOLDOWN');
  });

  it('cooldowns and death are saved with the character: a new session does not reset or revive', async () => {
    const p = await alone();
    const room = await rooms.enter(p);
    const cast = await room.request('cast', { spellId: 'mana_shield' });
    assert.equal(cast.ok, true);
    await room.leave();
    rooms.forget(room);
    await eventually(async () => {
      const c = await t.server.orm.em.fork().findOneOrFail(Character, { id: p.characterId });
      return c.cooldowns.mana_shield === cast.data.cooldownUntil;
    }, 'cooldown saved');
    const again = await rooms.enter(p);
    assert.equal(me(again, p).cooldowns.get('mana_shield'), cast.data.cooldownUntil);
    await again.leave();
    rooms.forget(again);

    // Saved dead (respawn a minute away): playing again does not revive on the spot.
    await eventually(async () => {
      const n = await t.server.orm.em.fork().nativeUpdate(Character, { id: p.characterId }, { hp: 0, respawnAt: Date.now() + 60_000 });
      return n === 1 && (await play(t, p)).status === 200;
    }, 'released and marked dead');
    const dead = await rooms.enter(p);
    assert.equal(me(dead, p).hp, 0);
    assert.equal((await dead.request('move', { x: me(dead, p).x + 0.2, y: me(dead, p).y, z: me(dead, p).z })).code, 'INVALID_MOVE');
  });

  it('logout closes that login\'s live sessions (4104) and they cannot reconnect', async () => {
    const p = await alone();
    const room = await rooms.enter(p);
    const token = room.reconnectionToken;
    const closed = new Promise<number>((resolve) => room.onLeave((code: number) => resolve(code)));
    assert.equal((await http(t.url, 'POST', '/api/auth/logout', { token: p.token })).status, 204);
    assert.equal(await closed, 4104);
    rooms.forget(room);
    await assert.rejects(new Client(t.url).reconnect(token));
    assert.equal((await play(t, p)).status, 401, 'the token is revoked');
  });

  it('a full region refuses /api/play with 503 REGION_FULL instead of starting a second room', async () => {
    const [a, b, c] = [await alone(), await newPlayer(t), await newPlayer(t)];
    const at = (await t.server.orm.em.fork().findOneOrFail(Character, { id: a.characterId }));
    for (const q of [b, c]) await placeCharacter(t, q, Number(at.x) + 1, Number(at.z) + 1);
    const ra = await rooms.enter(a);
    const rb = await rooms.enter(b);
    assert.equal(ra.roomId, rb.roomId);
    const res = await play(t, c);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'REGION_FULL');
  });
});

describe('region lease (one live room per region)', () => {
  for (const [kind, make] of [
    ['in-process', () => new LocalPresence()],
    ['Redis, two processes’ presences', () => new RedisPresence(REDIS_URL)],
  ] as [string, () => Presence][]) {
    describe(kind, () => {
      let a: Presence;
      let b: Presence;
      before(() => {
        a = make();
        b = kind.startsWith('Redis') ? make() : a;
      });
      after(() => {
        a.shutdown();
        if (b !== a) b.shutdown();
      });

      it('a second room for a held region cannot start; after the release it can', async () => {
        const where = { worldId: randomUUID(), rx: 3, rz: -4 };
        const first = await takeRegionLease(a, { ...where, roomId: 'r1' }, { waitMs: 0 });
        await assert.rejects(takeRegionLease(b, { ...where, roomId: 'r2' }, { waitMs: 300, retryMs: 50 }), RegionHeld);
        await first.release();
        const second = await takeRegionLease(b, { ...where, roomId: 'r2' }, { waitMs: 0 });
        await second.release();
      });

      it('a crashed holder’s lease lapses: the keys it left expire and a new room takes the region', async () => {
        const where = { worldId: randomUUID(), rx: 0, rz: 0 };
        const k = leaseKeys(where.worldId, where.rx, where.rz);
        // What a holder leaves behind when it dies: the counter taken, its owner key, no renewals.
        await a.incr(k.counter);
        await a.expire(k.counter, 1);
        await a.setex(k.owner, 'dead-room', 1);
        const t0 = Date.now();
        const lease = await takeRegionLease(b, { ...where, roomId: 'r2' }, { waitMs: 5000, retryMs: 50 });
        assert.ok(Date.now() - t0 >= 500, 'it waited for the expiry');
        await lease.release();
      });
    });
  }
});
