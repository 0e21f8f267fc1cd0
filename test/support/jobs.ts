/** Helpers for the jobs suites: adapters under test, payloads, outcome collectors, cleanup. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createJobs, type CreateJobsOptions, type Jobs, type JobsConfig } from '../../src/jobs/index.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import type { JobOutcome, QueueName, RitualKind, RitualPayload } from '../../src/jobs/types.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from './pg.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const testLog = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

export function jobsConfig(over: Partial<JobsConfig> = {}): JobsConfig {
  return { redisUrl: undefined, workerConcurrency: 2, jobsLockMs: 30_000, jobsPrefix: undefined, jobsInProcess: 'auto', ...over };
}

/** Short backoff and polls so retries and safety nets run within a test. */
export const FAST = { backoffMs: 50, resultPollMs: 200, enqueueTimeoutMs: 1500, closeTimeoutMs: 5000 } as const;

export type AdapterUnderTest = {
  kind: 'redis' | 'postgres';
  before(): Promise<void>;
  after(): Promise<void>;
  /** Env for a worker process of this adapter. */
  env(prefix: string): Record<string, string>;
  newPrefix(): string;
  make(prefix: string, opts?: Partial<CreateJobsOptions>): Jobs;
  cleanup(prefix: string): Promise<void>;
};

export function redisAdapter(): AdapterUnderTest {
  return {
    kind: 'redis',
    async before() {},
    async after() {},
    env: (prefix) => ({ REDIS_URL, JOBS_PREFIX: prefix }),
    newPrefix: () => `test-${randomUUID()}`,
    make: (prefix, opts = {}) =>
      createJobs(jobsConfig({ redisUrl: REDIS_URL }), { log: testLog, inProcessWorkers: true, prefix, ...opts, tuning: { ...FAST, ...opts.tuning } }),
    cleanup: (prefix) => deleteRedisPrefix(prefix),
  };
}

export function postgresAdapter(): AdapterUnderTest {
  let db: TestDatabase | undefined;
  return {
    kind: 'postgres',
    async before() {
      db = await createTestDatabase('leyline_jobs');
    },
    async after() {
      await db?.drop();
    },
    env: (prefix) => ({ DATABASE_URL: db!.url, JOBS_PREFIX: prefix }),
    // Queue names share the database's bullmq schema; a per-test name prefix isolates them.
    newPrefix: () => `t${randomBytes(6).toString('hex')}`,
    make: (prefix, opts = {}) =>
      createJobs(jobsConfig(), { databaseUrl: db!.url, log: testLog, inProcessWorkers: true, prefix, ...opts, tuning: { ...FAST, ...opts.tuning } }),
    cleanup: async () => {}, // the database is dropped after the suite
  };
}

export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    for await (const batch of r.scanStream({ match: `${prefix}:*`, count: 500 })) keys.push(...(batch as string[]));
    if (keys.length) await r.del(...keys);
  } finally {
    r.disconnect();
  }
}

let seq = 0;
export function ritualPayload(over: Partial<RitualPayload> = {}, kind: RitualKind = 'raise_earth'): RitualPayload {
  const id = over.ritualId ?? `ritual-${randomUUID()}`;
  const now = Date.now();
  return {
    ritualId: id,
    roomId: 'room-1',
    worldId: 'world-1',
    rx: 0,
    rz: 0,
    casterId: 'char-1',
    spellId: 'earthshaper',
    ritualKind: kind,
    x: 40.5,
    y: 64,
    z: -12.25,
    power: 50,
    seed: 1234 + seq++,
    startedAt: now,
    completesAt: now + 5000,
    ...over,
  };
}

/** Records every outcome delivered by `queue.onResult(name)`; waits for one by job id. */
export function collectOutcomes<N extends QueueName>(queue: JobQueue, name: N) {
  const seen = new Map<string, JobOutcome<N>[]>();
  const waiters = new Map<string, ((o: JobOutcome<N>) => void)[]>();
  const unsubscribe = queue.onResult(name, (jobId, outcome) => {
    const list = seen.get(jobId) ?? [];
    list.push(outcome);
    seen.set(jobId, list);
    for (const w of waiters.get(jobId) ?? []) w(outcome);
    waiters.delete(jobId);
  });
  return {
    unsubscribe,
    count: (jobId: string) => seen.get(jobId)?.length ?? 0,
    total: () => [...seen.values()].reduce((n, l) => n + l.length, 0),
    wait(jobId: string): Promise<JobOutcome<N>> {
      const got = seen.get(jobId);
      if (got) return Promise.resolve(got[0]!);
      return new Promise((resolve) => waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]));
    },
  };
}
