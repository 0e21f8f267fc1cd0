/**
 * The append-only log of cast attempts (magic_events): rows are buffered by
 * the room on the tick and appended in one statement per flush, off the tick.
 * A failed append keeps the rows for the next flush. Bounded: past `maxRows`
 * the oldest unsaved rows are dropped, with a warning (analytics can lose a
 * little under a long outage; the game cannot run out of memory).
 */
import type { Logger } from '../log.js';
import type { MagicEventRow, WorldStore } from './store.js';

export const MAGIC_LOG_MAX_ROWS = 20_000;

export class MagicEventLog {
  private rows: MagicEventRow[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<WorldStore, 'appendMagicEvents'>,
    private readonly log: Logger,
    private readonly maxRows = MAGIC_LOG_MAX_ROWS,
  ) {}

  get pending(): number {
    return this.rows.length;
  }

  append(row: MagicEventRow): void {
    this.rows.push(row);
    if (this.rows.length > this.maxRows) {
      const dropped = this.rows.splice(0, this.rows.length - this.maxRows).length;
      this.log.warn({ dropped }, 'magic event log overflow: oldest unsaved rows dropped');
    }
  }

  /** Appends what is buffered; flushes are serialized. Never rejects. */
  flush(): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.rows.length === 0) return;
      const rows = this.rows;
      this.rows = [];
      try {
        await this.store.appendMagicEvents(rows);
      } catch (err) {
        this.rows = rows.concat(this.rows);
        this.log.warn({ err, rows: rows.length }, 'magic events not saved yet; will retry');
      }
    });
    return this.chain;
  }
}

/**
 * Loot is written through at once (a player must never lose a drop to a
 * crash), retried with backoff a few times. Resolves with what did not fit.
 */
export async function writeLootThrough<D extends { itemId: string; quantity: number }>(
  store: Pick<WorldStore, 'addLoot'>,
  log: Logger,
  characterId: string,
  drops: D[],
  place: Parameters<WorldStore['addLoot']>[1],
  attempts = 5,
): Promise<{ itemId: string; quantity: number }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await store.addLoot(characterId, place)).overflow;
    } catch (err) {
      if (attempt >= attempts) {
        log.error({ err, characterId, drops }, 'loot could not be saved');
        return drops;
      }
      await new Promise((res) => setTimeout(res, 100 * 2 ** attempt));
    }
  }
}
