/**
 * Seamless borders (rooms/ghosts.ts): a client sees the characters and chunk
 * edits of the neighbouring region within its view radius, in the same maps
 * under the same keys, kept current by their own room; a handoff does not
 * make anyone blink. In one process (LocalPresence) here; across two server
 * processes on one Redis in the second suite.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, type Room } from '@colyseus/sdk';
import { LocalPresence, matchMaker } from '@colyseus/core';
import { charRow, FULL_EVERY_TICKS, ghostChannel, Ghosts, GHOST_TTL_MS, type GhostFrame, type GhostsOptions } from '../rooms/ghosts.js';
import { CharacterState, RegionState } from '../schema/index.js';
import { emptyEvents, RegionSim } from '../src/game/region/index.js';
import { createLogger } from '../src/log.js';
import { loadContent } from '../src/content/index.js';
import pg from 'pg';
import { Redis } from 'ioredis';
import { blockToChunk, chunkKey } from '../src/world/index.js';
import { HANDOFF_MARGIN_BLOCKS, crowdRank } from '../src/game/region/index.js';
import { bootTestServer, http, type TestServer } from './support/server.js';
import { borderCrossing, firstBorderCrossing, walkX, me, newPlayer, nextMessage, placeCharacter, roomSession, until, WIRE_EPS, type Player } from './support/game.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { freePort, spawnServer, type ServerProcess } from './support/process.js';
import { deleteRedisPrefix } from './support/jobs.js';
import { eventually } from './support/workload.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const near = (a: number, b: number) => Math.abs(a - b) <= WIRE_EPS;

/** Records, on every patch, whether `id` is in the room's characters; `blinked` once it was seen and then missing. */
function watch(room: Room<any, any>, id: string) {
  const w = { seen: false, blinked: false, stop: () => room.onStateChange.remove(check) };
  function check() {
    const has = room.state.characters?.has(id);
    if (has) w.seen = true;
    else if (w.seen) w.blinked = true;
  }
  room.onStateChange(check);
  return w;
}

