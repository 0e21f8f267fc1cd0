/**
 * The retry/poison policy (src/persist/retry.ts). The classifier is checked against
 * errors a real PostgreSQL raises through MikroORM 7 and pg (each case below causes the
 * failure for real), not against hand-made error objects.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { IsolationLevel } from '@mikro-orm/core';
import { createLogger } from '../src/log.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { World } from '../src/db/entities/index.js';
import { backoffMs, classifyFailure, isolatePoison, DEFAULT_RETRY_POLICY, RejectedWrite, type FailureKind } from '../src/persist/retry.js';
import { createTestDatabase, ADMIN_URL, type TestDatabase } from './support/pg.js';
import { PgProxy } from './support/pg-proxy.js';
import { freePort } from '../src/net.js';

const log = createLogger('silent');

/** Runs `fn`, which must fail; returns the error as thrown to the caller. */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

/** Resolves once `n` parties have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return () => {
    if (++arrived === n) open();
    return opened;
  };
}

describe('persist: retry policy', () => {
  let db: TestDatabase;
  let orm: Orm;
  let worldId: string;

  const sql = (q: string, params: unknown[] = []) => orm.em.fork().execute(q, params);

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, log, { poolMax: 4 });
    await migrate(orm);
    const em = orm.em.fork();
    worldId = em.create(World, { name: 'retry', seed: 1 }).id;
    await em.flush();
  });
  after(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  describe('classifies what PostgreSQL really raises', () => {
    const expect = (kind: FailureKind, code: string, err: unknown) => {
      const f = classifyFailure(err);
      assert.deepEqual([f.kind, f.code], [kind, code], `${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    };

    it('poison: data exceptions (NUL in text through JSON, bad uuid, out of range)', async () => {
      expect('poison', '22P05', await failure(() => sql(`select * from json_to_recordset(?::json) as r(a text)`, [JSON.stringify([{ a: 'x\u0000y' }])])));
      expect('poison', '22P02', await failure(() => sql(`select ?::uuid`, ['not-a-uuid'])));
      expect('poison', '22003', await failure(() => sql(`select ?::int`, [2 ** 40])));
      expect('poison', '22001', await failure(() => sql(`insert into worlds (id, name, seed, created_at) values (gen_random_uuid(), ?, 1, now())`, ['x'.repeat(65)])));
    });

    it('poison: a NUL in a bound parameter (protocol violation 08P01, unlike the rest of class 08)', async () => {
      const em = orm.em.fork();
      em.create(World, { name: 'nul\u0000world', seed: 1 });
      expect('poison', '08P01', await failure(() => em.flush()));
    });

    it('poison: integrity constraints (foreign key, check, unique, not null, no partition for the row)', async () => {
      const insertEvent = (world: string, createdAt = new Date()) =>
        sql(`insert into magic_events (created_at, world_id, spell_id, success, rx, rz) values (?, ?, 'x', true, 0, 0)`, [createdAt.toISOString(), world]);
      expect('poison', '23503', await failure(() => insertEvent(randomUUID())));
      expect('poison', '23514', await failure(() => insertEvent(worldId, new Date(Date.UTC(2099, 0, 1)))));
      expect('poison', '23514', await failure(() =>
        sql(`insert into world_events (id, world_id, kind, status, starts_at, ends_at, data, created_at) values (gen_random_uuid(), ?, 'k', 'active', now(), now() - interval '1 hour', '{}', now())`, [worldId])));
      expect('poison', '23505', await failure(() => sql(`insert into worlds (id, name, seed, created_at) values (gen_random_uuid(), 'retry', 1, now())`)));
      expect('poison', '23502', await failure(() => sql(`insert into worlds (id, name, seed, created_at) values (gen_random_uuid(), null, 1, now())`)));
    });

    it('poison: statements the server refuses (syntax, undefined table or column)', async () => {
      expect('poison', '42601', await failure(() => sql(`selec 1`)));
      expect('poison', '42P01', await failure(() => sql(`select * from no_such_table`)));
      expect('poison', '42703', await failure(() => sql(`select no_such_column from worlds`)));
    });

    it('poison: a write refused before the database (RejectedWrite)', () => {
      expect('poison', 'REJECTED', new RejectedWrite('createdAt is not a valid date'));
    });

    it('transient: serialization failure (40001) between two serializable transactions', async () => {
      await sql(`create table skew (id int primary key, on_call boolean)`);
      await sql(`insert into skew values (1, true), (2, true)`);
      const bothRead = barrier(2);
      // Classic write skew: each reads both rows, then takes a different one off call.
      const takeOff = (id: number) =>
        orm.em.fork().transactional(async (tx) => {
          await tx.execute(`select count(*) from skew where on_call`);
          await bothRead();
          await tx.execute(`update skew set on_call = false where id = ?`, [id]);
        }, { isolationLevel: IsolationLevel.SERIALIZABLE });
      const results = await Promise.allSettled([takeOff(1), takeOff(2)]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(rejected.length, 1);
      expect('transient', '40001', rejected[0]!.reason);
    });

    it('transient: deadlock (40P01)', async () => {
      await sql(`create table locks (id int primary key)`);
      await sql(`insert into locks values (1), (2)`);
      const bothLocked = barrier(2);
      const lockBoth = (first: number, second: number) =>
        orm.em.fork().transactional(async (tx) => {
          await tx.execute(`set local deadlock_timeout = '20ms'`);
          await tx.execute(`select * from locks where id = ? for update`, [first]);
          await bothLocked();
          await tx.execute(`select * from locks where id = ? for update`, [second]);
        });
      const results = await Promise.allSettled([lockBoth(1, 2), lockBoth(2, 1)]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(rejected.length, 1);
      expect('transient', '40P01', rejected[0]!.reason);
    });

    it('transient: statement timeout (57014) and a terminated backend (57P01)', async () => {
      expect('transient', '57014', await failure(() =>
        orm.em.fork().transactional(async (tx) => {
          await tx.execute(`set local statement_timeout = 20`);
          await tx.execute(`select pg_sleep(5)`);
        })));
      const tag = `victim_${randomBytes(4).toString('hex')}`;
      const victimSql = `select pg_sleep(5) as ${tag}`;
      // Its own pool: the terminated connection must not be handed to the next test before pg notices it is gone.
      const own = await openOrm(db.url, log, { poolMax: 1 });
      const victim = failure(() => own.em.fork().execute(victimSql)).finally(() => own.close(true));
      // Terminate it once it runs (polling the catalogue; the query takes 5 s, so there is time).
      const running = `from pg_stat_activity where state = 'active' and query = ?`;
      for (;;) {
        const [row] = await sql(`select count(*)::int as n ${running}`, [victimSql]);
        if (row.n > 0) break;
      }
      await sql(`select pg_terminate_backend(pid) ${running}`, [victimSql]);
      expect('transient', '57P01', await victim);
    });

    it('transient: read-only transaction (25006, a standby after failover)', async () => {
      expect('transient', '25006', await failure(() =>
        orm.em.fork().transactional((tx) => tx.execute(`insert into locks values (3)`), { readOnly: true })));
    });

    it('transient: too many connections (53300)', async () => {
      const role = `limited_${randomBytes(4).toString('hex')}`;
      await sql(`create role ${role} login connection limit 0`);
      const url = new URL(db.url);
      url.username = role;
      const limited = await openOrm(url.toString(), log, { poolMax: 1 });
      try {
        expect('transient', '53300', await failure(() => limited.em.fork().execute('select 1')));
      } finally {
        await limited.close(true);
        await sql(`drop role ${role}`);
      }
    });

    it('transient: connection refused (nothing listening) and a connection cut mid-query', async () => {
      const closed = await openOrm(`postgres://postgres@127.0.0.1:${await freePort()}/none`, log);
      try {
        expect('transient', 'ECONNREFUSED', await failure(() => closed.em.fork().execute('select 1')));
        expect('transient', 'ECONNREFUSED', await failure(() => closed.em.fork().transactional((tx) => tx.execute('select 1'))));
      } finally {
        await closed.close(true);
      }
      const admin = new URL(ADMIN_URL);
      const proxy = await PgProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
      const viaProxy = await openOrm(proxy.via(db.url), log, { poolMax: 1 });
      try {
        await viaProxy.em.fork().execute('select 1');
        const cut = failure(() => viaProxy.em.fork().transactional((tx) => tx.execute('select pg_sleep(5)')));
        await proxy.down();
        const err = await cut;
        const f = classifyFailure(err);
        assert.equal(f.kind, 'transient', String(err));
      } finally {
        await viaProxy.close(true);
        await proxy.stop();
      }
    });
  });

  it('backs off exponentially with jitter in [½, 1] of the step, capped', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffMs(policy, a, () => 1)), [100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffMs(policy, a, () => 0)), [50, 100, 200, 400, 500, 500]);
    assert.equal(backoffMs(DEFAULT_RETRY_POLICY, 1000, () => 1), DEFAULT_RETRY_POLICY.maxMs);
  });

  it('isolates poison rows by bisection: each bad row dropped alone, the rest written in order', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => i);
    const bad = new Set([17, 63]);
    const written: number[] = [];
    let writes = 0;
    const write = async (part: number[]) => {
      writes++;
      if (part.some((r) => bad.has(r))) throw Object.assign(new Error('untranslatable'), { code: '22P05' });
      written.push(...part);
    };
    const first = await failure(() => write(rows));
    const iso = await isolatePoison(rows, write, first);
    assert.deepEqual(iso.poisoned.map((p) => [p.row, p.failure.code]), [[17, '22P05'], [63, '22P05']]);
    assert.deepEqual(written, rows.filter((r) => !bad.has(r)));
    assert.equal(iso.written, 98);
    assert.ok(writes <= 1 + 2 * 2 * Math.ceil(Math.log2(100)), `${writes} writes`);
    assert.deepEqual(iso.remaining, []);
  });

  it('stops isolating at a transient failure and returns the unwritten rows in order', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => i);
    const written: number[] = [];
    const write = async (part: number[]) => {
      if (part.includes(1)) throw Object.assign(new Error('bad'), { code: '23514' });
      // The database goes away right after the first successful write.
      if (written.length > 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      written.push(...part);
    };
    const iso = await isolatePoison(rows, write, await failure(() => write(rows)));
    // [0..3] fails (poison) → [0,1] fails → [0] written, [1] poison, then [2,3] is refused by the outage.
    assert.deepEqual(written, [0]);
    assert.deepEqual(iso.poisoned.map((p) => p.row), [1]);
    assert.deepEqual(iso.remaining, [2, 3, 4, 5, 6, 7]);
    assert.equal(iso.transient?.failure.code, 'ECONNREFUSED');
  });
});
