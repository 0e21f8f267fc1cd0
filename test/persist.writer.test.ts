/**
 * RegionWriter against a real PostgreSQL: poison rows isolated (real 22P05, 23503,
 * 23514), outages through a TCP proxy (real ECONNREFUSED, a real lost COMMIT
 * acknowledgement), bounded retries and buffers, and a retry schedule made
 * deterministic by injected timers. Nothing of the database is faked.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../src/log.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { seedContent } from '../src/db/seed.js';
import { World } from '../src/db/entities/index.js';
import { addToInventory } from '../src/game/loot.js';
import { RegionWriter, type RegionWriterOptions } from '../src/persist/writer.js';
import { WorldStore, magicEventRecord, type CharacterSnapshot, type LootDrop, type MagicEventRow, type PlaceLoot, type WorldEventRow } from '../src/persist/store.js';
import type { WriteKind, WriterMetrics } from '../src/persist/retry.js';
import { createTestDatabase, ADMIN_URL, type TestDatabase } from './support/pg.js';
import { createCharacter } from './support/fixtures.js';
import { PgProxy } from './support/pg-proxy.js';
import { FakeTimers } from './support/fake-timers.js';
import { captureLog } from './support/capture-log.js';

const silent = createLogger('silent');

/** The real store writing cast rows without cleaning their text: how a NUL reached magic_events before. */
class UncleanStore extends WorldStore {
  override appendMagicEvents(rows: readonly MagicEventRow[]): Promise<number> {
    return this.insertMagicEvents(rows.map((r) => ({ ...magicEventRecord(r), spell_id: r.spellId })));
  }
}

/** Counters as a metrics backend would keep them. */
class CountingMetrics implements WriterMetrics {
  poison: string[] = [];
  overflow = 0;
  retries: WriteKind[] = [];
  poisonDropped(kind: WriteKind, code: string, rows: number) {
    for (let i = 0; i < rows; i++) this.poison.push(`${kind}:${code}`);
  }
  overflowDropped(_kind: WriteKind, rows: number) {
    this.overflow += rows;
  }
  retried(kind: WriteKind) {
    this.retries.push(kind);
  }
}

const place = (drops: LootDrop[]): PlaceLoot => (slots) => addToInventory(slots, drops, 36, () => 64);

