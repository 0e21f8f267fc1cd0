/**
 * The `prune_auth` maintenance task against a real PostgreSQL: which sessions
 * and login-address rows go and which stay, directly (clock passed in) and as
 * a job through the PostgreSQL queue backend with its hourly schedule.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { LOGIN_RULES } from '../src/auth/accounts.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { createJobs, createProcessors, isJobFailure, MAINTENANCE_SCHEDULES, type Jobs, type MaintenanceResult } from '../src/jobs/index.js';
import { collectOutcomes, FAST, jobsConfig, testLog } from './support/jobs.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('maintenance: prune_auth', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let orm: Orm;
  let jobs: Jobs | undefined;

  const sql = <T extends object = Record<string, any>>(q: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(q, params);

  before(async () => {
    db = await createTestDatabase('leyline_prune');
    orm = await openOrm(db.url, testLog);
    await migrate(orm);
  });
  after(async () => {
    await jobs?.workers?.close();
    await jobs?.queue.close();
    await orm?.close();
    await db?.drop();
  });

  /** Sessions and login-address rows in every state, relative to `now`; returns the labels that must survive. */
  async function fixtures(now: Date): Promise<{ sessionsKept: string[]; addressesKept: string[] }> {
    const tag = randomBytes(4).toString('hex');
    const [user] = await sql<{ id: string }>(
      `insert into users (id, username, email, password_hash, created_at, updated_at) values (?, ?, ?, 'x', now(), now()) returning id`,
      [randomUUID(), `prune_${tag}`, `${tag}@example.com`],
    );
    const at = (ms: number) => new Date(now.getTime() + ms);
    const sessions: [string, Date, Date | null, boolean][] = [
      // label, expires_at, revoked_at, kept
      ['live', at(DAY), null, true],
      ['expired an hour ago', at(-HOUR), null, true],
      ['expired two days ago', at(-2 * DAY), null, false],
      ['revoked an hour ago', at(DAY), at(-HOUR), true],
      ['revoked two days ago', at(DAY), at(-2 * DAY), false],
    ];
    for (const [label, expires, revoked] of sessions) {
      await sql(`insert into sessions (id, user_id, created_at, expires_at, revoked_at, user_agent) values (?, ?, ?, ?, ?, ?)`, [
        randomUUID(), user!.id, at(-3 * DAY), expires, revoked, label,
      ]);
    }
    const addresses: [string, number, Date | null, Date | null, Date | null, boolean][] = [
      // address (label), failed_count, locked_until, last_failure_at, last_success_at, kept
      ['familiar', 0, null, null, at(-10 * DAY), true],
      ['familiar long ago', 0, null, null, at(-LOGIN_RULES.familiarForMs - DAY), false],
      ['locked', 0, at(10 * 60_000), at(-60_000), null, true],
      ['lock expired, failures old', 0, at(-2 * DAY), at(-2 * DAY), null, false],
      ['recent failures', 3, null, at(-HOUR), null, true],
      ['old failures', 3, null, at(-2 * DAY), null, false],
      ['first attempt running', 1, null, null, null, true],
      ['throttled, given back', 0, null, null, null, false],
    ];
    for (const [address, failed, locked, failure, success] of addresses) {
      await sql(
        `insert into login_addresses (user_id, address, failed_count, locked_until, last_failure_at, last_success_at) values (?, ?, ?, ?, ?, ?)`,
        [user!.id, address, failed, locked, failure, success],
      );
    }
    return {
      sessionsKept: sessions.filter((s) => s[3]).map((s) => s[0]),
      addressesKept: addresses.filter((a) => a[5]).map((a) => a[0]),
    };
  }

  async function remaining(): Promise<{ sessions: string[]; addresses: string[] }> {
    const s = await sql<{ user_agent: string }>('select user_agent from sessions');
    const a = await sql<{ address: string }>('select address from login_addresses');
    return { sessions: s.map((r) => r.user_agent).sort(), addresses: a.map((r) => r.address).sort() };
  }

  beforeEach(async () => {
    await sql('delete from sessions');
    await sql('delete from login_addresses');
  });

  it('deletes sessions expired or revoked over a day ago and login-address rows that no longer matter', async () => {
    const now = new Date();
    const kept = await fixtures(now);
    const processors = createProcessors({ maintenance: { db: orm, now: () => now } });
    const ctx = { jobId: 'prune-direct', attempt: 1, log: testLog, signal: new AbortController().signal };
    const r = await processors.maintenance!({ task: 'prune_auth' }, ctx);
    assert.equal(r.status, 'done');
    assert.deepEqual(r.pruned, { sessions: 2, loginAddresses: 4 });
    assert.deepEqual(await remaining(), { sessions: kept.sessionsKept.sort(), addresses: kept.addressesKept.sort() });
    const again = await processors.maintenance!({ task: 'prune_auth' }, ctx);
    assert.deepEqual(again.pruned, { sessions: 0, loginAddresses: 0 }, 'a second run finds nothing');
  });

  it('runs as a job on the PostgreSQL queue and is scheduled hourly', async () => {
    const kept = await fixtures(new Date());
    jobs = createJobs(jobsConfig(), { databaseUrl: db.url, log: testLog, inProcessWorkers: true, prefix: `t${randomBytes(4).toString('hex')}`, tuning: FAST });
    const outcomes = collectOutcomes(jobs.queue, 'maintenance');
    jobs.workers!.start(createProcessors({ maintenance: { db: orm } }));
    await jobs.queue.enqueue('maintenance', { task: 'prune_auth' }, { jobId: 'prune-1' });
    const r = (await outcomes.wait('prune-1')) as MaintenanceResult;
    assert.ok(!isJobFailure(r), JSON.stringify(r));
    assert.deepEqual(r.pruned, { sessions: 2, loginAddresses: 4 });
    assert.deepEqual(await remaining(), { sessions: kept.sessionsKept.sort(), addresses: kept.addressesKept.sort() });
    assert.deepEqual(
      MAINTENANCE_SCHEDULES.find((s) => s.task === 'prune_auth'),
      { id: 'maintenance-prune-auth', task: 'prune_auth', everyMs: HOUR },
    );
  });

  it('prune_loot_grants deletes grant ids older than a week, keeps newer ones', async () => {
    const now = new Date();
    const tag = randomBytes(4).toString('hex');
    const [user] = await sql<{ id: string }>(
      `insert into users (id, username, email, password_hash, created_at, updated_at) values (?, ?, ?, 'x', now(), now()) returning id`,
      [randomUUID(), `loot_${tag}`, `l${tag}@example.com`],
    );
    const [world] = await sql<{ id: string }>(`insert into worlds (id, name, seed, created_at) values (?, ?, 1, now()) returning id`, [randomUUID(), `w_${tag}`]);
    const [ch] = await sql<{ id: string }>(
      `insert into characters (id, user_id, world_id, name, character_class, hp, max_hp, mana, max_mana, created_at, updated_at)
       values (?, ?, ?, ?, 'mage', 10, 10, 5, 5, now(), now()) returning id`,
      [randomUUID(), user!.id, world!.id, `c_${tag}`],
    );
    const old = randomUUID(), fresh = randomUUID();
    for (const [id, ageMs] of [[old, 8 * DAY], [fresh, 6 * DAY]] as const) {
      await sql(`insert into loot_grants (grant_id, character_id, created_at) values (?, ?, ?)`, [id, ch!.id, new Date(now.getTime() - ageMs)]);
    }
    const processors = createProcessors({ maintenance: { db: orm, now: () => now } });
    const ctx = { jobId: 'prune-loot', attempt: 1, log: testLog, signal: new AbortController().signal };
    const r = await processors.maintenance!({ task: 'prune_loot_grants' }, ctx);
    assert.deepEqual(r.pruned, { lootGrants: 1 });
    const left = (await sql<{ grant_id: string }>(`select grant_id from loot_grants where character_id = ?`, [ch!.id])).map((x) => x.grant_id);
    assert.deepEqual(left, [fresh]);
  });
});
