/**
 * The room's writer port (rooms/ports.ts RegionWriter) over RegionWriter
 * (src/persist/writer.ts): one retry and poison policy for state, cast rows,
 * world events and loot grants. The port's grantLoot resolves with what did not
 * fit (all drops when the grant could not be saved); `stats()` is extra.
 */
import type { Logger } from '../log.js';
import type { WriterMetrics } from './retry.js';
import type { WorldStore } from './store.js';
import { RegionWriter } from './writer.js';

export function openRegionWriter(store: WorldStore, log: Logger, intervalMs: number, opts: { metrics?: WriterMetrics } = {}) {
  const w = new RegionWriter({ store, log, intervalMs, metrics: opts.metrics });
  return {
    start: () => w.start(),
    markCharacter: w.markCharacter.bind(w),
    markChunk: w.markChunk.bind(w),
    flushCharacterNow: (id: string) => w.flushCharacterNow(id),
    appendCast: w.appendCast.bind(w),
    grantLoot: async (...args: Parameters<RegionWriter['grantLoot']>) => (await w.grantLoot(...args)).overflow,
    recordWorldEvent: w.recordWorldEvent.bind(w),
    stop: () => w.stop(),
    stats: () => w.stats(),
  };
}
