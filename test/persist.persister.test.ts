import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/log.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { seedContent } from '../src/db/seed.js';
import { EmbeddedPostgres } from '../src/db/embedded.js';
import { Character } from '../src/db/entities/index.js';
import { Persister, sliceOf, slicesFor, type FlushResult } from '../src/persist/persister.js';
import { WorldStore, chunkRowKey, type CharacterSnapshot, type ChunkSnapshot, type SaveBatch } from '../src/persist/store.js';
import { snapshotOf } from '../src/game/character.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { createCharacter } from './support/fixtures.js';
import { freePort } from '../src/net.js';

const log = createLogger(process.env.TEST_LOG ?? 'silent');


/** A room's live copy of a character, and the snapshot function a room would mark with. */
async function live(store: WorldStore, id: string) {
  const state = (await store.loadCharacter(id))!;
  const snapshots = { taken: 0 };
  const snap = (): CharacterSnapshot => (snapshots.taken++, snapshotOf(state));
  return { state, snap, snapshots };
}

async function row(orm: Orm, id: string) {
  const c = await orm.em.fork().findOneOrFail(Character, { id });
  return { hp: c.hp, x: c.x, mana: c.mana };
}

/** The real store, counting what reaches it (the database itself is never faked). */
class CountingStore extends WorldStore {
  batches: SaveBatch[] = [];
  beforeWrite: (() => void) | undefined;
  override saveBatch(batch: SaveBatch) {
    this.batches.push(batch);
    this.beforeWrite?.();
    return super.saveBatch(batch);
  }
}

/** Timers that fire only when told: `fire()` runs the earliest scheduled one. */
function manualTimers() {
  const scheduled = new Set<{ fn: () => void; ms: number }>();
  const timers = {
    setTimeout: (fn: () => void, ms: number) => {
      const t = { fn, ms };
      scheduled.add(t);
      return t;
    },
    clearTimeout: (t: unknown) => void scheduled.delete(t as { fn: () => void; ms: number }),
  };
  const fire = () => {
    const [t] = [...scheduled];
    scheduled.delete(t);
    t.fn();
  };
  return { scheduled, timers, fire };
}

const nextFlush = (p: Persister, pred: (r: FlushResult) => boolean = (r) => r.ok) =>
  new Promise<FlushResult>((resolve) => {
    const on = (r: FlushResult) => {
      if (!pred(r)) return;
      p.off('flush', on);
      resolve(r);
    };
    p.on('flush', on);
  });

