/**
 * A connection that breaks inside a transaction must go back to the pool (released with
 * an error, so it is discarded): otherwise each break costs a pool slot for good and,
 * after `poolMax` of them, every query waits forever (kysely-org/kysely#1990; the
 * workaround is releaseDeadClients in src/db/orm.ts). Real breaks: a proxy cutting the
 * connection, pg_terminate_backend, and a lost COMMIT acknowledgement.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { createLogger } from '../src/log.js';
import { openOrm, type Orm } from '../src/db/orm.js';
import { classifyFailure } from '../src/persist/retry.js';
import { createTestDatabase, ADMIN_URL, type TestDatabase } from './support/pg.js';
import { PgProxy } from './support/pg-proxy.js';

const log = createLogger('silent');

describe('db: pool after broken connections', function () {
  this.timeout(15_000); // a leak shows as a query that never returns
  let db: TestDatabase;
  let proxy: PgProxy;
  let orm: Orm;
  /** Straight to the server, not through the proxy. */
  let direct: pg.Client;
  const query = async (sql: string, params: unknown[] = []) => (await direct.query(sql, params)).rows;

  before(async () => {
    db = await createTestDatabase();
    direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    const admin = new URL(ADMIN_URL);
    proxy = await PgProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    orm = await openOrm(proxy.via(db.url), log, { poolMax: 1 }); // one slot: the first leak would hang the next query
    await orm.em.fork().execute('create table t (id int primary key)');
  });
  afterEach(async () => {
    await proxy.up(); // a failed test must not leave the next one without a database
  });
  after(async () => {
    await direct?.end();
    await orm?.close(true);
    await proxy?.stop();
    await db?.drop();
  });

  it('keeps working after transactions cut mid-query, three times in a row', async () => {
    for (let i = 0; i < 3; i++) {
      const tx = orm.em.fork().transactional((t) => t.execute('select pg_sleep(10)'));
      // Wait until the statement runs on the server, then cut the connection under it.
      for (;;) {
        const [row] = await query(`select count(*)::int as n from pg_stat_activity where state = 'active' and query = 'select pg_sleep(10)'`);
        if (row.n > 0) break;
      }
      await proxy.down();
      // pg reports the cut as "Connection terminated unexpectedly" or "read ECONNRESET", depending on timing.
      await assert.rejects(tx, (err) => classifyFailure(err).kind === 'transient');
      await proxy.up();
      assert.deepEqual(await orm.em.fork().execute('select 1 as one'), [{ one: 1 }]);
    }
  });

  it('keeps working after the backend of an open transaction is terminated', async () => {
    for (let i = 0; i < 3; i++) {
      const tx = orm.em.fork().transactional(async (t) => {
        const [{ pid }] = await t.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
        await query('select pg_terminate_backend($1)', [pid]);
        await t.execute('insert into t values (1)');
      });
      await assert.rejects(tx);
      assert.deepEqual(await orm.em.fork().execute('select count(*)::int as n from t'), [{ n: 0 }]);
    }
  });

  it('keeps working after a lost COMMIT acknowledgement (and the commit did happen)', async () => {
    for (let i = 0; i < 3; i++) {
      proxy.loseNextCommitAck();
      await assert.rejects(orm.em.fork().transactional((t) => t.execute('insert into t values (?)', [100 + i])));
    }
    assert.equal(proxy.lostAcks, 3);
    assert.deepEqual(await orm.em.fork().execute('select id from t order by id'), [{ id: 100 }, { id: 101 }, { id: 102 }]);
  });
});

