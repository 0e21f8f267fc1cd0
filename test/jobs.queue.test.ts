/**
 * The JobQueue/Workers contract, run against both adapters: BullMQ on the
 * local Redis and BullMQ on the local PostgreSQL (its own database). Every
 * test owns its queues through a unique prefix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { computeRitual, createJobs, isJobFailure, JobQueueClosedError, type Jobs, type Processors } from '../src/jobs/index.js';
import { throttledErrorLog, type BullJobQueue } from '../src/jobs/bullmq.js';
import { captureLog } from './support/capture-log.js';
import { ritualProcessor } from '../src/jobs/processors/ritual.js';
import {
  collectOutcomes,
  FAST,
  jobsConfig,
  postgresAdapter,
  redisAdapter,
  ritualPayload,
  testLog,
  type AdapterUnderTest,
} from './support/jobs.js';

for (const adapter of [redisAdapter(), postgresAdapter()]) {
  describe(`jobs queue (${adapter.kind})`, function () {
    this.timeout(30_000);
    let prefix: string;
    let open: Jobs[] = [];

    const make = (...args: Parameters<AdapterUnderTest['make']> extends [string, ...infer R] ? R : never) => {
      const j = adapter.make(prefix, ...args);
      open.push(j);
      return j;
    };

    before(() => adapter.before());
    after(() => adapter.after());
    beforeEach(() => {
      prefix = adapter.newPrefix();
      open = [];
    });
    afterEach(async () => {
      for (const j of open) {
        await j.workers?.close();
        await j.queue.close();
      }
      await adapter.cleanup(prefix);
    });

    it('processes an enqueued ritual and delivers its result to onResult', async () => {
      const jobs = make();
      assert.equal(jobs.kind, adapter.kind);
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      jobs.workers!.start({ rituals: ritualProcessor });
      const payload = ritualPayload();
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      const outcome = await outcomes.wait(payload.ritualId);
      assert.deepEqual(outcome, computeRitual(payload));
    });

    it('creates one job for a job id enqueued twice', async () => {
      const jobs = make({ tuning: { concurrency: 1 } });
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      const calls = new Map<string, number>();
      const payload = ritualPayload();
      // Both enqueues land before any worker runs: two jobs would both be processed.
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      await Promise.all([
        jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId }),
        jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId }),
      ]);
      const sentinel = ritualPayload();
      await jobs.queue.enqueue('rituals', sentinel, { jobId: sentinel.ritualId });
      jobs.workers!.start({
        rituals: async (p, ctx) => {
          calls.set(ctx.jobId, (calls.get(ctx.jobId) ?? 0) + 1);
          return ritualProcessor(p, ctx);
        },
      });
      // One worker, FIFO: once the sentinel (enqueued last) is done, any duplicate would have run.
      await outcomes.wait(sentinel.ritualId);
      assert.equal(calls.get(payload.ritualId), 1);
      assert.equal(outcomes.count(payload.ritualId), 1);
      const counts = await (jobs.queue as BullJobQueue).bullQueue('rituals').getJobCounts('completed', 'waiting', 'active', 'delayed');
      assert.deepEqual(counts, { completed: 2, waiting: 0, active: 0, delayed: 0 });
    });

    it('retries a failing processor with exponential backoff and delivers the result once', async () => {
      const jobs = make({ tuning: { backoffMs: 100, concurrency: 1 } });
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      const startedAt: number[] = [];
      const attempts: number[] = [];
      const payload = ritualPayload();
      jobs.workers!.start({
        rituals: async (p, ctx) => {
          if (p.ritualId === payload.ritualId) {
            startedAt.push(Date.now());
            attempts.push(ctx.attempt);
            if (attempts.length <= 2) throw new Error(`flaky #${attempts.length}`);
          }
          return ritualProcessor(p, ctx);
        },
      });
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      const outcome = await outcomes.wait(payload.ritualId);
      assert.deepEqual(outcome, computeRitual(payload));
      assert.deepEqual(attempts, [1, 2, 3]);
      // Exponential: ≥ 100 ms before the 2nd try, ≥ 200 ms before the 3rd.
      assert.ok(startedAt[1]! - startedAt[0]! >= 95, `first backoff ${startedAt[1]! - startedAt[0]!} ms`);
      assert.ok(startedAt[2]! - startedAt[1]! >= 195, `second backoff ${startedAt[2]! - startedAt[1]!} ms`);
      // Outlive the safety-net poll and any late event: a later job's result arrives, the first is still counted once.
      const sentinel = ritualPayload();
      await jobs.queue.enqueue('rituals', sentinel, { jobId: sentinel.ritualId });
      await outcomes.wait(sentinel.ritualId);
      await (jobs.queue as BullJobQueue).poll();
      assert.equal(outcomes.count(payload.ritualId), 1);
    });

    it('delivers { error } once after the last attempt fails', async () => {
      const jobs = make({ tuning: { attempts: 2 } });
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      let calls = 0;
      jobs.workers!.start({
        rituals: async () => {
          calls++;
          throw new Error('the leyline collapsed');
        },
      });
      const payload = ritualPayload();
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      const outcome = await outcomes.wait(payload.ritualId);
      assert.ok(isJobFailure(outcome));
      assert.equal(outcome.error, 'the leyline collapsed');
      assert.equal(calls, 2);
      await (jobs.queue as BullJobQueue).poll();
      assert.equal(outcomes.count(payload.ritualId), 1);
    });

    it('fails an invalid payload at once, without retries', async () => {
      const jobs = make();
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      jobs.workers!.start({ rituals: ritualProcessor });
      const payload = { ...ritualPayload(), power: -5 };
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      const outcome = await outcomes.wait(payload.ritualId);
      assert.ok(isJobFailure(outcome));
      assert.match(outcome.error, /invalid ritual payload: power/);
      const job = await (jobs.queue as BullJobQueue).bullQueue('rituals').getJob(payload.ritualId);
      assert.equal(job?.attemptsMade, 1);
    });

    it('aborts a hung processor after its timeout and retries it', async () => {
      const jobs = make({ tuning: { timeoutsMs: { rituals: 200, narration: 1000, agents: 1000, maintenance: 1000 } } });
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      let calls = 0;
      jobs.workers!.start({
        rituals: async (p, ctx) => {
          if (++calls === 1) await new Promise(() => {}); // hangs forever
          return ritualProcessor(p, ctx);
        },
      });
      const payload = ritualPayload();
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      assert.deepEqual(await outcomes.wait(payload.ritualId), computeRitual(payload));
      assert.equal(calls, 2);
    });

    it('runs a delayed job no earlier than its delay', async () => {
      const jobs = make();
      const outcomes = collectOutcomes(jobs.queue, 'rituals');
      let ranAt = 0;
      jobs.workers!.start({
        rituals: async (p, ctx) => {
          ranAt = Date.now();
          return ritualProcessor(p, ctx);
        },
      });
      const payload = ritualPayload();
      const t0 = Date.now();
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId, delayMs: 400 });
      await outcomes.wait(payload.ritualId);
      assert.ok(ranAt - t0 >= 390, `ran after ${ranAt - t0} ms`);
    });

    it('delivers a result that finished before anyone listened, once a handler subscribes', async () => {
      const producer = make({ inProcessWorkers: false });
      const workerSide = make();
      const done = collectOutcomes(workerSide.queue, 'rituals');
      workerSide.workers!.start({ rituals: ritualProcessor });
      const payload = ritualPayload();
      await producer.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      await done.wait(payload.ritualId); // finished; the producer had no handler yet
      const late = collectOutcomes(producer.queue, 'rituals');
      assert.deepEqual(await late.wait(payload.ritualId), computeRitual(payload));
      await (producer.queue as BullJobQueue).poll();
      assert.equal(late.count(payload.ritualId), 1);
    });

    it('runs a job scheduler repeatedly and stops when it is removed', async () => {
      const jobs = make();
      const outcomes = collectOutcomes(jobs.queue, 'maintenance');
      const runs: string[] = [];
      let third: () => void;
      const thirdRun = new Promise<void>((r) => (third = r));
      const processors: Processors = {
        maintenance: async (p, ctx) => {
          runs.push(ctx.jobId);
          if (runs.length === 3) third();
          return { task: p.task, status: 'done', durationMs: 0 };
        },
      };
      jobs.workers!.start(processors);
      await jobs.queue.upsertSchedule('maintenance', 'test-refresh', { everyMs: 150 }, { task: 'refresh_spell_analytics' });
      await jobs.queue.upsertSchedule('maintenance', 'test-refresh', { everyMs: 150 }, { task: 'refresh_spell_analytics' }); // upsert, not a second schedule
      await thirdRun;
      await jobs.queue.removeSchedule('maintenance', 'test-refresh');
      assert.equal(new Set(runs).size, runs.length, 'each run is its own job');
      const schedulers = await (jobs.queue as BullJobQueue).bullQueue('maintenance').getJobSchedulers();
      assert.deepEqual(schedulers, []);
      // Results of scheduled jobs reach onResult too.
      const first = await outcomes.wait(runs[0]!);
      assert.deepEqual(first, { task: 'refresh_spell_analytics', status: 'done', durationMs: 0 });
    });

    it('reports health ok, and down once closed', async () => {
      const jobs = make({ inProcessWorkers: false });
      assert.equal(jobs.health.name, 'queue');
      assert.equal(await jobs.health.check(), 'ok');
      await jobs.queue.close();
      assert.equal(await jobs.health.check(), 'down');
    });

    it('closes idempotently and refuses work afterwards', async () => {
      const jobs = make();
      jobs.workers!.start({ rituals: ritualProcessor });
      const payload = ritualPayload();
      await jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId });
      await Promise.all([jobs.workers!.close(), jobs.workers!.close()]);
      await Promise.all([jobs.queue.close(), jobs.queue.close()]);
      await jobs.queue.close();
      await assert.rejects(jobs.queue.enqueue('rituals', ritualPayload(), { jobId: `x-${randomUUID()}` }), JobQueueClosedError);
    });

    it('rejects job ids BullMQ would misread', async () => {
      const jobs = make({ inProcessWorkers: false });
      for (const bad of ['123', 'a:b', '', 'x'.repeat(129), 'has space']) {
        await assert.rejects(jobs.queue.enqueue('rituals', ritualPayload(), { jobId: bad }), TypeError, bad);
      }
    });
  });
}

describe('jobs queue when the backend is unreachable', function () {
  this.timeout(15_000);
  const cases = [
    { kind: 'redis', make: () => createJobs(jobsConfig({ redisUrl: 'redis://127.0.0.1:1' }), { log: testLog, inProcessWorkers: false, tuning: FAST }) },
    {
      kind: 'postgres',
      make: () => createJobs(jobsConfig(), { databaseUrl: 'postgres://postgres@127.0.0.1:1/none', log: testLog, inProcessWorkers: false, tuning: FAST }),
    },
  ];
  for (const c of cases) {
    it(`${c.kind}: enqueue rejects within the enqueue timeout and health is down`, async () => {
      const jobs = c.make();
      try {
        const t0 = Date.now();
        const payload = ritualPayload();
        await assert.rejects(jobs.queue.enqueue('rituals', payload, { jobId: payload.ritualId }));
        assert.ok(Date.now() - t0 < FAST.enqueueTimeoutMs + 1000);
        assert.equal(await jobs.health.check(), 'down');
        // The room's fallback: compute the ritual itself.
        assert.equal(computeRitual(payload).ritualId, payload.ritualId);
      } finally {
        await jobs.queue.close();
      }
    });
  }

  it('needs a database URL without REDIS_URL', () => {
    assert.throws(() => createJobs(jobsConfig(), { log: testLog, inProcessWorkers: false }), /database URL/);
  });
});

describe('jobs: error logging of queue connections (src/jobs/bullmq.ts throttledErrorLog)', () => {
  it('logs an error once per interval while open, and only at debug once closed', () => {
    const logs = captureLog('debug');
    let closed = false;
    const onError = throttledErrorLog(logs.log, 'job queue "x" error', 60_000, () => closed);
    onError(new Error('connection refused'));
    onError(new Error('connection refused'));
    assert.equal(logs.at('error').length, 1, 'the repeat within the interval is counted, not logged');
    closed = true;
    onError(new Error('terminating connection due to administrator command'));
    assert.equal(logs.at('error').length, 1, 'nothing more at error level after close');
    assert.deepEqual(logs.at('debug').map((l) => l.msg), ['job queue "x" error (after close)']);
  });
});
