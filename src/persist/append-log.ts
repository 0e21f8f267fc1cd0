/**
 * A bounded, append-only write buffer (magic_events, world_events): rows are buffered
 * on the tick and appended in batches off the tick, each batch in one transaction.
 *
 * Failures follow the shared policy (retry.ts):
 * - transient: the batch goes back to the head of the buffer and the next attempt
 *   waits for the backoff; the warning is rate-limited (one line, then one summary
 *   line per window), and a line says when writes succeed again;
 * - poison: the batch is bisected, the rows that fail alone are dropped and logged
 *   once at error level, every other row is written;
 * - unknown: retried `unknownAttempts` times, then isolated like poison.
 * Bounded: past `maxRows` the oldest unsaved rows are dropped, counted, with a
 * rate-limited warning (analytics may lose a little under a long outage; the game
 * cannot run out of memory).
 */
import type { Logger } from '../log.js';
import {
  DEFAULT_RETRY_POLICY, PoisonReporter, RateLimitedWarning, backoffMs, classifyFailure, isolatePoison,
  type Failure, type RetryPolicy, type WriteKind, type WriterMetrics,
} from './retry.js';
import { nodeTimers, sleep, within, type Timers } from './timers.js';

export const APPEND_LOG_MAX_ROWS = 20_000;
/** Rows per write (one transaction); larger buffers go in several. Bounds the cost of isolating an all-poison batch (~2 writes a row). */
export const APPEND_LOG_BATCH_ROWS = 1_000;

export type AppendLogOptions<R> = {
  kind: WriteKind;
  /** Writes rows atomically (one transaction): a failed call wrote nothing. */
  write: (rows: R[]) => Promise<unknown>;
  /** The fields of a row worth logging when it is dropped. */
  describe?: (row: R) => Record<string, unknown>;
  log: Logger;
  maxRows?: number;
  batchRows?: number;
  policy?: Partial<RetryPolicy>;
  timers?: Partial<Timers>;
  metrics?: WriterMetrics;
  /** Shared by a writer's logs, so its poison log lines are limited together. */
  poison?: PoisonReporter;
};

export type AppendLogStats = {
  pending: number;
  written: number;
  poisonDropped: number;
  overflowDropped: number;
  retries: number;
  consecutiveFailures: number;
  lastError: string | undefined;
};

export class AppendLog<R> {
  private rows: R[] = [];
  private chain: Promise<boolean> = Promise.resolve(true);
  private readonly kind: WriteKind;
  private readonly write: (rows: R[]) => Promise<unknown>;
  private readonly describe: (row: R) => Record<string, unknown>;
  private readonly log: Logger;
  private readonly maxRows: number;
  private readonly batchRows: number;
  private readonly policy: RetryPolicy;
  private readonly timers: Timers;
  private readonly metrics: WriterMetrics | undefined;
  private readonly poison: PoisonReporter;
  private readonly failing: RateLimitedWarning;
  private readonly overflowing: RateLimitedWarning;

  /** No attempt before this time (backoff after a transient failure), unless forced. */
  private retryAt = 0;
  private consecutiveFailures = 0;
  private unknownStreak = 0;
  private lastError: string | undefined;
  private written = 0;
  private poisonDropped = 0;
  private overflowDropped = 0;
  private retries = 0;

