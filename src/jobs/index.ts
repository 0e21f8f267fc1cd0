/**
 * Jobs: one interface (JobQueue + Workers), two adapters picked from config.
 *  - REDIS_URL set → BullMQ on Redis; workers normally run in `npm run worker`
 *    processes (JOBS_IN_PROCESS=true also runs them in the server).
 *  - otherwise → BullMQ on PostgreSQL (schema "bullmq" of the game database),
 *    workers inside the server.
 * Same processors, same retry/stall rules on both.
 */
import type { HealthCheck } from '../health.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { BullJobQueue, BullWorkers, type BullDriver, type Tuning } from './bullmq.js';
import { postgresDriver } from './postgres.js';
import type { JobQueue, Workers } from './queue.js';
import { redisDriver } from './redis.js';

export * from './types.js';
export * from './queue.js';
export type { Tuning } from './bullmq.js';
export { computeRitual, createProcessors, createNarrationProcessor, type NarrationDeps, type ProcessorDeps } from './processors/index.js';

export type JobsConfig = Pick<Config, 'redisUrl' | 'workerConcurrency' | 'jobsLockMs' | 'jobsPrefix' | 'jobsInProcess'>;

export type CreateJobsOptions = {
  /** The game database; required without REDIS_URL (the queue lives in it). */
  databaseUrl?: string;
  log: Logger;
  /** Create `workers` for this process (the caller starts them with its processors). */
  inProcessWorkers: boolean;
  /** Overrides config.jobsPrefix (tests: a unique one per test). */
  prefix?: string;
  /** PostgreSQL schema of the queue tables (default "bullmq"). */
  schema?: string;
  /** Overrides of the defaults below (tests shorten locks and backoff). */
  tuning?: Partial<Tuning>;
};

export type Jobs = {
  kind: 'redis' | 'postgres';
  queue: JobQueue;
  /** Present when `inProcessWorkers`. */
  workers?: Workers;
  health: HealthCheck;
};

const REDIS_DEFAULT_PREFIX = 'leyline';

export function defaultTuning(config: JobsConfig, kind: 'redis' | 'postgres'): Tuning {
  return {
    attempts: 3,
    backoffMs: 1000,
    concurrency: config.workerConcurrency,
    lockDurationMs: config.jobsLockMs,
    stalledIntervalMs: config.jobsLockMs,
    maxStalledCount: 2,
    removeOnComplete: { age: 24 * 3600, count: 5000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    enqueueTimeoutMs: 5000,
    // Redis: QueueEvents deliver; the poll only catches drops. PostgreSQL: the poll also
    // carries outcomes of jobs finished by another process's workers.
    resultPollMs: kind === 'redis' ? 5000 : 1000,
    timeoutsMs: { rituals: 30_000, narration: 60_000, agents: 120_000, maintenance: 10 * 60_000 },
    closeTimeoutMs: 15_000,
  };
}

/** Whether the server process should run job workers itself. */
export function jobsRunInProcess(config: Pick<Config, 'redisUrl' | 'jobsInProcess'>): boolean {
  return config.jobsInProcess === 'auto' ? !config.redisUrl : config.jobsInProcess === 'true';
}

/** Does not connect: connections open on first use, so boot survives an unreachable Redis. */
export function createJobs(config: JobsConfig, opts: CreateJobsOptions): Jobs {
  const log = opts.log;
  const prefix = opts.prefix ?? config.jobsPrefix;
  let driver: BullDriver;
  if (config.redisUrl) {
    driver = redisDriver(config.redisUrl, prefix ?? REDIS_DEFAULT_PREFIX);
  } else {
    if (!opts.databaseUrl) throw new Error('jobs: without REDIS_URL the queue needs the database URL (PostgreSQL backend)');
    driver = postgresDriver(opts.databaseUrl, { schema: opts.schema, prefix });
  }
  const tuning = { ...defaultTuning(config, driver.kind), ...opts.tuning };
  const queue = new BullJobQueue(driver, tuning, log);
  const workers = opts.inProcessWorkers
    ? new BullWorkers(driver, tuning, log.child({ role: 'worker' }), (name, jobId, outcome) => queue.deliver(name, jobId, outcome))
    : undefined;
  log.info({ backend: driver.kind, inProcessWorkers: opts.inProcessWorkers, prefix }, 'job queue configured');
  return { kind: driver.kind, queue, workers, health: { name: 'queue', check: () => queue.health() } };
}

export { scheduleMaintenance, MAINTENANCE_SCHEDULES } from './schedule.js';
