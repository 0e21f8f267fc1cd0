/**
 * Compatibility wrappers for the room as it is wired today; RegionWriter
 * (writer.ts) replaces both. They already go through the shared policy:
 * - MagicEventLog: the magic_events AppendLog (bounded, poison rows isolated);
 * - writeLootThrough: an idempotent grant with bounded retries.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { AppendLog, APPEND_LOG_MAX_ROWS } from './append-log.js';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry.js';
import type { LootDrop, MagicEventRow, PlaceLoot, WorldStore } from './store.js';
import { nodeTimers, type Timers } from './timers.js';
import { describeCast } from './writer.js';

export const MAGIC_LOG_MAX_ROWS = APPEND_LOG_MAX_ROWS;

/**
 * @deprecated use RegionWriter.appendCast. Every flush tries (as before: the room flushes
 * once a second and once more on dispose), but a poison row is dropped alone instead of
 * being retried forever, and an outage is warned about once per minute, not per flush.
 */
export class MagicEventLog extends AppendLog<MagicEventRow> {
  constructor(store: Pick<WorldStore, 'appendMagicEvents'>, log: Logger, maxRows = MAGIC_LOG_MAX_ROWS, opts: { policy?: Partial<RetryPolicy>; timers?: Partial<Timers> } = {}) {
    super({ kind: 'magic_event', write: (rows) => store.appendMagicEvents(rows), describe: describeCast, log, maxRows, ...opts });
  }

  override flush(): Promise<boolean> {
    return super.flush({ force: true });
  }
}

/**
 * @deprecated use RegionWriter.grantLoot with a grant id per kill. Writes loot through at
 * once with bounded retries; one grant id per call, so a retry after a lost commit
 * acknowledgement does not grant twice. Resolves with what did not fit (all drops when
 * the grant could not be saved).
 */
export async function writeLootThrough(
  store: Pick<WorldStore, 'grantLoot'>,
  log: Logger,
  characterId: string,
  drops: LootDrop[],
  place: PlaceLoot,
  attempts = 5,
): Promise<LootDrop[]> {
  const grantId = randomUUID();
  try {
    return (await withRetries(() => store.grantLoot(characterId, grantId, place), { policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: attempts }, timers: nodeTimers })).overflow;
  } catch (err) {
    log.error({ err, characterId, grantId, drops }, 'loot could not be saved');
    return drops;
  }
}
