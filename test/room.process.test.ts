/**
 * Region rooms across real server processes: persistence through `kill -9`
 * and a graceful stop, and a handoff between two processes sharing Redis.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, type Room } from '@colyseus/sdk';
import pg from 'pg';
import { spawnPoint } from '../src/world/index.js';
import { HANDOFF_MARGIN_BLOCKS } from '../src/game/region/index.js';
import { borderCrossing, walkX, until, walkableStrip, WIRE_EPS } from './support/game.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { http } from './support/server.js';
import { deleteRedisPrefix } from './support/jobs.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Account = { token: string; characterId: string; seed: number };

async function account(base: string): Promise<Account> {
  const tag = randomBytes(4).toString('hex');
  const reg = await http(base, 'POST', '/api/auth/register', { body: { username: `p_${tag}`, email: `${tag}@example.com`, password: 'a fine password' } });
  const ch = await http(base, 'POST', '/api/characters', { token: reg.body.token, body: { name: `Hero ${tag}`, characterClass: 'warrior' } });
  const worlds = await http(base, 'GET', '/api/worlds');
  return { token: reg.body.token, characterId: ch.body.id, seed: worlds.body[0].seed };
}

async function place(db: TestDatabase, id: string, p: { x: number; y: number; z: number }): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('UPDATE characters SET x = $2, y = $3, z = $4 WHERE id = $1', [id, p.x, p.y, p.z]);
  await c.end();
}

async function positionInDb(db: TestDatabase, id: string): Promise<{ x: number; y: number; z: number }> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const { rows } = await c.query('SELECT x, y, z FROM characters WHERE id = $1', [id]);
  await c.end();
  return rows[0];
}

/** Re-checks a database condition until it holds: the persister has no event a test can subscribe to across processes. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function enter(base: string, a: Account): Promise<Room<any, any>> {
  const res = await http(base, 'POST', '/api/play', { token: a.token, body: { characterId: a.characterId } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const room = await new Client(base).consumeSeatReservation(res.body.reservation);
  await until(room, (s) => s.characters?.get(a.characterId), 'own character');
  return room;
}

describe('region rooms across processes', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  const jwt = randomBytes(32).toString('hex');
  const jobsPrefix = `test-${randomBytes(4).toString('hex')}`; // this suite's queues on the shared Redis

  const boot = async (env: Record<string, string> = {}) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-proc-'));
    dirs.push(dir);
    const proc = await spawnServer({ DATABASE_URL: db.url, JWT_SECRET: jwt, DATA_DIR: dir, PERSIST_INTERVAL_MS: '300', LOG_LEVEL: 'info', ...env });
    procs.push(proc);
    await proc.waitForLog(/leyline server listening/);
    return proc;
  };

  before(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
  });
  after(async () => {
    await deleteRedisPrefix(jobsPrefix);
    await db?.drop();
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  it('kill -9 loses at most one persist interval; a graceful stop loses nothing', async () => {
    let server = await boot();
    let base = `http://127.0.0.1:${server.port}`;
    const a = await account(base);
    const strip = walkableStrip(a.seed, 0, 6);
    await place(db, a.characterId, strip);
    let room = await enter(base, a);
    const moved = { x: strip.x + 0.5, y: strip.y, z: strip.z };
    assert.equal((await room.request('move', moved)).ok, true);
    await eventually(async () => Math.abs((await positionInDb(db, a.characterId)).x - moved.x) < 1e-6, 'the periodic flush');

    server.child.kill('SIGKILL');
    await server.exited;
    server = await boot();
    base = `http://127.0.0.1:${server.port}`;
    room = await enter(base, a); // the stale live-claim of the dead room is taken over
    const c = room.state.characters.get(a.characterId);
    assert.ok(Math.abs(c.x - moved.x) <= WIRE_EPS, 'the flushed position survived kill -9');

    // Graceful: move and stop at once, without waiting for any flush.
    const last = { x: moved.x + 0.6, y: strip.y, z: strip.z };
    assert.equal((await room.request('move', last)).ok, true);
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
    assert.ok(Math.abs((await positionInDb(db, a.characterId)).x - last.x) < 1e-6, 'a graceful stop saved the last move');
  });

  it('rituals run on a separate worker process over Redis and come back to the room', async () => {
    const { freePort } = await import('./support/process.js');
    const port = await freePort();
    const env = { REDIS_URL, JOBS_PREFIX: jobsPrefix, PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}` };
    const server = await boot(env);
    const worker = await spawnServer({ REDIS_URL, JOBS_PREFIX: jobsPrefix, DATABASE_URL: db.url, LOG_LEVEL: 'info' }, 'src/worker.ts');
    procs.push(worker);
    await worker.waitForLog(/worker ready/);
    const base = `http://127.0.0.1:${server.port}`;
    const a = await account(base);
    const strip = walkableStrip(a.seed, 3, 4);
    await place(db, a.characterId, strip);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    // A fixture: a ritual known, and mana for it (learning spells is a later feature).
    await c.query(`UPDATE characters SET known_spells = '{mass_heal}', mana = 500, max_mana = 500 WHERE id = $1`, [a.characterId]);
    await c.end();
    const room = await enter(base, a);
    const done = new Promise<any>((resolve) => room.onMessage('ritual', resolve));
    const r = await room.request('cast', { spellId: 'mass_heal' });
    assert.equal(r.ok, true, JSON.stringify(r));
    const msg = await done;
    assert.deepEqual([msg.ritualId, msg.status], [r.data.ritualId, 'completed']);
    assert.ok(msg.effects.some((e: { kind: string }) => e.kind === 'heal'), JSON.stringify(msg.effects));
    assert.ok(!server.lines.some((l) => l.includes('computing the ritual in the room')), 'computed by the worker, not the room');
    await room.leave();
  });

  it('hands a character to a neighbour region living on another process (Redis presence + driver)', async () => {
    const portsEnv = async () => {
      const { freePort } = await import('./support/process.js');
      const port = await freePort();
      return { PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}`, REDIS_URL, JOBS_PREFIX: jobsPrefix };
    };
    const A = await boot(await portsEnv());
    const B = await boot(await portsEnv());
    const baseA = `http://127.0.0.1:${A.port}`;
    const a = await account(baseA);
    // Fresh regions (Redis may still list other runs' rooms), starting at a random one and
    // taking the first with flat ground across its western border.
    let rx = 30 + Math.floor(Math.random() * 1000);
    let spot: ReturnType<typeof borderCrossing> | undefined;
    for (let tries = 0; !spot && tries < 500; tries++, rx++) {
      try {
        spot = borderCrossing(a.seed, rx);
      } catch {
        /* no flat crossing here: next region */
      }
    }
    rx -= 1;
    assert.ok(spot, 'a region with a flat border crossing');
    await place(db, a.characterId, spot);

    const play = await http(baseA, 'POST', '/api/play', { token: a.token, body: { characterId: a.characterId } });
    assert.equal(play.status, 200);
    const first: Room<any, any> = await new Client(baseA).consumeSeatReservation(play.body.reservation);
    await until(first, (s) => s.characters?.get(a.characterId), 'own character');
    assert.equal(first.state.rx, rx - 1);

    const handoff = new Promise<any>((resolve) => first.onMessage('handoff', resolve));
    const to = await walkX(first, spot, spot.x + HANDOFF_MARGIN_BLOCKS + 1);
    const { reservation } = await handoff;
    assert.notEqual(reservation.processId ?? reservation.room?.processId, play.body.reservation.processId ?? play.body.reservation.room?.processId, 'the neighbour room is on the other process');

    const second: Room<any, any> = await new Client(baseA).consumeSeatReservation(reservation);
    await first.leave();
    const c = await until(second, (s) => s.characters?.get(a.characterId), 'character in the neighbour room');
    assert.equal(second.state.rx, rx);
    assert.ok(Math.abs(c.x - to.x) <= WIRE_EPS, `${c.x} vs ${to.x} (${JSON.stringify(c.toJSON())})`);
    assert.equal((await second.request('move', { x: to.x + 0.4, y: spawnPoint(a.seed, Math.floor(to.x + 0.4), Math.floor(to.z)), z: to.z })).ok, true);
    await second.leave();
    await eventually(async () => Math.abs((await positionInDb(db, a.characterId)).x - (to.x + 0.4)) < 1e-6, 'the save on leave');
    void B;
  });
});