describe('persist: Persister', () => {
  let db: TestDatabase;
  let orm: Orm;
  let worldId: string;

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, log);
    await migrate(orm);
    worldId = (await seedContent(orm.em.fork())).world.id;
  });
  after(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('coalesces marks: 100 marks between flushes are one snapshot and one row write, of the state at flush time', async () => {
    const store = new CountingStore(orm.em);
    const p = new Persister({ store, log });
    const id = await createCharacter(orm, worldId, 'Coalesce');
    const c = await live(store, id);
    for (let i = 1; i <= 99; i++) {
      c.state.x = i;
      p.markCharacter(id, c.snap);
    }
    c.state.x = 100;
    let latestCalls = 0;
    p.markCharacter(id, () => (latestCalls++, c.snap())); // the latest mark's function is the one called
    c.state.hp = 42; // changed after the last mark, before the flush: the flush writes it
    assert.equal(p.pending, 1);

    const r = await p.flush();
    assert.deepEqual([r.ok, r.characters, r.chunks], [true, 1, 0]);
    assert.equal(c.snapshots.taken, 1);
    assert.equal(latestCalls, 1);
    assert.equal(store.batches.length, 1);
    assert.equal(store.batches[0].characters.length, 1);
    assert.deepEqual(await row(orm, id), { hp: 42, x: 100, mana: 120 });
    assert.equal(p.pending, 0);

    const empty = await p.flush();
    assert.deepEqual([empty.ok, empty.characters, store.batches.length], [true, 0, 1]); // nothing dirty: no database call
    assert.equal(await p.stop(), true);
  });

  it('keeps marks made during a write dirty, and serializes concurrent flushes', async () => {
    const store = new CountingStore(orm.em);
    const p = new Persister({ store, log });
    const id = await createCharacter(orm, worldId, 'Concurrent');
    const c = await live(store, id);
    const chunkOf = (version: number): ChunkSnapshot => ({ worldId, cx: 3, cy: 2, cz: 1, version, edits: { '17': version } });

    let chunkVersion = 1;
    p.markCharacter(id, c.snap);
    p.markChunk(chunkRowKey(chunkOf(1)), () => chunkOf(chunkVersion));
    let second: Promise<FlushResult> | undefined;
    let third: Promise<FlushResult> | undefined;
    store.beforeWrite = () => {
      store.beforeWrite = undefined;
      c.state.mana = 7; // the tick goes on while the first write is in flight
      p.markCharacter(id, c.snap);
      second = p.flush(); // waits for the running flush, then runs once more
      third = p.flush(); // shares that second run
    };
    const first = p.flush();
    assert.equal(p.flush(), first); // not started yet: it will see everything marked so far
    const r1 = await first;
    assert.ok(second && second === third);
    const r2 = await second;
    assert.deepEqual([r1.characters, r1.chunks, r2.characters, r2.chunks], [1, 1, 1, 0]);
    assert.equal(store.batches.length, 2);
    assert.equal((await row(orm, id)).mana, 7);
    assert.equal(p.stats().pending, 0);

    chunkVersion = 2;
    p.markChunk(chunkRowKey(chunkOf(2)), () => chunkOf(chunkVersion));
    assert.equal(await p.stop(), true);
    const [saved] = await new WorldStore(orm.em).loadRegionChunks(worldId, 0, 0);
    assert.deepEqual([saved.version, saved.edits], [2, { '17': 2 }]);
    assert.equal(await p.stop(), true); // idempotent
  });

  it('drops a snapshot the store refuses, and flushCharacterNow rejects for it', async () => {
    const store = new WorldStore(orm.em);
    const p = new Persister({ store, log });
    const id = await createCharacter(orm, worldId, 'Refused');
    const c = await live(store, id);
    c.state.hp = Number.NaN;
    p.markCharacter(id, c.snap);
    await assert.rejects(p.flushCharacterNow(id), /not saved: hp is not a finite number/);
    assert.equal(p.pending, 0);
    assert.equal(p.stats().rejected, 1);
    await p.stop();
  });

  it('flushes on its interval once started, and stop() clears the timer', async () => {
    const { scheduled, timers, fire } = manualTimers();
    const store = new WorldStore(orm.em);
    const p = new Persister({ store, log, intervalMs: 1234, timers });
    const id = await createCharacter(orm, worldId, 'Interval');
    const c = await live(store, id);
    p.start();
    p.start(); // idempotent
    assert.deepEqual([...scheduled].map((t) => t.ms), [1234]);

    fire(); // nothing dirty: no flush, next tick scheduled
    assert.deepEqual([p.stats().flushes, scheduled.size], [0, 1]);

    c.state.x = -3;
    p.markCharacter(id, c.snap);
    const flushed = nextFlush(p);
    fire();
    assert.equal((await flushed).characters, 1);
    assert.equal((await row(orm, id)).x, -3);
    assert.equal(await p.stop(), true);
    assert.equal(scheduled.size, 0);
    assert.throws(() => p.start(), /stopped/);
  });

  it('spreads a long interval over slices: each step writes one slice, every mark is written within the interval', async () => {
    const { scheduled, timers, fire } = manualTimers();
    const store = new CountingStore(orm.em);
    const of = slicesFor(5000);
    assert.equal(of, 5);
    const p = new Persister({ store, log, intervalMs: 5000, timers });
    const crowd = await Promise.all(Array.from({ length: 12 }, async (_, k) => {
      const id = await createCharacter(orm, worldId, `Slice${k}`);
      return { id, c: await live(store, id) };
    }));
    p.start();
    assert.deepEqual([...scheduled].map((t) => t.ms), [1000]);
    for (const [k, { id, c }] of crowd.entries()) {
      c.state.x = 100 + k;
      p.markCharacter(id, c.snap);
    }
    for (let index = 0; index < of; index++) {
      const expected = crowd.filter(({ id }) => sliceOf(id, of) === index).map(({ id }) => id).sort();
      const flushed = expected.length ? nextFlush(p) : undefined;
      fire();
      await flushed;
      await p.idle();
      // This step wrote exactly its slice: the batch, and the rows now in the database.
      const batch = expected.length ? store.batches.at(-1)!.characters.map((c) => c.id).sort() : [];
      assert.deepEqual(batch, expected, `slice ${index}`);
      for (const [k, { id }] of crowd.entries()) {
        const saved: boolean = sliceOf(id, of) <= index;
        assert.equal((await row(orm, id)).x, saved ? 100 + k : 8.5, `${id} (slice ${sliceOf(id, of)}) after step ${index}`);
      }
    }
    assert.equal(p.pending, 0);
    assert.equal(store.batches.length, new Set(crowd.map(({ id }) => sliceOf(id, of))).size);
    assert.equal(await p.stop(), true);
  });

  describe('against a database that goes away', () => {
    let dataDir: string;
    let embedded: EmbeddedPostgres;
    let eorm: Orm;
    let store: WorldStore;
    let p: Persister;
    let id: string;
    let ew: string;
    let port: number;

    before(async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-persist-'));
      // A fixed port, so the restarted server is where the pool reconnects.
      port = await freePort();
      embedded = new EmbeddedPostgres({ dataDir, port, log });
      eorm = await openOrm(await embedded.start(), log, { poolMax: 2 });
      await migrate(eorm);
      ew = (await seedContent(eorm.em.fork())).world.id;
      id = await createCharacter(eorm, ew, 'Outage');
      store = new WorldStore(eorm.em);
      p = new Persister({ store, log, retryBaseMs: 50, retryMaxMs: 200 });
    });
    after(async () => {
      await p?.stop({ deadlineMs: 1000 });
      await eorm?.close(true);
      await embedded?.stop();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('keeps state dirty while the database is down, retries, and loses nothing once it is back', async () => {
      const c = await live(store, id);
      const chunk = (): ChunkSnapshot => ({ worldId: ew, cx: -1, cy: 4, cz: -1, version: c.state.hp, edits: { '0': c.state.hp } });
      c.state.hp = 10;
      p.markCharacter(id, c.snap);
      assert.equal((await p.flush()).ok, true);

      await embedded.stop();
      c.state.hp = 20;
      p.markCharacter(id, c.snap);
      p.markChunk('outage-chunk', chunk);
      const failed = await p.flush();
      assert.equal(failed.ok, false);
      assert.ok(failed.error);
      assert.equal(p.pending, 2);
      assert.ok(p.stats().consecutiveFailures >= 1);

      // A handoff cannot complete while the database is away…
      await assert.rejects(p.flushCharacterNow(id, { deadlineMs: 150 }), /not saved within 150 ms/);
      // …and a shutdown reports what it could not save by its deadline.
      const other = new Persister({ store, log, retryBaseMs: 20 });
      other.markChunk('x', chunk);
      assert.equal(await other.stop({ deadlineMs: 150 }), false);

      c.state.hp = 30; // newer state, marked while the database is still down
      p.markCharacter(id, c.snap);
      const recovered = nextFlush(p, (r) => r.ok && p.pending === 0);
      const handoff = p.flushCharacterNow(id, { deadlineMs: 20_000 });
      // A new instance on the same cluster and port: EmbeddedPostgres.stop() memoizes its
      // first stop, so a restarted instance could not be stopped again in after().
      embedded = new EmbeddedPostgres({ dataDir, port, log });
      await embedded.start();
      await Promise.all([recovered, handoff]);

      assert.equal((await row(eorm, id)).hp, 30);
      const [saved] = await store.loadRegionChunks(ew, -1, -1);
      assert.deepEqual([saved?.version, saved?.edits], [30, { '0': 30 }]);
      assert.equal(p.stats().consecutiveFailures, 0);

      c.state.hp = 40;
      p.markCharacter(id, c.snap);
      assert.equal(await p.stop(), true);
      assert.equal(p.pending, 0);
      assert.equal((await row(eorm, id)).hp, 40);
    });
  });
});

