/**
 * What region rooms need from the process, set once by src/server.ts before
 * rooms are defined. Colyseus constructs rooms itself (and may do so on behalf
 * of another process), so dependencies cannot travel in create options.
 */
import type { Presence } from '@colyseus/core';
import type { Metrics } from '../src/api/metrics.js';
import type { AccountService } from '../src/auth/accounts.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import type { WorldStore } from '../src/persist/store.js';
import type { JobQueue } from '../src/jobs/index.js';

export type RoomDeps = {
  config: Config;
  log: Logger;
  store: WorldStore;
  accounts: AccountService;
  presence: Presence;
  metrics: Metrics;
  /** Rituals go to workers through it; absent → rooms compute them in-process. */
  jobs?: JobQueue;
};

let deps: RoomDeps | undefined;

export function setRoomDeps(d: RoomDeps | undefined): void {
  deps = d;
}

export function roomDeps(): RoomDeps {
  if (!deps) throw new Error('room dependencies are not set (setRoomDeps must run before rooms are created)');
  return deps;
}
