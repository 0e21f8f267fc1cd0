/**
 * Interim: the room's writer port (rooms/ports.ts RegionWriter) over the
 * persister, the magic event log, loot write-through and world events.
 * Replaced by src/persist/writer.ts (one retry and poison policy).
 */
import type { Logger } from '../log.js';
import { MagicEventLog, writeLootThrough } from './magic-log.js';
import { Persister } from './persister.js';
import type { WorldStore } from './store.js';

const MAGIC_LOG_FLUSH_MS = 1000;

export function openRegionWriter(store: WorldStore, log: Logger, intervalMs: number) {
  const persister = new Persister({ store, intervalMs, log });
  const magicLog = new MagicEventLog(store, log);
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      persister.start();
      timer = setInterval(() => void magicLog.flush(), MAGIC_LOG_FLUSH_MS);
    },
    markCharacter: persister.markCharacter.bind(persister),
    markChunk: persister.markChunk.bind(persister),
    flushCharacterNow: (id: string) => persister.flushCharacterNow(id),
    appendCast: magicLog.append.bind(magicLog),
    grantLoot: (characterId: string, _grantId: string, drops: { itemId: string; quantity: number }[], place: Parameters<WorldStore['addLoot']>[1]) =>
      writeLootThrough(store, log, characterId, drops, place),
    recordWorldEvent: (e: Parameters<WorldStore['recordWorldEvent']>[0]) => void store.recordWorldEvent(e).catch((err) => log.error({ err }, 'world event not recorded')),
    async stop() {
      clearInterval(timer);
      await magicLog.flush();
      return persister.stop();
    },
  };
}
