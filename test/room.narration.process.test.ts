/**
 * A narration across processes: two server processes on one Redis and a
 * worker process that narrates (against the OpenAI-compatible stub, the only
 * stand-in). The player acts in a room on one server, walks into a region
 * whose room is on the other server while the model is still thinking, and
 * the chunks and the one final narration reach it there.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, type Room } from '@colyseus/sdk';
import pg from 'pg';
import { HANDOFF_MARGIN_BLOCKS } from '../src/game/region/index.js';
import { borderCrossing, until, walkX } from './support/game.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { freePort, spawnServer, type ServerProcess } from './support/process.js';
import { http } from './support/server.js';
import { deleteRedisPrefix } from './support/jobs.js';
import { OpenAiStub } from './support/openai-stub.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('narration across processes', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let stub: OpenAiStub;
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  const jwt = randomBytes(32).toString('hex');
  const jobsPrefix = `test-${randomBytes(4).toString('hex')}`;

  const boot = async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-narr-'));
    dirs.push(dir);
    const port = await freePort();
    const proc = await spawnServer({
      DATABASE_URL: db.url, JWT_SECRET: jwt, DATA_DIR: dir, REDIS_URL, JOBS_PREFIX: jobsPrefix,
      PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}`, LOG_LEVEL: 'info',
    });
    procs.push(proc);
    await proc.waitForLog(/leyline server listening/);
    return proc;
  };

  before(async () => {
    db = await createTestDatabase();
    stub = await OpenAiStub.start();
  });
  after(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    await stub?.close();
    await deleteRedisPrefix(jobsPrefix);
    await db?.drop();
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  it('reaches the player in a room on another process after a handoff, chunks and final, once', async () => {
    const A = await boot();
    const B = await boot();
    const worker = await spawnServer(
      { REDIS_URL, JOBS_PREFIX: jobsPrefix, DATABASE_URL: db.url, OPENAI_BASE_URL: stub.baseUrl, OPENAI_API_KEY: 'test-key', LLM_TIMEOUT_MS: '30000', LOG_LEVEL: 'info' },
      'src/worker.ts',
    );
    procs.push(worker);
    await worker.waitForLog(/worker ready/);
    const baseA = `http://127.0.0.1:${A.port}`;

    const tag = randomBytes(4).toString('hex');
    const reg = await http(baseA, 'POST', '/api/auth/register', { body: { username: `p_${tag}`, email: `${tag}@example.com`, password: 'a fine password' } });
    const ch = await http(baseA, 'POST', '/api/characters', { token: reg.body.token, body: { name: `Hero ${tag}`, characterClass: 'warrior' } });
    const seed = (await http(baseA, 'GET', '/api/worlds')).body[0].seed;
    let rx = 30 + Math.floor(Math.random() * 1000);
    let spot: ReturnType<typeof borderCrossing> | undefined;
    for (let tries = 0; !spot && tries < 500; tries++, rx++) {
      try {
        spot = borderCrossing(seed, rx);
      } catch {
        /* no flat crossing here */
      }
    }
    assert.ok(spot, 'a region with a flat border crossing');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('UPDATE characters SET x = $2, y = $3, z = $4 WHERE id = $1', [ch.body.id, spot.x, spot.y, spot.z]);
    await c.end();

    const play = await http(baseA, 'POST', '/api/play', { token: reg.body.token, body: { characterId: ch.body.id } });
    assert.equal(play.status, 200);
    const first: Room<any, any> = await new Client(baseA).consumeSeatReservation(play.body.reservation);
    await until(first, (s) => s.characters?.get(ch.body.id), 'own character');
    const inFirst: unknown[] = [];
    first.onMessage('narration', (m) => inFirst.push(m));
    first.onMessage('narration:chunk', (m) => inFirst.push(m));

    // The model thinks until the player has crossed the border and is in the neighbour room.
    let crossed!: () => void;
    const gate = new Promise<void>((resolve) => (crossed = resolve));
    stub.enqueue({ kind: 'reply', text: 'Far away, a bell tolls for you.\nMEMORY: heard a bell.', chunks: ['Far away, ', 'a bell tolls ', 'for you.', '\nMEMORY: heard a bell.'], gate, chunkDelayMs: 30 });
    const r = await first.request('act', { text: 'I listen to the wind' });
    assert.equal(r.ok, true, JSON.stringify(r));
    await stub.waitForRequests(1); // the worker process took the job and asked the model

    const handoff = new Promise<any>((resolve) => first.onMessage('handoff', resolve));
    await walkX(first, spot, spot.x + HANDOFF_MARGIN_BLOCKS + 1);
    const { reservation } = await handoff;
    assert.notEqual(reservation.processId ?? reservation.room?.processId, play.body.reservation.processId ?? play.body.reservation.room?.processId, 'the neighbour room is on the other process');
    const second: Room<any, any> = await new Client(baseA).consumeSeatReservation(reservation);
    const chunks: { narrationId: string; text: string }[] = [];
    second.onMessage('narration:chunk', (m) => chunks.push(m));
    const all: any[] = [];
    second.onMessage('narration', (m) => all.push(m));
    const final = new Promise<any>((resolve) => second.onMessage('narration', resolve));
    await until(second, (s) => s.characters?.get(ch.body.id), 'character in the neighbour room');
    await first.leave();
    crossed();

    const msg = await final;
    assert.equal(msg.narrationId, r.data.narrationId);
    assert.equal(msg.source, 'llm');
    assert.equal(msg.text, 'Far away, a bell tolls for you.');
    assert.ok(chunks.length >= 1 && chunks.every((k) => k.narrationId === msg.narrationId), `chunks over Redis from the worker process: ${JSON.stringify(chunks)}`);
    assert.deepEqual(inFirst, [], 'nothing went to the room the player left');
    // Once: a later act in the new room is admitted (the first left flight), and its answer is the only other narration.
    stub.enqueue({ kind: 'reply', text: 'Silence.\nMEMORY: silence.' });
    const again = await second.request('act', { text: 'I listen again' });
    assert.equal(again.ok, true, JSON.stringify(again));
    await until(second, () => all.length === 2 || undefined, 'the second narration');
    assert.deepEqual(all.map((m) => m.narrationId), [r.data.narrationId, again.data.narrationId]);
    await second.leave();
    void B;
  });
});
