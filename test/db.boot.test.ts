/**
 * Boots together against one fresh database: migrations, partitions and the
 * content seed run under one advisory lock (src/db/boot.ts), so every boot
 * succeeds and the schema is applied exactly once — in-process (separate
 * ORMs, separate connections) and as real server and worker processes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { loadContent } from '../src/content/index.js';
import { BOOT_LOCK_KEY, prepareDatabase } from '../src/db/boot.js';
import { migrationsList } from '../src/db/migrations/index.js';
import { openOrm, ormOptions, type Orm } from '../src/db/orm.js';
import { DEFAULT_WORLD } from '../src/db/seed.js';
import { createLogger } from '../src/log.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { http } from './support/server.js';

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** `magic_events_yYYYYmMM` of the UTC month `offset` months after `date`'s. */
function partitionName(date: Date, offset = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
  return `magic_events_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** What a correctly prepared database holds: every migration once, the partitions, the catalogue, one default world, no schema diff. */
async function assertPrepared(url: string): Promise<void> {
  const applied = await query<{ name: string }>(url, 'select name from mikro_orm_migrations order by id');
  assert.deepEqual(applied.map((r) => r.name), migrationsList.map((m) => m.name));
  const now = new Date();
  const parts = await query<{ relname: string }>(
    url,
    `select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'magic_events'::regclass`,
  );
  for (const p of [partitionName(now), partitionName(now, 1)]) assert.ok(parts.some((r) => r.relname === p), `partition ${p}`);
  const [counts] = await query<{ spells: number; recipes: number; worlds: number }>(
    url,
    `select (select count(*) from spells)::int as spells, (select count(*) from crafting_recipes)::int as recipes,
            (select count(*) from worlds where name = $1)::int as worlds`,
    [DEFAULT_WORLD.name],
  );
  const content = loadContent();
  assert.deepEqual(counts, { spells: content.spells.length, recipes: content.recipes.length, worlds: 1 });
  const checker = await MikroORM.init(ormOptions(url));
  try {
    // The job queue's own schema ("bullmq", made by BullMQ's PostgreSQL backend) is not the ORM's.
    const diff = (await checker.schema.getUpdateSchemaSQL({ wrap: false }))
      .replace("set names 'utf8';", '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('"bullmq"'))
      .join('\n');
    assert.equal(diff, '', 'entities and the migrated schema agree');
  } finally {
    await checker.close();
  }
}

describe('db: boots together (advisory boot lock)', function () {
  this.timeout(120_000);

  describe('in-process, separate ORMs', () => {
    let db: TestDatabase;
    const orms: Orm[] = [];
    afterEach(async () => {
      await Promise.all(orms.splice(0).map((o) => o.close()));
      await db?.drop();
    });

    it('6 boots started at once on a fresh database all succeed; one applies the migrations', async () => {
      db = await createTestDatabase('leyline_boot');
      orms.push(...(await Promise.all(Array.from({ length: 6 }, () => openOrm(db.url, log, { poolMax: 3 })))));
      const t0 = Date.now();
      const results = await Promise.allSettled(orms.map((o) => prepareDatabase(o, log)));
      const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      assert.deepEqual(failures, []);
      const applied = results.map((r) => (r as PromiseFulfilledResult<{ applied: string[] }>).value.applied);
      assert.deepEqual(applied.filter((a) => a.length > 0), [migrationsList.map((m) => m.name)], 'exactly one boot applied every migration');
      log.info({ ms: Date.now() - t0 }, '6 concurrent boots');
      await assertPrepared(db.url);
    });

    it('a boot waits while another process holds the lock, then finds the work to do', async () => {
      db = await createTestDatabase('leyline_boot');
      const holder = new pg.Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query('select pg_advisory_lock($1::bigint)', [BOOT_LOCK_KEY]);
        const orm = await openOrm(db.url, log);
        orms.push(orm);
        let done = false;
        const boot = prepareDatabase(orm, log).finally(() => (done = true));
        // The waiting boot shows up as an ungranted advisory lock (there is no event to await across sessions).
        for (let i = 0; ; i++) {
          const { rows } = await holder.query(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`);
          if (rows[0].n === 1) break;
          assert.ok(i < 400, 'the boot never queued on the advisory lock');
          await new Promise((r) => setTimeout(r, 25));
        }
        assert.equal(done, false);
        const { rows } = await holder.query(`select to_regclass('mikro_orm_migrations') as t`);
        assert.equal(rows[0].t, null, 'nothing ran while the lock was held elsewhere');
        await holder.query('select pg_advisory_unlock($1::bigint)', [BOOT_LOCK_KEY]);
        assert.deepEqual((await boot).applied, migrationsList.map((m) => m.name));
      } finally {
        await holder.end();
      }
      await assertPrepared(db.url);
    });
  });

  describe('real processes', () => {
    let db: TestDatabase;
    const procs: ServerProcess[] = [];
    const dirs: string[] = [];

    after(async () => {
      await Promise.all(
        procs.map(async (p) => {
          if (p.child.exitCode === null && p.child.signalCode === null) {
            p.child.kill('SIGTERM');
            await p.exited;
          }
        }),
      );
      await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
      await db?.drop();
    });

    it('3 servers and a worker started at once against one fresh database all come up', async () => {
      db = await createTestDatabase('leyline_boot');
      const jwt = randomBytes(32).toString('hex');
      const prefix = `t${randomBytes(4).toString('hex')}`;
      const t0 = Date.now();
      const servers = await Promise.all(
        [0, 1, 2].map(async () => {
          const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-boot-'));
          dirs.push(dir);
          const p = await spawnServer({ DATABASE_URL: db.url, JWT_SECRET: jwt, DATA_DIR: dir, JOBS_PREFIX: prefix });
          procs.push(p);
          return p;
        }),
      );
      // `npm run worker` on the PostgreSQL queue backend (no REDIS_URL), booting at the same time.
      const worker = await spawnServer({ DATABASE_URL: db.url, JOBS_PREFIX: prefix }, 'src/worker.ts');
      procs.push(worker);

      const listening = await Promise.all(servers.map((s) => s.waitForLog(/leyline server listening/)));
      await worker.waitForLog(/worker ready/);
      log.info({ ms: Date.now() - t0 }, '3 servers + 1 worker up');
      assert.equal(listening.length, 3);

      const migrated = await Promise.all(servers.map((s) => s.waitForLog(/migrations applied|database schema up to date/)));
      assert.equal(migrated.filter((r) => r.msg === 'migrations applied').length, 1, 'one server applied the migrations');
      for (const r of migrated.filter((r) => r.msg !== 'migrations applied')) assert.deepEqual(r.applied, []);

      for (const s of servers) {
        const health = await http(`http://127.0.0.1:${s.port}`, 'GET', '/api/health');
        assert.equal(health.status, 200, JSON.stringify(health.body));
      }
      for (const p of procs) assert.equal(p.child.exitCode, null, p.lines.slice(-20).join('\n'));
      await assertPrepared(db.url);
    });
  });
});
