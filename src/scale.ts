/**
 * How rooms find each other across processes. One interface each (Colyseus'
 * `Presence` and `MatchMakerDriver`); the adapter is picked from config:
 * no REDIS_URL → in-process LocalPresence + LocalDriver (one server process);
 * REDIS_URL → RedisPresence + RedisDriver (any number of processes, each with
 * its own PUBLIC_ADDRESS so seat reservations reach the right one).
 */
import { LocalDriver, LocalPresence, type Presence, type matchMaker } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { Redis } from 'ioredis';
import type { HealthCheck } from './health.js';

export type ScaleAdapters = {
  kind: 'local' | 'redis';
  presence: Presence;
  driver: matchMaker.MatchMakerDriver;
  health: HealthCheck;
  /** Closes what Colyseus does not close itself (our health-check connection). */
  close(): Promise<void>;
};

export function createScaleAdapters(redisUrl: string | undefined): ScaleAdapters {
  if (!redisUrl) {
    return {
      kind: 'local',
      presence: new LocalPresence(),
      driver: new LocalDriver(),
      health: { name: 'redis', check: async () => 'disabled' },
      close: async () => {},
    };
  }
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  probe.on('error', () => {}); // reported through the health check, not as an unhandled event
  return {
    kind: 'redis',
    presence: new RedisPresence(redisUrl),
    driver: new RedisDriver(redisUrl),
    health: {
      name: 'redis',
      check: async () => {
        if (probe.status === 'wait') await probe.connect();
        return (await probe.ping()) === 'PONG' ? 'ok' : 'down';
      },
    },
    close: async () => {
      probe.disconnect();
    },
  };
}
