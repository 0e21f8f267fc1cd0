/**
 * The worker role (`npm run worker`): config → database (for the maintenance
 * queue and the narrations' memory and relationships, when DATABASE_URL is
 * set) → the game master → a Redis publisher for live narration chunks (with
 * REDIS_URL) → queue workers. Shutdown closes them in reverse: workers
 * (finishing running jobs, bounded) → queue connections → publisher → game
 * master → database. Shared by src/worker.ts and the test harness.
 */
import type { Config } from '../config.js';
import { openOrm, type Orm } from '../db/orm.js';
import { ShutdownStack } from '../shutdown.js';
import type { Logger } from '../log.js';
import { Redis } from 'ioredis';
import { createGameMaster, createMemoryUsageStore, createPgUsageStore } from '../ai/index.js';
import { loadContent } from '../content/index.js';
import { NarrationStore } from '../db/narration.js';
import { createJobs, type Jobs, type Tuning } from './index.js';
import { createProcessors } from './processors/index.js';
import type { Processors } from './types.js';

export type RunningWorker = { jobs: Jobs; shutdown(reason?: string): Promise<void> };

export type WorkerRoleOptions = {
  /** Tests wrap processors (e.g. to make a ritual slow). */
  wrapProcessors?: (p: Processors) => Processors;
  tuning?: Partial<Tuning>;
};

export async function startWorkerRole(config: Config, log: Logger, opts: WorkerRoleOptions = {}): Promise<RunningWorker> {
  if (!config.redisUrl && !config.databaseUrl) {
    throw new Error(
      'npm run worker needs REDIS_URL (BullMQ on Redis) or DATABASE_URL (BullMQ on PostgreSQL); ' +
        'in the embedded mode the server runs its workers in-process',
    );
  }
  const undo = new ShutdownStack(log);
  let done: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') =>
    (done ??= (async () => {
      log.info({ reason }, 'worker shutting down');
      await undo.runAll();
      log.info('worker shutdown complete');
    })());

  try {
    let orm: Orm | undefined;
    if (config.databaseUrl) {
      orm = await openOrm(config.databaseUrl, log.child({ module: 'db' }), { poolMax: 2 });
      const o = orm;
      undo.push('database', () => o.close());
    } else {
      log.warn('no DATABASE_URL: this worker does not run the maintenance queue');
    }
    // Usage (the daily token budget) is shared through PostgreSQL; without a database it is this process's own.
    const gameMaster = createGameMaster({ config, log, usage: orm ? createPgUsageStore(orm) : createMemoryUsageStore() });
    undo.push('game master', () => gameMaster.close());
    // Live chunks go to the rooms over Redis pub/sub, as RedisPresence.publish sends them (JSON); without Redis there are none.
    let publisher: Redis | undefined;
    if (config.redisUrl) {
      const pub = (publisher = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true }));
      pub.on('error', () => {}); // a lost chunk is a lost preview; the final narration comes through the queue
      undo.push('narration publisher', async () => void pub.disconnect());
    } else {
      log.warn('no REDIS_URL: narrations from this worker reach players without live chunks');
    }
    const narration = {
      gameMaster, content: loadContent(), store: orm ? new NarrationStore(orm) : undefined,
      publish: publisher && ((channel: string, m: unknown) => publisher!.publish(channel, JSON.stringify(m))),
    };
    const jobs = createJobs(config, { databaseUrl: config.databaseUrl, log: log.child({ module: 'jobs' }), inProcessWorkers: true, tuning: opts.tuning });
    undo.push('job queue', () => jobs.queue.close());
    let processors = createProcessors({ maintenance: orm ? { db: orm } : undefined, narration });
    if (opts.wrapProcessors) processors = opts.wrapProcessors(processors);
    jobs.workers!.start(processors);
    undo.push('job workers', () => jobs.workers!.close());
    log.info({ backend: jobs.kind, queues: Object.keys(processors), concurrency: config.workerConcurrency }, 'worker ready');
    return { jobs, shutdown };
  } catch (err) {
    await shutdown('boot failed');
    throw err;
  }
}