describe('seamless borders: ghosts of the neighbour region (one process)', function () {
  this.timeout(60_000);
  let t: TestServer;
  const rooms = roomSession(() => t);

  before(async () => {
    // Three chunk columns: a watcher just west of a border still sees a walker handed off HANDOFF_MARGIN_BLOCKS past it.
    // Crowd gathering off: these players stay on their sides of the border (it is tested below, on).
    t = await bootTestServer({ VIEW_RADIUS_CHUNKS: '3', PERSIST_INTERVAL_MS: '200', CROWD_GATHER_PER_S: '0' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('players on both sides of a border see each other and each other\'s edits, once, under their own ids', async () => {
    const [a, b] = [await newPlayer(t), await newPlayer(t)];
    const spot = borderCrossing(a.seed, 10); // half a block west of x = 1280
    await placeCharacter(t, a, spot.x - 1, spot.z, spot.y);
    await placeCharacter(t, b, spot.x + 4, spot.z, spot.y);
    const ra = await rooms.enter(a);
    const rb = await rooms.enter(b);
    assert.deepEqual([ra.state.rx, rb.state.rx], [9, 10], 'two rooms');
    const bInA = await until(ra, (s) => s.characters.get(b.characterId), 'B in A\'s view');
    const aInB = await until(rb, (s) => s.characters.get(a.characterId), 'A in B\'s view');
    assert.ok(near(bInA.x, spot.x + 4) && near(aInB.x, spot.x - 1));
    assert.equal(aInB.name, me(ra, a).name);
    assert.ok(!bInA.knownSpells?.length, 'owner-only fields stay home');
    // B walks: A's copy follows.
    assert.equal((await rb.request('move', { x: spot.x + 3.5, y: spot.y, z: spot.z })).ok, true);
    await until(ra, (s) => near(s.characters.get(b.characterId)?.x, spot.x + 3.5), 'B\'s move seen across the border');
    // B breaks a block in its region: A's view gets that chunk's edit.
    const blk = { x: Math.floor(spot.x) + 5, y: spot.y - 1, z: Math.floor(spot.z) + 1 };
    const r = await rb.request('block', { action: 'break', ...blk });
    assert.equal(r.ok, true, JSON.stringify(r));
    const c = blockToChunk(blk.x, blk.y, blk.z);
    await until(ra, (s) => s.chunks?.get(chunkKey(c.cx, c.cy, c.cz))?.edits.get(String(c.index)) === 0, 'B\'s edit in A\'s view');
    // Leaving the room removes the copy on the other side.
    await rb.leave();
    rooms.forget(rb);
    await until(ra, (s) => !s.characters.has(b.characterId), 'B gone from A\'s view after leaving');
  });

  it('a cast at a character seen across the border lands there: its own room applies it, both sides see it (rooms/hits.ts)', async () => {
    const [a, b] = [await newPlayer(t), await newPlayer(t)];
    const { rx, spot } = firstBorderCrossing(a.seed, 40); // regions nobody else here uses
    await placeCharacter(t, a, spot.x - 1, spot.z, spot.y);
    await placeCharacter(t, b, spot.x + 4, spot.z, spot.y);
    const ra = await rooms.enter(a);
    const rb = await rooms.enter(b);
    assert.deepEqual([ra.state.rx, rb.state.rx], [rx - 1, rx], 'two rooms');
    const seen = await until(ra, (s) => s.characters.get(b.characterId), 'B in A\'s view');
    const hp0 = me(rb, b).hp;
    assert.equal(seen.hp, hp0);
    const mana0 = me(ra, a).mana;
    const r = await ra.request('cast', { spellId: 'arcane_bolt', targetId: b.characterId });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.deepEqual(r.data.effects.map((e: { targetId: string }) => e.targetId), [b.characterId]);
    await until(rb, () => me(rb, b).hp < hp0, 'B hurt in its own room');
    await until(ra, (s) => s.characters.get(b.characterId)?.hp < hp0, 'B\'s wound seen from A\'s side');
    assert.ok(me(ra, a).mana < mana0, 'the caster paid in its room');
    assert.equal(me(rb, b).hp, ra.state.characters.get(b.characterId).hp, 'one hit, the same on both sides');
    // An id nobody here sees is refused as before, and starts no cooldown.
    const bad = await ra.request('cast', { spellId: 'frost_shard', targetId: 'npc:99,99:1' });
    assert.equal(bad.code, 'INVALID_TARGET');
    assert.equal(me(ra, a).cooldowns?.get('frost_shard'), undefined);
  });

  it('an NPC next to the border strikes a player across it: the player\'s own room applies the blow', async () => {
    const [a, b] = [await newPlayer(t), await newPlayer(t)];
    const { rx, spot } = firstBorderCrossing(a.seed, 60);
    await placeCharacter(t, a, spot.x - 1, spot.z, spot.y);
    await placeCharacter(t, b, spot.x + 12, spot.z, spot.y); // B's room runs, and its client watches A's side
    const ra = await rooms.enter(a);
    const rb = await rooms.enter(b);
    assert.deepEqual([ra.state.rx, rb.state.rx], [rx - 1, rx]);
    await until(rb, (s) => s.characters.get(a.characterId), 'A in B\'s view (its rows reach B\'s room)');
    // One of B's hostile NPCs, moved to the border next to A (a fixture, through the room's simulation).
    const sim = (matchMaker.getLocalRoomById(rb.roomId) as any).sim;
    const npcs = [...sim.npcs.values()] as { id: string; kind: string; hp: number; state: string }[];
    const kinds = loadContent().npcByKind;
    const wolf = npcs.find((n) => kinds.get(n.kind)?.hostile && n.state !== 'dead')!;
    assert.ok(wolf, 'a hostile NPC in B');
    const at = { x: spot.x + 1, y: spot.y, z: spot.z };
    sim.npcs.set(wolf.id, { ...wolf, ...at, homeX: at.x, homeZ: at.z, state: 'idle', targetId: undefined });
    const hp0 = me(ra, a).hp;
    await until(ra, () => me(ra, a).hp < hp0, 'A struck by B\'s NPC, in A\'s own room');
    assert.equal(ra.state.rx, rx - 1, 'A stays in its room');
  });

  it('a room publishes its band only while a neighbour has a client near enough to see it (`watch`)', async () => {
    const [a, far, close] = [await newPlayer(t), await newPlayer(t), await newPlayer(t)];
    const spot = borderCrossing(a.seed, 32); // regions 31 | 32, nobody else's
    await placeCharacter(t, a, spot.x - 1, spot.z, spot.y);
    await placeCharacter(t, far, spot.x + 100, spot.z); // 100 blocks into region 32: its view ends 32 blocks short of 31
    await placeCharacter(t, close, spot.x + 4, spot.z, spot.y);
    const ra = await rooms.enter(a);
    const frames: GhostFrame[] = [];
    const waiters: (() => void)[] = [];
    const onFrame = (f: GhostFrame) => {
      frames.push(f);
      for (const w of waiters.splice(0)) w();
    };
    const channel = ghostChannel(ra.state.worldId, 31, 0);
    await matchMaker.presence.subscribe(channel, onFrame);
    const fullFrames = async (n: number) => {
      const start = frames.length;
      while (frames.slice(start).filter((f) => f.full).length < n) await new Promise<void>((r) => waiters.push(r));
    };
    try {
      const rf = await rooms.enter(far);
      assert.equal(rf.state.rx, 32);
      await fullFrames(2);
      assert.ok(!frames.some((f) => f.c?.some((row) => row[0] === a.characterId)), 'no one near: region 31 sends no rows');
      assert.ok(!rf.state.characters.has(a.characterId));
      const rc = await rooms.enter(close);
      await until(rc, (st) => st.characters.get(a.characterId), 'a client near the border sees across it');
      assert.ok(frames.some((f) => f.c?.some((row) => row[0] === a.characterId)), 'region 31 publishes rows now');
      await rc.leave();
      rooms.forget(rc);
      await fullFrames(2); // region 32 stops watching; the next full frame of 31 carries no rows
      const last = frames.filter((f) => f.full).at(-1)!;
      assert.ok(!last.c?.length, 'rows stop when nobody near the border is left');
    } finally {
      await matchMaker.presence.unsubscribe(channel, onFrame);
    }
  });

  it('a handoff does not blink: observers on both sides see the walker throughout, and it is never shown twice', async () => {
    const [a, west, east] = [await newPlayer(t), await newPlayer(t), await newPlayer(t)];
    const spot = borderCrossing(a.seed, 10);
    await placeCharacter(t, a, spot.x, spot.z, spot.y);
    await placeCharacter(t, west, spot.x - 2, spot.z, spot.y);
    await placeCharacter(t, east, spot.x + 4, spot.z, spot.y);
    const ra = await rooms.enter(a);
    const rw = await rooms.enter(west);
    const re = await rooms.enter(east);
    await until(re, (s) => s.characters.get(a.characterId), 'walker seen from the east');
    await until(rw, (s) => s.characters.get(a.characterId), 'walker seen from the west');
    const ww = watch(rw, a.characterId), we = watch(re, a.characterId);

    const handoff = nextMessage(ra, 'handoff');
    const to = await walkX(ra, spot, spot.x + HANDOFF_MARGIN_BLOCKS + 1);
    const { reservation } = await handoff;
    const next = rooms.track(await new Client(t.url).consumeSeatReservation(reservation));
    await ra.leave();
    rooms.forget(ra);
    await until(next, (s) => s.characters?.get(a.characterId), 'walker in its new room');
    const on = { x: to.x + 0.5, y: to.y, z: to.z };
    assert.equal((await next.request('move', on)).ok, true);
    await until(re, (s) => near(s.characters.get(a.characterId)?.x, on.x), 'east sees the walker move on (now local there)');
    await until(rw, (s) => near(s.characters.get(a.characterId)?.x, on.x), 'west sees the walker move on (now a ghost there)');
    ww.stop();
    we.stop();
    assert.equal(ww.blinked, false, 'the west observer never lost the walker');
    assert.equal(we.blinked, false, 'the east observer never lost the walker');
    assert.equal([...re.state.characters.keys()].filter((k: string) => k === a.characterId).length, 1);
  });
});

describe('crowds gather in one room (src/game/region/crowd.ts)', function () {
  this.timeout(60_000);
  let t: TestServer;
  const rooms = roomSession(() => t);

  before(async () => {
    t = await bootTestServer({ PERSIST_INTERVAL_MS: '200' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('a crowd split by a border gathers in one room: the side of the preferred region keeps its own, the others are handed over', async () => {
    const players = [await newPlayer(t), await newPlayer(t), await newPlayer(t), await newPlayer(t)];
    const spot = borderCrossing(players[0]!.seed, 16); // regions 15 | 16: (16,0) ranks first (src/game/region/crowd.ts)
    assert.ok(crowdRank({ rx: 16, rz: 0 }) < crowdRank({ rx: 15, rz: 0 }));
    const xs = [spot.x - 2, spot.x - 1, spot.x + 2, spot.x + 3];
    for (const [i, p] of players.entries()) await placeCharacter(t, p, xs[i]!, spot.z, spot.y);
    const joined: Room<any, any>[] = [];
    const handoffs: Promise<any>[] = [];
    for (const p of players) {
      const r = await rooms.enter(p);
      handoffs.push(nextMessage(r, 'handoff'));
      joined.push(r);
    }
    assert.deepEqual(joined.map((r) => r.state.rx), [15, 15, 16, 16]);
    const moved: Room<any, any>[] = [];
    for (const i of [0, 1]) {
      const { reservation } = await handoffs[i]!;
      const next = rooms.track(await new Client(t.url).consumeSeatReservation(reservation));
      await joined[i]!.leave();
      rooms.forget(joined[i]!);
      await until(next, (s) => s.characters?.get(players[i]!.characterId), 'own character in the gathering room');
      moved.push(next);
    }
    assert.deepEqual(moved.map((r) => r.state.rx), [16, 16]);
    // One room holds the four, and everyone sees everyone.
    assert.deepEqual([joined[2]!, joined[3]!].map((r) => r.connection.isOpen), [true, true], 'the preferred side kept its own');
    for (const r of [...moved, joined[2]!, joined[3]!]) {
      await until(r, (s) => players.every((p) => s.characters.has(p.characterId)), 'the whole crowd in view');
    }
    assert.equal(new Set([...moved, joined[2]!, joined[3]!].map((r) => r.roomId)).size, 1, 'one room');
  });
});

describe('seamless borders across two processes (Redis presence)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  const jwt = randomBytes(32).toString('hex');
  const jobsPrefix = `test-${randomBytes(4).toString('hex')}`;

  const boot = async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-ghost-'));
    dirs.push(dir);
    const port = await freePort();
    const proc = await spawnServer({
      DATABASE_URL: db.url, JWT_SECRET: jwt, DATA_DIR: dir, LOG_LEVEL: 'info', VIEW_RADIUS_CHUNKS: '2', CROWD_GATHER_PER_S: '0',
      PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}`, REDIS_URL, JOBS_PREFIX: jobsPrefix,
    });
    procs.push(proc);
    await proc.waitForLog(/leyline server listening/);
    return `http://127.0.0.1:${proc.port}`;
  };

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    await deleteRedisPrefix(jobsPrefix);
    await db?.drop();
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  it('players in neighbouring regions held by different processes see each other', async () => {
    const baseA = await boot();
    await boot();
    const account = async (characterClass: string) => {
      const tag = randomBytes(4).toString('hex');
      const reg = await http(baseA, 'POST', '/api/auth/register', { body: { username: `p_${tag}`, email: `${tag}@example.com`, password: 'a fine password' } });
      const ch = await http(baseA, 'POST', '/api/characters', { token: reg.body.token, body: { name: `Hero ${tag}`, characterClass } });
      const worlds = await http(baseA, 'GET', '/api/worlds');
      return { token: reg.body.token, characterId: ch.body.id, seed: worlds.body[0].seed } as Pick<Player, 'token' | 'characterId' | 'seed'>;
    };
    const [a, b] = [await account('mage'), await account('warrior')];
    // Fresh regions (Redis may list other runs' rooms): the first with a flat crossing, inside the world border (2,048 regions).
    const { rx, spot } = firstBorderCrossing(a.seed, 1000 + Math.floor(Math.random() * 1000));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    for (const [p, x] of [[a, spot.x - 1], [b, spot.x + 4]] as const) await c.query('UPDATE characters SET x = $2, y = $3, z = $4 WHERE id = $1', [p.characterId, x, spot.y, spot.z]);
    await c.end();
    const enter = async (p: typeof a) => {
      const res = await http(baseA, 'POST', '/api/play', { token: p.token, body: { characterId: p.characterId } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const room: Room<any, any> = await new Client(baseA).consumeSeatReservation(res.body.reservation);
      await until(room, (s) => s.characters?.get(p.characterId), 'own character');
      return { room, processId: String(res.body.reservation.publicAddress ?? res.body.reservation.processId) };
    };
    // Colyseus creates a room on the process with the fewest rooms, from counts each process
    // publishes (debounced by a second): wait until A's room is counted, so B's goes to the other process.
    const redis = new Redis(REDIS_URL);
    const counted = async () => Object.values(await redis.hgetall('roomcount')).filter((v) => Number(v.split(',')[0]) > 0).length;
    const before = await counted();
    const ea = await enter(a);
    await eventually(counted, (n) => n > before, 'the first room counted in presence', 10_000);
    await redis.quit();
    const eb = await enter(b);
    try {
      assert.deepEqual([ea.room.state.rx, eb.room.state.rx], [rx - 1, rx]);
      assert.notEqual(ea.processId, eb.processId, 'the two regions live on different processes');
      const bInA = await until(ea.room, (s) => s.characters.get(b.characterId), 'B in A\'s view across processes');
      await until(eb.room, (s) => s.characters.get(a.characterId), 'A in B\'s view across processes');
      assert.ok(near(bInA.x, spot.x + 4));
      assert.equal((await eb.room.request('move', { x: spot.x + 3.5, y: spot.y, z: spot.z })).ok, true);
      await until(ea.room, (s) => near(s.characters.get(b.characterId)?.x, spot.x + 3.5), 'B\'s move seen across processes');
      // A block on B's ground, in reach from A's side of the border: forwarded to B's room on the other process
      // (rooms/edits.ts), made there, seen on both sides; A's character is not handed over.
      const blk = { action: 'break' as const, x: Math.floor(spot.x) + 2, y: spot.y - 1, z: Math.floor(spot.z) };
      const k = blockToChunk(blk.x, blk.y, blk.z);
      const key = chunkKey(k.cx, k.cy, k.cz);
      const done = await ea.room.request('block', blk);
      assert.equal(done.ok, true, JSON.stringify(done));
      await until(eb.room, (s) => s.chunks?.get(key)?.edits.get(String(k.index)) === 0, 'the edit in B\'s view');
      await until(ea.room, (s) => s.chunks?.get(key)?.edits.get(String(k.index)) === 0, 'the edit in A\'s view, across processes');
      assert.equal(ea.room.state.rx, rx - 1, 'A stays in its room');
      // A cast at B from A's side: paid on A's process, applied by B's room on the other (rooms/hits.ts).
      const hp0 = eb.room.state.characters.get(b.characterId).hp;
      const cast = await ea.room.request('cast', { spellId: 'arcane_bolt', targetId: b.characterId });
      assert.equal(cast.ok, true, JSON.stringify(cast));
      await until(eb.room, (s) => s.characters.get(b.characterId).hp < hp0, 'B hurt by a cast from the other process');
      await until(ea.room, (s) => s.characters.get(b.characterId)?.hp < hp0, 'and seen so on A\'s side');
    } finally {
      await Promise.all([ea.room.leave(), eb.room.leave()]);
    }
  });
});

describe('ghost freshness (rooms/ghosts.ts, no server)', () => {
  /** Region (0,0)'s ghosts on a LocalPresence of their own, and a way to publish frames as its east neighbour (1,0). */
  async function region(worldId: string) {
    const presence = new LocalPresence();
    const state = new RegionState();
    const ghosts = new Ghosts({ presence, worldId, rx: 0, rz: 0, band: 80, state, sim: new RegionSim(7, 0, 0), newCharacter: () => new CharacterState(), log: createLogger('silent') });
    await ghosts.start();
    const east = ghostChannel(worldId, 1, 0);
    const send = (f: Omit<GhostFrame, 'from'>) => presence.publish(east, { from: '1,0', ...f });
    return { state, ghosts, send };
  }

  it('a copy lives while its room is heard from (frames that do not list it included), dies GHOST_TTL_MS after silence, and at once when a full frame leaves it out', async () => {
    const { state, ghosts, send } = await region('w-fresh');
    const row = (id: string, x: number) => charRow(Object.assign(new CharacterState(), { id, name: id, characterClass: 'mage', x, y: 70, z: 10, hp: 5, maxHp: 5 }));
    const t0 = 1_000_000;

    send({ full: true, c: [row('a', 130), row('b', 131)] });
    ghosts.apply(t0);
    assert.deepEqual([...state.characters.keys()].sort(), ['a', 'b']);
    assert.equal(state.characters.get('a')!.x, 130);

    // Delta frames that list only b keep a fresh too: its room is alive and a did not change.
    for (let t = t0 + 1000; t <= t0 + 2 * GHOST_TTL_MS; t += 1000) {
      send({ c: [row('b', 131 + (t - t0) / 1000)] });
      ghosts.apply(t);
    }
    assert.ok(state.characters.has('a'), 'a copy whose room keeps publishing stays');
    assert.equal(state.characters.get('b')!.x, 131 + (2 * GHOST_TTL_MS) / 1000);

    // A full frame without b: b goes at once.
    send({ full: true, c: [row('a', 130)] });
    ghosts.apply(t0 + 2 * GHOST_TTL_MS + 100);
    assert.deepEqual([...state.characters.keys()], ['a']);

    // Silence: a stays up to GHOST_TTL_MS after the last frame, not after.
    const last = t0 + 2 * GHOST_TTL_MS + 100;
    ghosts.apply(last + GHOST_TTL_MS - 1);
    assert.ok(state.characters.has('a'));
    ghosts.apply(last + GHOST_TTL_MS + 1);
    assert.equal(state.characters.size, 0, 'a silent room’s copies are dropped');
    ghosts.stop();
  });

  /**
   * Region (0,0)'s ghosts publishing for characters it simulates (`add`), on a LocalPresence of their own; `second()`
   * runs a second of ticks and says which ids it sent rows of and which it said are gone; `east` publishes frames as
   * its east neighbour (1,0).
   */
  async function publisher(worldId: string, watching: Pick<GhostsOptions, 'watches' | 'watchArea'>) {
    const presence = new LocalPresence();
    const state = new RegionState();
    const sim = new RegionSim(7, 0, 0);
    const ghosts = new Ghosts({ presence, worldId, rx: 0, rz: 0, band: 112, state, sim, newCharacter: () => new CharacterState(), log: createLogger('silent'), ...watching });
    const add = (id: string, x: number) => {
      const live = sim.addCharacter({
        id, userId: 'u', name: id, characterClass: 'mage', level: 1, xp: 0, stats: {}, x, y: 70, z: 10.5, yaw: 0, hp: 5, maxHp: 5, mana: 5, maxMana: 5,
        corruption: 0, knownSpells: [], cooldowns: new Map(), respawnAt: undefined, handoffs: 0, mastery: new Map(), worldId, lastMoveAt: 0, moveBudget: 1,
      });
      state.characters.set(id, Object.assign(new CharacterState(), { id, name: id, characterClass: 'mage', x: live.x, y: live.y, z: live.z }));
    };
    const frames: GhostFrame[] = [];
    const mine = (f: GhostFrame) => frames.push(f);
    await presence.subscribe(ghostChannel(worldId, 0, 0), mine);
    await ghosts.start();
    const east = (f: Omit<GhostFrame, 'from'>) => presence.publish(ghostChannel(worldId, 1, 0), { from: '1,0', ...f });
    let t = 1_000_000;
    const second = () => {
      frames.length = 0;
      for (let i = 0; i < FULL_EVERY_TICKS; i++) {
        ghosts.apply((t += 50));
        ghosts.publish(emptyEvents());
      }
      return {
        rows: new Set(frames.flatMap((f) => (f.c ?? []).map((row) => row[0]))),
        gone: new Set(frames.flatMap((f) => f.gone ?? [])),
      };
    };
    const stop = async () => {
      ghosts.stop();
      await presence.unsubscribe(ghostChannel(worldId, 0, 0), mine);
    };
    return { presence, add, east, second, stop };
  }

  it('a neighbour that stops, or goes silent, watches no more: rows stop', async () => {
    const { presence, add, east, second, stop } = await publisher('w-watch', { watches: () => false });
    add('me', 120.5);
    const rowsOfMe = () => second().rows.has('me');
    assert.equal(rowsOfMe(), false, 'nobody watches');
    // The east neighbour starts, watching everyone around it, then stops (its room is disposed).
    const neighbour = new Ghosts({
      presence, worldId: 'w-watch', rx: 1, rz: 0, band: 80, state: new RegionState(), sim: new RegionSim(7, 1, 0), newCharacter: () => new CharacterState(), log: createLogger('silent'), watches: () => true,
    });
    await neighbour.start();
    assert.equal(rowsOfMe(), true, 'watched: rows');
    neighbour.stop();
    assert.equal(rowsOfMe(), false, 'the watcher stopped');
    east({ watch: ['0,0'] });
    assert.equal(rowsOfMe(), true);
    // Then silence (its process died): within GHOST_TTL_MS and a full frame, no more rows.
    for (let k = 0; k * 1000 <= GHOST_TTL_MS; k++) second();
    assert.equal(rowsOfMe(), false, 'a silent watcher is forgotten');
    await stop();
  });

  it('a copy follows every row, also after its object was this room’s own character (handed off, then written by the neighbour)', async () => {
    const { state, ghosts, send: publish } = await region('w-rows');
    const row = (x: number, hp = 5) => charRow(Object.assign(new CharacterState(), { id: 'w', name: 'w', characterClass: 'mage', x, y: 70, z: 10, hp, maxHp: 5 }));
    const send = (r: ReturnType<typeof row>) => publish({ c: [r] });
    let t = 1_000_000;
    send(row(130));
    ghosts.apply(t++);
    send(row(131, 4));
    ghosts.apply(t++);
    const st = state.characters.get('w')!;
    assert.deepEqual([st.x, st.hp], [131, 4]);
    // It walks in (the room's own from now on, written by its sync), then back out: handed off to the east.
    ghosts.adopt('w');
    st.x = 120;
    st.hp = 2;
    ghosts.handedOff('w', 1, 0, t);
    // The neighbour's next row holds the values of the last row this room copied in: they must be written all the same.
    send(row(131, 4));
    ghosts.apply(t++);
    assert.deepEqual([st.x, st.hp], [131, 4], 'the object is what the row says, not what the last copied row said');
    send(row(132, 4));
    ghosts.apply(t++);
    assert.equal(st.x, 132);
    ghosts.stop();
  });

  it('rows go out only for what stands in a watcher\'s area; the area grows: rows of what it now holds, shrinks: `gone`', async () => {
    const { add, east, second, stop } = await publisher('w-area', { watchArea: () => undefined });
    add('middle', 60.5); // the middle of region (0,0), 67 blocks from its east border
    add('border', 120.5); // 7 blocks from it
    add('margin', 140.5); // in the handoff margin, on the east neighbour's ground
    // The east neighbour's clients see region (0,0) from x = 96 on (and its own ground, where the margin is).
    east({ watch: ['0,0'], areas: [['0,0', 96, -32, 192, 160]] });
    let s = second();
    assert.deepEqual([...s.rows].sort(), ['border', 'margin'], 'the middle is out of the area: no rows of it');
    // A client of it walks west: its area reaches the middle.
    east({ watch: ['0,0'], areas: [['0,0', 32, -32, 192, 160]] });
    s = second();
    assert.ok(s.rows.has('middle'), 'rows of what the grown area holds');
    // And back.
    east({ watch: ['0,0'], areas: [['0,0', 112, -32, 192, 160]] });
    s = second();
    assert.ok(s.gone.has('middle'), 'what left the area is gone for the neighbour');
    assert.ok(!s.rows.has('middle'));
    assert.deepEqual([...s.rows].sort(), ['border', 'margin']);
    // A watcher without areas (an older room) wants the whole region.
    east({ watch: ['0,0'] });
    assert.ok(second().rows.has('middle'));
    await stop();
  });
});
