/**
 * BullMQ on its PostgreSQL backend (no REDIS_URL: the embedded mode, or an
 * external DATABASE_URL without Redis). All queues live in one schema
 * (default "bullmq") of the game database; BullMQ creates and migrates it
 * (`migrate: true`, serialized across processes by an advisory lock).
 *
 * Each Queue/Worker owns a small pg.Pool plus, for workers, one dedicated
 * LISTEN connection. No QueueEvents here: on this backend they lose a few
 * percent of events at concurrency > 1, so outcomes come from the workers'
 * own events and the pending-job poll (src/jobs/bullmq.ts).
 *
 * BullMQ's key `prefix` is a Redis concept the backend ignores; our `prefix`
 * option becomes a queue-name prefix instead.
 */
import { createPostgresBackend, withBackend, type Queue, type Worker } from 'bullmq';
import type { BullDriver } from './bullmq.js';

const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);

export const DEFAULT_JOBS_SCHEMA = 'bullmq';

export function postgresDriver(databaseUrl: string, opts: { schema?: string; prefix?: string } = {}): BullDriver {
  const schema = opts.schema ?? DEFAULT_JOBS_SCHEMA;
  const connection = (max: number) => ({ connectionString: databaseUrl, schema, migrate: true, max });
  return {
    kind: 'postgres',
    queueName: (name) => (opts.prefix ? `${opts.prefix}.${name}` : name),
    newQueue: (fullName) => new PgQueue(fullName, { connection: connection(2) }) as unknown as Queue,
    newWorker: (fullName, processor, t) =>
      new PgWorker(fullName, processor, {
        connection: connection(Math.min(t.concurrency + 2, 10)),
        concurrency: t.concurrency,
        lockDuration: t.lockDurationMs,
        stalledInterval: t.stalledIntervalMs,
        maxStalledCount: t.maxStalledCount,
        removeOnComplete: t.removeOnComplete,
        removeOnFail: t.removeOnFail,
      }) as unknown as Worker,
  };
}
