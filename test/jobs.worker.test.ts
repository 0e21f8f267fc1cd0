/**
 * Workers as real processes: a worker killed with SIGKILL mid-job hands the
 * job to the next worker (stalled-job recovery), the result reaches the
 * producing process exactly once; `npm run worker` boots and stops cleanly;
 * and the embedded mode (PostgreSQL backend, workers in-process, on the
 * embedded PostgreSQL binaries) runs rituals and maintenance end to end.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BullJobQueue } from '../src/jobs/bullmq.js';
import { EmbeddedPostgres } from '../src/db/embedded.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import {
  computeRitual,
  createJobs,
  createProcessors,
  isJobFailure,
  MAINTENANCE_SCHEDULES,
  scheduleMaintenance,
  type Jobs,
  type MaintenanceResult,
} from '../src/jobs/index.js';
import { collectOutcomes, FAST, jobsConfig, postgresAdapter, redisAdapter, ritualPayload, testLog } from './support/jobs.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { spawnServer, type ServerProcess } from './support/process.js';

const WORKER_ENTRY = 'test/support/jobs-worker.ts';

async function stopProcess(p: ServerProcess | undefined, signal: NodeJS.Signals = 'SIGKILL') {
  if (p && p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill(signal);
    await p.exited;
  }
}

for (const adapter of [redisAdapter(), postgresAdapter()]) {
  describe(`jobs worker processes (${adapter.kind})`, function () {
    this.timeout(60_000);
    let prefix: string;
    let producer: Jobs | undefined;
    const procs: ServerProcess[] = [];

    before(() => adapter.before());
    after(() => adapter.after());
    beforeEach(() => {
      prefix = adapter.newPrefix();
    });
    afterEach(async () => {
      for (const p of procs.splice(0)) await stopProcess(p);
      await producer?.queue.close();
      producer = undefined;
      await adapter.cleanup(prefix);
    });

    it('retries a job on another worker after its worker is killed (-9) mid-job, delivering the result once', async () => {
      // The producer (a "server") runs no workers. On Redis the result must come through QueueEvents,
      // so its safety-net poll is pushed out of the test's reach; on PostgreSQL that poll is the path.
      producer = adapter.make(prefix, { inProcessWorkers: false, tuning: adapter.kind === 'redis' ? { resultPollMs: 600_000 } : {} });
      const outcomes = collectOutcomes(producer.queue, 'rituals');
      const env = { ...adapter.env(prefix), JOBS_LOCK_MS: '1000', WORKER_CONCURRENCY: '1' };

      const first = await spawnServer({ ...env, JOBS_TEST_RITUAL_SLEEP_MS: '600000' }, WORKER_ENTRY);
      procs.push(first);
      await first.waitForLog(/^worker ready$/);
      const payload = ritualPayload({}, 'summon_golem');
      await producer.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      const started = await first.waitForLog(/^ritual started$/);
      assert.equal(started.jobId, payload.ritualId);
      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      assert.equal(outcomes.count(payload.ritualId), 0);

      const second = await spawnServer({ ...env, JOBS_TEST_RITUAL_SLEEP_MS: '0' }, WORKER_ENTRY);
      procs.push(second);
      const outcome = await outcomes.wait(payload.ritualId);
      assert.deepEqual(outcome, computeRitual(payload));
      const rerun = await second.waitForLog(/^ritual started$/);
      assert.equal(rerun.jobId, payload.ritualId);

      // Once: a later job's result arrives through the same path, and a poll finds nothing new.
      const sentinel = ritualPayload();
      await producer.queue.enqueue('rituals', sentinel, { jobId: sentinel.ritualId });
      await outcomes.wait(sentinel.ritualId);
      await (producer.queue as BullJobQueue).poll();
      assert.equal(outcomes.count(payload.ritualId), 1);
      assert.equal(outcomes.total(), 2);
      const job = await (producer.queue as BullJobQueue).bullQueue('rituals').getJob(payload.ritualId);
      assert.equal(job?.attemptsStarted, 2, 'started by the killed worker, then by the second');
      assert.equal(job?.attemptsMade, 1, 'one counted attempt: the stall did not use one up');

      second.child.kill('SIGTERM');
      assert.deepEqual(await second.exited, { code: 0, signal: null });
      assert.ok(second.lines.some((l) => l.includes('worker shutdown complete')));
    });
  });
}

describe('npm run worker (src/worker.ts)', function () {
  this.timeout(60_000);
  const adapter = redisAdapter();
  const prefix = adapter.newPrefix();
  let proc: ServerProcess | undefined;
  let producer: Jobs | undefined;

  after(async () => {
    await stopProcess(proc);
    await producer?.queue.close();
    await adapter.cleanup(prefix);
  });

  it('processes rituals from Redis and exits 0 on SIGTERM', async () => {
    producer = adapter.make(prefix, { inProcessWorkers: false });
    const outcomes = collectOutcomes(producer.queue, 'rituals');
    proc = await spawnServer(adapter.env(prefix), 'src/worker.ts');
    await proc.waitForLog(/^worker ready$/);
    const payload = ritualPayload({}, 'storm');
    await producer.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
    assert.deepEqual(await outcomes.wait(payload.ritualId), computeRitual(payload));
    proc.child.kill('SIGTERM');
    assert.deepEqual(await proc.exited, { code: 0, signal: null });
  });

  it('refuses to start with neither REDIS_URL nor DATABASE_URL', async () => {
    const p = await spawnServer({}, 'src/worker.ts');
    assert.deepEqual(await p.exited, { code: 1, signal: null });
    assert.ok(p.lines.some((l) => l.includes('needs REDIS_URL')));
  });
});

describe('jobs in the embedded mode (PostgreSQL backend, in-process workers)', function () {
  this.timeout(120_000);

  describe('on the embedded PostgreSQL binaries', () => {
    let dataDir: string;
    let embedded: EmbeddedPostgres;
    let url: string;
    let jobs: Jobs | undefined;

    before(async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-jobs-embedded-'));
      embedded = new EmbeddedPostgres({ dataDir, port: 0, log: testLog });
      url = await embedded.start();
    });
    after(async () => {
      await jobs?.workers?.close();
      await jobs?.queue.close();
      await embedded?.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('processes a ritual end to end', async () => {
      jobs = createJobs(jobsConfig(), { databaseUrl: url, log: testLog, inProcessWorkers: true, tuning: FAST });
      assert.equal(jobs.kind, 'postgres');
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      jobs.workers!.start(createProcessors());
      const payloads = [ritualPayload({}, 'raise_earth'), ritualPayload({}, 'mass_heal'), ritualPayload({}, 'purify')];
      await Promise.all(payloads.map((p) => jobs!.queue.enqueue('rituals', p, { jobId: p.ritualId })));
      for (const p of payloads) assert.deepEqual(await outcomes.wait(p.ritualId), computeRitual(p));
      assert.equal(await jobs.health.check(), 'ok');
    });
  });

  describe('maintenance against the game database', () => {
    let db: TestDatabase;
    let orm: Orm;
    let jobs: Jobs | undefined;

    before(async () => {
      db = await createTestDatabase('leyline_jobs');
      orm = await openOrm(db.url, testLog);
      await migrate(orm);
    });
    after(async () => {
      await jobs?.workers?.close();
      await jobs?.queue.close();
      await orm?.close();
      await db?.drop();
    });

    it('refreshes spell analytics, ensures partitions and schedules both', async () => {
      jobs = createJobs(jobsConfig(), { databaseUrl: db.url, log: testLog, inProcessWorkers: true, tuning: FAST });
      const outcomes = collectOutcomes(jobs.queue, 'maintenance');
      jobs.workers!.start(createProcessors({ maintenance: { db: orm } }));
      await jobs.queue.enqueue('maintenance', { task: 'refresh_spell_analytics' }, { jobId: 'refresh-1' });
      await jobs.queue.enqueue('maintenance', { task: 'ensure_partitions' }, { jobId: 'partitions-1' });
      const refreshed = (await outcomes.wait('refresh-1')) as MaintenanceResult;
      assert.ok(!isJobFailure(refreshed), JSON.stringify(refreshed));
      assert.equal(refreshed.status, 'done');
      assert.equal(refreshed.detail, 'concurrent refresh');
      const partitions = (await outcomes.wait('partitions-1')) as MaintenanceResult;
      assert.ok(!isJobFailure(partitions), JSON.stringify(partitions));
      assert.equal(partitions.status, 'done');
      assert.equal(typeof partitions.created, 'number');

      await scheduleMaintenance(jobs.queue);
      await scheduleMaintenance(jobs.queue); // every process calls it at boot: still one schedule each
      const schedulers = await (jobs.queue as BullJobQueue).bullQueue('maintenance').getJobSchedulers();
      assert.deepEqual(
        schedulers.map((s) => [s.key, s.every]).sort(),
        MAINTENANCE_SCHEDULES.map((s) => [s.id, s.everyMs]).sort(),
      );
    });

    it('skips the analytics refresh while the view does not exist', async () => {
      const bare = await createTestDatabase('leyline_jobs');
      const bareOrm = await openOrm(bare.url, testLog);
      try {
        const processors = createProcessors({ maintenance: { db: bareOrm } });
        const r = await processors.maintenance!({ task: 'refresh_spell_analytics' }, { jobId: 'x', attempt: 1, log: testLog, signal: new AbortController().signal });
        assert.equal(r.status, 'skipped');
        assert.match(r.detail!, /does not exist/);
      } finally {
        await bareOrm.close();
        await bare.drop();
      }
    });
  });
});