  constructor(o: AppendLogOptions<R>) {
    this.kind = o.kind;
    this.write = o.write;
    this.describe = o.describe ?? (() => ({}));
    this.log = o.log;
    this.maxRows = o.maxRows ?? APPEND_LOG_MAX_ROWS;
    this.batchRows = o.batchRows ?? APPEND_LOG_BATCH_ROWS;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...o.policy };
    this.timers = { ...nodeTimers, ...o.timers };
    this.metrics = o.metrics;
    this.poison = o.poison ?? new PoisonReporter(this.log, this.timers, this.policy, this.metrics);
    this.failing = new RateLimitedWarning(this.log, this.timers, this.policy.warnEveryMs, `persist: ${this.kind} rows not saved yet; kept for retry`);
    this.overflowing = new RateLimitedWarning(this.log, this.timers, this.policy.warnEveryMs, `persist: ${this.kind} buffer full; oldest unsaved rows dropped`);
  }

  get pending(): number {
    return this.rows.length;
  }

  stats(): AppendLogStats {
    return {
      pending: this.rows.length, written: this.written, poisonDropped: this.poisonDropped, overflowDropped: this.overflowDropped,
      retries: this.retries, consecutiveFailures: this.consecutiveFailures, lastError: this.lastError,
    };
  }

  /** Resolves once the flushes queued so far have settled. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  append(row: R): void {
    this.rows.push(row);
    this.bound();
  }

  /**
   * Writes what is buffered; flushes are serialized. Skipped while a backoff runs unless
   * `force`. Never rejects; resolves true when the buffer was emptied.
   */
  flush(opts: { force?: boolean } = {}): Promise<boolean> {
    this.chain = this.chain.then(() => this.flushOnce(opts.force ?? false));
    return this.chain;
  }

  /** Flushes until the buffer is empty or `deadline` (timers.now() time) has passed; true when empty. */
  async drain(deadline: number): Promise<boolean> {
    for (;;) {
      const left = deadline - this.timers.now();
      const ok = left > 0 ? await within(this.timers, this.flush({ force: true }), left) : undefined;
      if (ok && this.rows.length === 0) return true;
      const now = this.timers.now();
      if (now >= deadline) {
        if (this.rows.length > 0) this.log.error({ kind: this.kind, pending: this.rows.length, lastError: this.lastError }, 'persist: rows left unsaved at the deadline');
        return this.rows.length === 0;
      }
      if (ok === false) await sleep(this.timers, Math.min(Math.max(this.retryAt - now, 0), deadline - now));
    }
  }

  private async flushOnce(force: boolean): Promise<boolean> {
    if (!force && this.timers.now() < this.retryAt) return false;
    while (this.rows.length > 0) {
      const batch = this.rows.splice(0, this.batchRows);
      try {
        await this.write(batch);
        this.written += batch.length;
        this.succeeded();
        continue;
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === 'unknown') this.unknownStreak++;
        if (failure.kind === 'transient' || (failure.kind === 'unknown' && this.unknownStreak < this.policy.unknownAttempts)) {
          this.putBack(batch);
          this.failed(failure, error);
          return false;
        }
        const iso = await isolatePoison(batch, this.write, error);
        this.written += iso.written;
        for (const p of iso.poisoned) {
          this.poisonDropped++;
          this.poison.dropped(this.kind, p.failure, this.describe(p.row), p.error);
        }
        if (iso.transient) {
          this.putBack(iso.remaining);
          this.failed(iso.transient.failure, iso.transient.error);
          return false;
        }
        this.succeeded();
      }
    }
    return true;
  }

  private succeeded(): void {
    this.unknownStreak = 0;
    if (this.consecutiveFailures > 0) {
      this.log.info({ kind: this.kind, failedAttempts: this.consecutiveFailures, pending: this.rows.length }, `persist: ${this.kind} rows saved again`);
      this.failing.reset();
    }
    this.consecutiveFailures = 0;
    this.retryAt = 0;
    this.lastError = undefined;
  }

  private failed(failure: Failure, error: unknown): void {
    this.consecutiveFailures++;
    this.retries++;
    this.metrics?.retried?.(this.kind);
    this.lastError = failure.message;
    const retryInMs = backoffMs(this.policy, this.consecutiveFailures, this.timers.random);
    this.retryAt = this.timers.now() + retryInMs;
    this.failing.hit({ kind: this.kind, code: failure.code, class: failure.kind, err: error, attempt: this.consecutiveFailures, retryInMs, pending: this.rows.length });
  }

  /** Unsaved rows back at the head of the buffer, in order, before anything appended meanwhile. */
  private putBack(rows: R[]): void {
    this.rows = rows.concat(this.rows);
    this.bound();
  }

  private bound(): void {
    if (this.rows.length <= this.maxRows) return;
    const dropped = this.rows.splice(0, this.rows.length - this.maxRows).length;
    this.overflowDropped += dropped;
    this.metrics?.overflowDropped?.(this.kind, dropped);
    this.overflowing.hit({ kind: this.kind, dropped, maxRows: this.maxRows }, dropped);
  }
}
