/**
 * Fault injection with real processes and no mocks: servers and workers are child
 * processes, clients are `@colyseus/sdk` clients joined through /api/play, and every
 * fault is a real one — a PostgreSQL server stopped (its own, embedded, never the
 * shared one), a redis-server killed (a private one), a worker killed with -9
 * mid-ritual, a server killed with -9 while a flush's transaction is open, a SIGTERM
 * while clients move and build. What each fault costs is measured and printed as one
 * `FAULTS {...}` line (the table in README.md, "Faults").
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../src/db/embedded.js';
import { createLogger } from '../src/log.js';
import type { Room } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { Block, blockToChunk, chunkKey, terrainBlockAt } from '../src/world/index.js';
import { ticks, until, walkableStrip, WIRE_EPS } from './support/game.js';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from './support/pg.js';
import { PgProxy } from './support/pg-proxy.js';
import { freePort, spawnServer, type ServerProcess } from './support/process.js';
import { PrivateRedis } from './support/redis-server.js';
import { http } from './support/server.js';
import { Bot, enter, eventually, longestTickGap, lost, newAccount, query, saved, ticksBetween, type Saved } from './support/workload.js';


/** A position in room state is the true one rounded to 1/32 block (docs/protocol.md). */
function assertWireX(wire: number, exact: number, message: string): void {
  assert.ok(Math.abs(wire - exact) <= WIRE_EPS, `${message}: ${wire} on the wire vs ${exact}`);
}

const JWT_SECRET = randomBytes(32).toString('hex');
/** How long PostgreSQL stays down (the issue asks for 30 s; FAULTS_PG_OUTAGE_MS shortens it locally). */
const PG_OUTAGE_MS = Number(process.env.FAULTS_PG_OUTAGE_MS ?? 30_000);
const PERSIST_INTERVAL_MS = 1000;
/** The outage case runs on the default interval, so its figures are the ones a server has out of the box. */
const PG_PERSIST_INTERVAL_MS = 5000;
const TICK_HZ = 20;
/** The room's wait past a ritual's completion before it computes the ritual itself (default 30 s; shorter here to see it act). */
const RITUAL_GRACE_MS = 10_000;
const WORKER_ENTRY = 'test/support/jobs-worker.ts';
const REDIS_OUTAGE_MS = 10_000;
/** kill -9 mid-flush: lost writes are at most one interval old, plus the flush's own time and timer jitter. */
const KILL_SLACK_MS = 250;
const SIGTERM_PERSIST_INTERVAL_MS = 600_000;

/** Figures printed at the end (one JSON line) for README.md's table. */
const figures: Record<string, unknown> = {};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The server's own log lines (JSON) at a level or above. */
function logLines(p: ServerProcess, minLevel = 40): { level: number; msg: string; [k: string]: unknown }[] {
  return p.lines.flatMap((l) => {
    try {
      const rec = JSON.parse(l);
      return rec.level >= minLevel ? [rec] : [];
    } catch {
      return [];
    }
  });
}

/** Sum of a Prometheus counter (all label sets) from /metrics. */
async function counter(base: string, name: string): Promise<number> {
  const text: string = (await http(base, 'GET', '/metrics')).body;
  return text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' ')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/** FAULTS_LOG_DIR=dir keeps every child's log there (debugging). */
async function keepLog(name: string, p: ServerProcess | undefined): Promise<void> {
  const dir = process.env.FAULTS_LOG_DIR;
  if (dir && p) await fs.writeFile(path.join(dir, `${name}-${p.child.pid}.log`), p.lines.join('\n'));
}

async function stopProcess(p: ServerProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p && p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill(signal);
    await p.exited;
  }
}

async function leaveAll(bots: Bot[]): Promise<void> {
  await Promise.all(bots.map((b) => b.stop()));
  await Promise.all(bots.map((b) => (b.room?.connection.isOpen ? b.room.leave().catch(() => undefined) : undefined)));
}

