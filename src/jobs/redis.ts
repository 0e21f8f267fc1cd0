/**
 * BullMQ on Redis (REDIS_URL set). Each Queue/Worker/QueueEvents owns its
 * ioredis connections (BullMQ builds them from the options below). Producers
 * fail fast while Redis is down (no offline queue) so a room can fall back to
 * computing the job itself; workers and QueueEvents block and retry forever
 * (`maxRetriesPerRequest: null`, as BullMQ requires for blocking clients).
 */
import { Queue, QueueEvents, Worker, type RedisOptions } from 'bullmq';
import type { BullDriver } from './bullmq.js';

/**
 * QueueEvents start reading this far back instead of at "$": an event that
 * lands between creating the reader and its first XREAD is not missed. Stream
 * ids are Redis-server milliseconds, so this also absorbs clock skew. Replayed
 * outcomes of jobs a handler does not know are ignored by it.
 */
const EVENTS_REPLAY_MS = 10_000;

/** ioredis options from a redis:// or rediss:// URL (BullMQ merges its own host/port defaults over a bare `url`). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

export function redisDriver(redisUrl: string, prefix: string): BullDriver {
  const base = redisOptionsFromUrl(redisUrl);
  return {
    kind: 'redis',
    queueName: (name) => name,
    newQueue: (fullName) =>
      new Queue(fullName, {
        prefix,
        connection: { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
      }),
    newWorker: (fullName, processor, t) =>
      new Worker(fullName, processor, {
        prefix,
        connection: { ...base, maxRetriesPerRequest: null },
        concurrency: t.concurrency,
        lockDuration: t.lockDurationMs,
        stalledInterval: t.stalledIntervalMs,
        maxStalledCount: t.maxStalledCount,
        removeOnComplete: t.removeOnComplete,
        removeOnFail: t.removeOnFail,
      }),
    newQueueEvents: (fullName) =>
      new QueueEvents(fullName, {
        prefix,
        connection: { ...base, maxRetriesPerRequest: null },
        lastEventId: `${Date.now() - EVENTS_REPLAY_MS}-0`,
      }),
  };
}