describe('persist: RegionWriter', () => {
  let db: TestDatabase;
  let proxy: PgProxy;
  /** Straight to the server: for fixtures and for counting while the proxy is down. */
  let orm: Orm;
  /** Through the proxy: what the writer under test uses when a test cuts the database off. */
  let viaProxy: Orm;
  let worldId: string;

  const sql = <T = any>(q: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(q, params);
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await sql<{ n: string }>(`select count(*) as n from ${table} where ${where}`, params))[0]!.n);
  const cast = (spellId: string, o: Partial<MagicEventRow> = {}): MagicEventRow => ({
    createdAt: new Date(), worldId, characterId: null, spellId, success: true, code: null,
    effect: 10, manaSpent: 5, rx: 0, rz: 0, data: {}, ...o,
  });
  const worldEvent = (kind: string, o: Partial<WorldEventRow> = {}): WorldEventRow => ({
    worldId, rx: 0, rz: 0, kind, startsAt: new Date(), endsAt: new Date(Date.now() + 60_000), data: {}, ...o,
  });
  /** A unique tag per test, so each test counts only its own rows. */
  const tag = () => `t${randomUUID().slice(0, 8)}`;
  const writer = (o: Partial<RegionWriterOptions> & { store: RegionWriterOptions['store'] }) =>
    new RegionWriter({ log: silent, intervalMs: 60_000, ...o });
  const inventory = async (characterId: string) =>
    sql<{ item_id: string; quantity: number }>('select item_id, quantity from inventory where character_id = ? order by slot', [characterId]);

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, silent);
    await migrate(orm);
    worldId = (await seedContent(orm.em.fork())).world.id;
    const admin = new URL(ADMIN_URL);
    proxy = await PgProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    viaProxy = await openOrm(proxy.via(db.url), silent, { poolMax: 4 });
  });
  afterEach(async () => {
    await proxy.up(); // a failed test must not leave the next one without a database
  });
  after(async () => {
    await viaProxy?.close(true);
    await proxy?.stop();
    await orm?.close(true);
    await db?.drop();
  });

  describe('poison rows', () => {
    it('strips a NUL from a cast row: it and its neighbours are written, nothing is logged at error level', async () => {
      const t = tag();
      const cap = captureLog();
      const w = writer({ store: new WorldStore(orm.em), log: cap.log });
      w.appendCast(cast(`${t}_a`));
      w.appendCast(cast(`\u0000${t}_bolt`, { code: 'X\u0000', data: { note: 'a\u0000b', ['k\u0000']: ['\u0000'], lone: '\ud800' } }));
      w.appendCast(cast(`${t}_c`));
      assert.equal(await w.flush(), true);
      const rows = await sql(`select spell_id, code, data from magic_events where spell_id like ? order by spell_id`, [`${t}%`]);
      assert.deepEqual(rows, [
        { spell_id: `${t}_a`, code: null, data: {} },
        { spell_id: `${t}_bolt`, code: 'X', data: { note: 'ab', k: [''], lone: '\ufffd' } },
        { spell_id: `${t}_c`, code: null, data: {} },
      ]);
      assert.deepEqual(cap.at('error'), []);
      assert.equal(await w.stop(), true);
    });

    it('a row the database refuses (a real 22P05) is dropped alone, logged once at error level; the rest is written', async () => {
      const t = tag();
      const cap = captureLog();
      const metrics = new CountingMetrics();
      const w = writer({ store: new UncleanStore(orm.em), log: cap.log, metrics });
      for (let i = 0; i < 300; i++) w.appendCast(cast(i === 150 ? `\u0000${t}` : `${t}_${i}`));
      assert.equal(await w.flush(), true);
      assert.equal(await count('magic_events', 'spell_id like ?', [`${t}_%`]), 299);
      const errors = cap.at('error');
      assert.equal(errors.length, 1);
      assert.deepEqual([errors[0]!.msg, errors[0]!.kind, errors[0]!.code], ['persist: unwritable row dropped', 'magic_event', '22P05']);
      assert.equal((errors[0]!.row as { spellId: string }).spellId, `\u0000${t}`);
      assert.deepEqual(metrics.poison, ['magic_event:22P05']);
      assert.deepEqual([w.stats().magicEvents.poisonDropped, w.stats().magicEvents.pending], [1, 0]);

      // Nothing is retried: later flushes write new rows and stay quiet.
      for (let i = 300; i < 305; i++) w.appendCast(cast(`${t}_${i}`));
      assert.equal(await w.flush(), true);
      assert.equal(await count('magic_events', 'spell_id like ?', [`${t}_%`]), 304);
      assert.equal(cap.at('error').length, 1);
      assert.deepEqual(cap.at('warn'), []);
      assert.equal(await w.stop(), true);
    });

    it('constraint-violating rows are dropped alone: a cast for a deleted world (FK), a world event ending before it starts (CHECK)', async () => {
      const t = tag();
      const em = orm.em.fork();
      const gone = em.create(World, { name: `gone ${t}`, seed: 7 });
      await em.flush();
      await sql('delete from worlds where id = ?', [gone.id]);
      const cap = captureLog();
      const metrics = new CountingMetrics();
      const w = writer({ store: new WorldStore(orm.em), log: cap.log, metrics });
      w.appendCast(cast(`${t}_1`));
      w.appendCast(cast(`${t}_orphan`, { worldId: gone.id }));
      w.appendCast(cast(`${t}_2`));
      w.recordWorldEvent(worldEvent(`${t}_a`));
      w.recordWorldEvent(worldEvent(`${t}_backwards`, { endsAt: new Date(Date.now() - 60_000) }));
      w.recordWorldEvent(worldEvent(`${t}_b`));
      assert.equal(await w.flush(), true);
      assert.deepEqual((await sql('select spell_id from magic_events where spell_id like ? order by spell_id', [`${t}%`])).map((r) => r.spell_id), [`${t}_1`, `${t}_2`]);
      assert.deepEqual((await sql('select kind from world_events where kind like ? order by kind', [`${t}%`])).map((r) => r.kind), [`${t}_a`, `${t}_b`]);
      assert.deepEqual(cap.at('error').map((l) => `${l.kind}:${l.code}`).sort(), ['magic_event:23503', 'world_event:23514']);
      assert.deepEqual(metrics.poison.sort(), ['magic_event:23503', 'world_event:23514']);
      assert.equal(await w.stop(), true);
    });

    it('a character snapshot the database refuses is dropped alone; the other is saved and a handoff of it fails at once', async () => {
      const store = new WorldStore(orm.em);
      const good = (await store.loadCharacter(await createCharacter(orm, worldId, 'Good Snapshot')))!;
      const bad = (await store.loadCharacter(await createCharacter(orm, worldId, 'Bad Snapshot')))!;
      const cap = captureLog();
      const timers = new FakeTimers();
      const w = writer({ store, log: cap.log, timers });
      w.markCharacter(good.id, (): CharacterSnapshot => ({ ...good, hp: 11 }));
      // Passes the record's own checks (stat values are finite), but a lone surrogate in a jsonb key is a 22xxx refusal.
      w.markCharacter(bad.id, (): CharacterSnapshot => ({ ...bad, hp: 12, stats: { ...bad.stats, ['\ud800int']: 1 } }));
      assert.equal(await w.flush(), true);
      assert.equal((await store.loadCharacter(good.id))!.hp, 11);
      assert.equal((await store.loadCharacter(bad.id))!.hp, 80);
      assert.deepEqual(cap.at('error').map((l) => [String(l.code).slice(0, 2), (l.row as { key: string }).key]), [['22', bad.id]]);

      w.markCharacter(bad.id, (): CharacterSnapshot => ({ ...bad, stats: { ['\ud800']: 1 } }));
      await assert.rejects(w.flushCharacterNow(bad.id), /not saved/);
      assert.deepEqual([w.stats().state.failures, w.stats().state.rejected], [0, 2], 'poison is not retried');
      assert.equal(await w.stop(), true);
    });
  });

  it('appends an event batch in one transaction: a failing row in the second slice leaves nothing of the first', async () => {
    const t = tag();
    const rows = Array.from({ length: 600 }, (_, i) => cast(i === 550 ? `\u0000${t}` : `${t}_${i}`));
    await assert.rejects(new UncleanStore(orm.em).appendMagicEvents(rows), (err: Error & { code?: string }) => err.code === '22P05');
    assert.equal(await count('magic_events', 'spell_id like ?', [`${t}_%`]), 0);
    assert.equal(await new WorldStore(orm.em).appendMagicEvents(rows), 600); // cleaned, all of them go in
  });

  describe('with the database away', () => {
    it('keeps rows and state, retries on a deterministic backoff, warns once, and writes everything once it is back', async () => {
      const t = tag();
      const cap = captureLog();
      const metrics = new CountingMetrics();
      const timers = new FakeTimers(() => 1); // jitter at its top: steps of exactly 250, 500, 1000 … ms
      const store = new WorldStore(viaProxy.em);
      const character = (await store.loadCharacter(await createCharacter(orm, worldId, 'Outage Writer')))!;
      const w = writer({ store, log: cap.log, timers, metrics, eventIntervalMs: 1000 });
      w.start();
      w.markCharacter(character.id, () => ({ ...character, hp: 33 }));
      for (let i = 0; i < 10; i++) w.appendCast(cast(`${t}_${i}`));
      w.recordWorldEvent(worldEvent(`${t}_event`));
      await proxy.down();

      // One event tick a second; an attempt only once the backoff has passed.
      const failures: number[] = [];
      for (let i = 0; i < 10; i++) {
        timers.fire(1000);
        await w.idle();
        failures.push(w.stats().magicEvents.consecutiveFailures);
      }
      assert.deepEqual(failures, [1, 2, 3, 4, 4, 5, 5, 5, 5, 6]);
      assert.equal(w.stats().magicEvents.pending, 10);
      assert.equal(w.stats().worldEvents.pending, 1);
      assert.equal(await count('magic_events', 'spell_id like ?', [`${t}_%`]), 0);
      const warned = cap.at('warn').filter((l) => l.kind === 'magic_event');
      assert.equal(warned.length, 1, 'one warning for the outage, not one a second');
      // The pool's idle connections were cut (pg reports that first), then new ones are refused.
      assert.equal(warned[0]!.class, 'transient');
      assert.match(String(warned[0]!.code), /^(ECONNREFUSED|ECONNRESET|CONNECTION)$/);

      await proxy.up();
      assert.equal(await w.stop(), true);
      assert.equal(await count('magic_events', 'spell_id like ?', [`${t}_%`]), 10);
      assert.equal(await count('world_events', 'kind = ?', [`${t}_event`]), 1);
      assert.equal((await new WorldStore(orm.em).loadCharacter(character.id))!.hp, 33);
      assert.ok(cap.at('info').some((l) => l.msg === 'persist: magic_event rows saved again'));
      assert.equal(metrics.retries.filter((k) => k === 'magic_event').length, 6);
    });

    it('bounds the event buffer: past maxEventRows the oldest rows are dropped, counted, warned once', async () => {
      const t = tag();
      const cap = captureLog();
      const metrics = new CountingMetrics();
      const w = writer({ store: new WorldStore(viaProxy.em), log: cap.log, metrics, maxEventRows: 5, timers: new FakeTimers() });
      await proxy.down();
      for (let i = 0; i < 8; i++) w.appendCast(cast(`${t}_${i}`));
      assert.equal(await w.flush(), false);
      for (let i = 8; i < 11; i++) w.appendCast(cast(`${t}_${i}`));
      assert.deepEqual([w.stats().magicEvents.pending, w.stats().magicEvents.overflowDropped, metrics.overflow], [5, 6, 6]);
      assert.equal(cap.at('warn').filter((l) => l.msg === 'persist: magic_event buffer full; oldest unsaved rows dropped').length, 1);

      await proxy.up();
      assert.equal(await w.flush(), true);
      const saved = await sql('select spell_id from magic_events where spell_id like ? order by created_at, spell_id', [`${t}_%`]);
      assert.deepEqual(saved.map((r) => r.spell_id).sort(), [6, 7, 8, 9, 10].map((i) => `${t}_${i}`).sort());
      assert.equal(await w.stop(), true);
    });

    it('gives a loot grant up after maxAttempts with backoff 250, 500, 1000 ms; logged once; a replay of the grant id is safe', async () => {
      const characterId = await createCharacter(orm, worldId, 'Unlucky Looter');
      const cap = captureLog();
      const timers = new FakeTimers(() => 1);
      const w = writer({ store: new WorldStore(viaProxy.em), log: cap.log, timers, policy: { maxAttempts: 4 } });
      const drops = [{ itemId: 'iron_ore', quantity: 3 }];
      const grantId = randomUUID();
      await proxy.down();
      const pending = w.grantLoot(characterId, grantId, drops, place(drops));
      for (const expected of [250, 500, 1000]) {
        assert.equal(await timers.next(), expected);
        timers.fireNext();
      }
      const r = await pending;
      assert.deepEqual([r.granted, r.overflow], [false, drops]);
      assert.deepEqual(w.stats().loot, { inFlight: 0, granted: 0, duplicates: 0, failed: 1, poisoned: 0, retries: 3 });
      const errors = cap.at('error');
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.grantId, grantId);
      assert.equal(cap.at('warn').length, 1, 'retries warned once');

      await proxy.up();
      const replay = await w.grantLoot(characterId, grantId, drops, place(drops));
      assert.deepEqual([replay.granted, replay.duplicate], [true, false]);
      assert.deepEqual(await inventory(characterId), [{ item_id: 'iron_ore', quantity: 3 }]);
      assert.equal(await w.stop(), true);
    });
  });

  describe('loot grants', () => {
    it('grants once when a retry follows a lost commit acknowledgement', async () => {
      const characterId = await createCharacter(orm, worldId, 'Lucky Looter');
      const cap = captureLog();
      const timers = new FakeTimers(() => 1);
      const w = writer({ store: new WorldStore(viaProxy.em), log: cap.log, timers });
      const drops = [{ itemId: 'mana_crystal', quantity: 70 }]; // more than a stack: two slots
      const grantId = randomUUID();

      proxy.loseNextCommitAck();
      const first = w.grantLoot(characterId, grantId, drops, place(drops));
      assert.equal(await timers.next(), 250); // the commit went through, its answer did not: retried
      timers.fireNext();
      const r = await first;
      assert.equal(proxy.lostAcks, 1);
      assert.deepEqual([r.granted, r.duplicate, r.overflow], [true, true, []]);
      assert.deepEqual(await inventory(characterId), [{ item_id: 'mana_crystal', quantity: 64 }, { item_id: 'mana_crystal', quantity: 6 }]);
      assert.equal(await count('loot_grants', 'grant_id = ?', [grantId]), 1);

      // The same kill replayed again: nothing more. A new kill: granted on top.
      const again = await w.grantLoot(characterId, grantId, drops, place(drops));
      assert.deepEqual([again.granted, again.duplicate], [true, true]);
      const other = await w.grantLoot(characterId, randomUUID(), [{ itemId: 'mana_crystal', quantity: 1 }], place([{ itemId: 'mana_crystal', quantity: 1 }]));
      assert.deepEqual([other.granted, other.duplicate], [true, false]);
      assert.deepEqual(await inventory(characterId), [{ item_id: 'mana_crystal', quantity: 64 }, { item_id: 'mana_crystal', quantity: 7 }]);
      assert.deepEqual(w.stats().loot, { inFlight: 0, granted: 3, duplicates: 2, failed: 0, poisoned: 0, retries: 1 });
      assert.deepEqual(cap.at('error'), []);
      assert.equal(await w.stop(), true);
    });

    it('keeps the overflow of the first application for a replay', async () => {
      const characterId = await createCharacter(orm, worldId, 'Full Pockets');
      const w = writer({ store: new WorldStore(orm.em) });
      const drops = [{ itemId: 'stone', quantity: 64 * 36 + 5 }];
      const grantId = randomUUID();
      const r1 = await w.grantLoot(characterId, grantId, drops, place(drops));
      const r2 = await w.grantLoot(characterId, grantId, drops, place(drops));
      assert.deepEqual([r1.overflow, r2.overflow, r2.duplicate], [[{ itemId: 'stone', quantity: 5 }], [{ itemId: 'stone', quantity: 5 }], true]);
      assert.equal(await w.stop(), true);
    });

    it('does not retry a grant that can never succeed (the character is gone): refused at once, logged once', async () => {
      const characterId = await createCharacter(orm, worldId, 'Gone Looter');
      await sql('delete from characters where id = ?', [characterId]);
      const cap = captureLog();
      const metrics = new CountingMetrics();
      const timers = new FakeTimers();
      const w = writer({ store: new WorldStore(orm.em), log: cap.log, timers, metrics });
      const drops = [{ itemId: 'stone', quantity: 1 }];
      const r = await w.grantLoot(characterId, randomUUID(), drops, place(drops));
      assert.deepEqual([r.granted, r.overflow], [false, drops]);
      assert.deepEqual(timers.delays, []);
      assert.deepEqual(metrics.poison, ['loot:23503']);
      assert.equal(cap.at('error').length, 1);
      assert.equal((await w.grantLoot(characterId, 'not-a-uuid', drops, place(drops))).granted, false);
      assert.deepEqual(metrics.poison, ['loot:23503', 'loot:REJECTED']);
      assert.equal(await w.stop(), true);
    });
  });

  it('stop() writes everything still pending (state, chunks, casts, world events) and waits for grants in flight', async () => {
    const t = tag();
    const store = new WorldStore(orm.em);
    const character = (await store.loadCharacter(await createCharacter(orm, worldId, 'Last Words')))!;
    const w = writer({ store });
    w.start();
    w.markCharacter(character.id, () => ({ ...character, mana: 7 }));
    w.markChunk('k', () => ({ worldId, cx: 40, cy: 1, cz: 40, version: 3, edits: { '5': 2 } }));
    w.appendCast(cast(`${t}_last`));
    w.recordWorldEvent(worldEvent(`${t}_last`));
    const drops = [{ itemId: 'leather', quantity: 2 }];
    const grant = w.grantLoot(character.id, randomUUID(), drops, place(drops));
    assert.equal(await w.stop(), true);
    assert.equal((await grant).granted, true);
    assert.equal((await store.loadCharacter(character.id))!.mana, 7);
    assert.deepEqual((await store.loadRegionChunks(worldId, 5, 5)).map((c) => c.version), [3]);
    assert.equal(await count('magic_events', 'spell_id = ?', [`${t}_last`]), 1);
    assert.equal(await count('world_events', 'kind = ?', [`${t}_last`]), 1);
    assert.deepEqual(await inventory(character.id), [{ item_id: 'leather', quantity: 2 }]);
    assert.equal(await w.stop(), true); // idempotent
    assert.throws(() => w.start(), /stopped/);
    const late = await w.grantLoot(character.id, randomUUID(), drops, place(drops));
    assert.deepEqual([late.granted, late.overflow], [false, drops]);
  });
});