describe('faults (real processes, no mocks)', function () {
  this.timeout(120_000);

  after(() => {
    console.log(`FAULTS ${JSON.stringify(figures)}`);
  });

  describe('PostgreSQL stopped mid-play', () => {
    let dir: string;
    let embedded: EmbeddedPostgres;
    let dbUrl: string;
    let server: ServerProcess | undefined;
    const bots: Bot[] = [];

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-faults-pg-'));
      // The server's own PostgreSQL (real, from the npm binaries) on a fixed port, so it can come back where it was.
      embedded = new EmbeddedPostgres({ dataDir: path.join(dir, 'db'), port: await freePort(), log: createLogger('silent') });
      dbUrl = await embedded.start();
    });
    after(async () => {
      await leaveAll(bots);
      await stopProcess(server);
      await keepLog('pg-outage-server', server);
      await embedded?.stop();
      await fs.rm(dir, { recursive: true, force: true });
    });

    it(`rooms keep ticking through a ${PG_OUTAGE_MS / 1000} s outage; once it is back every acknowledged write is saved`, async function () {
      this.timeout(PG_OUTAGE_MS + 90_000);
      server = await spawnServer({
        DATABASE_URL: dbUrl, JWT_SECRET, DATA_DIR: path.join(dir, 'server'), PERSIST_INTERVAL_MS: String(PG_PERSIST_INTERVAL_MS),
        AUTH_RATE_LIMIT_PER_MIN: '10000', LOG_LEVEL: 'info',
      });
      await server.waitForLog(/leyline server listening/);
      const base = `http://127.0.0.1:${server.port}`;

      for (let i = 0; i < 4; i++) bots.push(new Bot(await newAccount(base), 0, 3 + i));
      // Alone in region 1: its room empties during the outage and is disposed of with unsaved state.
      const emptier = new Bot(await newAccount(base), 1, 3);
      bots.push(emptier);
      for (const b of bots) await b.place(dbUrl);
      for (const b of bots) await b.join(base);
      const worldId = bots[0]!.account.worldId;
      const ids = bots.map((b) => b.account.characterId);
      const nothingLost = (until?: number) => (db: Saved) => {
        const l = lost(bots, db, until);
        return l.moves.length === 0 && l.edits.length === 0;
      };
      for (const b of bots) b.play();

      // Saving works before the fault.
      await sleep(1000);
      const warm = Date.now();
      await eventually(() => saved(dbUrl, worldId, ids), nothingLost(warm), 'the first flushes', PG_PERSIST_INTERVAL_MS + 5000);

      const downAt = Date.now();
      await embedded.stop();
      const health = await http(base, 'GET', '/api/health');
      // One player leaves during the outage (its last moves cannot be saved now) and comes back
      // as soon as the database is: the room must not load the stale row over its unsaved state.
      // (The leave's own save gives up after 10 s: the outage must outlast it for this to bite.)
      const leaver = bots[3]!;
      await sleep(Math.min(3000, PG_OUTAGE_MS / 3));
      await Promise.all([leaver.stop(), emptier.stop()]);
      const leaverX = leaver.lastAckedX!;
      const leaveAt = Date.now();
      await Promise.all([leaver.room.leave(), emptier.room.leave()]);
      const leaveMs = Date.now() - leaveAt; // the server answers a leave once it has tried to save the character
      await sleep(Math.max(0, PG_OUTAGE_MS - (Date.now() - downAt)));
      const upAt = Date.now();
      await embedded.start();
      const startedAt = Date.now();

      // The leaver asks /api/play until the database answers again.
      for (;;) {
        try {
          await leaver.join(base);
          break;
        } catch (err) {
          if (Date.now() - startedAt > 15_000) throw err;
          await sleep(100);
        }
      }
      const rejoinMs = Date.now() - startedAt;
      const rejoinedAt = leaver.room.state.characters.get(leaver.account.characterId).x;
      leaver.play();

      // Everything acknowledged up to the database's return reaches it without anyone doing anything.
      await eventually(() => saved(dbUrl, worldId, ids), nothingLost(upAt), 'the dirty state to be saved', 30_000);
      const allSavedAt = Date.now();
      await sleep(1000);
      await Promise.all(bots.map((b) => b.stop()));
      const final = await eventually(() => saved(dbUrl, worldId, ids), nothingLost(), 'the last writes', PG_PERSIST_INTERVAL_MS + 5000);
      const l = lost(bots, final);

      const during = (acks: { at: number }[]) => acks.filter((a) => a.at >= downAt && a.at <= upAt).length;
      const movesDuring = bots.reduce((n, b) => n + during(b.moves.acks), 0);
      const editsDuring = bots.reduce((n, b) => n + during(b.edits.placed), 0);
      const refusedMoves = bots.reduce((n, b) => n + Object.values(b.moves.refused).reduce((a, c) => a + c, 0) + b.moves.noReply, 0);
      const refusedEdits = bots.flatMap((b) => Object.keys(b.edits.refused)).filter((c) => c !== 'INVALID_BLOCK');
      const stayed = bots.slice(0, 3);
      const ticksDuring = Math.min(...stayed.map((b) => ticksBetween(b, downAt, upAt)));
      const tickGap = longestTickGap(stayed, downAt, upAt);
      const slowest = Math.max(...bots.map((b) => b.slowestReply.ms));
      const warnings = logLines(server).map((r) => r.msg);
      const retries = await counter(base, 'leyline_write_retries_total');
      const dropped = await counter(base, 'leyline_writes_dropped_total');
      const repeats = new Map<string, number>();
      for (const r of logLines(server)) {
        const key = `${r.msg} ${String(r.room ?? r.queue ?? '')}`;
        repeats.set(key, (repeats.get(key) ?? 0) + 1);
      }

      figures.pgOutage = {
        outageMs: upAt - downAt,
        persistIntervalMs: PG_PERSIST_INTERVAL_MS,
        pgRestartMs: startedAt - upAt,
        movesAckedDuring: movesDuring,
        editsAckedDuring: editsDuring,
        movesRefusedOrUnanswered: refusedMoves,
        ticksDuringPerClient: ticksDuring,
        longestTickGapMs: tickGap,
        slowestMoveReplyMs: slowest,
        healthDuring: health.status,
        leaveDuringMs: leaveMs,
        rejoinAfterBackMs: rejoinMs,
        dbBackToAllSavedMs: allSavedAt - startedAt,
        lostAfterRecovery: l.moves.length + l.edits.length,
        acked: l.acked,
        writeRetries: retries,
        writesDropped: dropped,
        warnLines: warnings.length,
        logSample: [...new Set(warnings)],
      };

      assert.equal(refusedMoves, 0, 'every move got an ok reply during the outage');
      assert.deepEqual(refusedEdits, [], 'edits refused only for occupied cells');
      assert.ok(movesDuring >= 3 * (PG_OUTAGE_MS / 100) * 0.7, `moves acknowledged during the outage: ${movesDuring}`);
      assert.ok(editsDuring > 0);
      assert.ok(ticksDuring >= (PG_OUTAGE_MS / 1000) * TICK_HZ * 0.8, `ticks during the outage: ${ticksDuring}`);
      assert.ok(tickGap < 1000, `longest pause between ticks seen by a client: ${tickGap} ms`);
      assert.equal(health.status, 503, 'the health check reports the database down');
      assertWireX(rejoinedAt, leaverX, 'back after the outage, the leaver is where its last acknowledged move put it');
      assert.deepEqual([l.moves, l.edits], [[], []], 'nothing acknowledged is lost once the database is back');
      // Rate-limited warnings: one line per outage and writer (room), not one per retry.
      const perRoom = new Map<unknown, number>();
      for (const r of logLines(server).filter((x) => /persist: flush failed/.test(x.msg))) perRoom.set(r.room, (perRoom.get(r.room) ?? 0) + 1);
      assert.deepEqual([...perRoom.values()], [1, 1], 'one "flush failed" line per room');
      assert.ok(retries >= 2 * (PG_OUTAGE_MS / PG_PERSIST_INTERVAL_MS), `flushes retried during the outage: ${retries}`);
      assert.equal(dropped, 0, 'no write dropped');
      const worst = Math.max(...repeats.values());
      assert.ok(worst <= 2, `no warning repeats more than twice per source:\n${[...repeats].map(([k, n]) => `${n} × ${k}`).join('\n')}`);
    });
  });

  describe('Redis mode: the worker killed mid-ritual, Redis stopped mid-play', () => {
    let dir: string;
    let db: TestDatabase;
    let redis: PrivateRedis;
    let server: ServerProcess | undefined;
    const workers: ServerProcess[] = [];
    const bots: Bot[] = [];
    const rooms: Room<any, any>[] = [];
    const jobsPrefix = `faults-${randomBytes(4).toString('hex')}`;
    let base: string;

    const worker = async (env: Record<string, string>) => {
      const w = await spawnServer({ REDIS_URL: redis.url, JOBS_PREFIX: jobsPrefix, DATABASE_URL: db.url, JOBS_LOCK_MS: '1000', WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info', ...env }, WORKER_ENTRY);
      workers.push(w);
      await w.waitForLog(/^worker ready$/);
      return w;
    };
    /** A character that knows `spellId`, with mana for it, seated in region `rx`. */
    const caster = async (spellId: string, rx: number) => {
      const a = await newAccount(base, 'mage');
      const strip = walkableStrip(a.seed, rx, 12);
      await query(db.url, `UPDATE characters SET x = $2, y = $3, z = $4, known_spells = $5, mana = 500, max_mana = 500 WHERE id = $1`, [a.characterId, strip.x, strip.y, strip.z, [spellId]]);
      const room = await enter(base, a);
      rooms.push(room);
      const rituals: { at: number; msg: any }[] = [];
      room.onMessage('ritual', (msg: any) => rituals.push({ at: Date.now(), msg }));
      return { a, room, strip, rituals };
    };
    const jobStored = async (jobId: string) => {
      const r = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await r.connect();
        return await r.exists(`${jobsPrefix}:rituals:${jobId}`);
      } finally {
        r.disconnect();
      }
    };
    const fallbackLogs = (ritualId: string) => logLines(server!).filter((r) => r.ritualId === ritualId && /computing the ritual in the room/.test(r.msg)).map((r) => r.msg);

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-faults-redis-'));
      db = await createTestDatabase('leyline_faults');
      redis = await PrivateRedis.start();
      const port = await freePort();
      server = await spawnServer({
        DATABASE_URL: db.url, REDIS_URL: redis.url, PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}`, JOBS_PREFIX: jobsPrefix,
        JWT_SECRET, DATA_DIR: dir, PERSIST_INTERVAL_MS: String(PERSIST_INTERVAL_MS), AUTH_RATE_LIMIT_PER_MIN: '10000',
        RITUAL_RESULT_GRACE_MS: String(RITUAL_GRACE_MS), LOG_LEVEL: 'info',
      });
      await server.waitForLog(/leyline server listening/);
      base = `http://127.0.0.1:${server.port}`;
    });
    after(async () => {
      await leaveAll(bots);
      await Promise.all(rooms.map((r) => (r.connection.isOpen ? r.leave().catch(() => undefined) : undefined)));
      await stopProcess(server);
      for (const w of workers) await stopProcess(w, 'SIGKILL');
      await keepLog('redis-mode-server', server);
      for (const w of workers) await keepLog('redis-mode-worker', w);
      await redis?.stop();
      await db?.drop();
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('a ritual whose worker is killed (-9) mid-job is finished by another worker and applied exactly once', async function () {
      this.timeout(90_000);
      const first = await worker({ JOBS_TEST_RITUAL_SLEEP_MS: '600000' }); // hangs inside every ritual
      const c = await caster('raise_earth', 2);
      const aim = { x: Math.floor(c.strip.x) + 6, y: c.strip.y, z: Math.floor(c.strip.z) };
      const castAt = Date.now();
      const r = await c.room.request('cast', { spellId: 'raise_earth', ...aim });
      assert.equal(r.ok, true, JSON.stringify(r));
      const { ritualId, completesAt } = r.data;

      const started = await first.waitForLog(/^ritual started$/);
      assert.equal(started.jobId, ritualId);
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      assert.equal((await first.exited).signal, 'SIGKILL');
      const second = await worker({ JOBS_TEST_RITUAL_SLEEP_MS: '0' });

      await until(c.room, () => c.rituals.length > 0, 'the ritual message');
      const arrivedAt = c.rituals[0]!.at;
      // Past the room's own deadline for it (completion + grace): a late path would have fired by now.
      await sleep(Math.max(0, completesAt + RITUAL_GRACE_MS + 1500 - Date.now()));
      await ticks(c.room, 2);

      assert.equal(c.rituals.length, 1, 'one ritual message');
      const msg = c.rituals[0]!.msg;
      assert.deepEqual([msg.ritualId, msg.status], [ritualId, 'completed']);
      const rerun = await second.waitForLog(/^ritual started$/);
      assert.equal(rerun.jobId, ritualId, 'the second worker ran it');
      assert.deepEqual(fallbackLogs(ritualId), [], 'the worker computed it, not the room');

      // One set of block edits: every edit of the outcome is in the room's state, and the chunk
      // versions moved by exactly the number of blocks it changed.
      const edits: { x: number; y: number; z: number; block: number }[] = msg.effects.find((e: any) => e.kind === 'blocks').edits;
      assert.ok(edits.length > 10);
      let changed = 0;
      const versions = new Map<string, number>();
      for (const e of edits) {
        const at = blockToChunk(e.x, e.y, e.z);
        const key = chunkKey(at.cx, at.cy, at.cz);
        const chunk = c.room.state.chunks.get(key);
        assert.equal(chunk?.edits.get(String(at.index)) ?? terrainBlockAt(c.a.seed, e.x, e.y, e.z), e.block, `block at ${e.x},${e.y},${e.z}`);
        if (terrainBlockAt(c.a.seed, e.x, e.y, e.z) !== e.block) changed++;
        versions.set(key, chunk?.version ?? 0);
      }
      assert.equal([...versions.values()].reduce((a, b) => a + b, 0), changed, 'chunk versions count one application');

      figures.workerKilled = {
        castTimeMs: completesAt - castAt,
        jobsLockMs: 1000,
        killedAfterCompletesAtMs: killedAt - completesAt,
        resultAfterCompletesAtMs: arrivedAt - completesAt,
        ritualMessages: c.rituals.length,
        blocksChanged: changed,
      };
    });

    it(`connected play goes on through a ${REDIS_OUTAGE_MS / 1000} s Redis outage and rituals fall back to the room`, async function () {
      this.timeout(90_000);
      if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) await worker({});
      for (let i = 0; i < 3; i++) bots.push(new Bot(await newAccount(base), 0, 3 + i));
      for (const b of bots) await b.place(db.url);
      for (const b of bots) await b.join(base);
      const roomId = bots[0]!.room.roomId;
      // Three healers in the same room: one casts before the outage (its job dies with Redis),
      // one during it (the queue refuses it), one after it (the worker is back in play).
      const before = await caster('mass_heal', 0);
      const during = await caster('mass_heal', 0);
      const afterwards = await caster('mass_heal', 0);
      for (const b of bots) b.play();
      await sleep(1000);

      const r1 = await before.room.request('cast', { spellId: 'mass_heal' });
      assert.equal(r1.ok, true, JSON.stringify(r1));
      await eventually(() => jobStored(r1.data.ritualId), (n) => n === 1, 'the job in Redis', 5000, 20);
      const downAt = Date.now();
      await redis.kill();
      await sleep(1000);
      const r2 = await during.room.request('cast', { spellId: 'mass_heal' });
      assert.equal(r2.ok, true, JSON.stringify(r2));
      const health = await http(base, 'GET', '/api/health');
      const newcomer = await newAccount(base).then(
        async (a) => {
          const t0 = Date.now();
          const res = await http(base, 'POST', '/api/play', { token: a.token, body: { characterId: a.characterId } });
          return { status: res.status, ms: Date.now() - t0 };
        },
        (err: Error) => ({ error: err.message.slice(0, 80) }),
      );
      await sleep(Math.max(0, REDIS_OUTAGE_MS - (Date.now() - downAt)));
      const upAt = Date.now();
      await redis.up();

      await until(during.room, () => during.rituals.length > 0, 'the ritual cast during the outage');
      // The queue's client reconnects on its own backoff: until then rituals still fall back.
      await eventually(() => http(base, 'GET', '/api/health'), (h) => h.body?.queue === 'ok' && h.body?.redis === 'ok', 'the queue back', 30_000, 200);
      const queueBackMs = Date.now() - upAt;
      const r3 = await afterwards.room.request('cast', { spellId: 'mass_heal' });
      assert.equal(r3.ok, true, JSON.stringify(r3));
      await until(before.room, () => before.rituals.length > 0, 'the ritual cast before the outage');
      await until(afterwards.room, () => afterwards.rituals.length > 0, 'the ritual cast after the outage');
      // A newcomer plays the same region once Redis is back.
      const late = new Bot(await newAccount(base), 0, 6);
      await late.place(db.url);
      await late.join(base);
      bots.push(late);
      await sleep(1000);
      await Promise.all(bots.map((b) => b.stop()));
      const worldId = bots[0]!.account.worldId;
      const all = await eventually(() => saved(db.url, worldId, bots.map((b) => b.account.characterId)), (d) => lost(bots, d).acked.moves > 0 && lost(bots, d).moves.length + lost(bots, d).edits.length === 0, 'the writes', 10_000);

      const ids = [r1, r2, r3].map((r) => r.data.ritualId);
      const [m1, m2, m3] = [before, during, afterwards].map((c) => c.rituals);
      const stayed = bots.slice(0, 3);
      const movesDuring = stayed.reduce((n, b) => n + b.moves.acks.filter((a) => a.at >= downAt && a.at <= upAt).length, 0);
      const refused = stayed.reduce((n, b) => n + Object.values(b.moves.refused).reduce((a, c) => a + c, 0) + b.moves.noReply, 0);
      const editsDuring = stayed.reduce((n, b) => n + b.edits.placed.filter((a) => a.at >= downAt && a.at <= upAt).length, 0);
      const refusedEdits = stayed.flatMap((b) => Object.keys(b.edits.refused)).filter((c) => c !== 'INVALID_BLOCK');
      const tickGap = longestTickGap(stayed, downAt, upAt);
      // Colyseus' Redis presence warns on every reconnect attempt and its driver's ioredis client
      // has no error listener (stderr): counted apart from the server's own lines.
      const library = server!.lines.filter((l) => /RedisPresence: (pub|sub) connection error|\[ioredis\] Unhandled error event/.test(l)).length;
      const warnings = logLines(server!).map((r) => r.msg).filter((m) => !/^RedisPresence: (pub|sub) connection error/.test(m));
      figures.redisOutage = {
        outageMs: upAt - downAt,
        movesAckedDuring: movesDuring,
        movesRefusedOrUnanswered: refused,
        editsAckedDuring: editsDuring,
        ticksDuringPerClient: Math.min(...stayed.map((b) => ticksBetween(b, downAt, upAt))),
        longestTickGapMs: tickGap,
        healthDuring: health.body,
        newcomerPlayDuring: newcomer,
        castDuring: { resultAfterCompletesAtMs: m2[0]!.at - r2.data.completesAt },
        castBefore: { resultAfterCompletesAtMs: m1[0]!.at - r1.data.completesAt, graceMs: RITUAL_GRACE_MS },
        redisBackToQueueOkMs: queueBackMs,
        castAfter: { resultAfterCompletesAtMs: m3[0]!.at - r3.data.completesAt },
        newcomerRoomSame: late.room.roomId === roomId,
        libraryReconnectLines: library,
        warnLines: warnings.length,
        logSample: [...new Set(warnings)],
      };

      assert.equal(refused, 0, 'every move got an ok reply during the outage');
      assert.equal((newcomer as { status?: number }).status, 503, `a newcomer's /api/play during the outage is a coded refusal: ${JSON.stringify(newcomer)}`);
      assert.ok(movesDuring >= 3 * (REDIS_OUTAGE_MS / 100) * 0.7, `moves acknowledged during the outage: ${movesDuring}`);
      assert.ok(editsDuring > 0);
      assert.deepEqual(refusedEdits, [], 'edits refused only for occupied cells');
      assert.ok(lost(bots, all).acked.edits > 0, 'every acknowledged move and edit saved (the database was never away)');
      assert.ok(tickGap < 1000, `longest pause between ticks seen by a client: ${tickGap} ms`);
      assert.ok(stayed.every((b) => b.room.connection.isOpen), 'no client was dropped');
      for (const [m, id] of [[m1, ids[0]], [m2, ids[1]], [m3, ids[2]]] as const) {
        assert.deepEqual(m.map((x) => [x.msg.ritualId, x.msg.status]), [[id, 'completed']], 'each ritual completes once');
      }
      assert.deepEqual(fallbackLogs(ids[1]), ['job queue unreachable: computing the ritual in the room'], 'refused by the queue: computed in the room');
      assert.deepEqual(fallbackLogs(ids[0]), ['no ritual result in time: computing the ritual in the room'], 'its job died with Redis: computed in the room after the grace');
      assert.deepEqual(fallbackLogs(ids[2]), [], 'after the outage the worker computes rituals again');
      assert.ok(m2[0]!.at - r2.data.completesAt < 1000, 'the room computes a refused ritual on time');
      assert.ok(warnings.length <= 15, `the server's own warnings during a ${REDIS_OUTAGE_MS / 1000} s Redis outage:\n${warnings.join('\n')}`);
    });

    // Redis restarted empty loses the region lease, the room listing and the live-character claims.
    // Within a renewal (2 s) the room either takes its region back (and publishes its listing and
    // claims again) or, when a new room took the region first, sends its players to /api/play
    // (close 4105) and stops: never two live rooms for one region for longer than that.
    it('one live room per region after Redis restarts empty', async function () {
      const a = new Bot(await newAccount(base), 4, 3);
      const b = new Bot(await newAccount(base), 4, 4);
      bots.push(a, b);
      await a.place(db.url);
      await b.place(db.url);
      await a.join(base);
      const aClosed = new Promise<number>((resolve) => a.room.onLeave((code: number) => resolve(code)));
      await redis.kill();
      await redis.up();
      await eventually(() => http(base, 'GET', '/api/health'), (h) => h.body?.redis === 'ok', 'Redis back', 30_000, 200);
      await b.join(base);
      if (b.room.roomId !== a.room.roomId) {
        // The new room won the region: the old one hands its player over.
        assert.equal(await aClosed, 4105);
        await a.join(base);
      }
      assert.equal(a.room.roomId, b.room.roomId, 'both players end up in the one room of their region');
    });
  });

  describe('server process killed (-9) mid-flush, then SIGTERM under load', () => {
    let dir: string;
    let db: TestDatabase;
    let proxy: PgProxy;
    let server: ServerProcess | undefined;
    const bots: Bot[] = [];
    const ids = () => bots.map((b) => b.account.characterId);

    const boot = async (env: Record<string, string>) => {
      server = await spawnServer({ JWT_SECRET, DATA_DIR: dir, AUTH_RATE_LIMIT_PER_MIN: '10000', LOG_LEVEL: 'info', ...env });
      await server.waitForLog(/leyline server listening/);
      return `http://127.0.0.1:${server.port}`;
    };

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-faults-proc-'));
      db = await createTestDatabase('leyline_faults');
      const target = new URL(ADMIN_URL);
      proxy = await PgProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    });
    after(async () => {
      await leaveAll(bots);
      await stopProcess(server);
      await keepLog('proc-server', server);
      await proxy?.stop();
      await db?.drop();
      await fs.rm(dir, { recursive: true, force: true });
    });

    it(`kill -9 while a flush's transaction is open loses at most one PERSIST_INTERVAL_MS (${PERSIST_INTERVAL_MS} ms)`, async function () {
      // Through the proxy, which holds the COMMIT of a state flush: the process dies mid-flush.
      let base = await boot({ DATABASE_URL: proxy.via(db.url), PERSIST_INTERVAL_MS: String(PERSIST_INTERVAL_MS) });
      for (let i = 0; i < 8; i++) bots.push(new Bot(await newAccount(base), i < 4 ? 0 : 1, 3 + (i % 4)));
      for (const b of bots) await b.place(db.url);
      for (const b of bots) await b.join(base);
      for (const b of bots) b.play();
      await sleep(3000);

      await proxy.holdCommitAfter(/update characters as c/);
      const killedAt = Date.now();
      server!.child.kill('SIGKILL');
      assert.equal((await server!.exited).signal, 'SIGKILL');
      await Promise.all(bots.map((b) => b.stop()));

      const db1 = await saved(db.url, bots[0]!.account.worldId, ids());
      const l = lost(bots, db1);
      const oldestLostAgeMs = l.oldestAt === undefined ? 0 : killedAt - l.oldestAt;
      figures.kill9MidFlush = {
        persistIntervalMs: PERSIST_INTERVAL_MS,
        clients: bots.length,
        rooms: 2,
        acked: l.acked,
        lostMoves: l.moves.length,
        lostEdits: l.edits.length,
        oldestLostAckBeforeKillMs: oldestLostAgeMs,
      };
      assert.ok(l.moves.length > 0, 'the held flush was rolled back: its moves are lost');
      assert.ok(oldestLostAgeMs <= PERSIST_INTERVAL_MS + KILL_SLACK_MS, `lost writes acknowledged up to ${oldestLostAgeMs} ms before the kill`);

      // Recovery: a new process loads exactly what was saved.
      base = await boot({ DATABASE_URL: db.url, PERSIST_INTERVAL_MS: String(SIGTERM_PERSIST_INTERVAL_MS) });
      for (const b of bots) await b.join(base);
      for (const b of bots) {
        assertWireX(b.room.state.characters.get(b.account.characterId).x, db1.x.get(b.account.characterId)!, 'the room loads the saved position');
      }
    });

    it('SIGTERM under load saves every acknowledged write; the next process has them all', async function () {
      assert.ok(server && server.child.exitCode === null, 'the server from the kill -9 case');
      // PERSIST_INTERVAL_MS is 10 minutes on this process: every write since the join is unsaved at the signal.
      for (const b of bots) b.reset(); // what the kill -9 lost stays lost: count from here
      for (const b of bots) b.play();
      await sleep(3000);
      const before = await saved(db.url, bots[0]!.account.worldId, ids());
      const sigAt = Date.now();
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      const shutdownMs = Date.now() - sigAt;
      await Promise.all(bots.map((b) => b.stop()));
      assert.deepEqual(exit, { code: 0, signal: null });

      const after = await saved(db.url, bots[0]!.account.worldId, ids());
      const l = lost(bots, after);
      const unsavedAtSignal = lost(bots, before, sigAt);
      const errors = logLines(server, 50).map((r) => r.msg);
      figures.sigtermUnderLoad = {
        clients: bots.length,
        rooms: 2,
        shutdownMs,
        unsavedAtSignal: unsavedAtSignal.moves.length + unsavedAtSignal.edits.length,
        acked: l.acked,
        lost: l.moves.length + l.edits.length,
      };
      assert.ok(unsavedAtSignal.moves.length > 0 && unsavedAtSignal.edits.length > 0, 'the signal came with unsaved writes');
      assert.deepEqual([l.moves, l.edits], [[], []], 'nothing acknowledged is lost');
      assert.deepEqual(errors, [], 'a clean shutdown');

      // The next process has them: every character where its last acknowledged move put it.
      await boot({ DATABASE_URL: db.url, PERSIST_INTERVAL_MS: String(PERSIST_INTERVAL_MS) });
      const next = `http://127.0.0.1:${server.port}`;
      for (const b of bots) await b.join(next);
      for (const b of bots) assertWireX(b.room.state.characters.get(b.account.characterId).x, b.lastAckedX!, 'the next process has the last acknowledged position');
      for (const b of bots) {
        for (const e of b.edits.placed) {
          const at = blockToChunk(e.x, e.y, e.z);
          assert.equal(b.room.state.chunks.get(chunkKey(at.cx, at.cy, at.cz))?.edits.get(String(at.index)), Block.STONE, `stone at ${e.x},${e.y},${e.z}`);
        }
      }
    });
  });
});
