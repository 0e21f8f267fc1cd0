/**
 * One retry and poison policy for everything a room persists (characters, chunks,
 * the magic event log, world events, loot grants).
 *
 * A failed write is either
 * - transient: the database was away, busy or shut down, or the transaction lost a
 *   race (serialization failure, deadlock). The rows are fine: keep them and retry
 *   with exponential backoff and jitter;
 * - poison: the write can never succeed as it is (a data exception such as a NUL in
 *   text, an integrity constraint, a statement the server refuses). Retrying only
 *   blocks the rows around it: find the bad row (bisect the batch), drop it alone,
 *   log it once at error level and count it;
 * - unknown: anything else. Retried like a transient failure `unknownAttempts` times,
 *   then isolated like poison, so an unforeseen deterministic error cannot block a
 *   room's writes forever either.
 *
 * The classes were checked against PostgreSQL 15 through MikroORM 7.2 + pg 8
 * (test/persist.retry.test.ts): MikroORM wraps server errors in DriverException
 * subclasses (ForeignKeyConstraintViolationException, DeadlockException, …) that copy
 * every own property of the pg error, so the SQLSTATE is `err.code`; connection
 * failures arrive as a DriverException or a plain Error carrying a Node errno code
 * (`ECONNREFUSED`), or as pg's message-only errors ("Connection terminated
 * unexpectedly", "Client has encountered a connection error and is not queryable").
 */
import type { Logger } from '../log.js';
import { sleep, type Timers } from './timers.js';

export type RetryPolicy = {
  /** First backoff step; doubles per consecutive failure up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Attempts of a bounded write (a loot grant) before it is given up. */
  maxAttempts: number;
  /** An unclassified failure is retried this many times in a row, then isolated as poison. */
  unknownAttempts: number;
  /** Repeated warnings (outage, buffer overflow) are logged at most once per window. */
  warnEveryMs: number;
  /** Poison rows logged one by one per window and kind; past that they are counted in a summary. */
  poisonLogsPerWindow: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 250,
  maxMs: 10_000,
  maxAttempts: 10, // ≈ 45 s of backoff at the defaults
  unknownAttempts: 3,
  warnEveryMs: 60_000,
  poisonLogsPerWindow: 20,
};

/** What a room writes; the label of every log line and metric below. */
export type WriteKind = 'character' | 'chunk' | 'magic_event' | 'world_event' | 'loot';

/** Optional counters (e.g. prom-client Counters behind these functions). */
export interface WriterMetrics {
  /** Rows dropped because they could never be written. */
  poisonDropped?(kind: WriteKind, code: string, rows: number): void;
  /** Unsaved rows dropped because a bounded buffer was full (a long outage). */
  overflowDropped?(kind: WriteKind, rows: number): void;
  /** A failed write scheduled for another attempt. */
  retried?(kind: WriteKind): void;
}

export type FailureKind = 'transient' | 'poison' | 'unknown';
export type Failure = { kind: FailureKind; code: string; message: string };

/** A write refused before it reached the database: it can never succeed (poison). */
export class RejectedWrite extends Error {
  readonly code = 'REJECTED';
  constructor(message: string) {
    super(message);
    this.name = 'RejectedWrite';
  }
}

/** Exponential backoff with jitter in [½, 1] of the step, so many rooms and servers do not retry in lockstep. */
export function backoffMs(policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, attempt: number, random: () => number): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(step * (0.5 + random() * 0.5));
}

// Node socket errors: the server is away or the network between us is.
const NETWORK_ERRNO = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN',
  'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ESHUTDOWN',
]);

// pg / pg-pool errors without a code: the connection broke or none could be had in time.
const TRANSIENT_MESSAGE =
  /connection terminated|connection error|not queryable|timeout exceeded when trying to connect|connection ended unexpectedly|socket hang up|pool after calling end|unable to acquire a connection/i;

/** SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html) → failure kind. */
function bySqlState(code: string): FailureKind {
  switch (code) {
    case '08P01': // protocol_violation: what a NUL in a bound text parameter gives (the message ends at the NUL)
    case '40002': // transaction_integrity_constraint_violation (a deferred constraint)
      return 'poison';
    case '25006': // read_only_sql_transaction: connected to a standby during a failover
    case '55P03': // lock_not_available
    case '55006': // object_in_use
      return 'transient';
  }
  switch (code.slice(0, 2)) {
    case '08': // connection exception
    case '40': // transaction rollback: serialization_failure 40001, deadlock_detected 40P01, statement_completion_unknown 40003
    case '53': // insufficient resources: too_many_connections 53300, disk_full, out_of_memory
    case '57': // operator intervention: query_canceled 57014 (timeouts), admin_shutdown 57P01, crash_shutdown, cannot_connect_now
    case '58': // system error (I/O)
    case '28': // invalid authorization: a configuration problem, not the rows'
    case '3D': // invalid catalog name: the database is not there (yet)
      return 'transient';
    case '21': // cardinality violation
    case '22': // data exception: 22P05 untranslatable character (NUL), 22P02 invalid text representation / JSON, 22001, 22003, 22007 …
    case '23': // integrity constraint violation: 23502 not null, 23503 foreign key, 23505 unique, 23514 check (and "no partition for row")
    case '27': // triggered data change violation
    case '2F': // SQL routine exception
    case '39': // external routine invocation
    case '42': // syntax error or access rule violation: 42601, 42703 undefined column, 42P01 undefined table, 42883 …
    case '44': // WITH CHECK OPTION violation
    case '54': // program limit exceeded (statement too complex, too many arguments)
    case '0A': // feature not supported
    case 'P0': // PL/pgSQL raise
      return 'poison';
  }
  return 'unknown';
}

const SQLSTATE = /^[0-9A-Z]{2}[0-9A-Z]{3}$/;

/** The error and its causes (`cause`, AggregateError `errors`), breadth first, bounded. */
function* chain(err: unknown): Generator<unknown> {
  const queue = [err];
  for (let i = 0; i < queue.length && i < 16; i++) {
    const e = queue[i];
    yield e;
    if (e && typeof e === 'object') {
      const o = e as { cause?: unknown; errors?: unknown };
      if (o.cause !== undefined) queue.push(o.cause);
      if (Array.isArray(o.errors)) queue.push(...o.errors);
    }
  }
}

/** Tells a transient failure from a poison one (see the file comment). */
export function classifyFailure(err: unknown): Failure {
  const message = err instanceof Error ? err.message : String(err);
  let found: Failure | undefined;
  for (const e of chain(err)) {
    if (e instanceof RejectedWrite) return { kind: 'poison', code: e.code, message };
    const code = e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
    if (code && NETWORK_ERRNO.has(code)) return { kind: 'transient', code, message };
    if (code && SQLSTATE.test(code)) {
      const kind = bySqlState(code);
      if (kind !== 'unknown') return { kind, code, message };
      found ??= { kind, code, message };
    }
    const text = e instanceof Error ? e.message : undefined;
    if (text && TRANSIENT_MESSAGE.test(text)) return { kind: 'transient', code: code ?? 'CONNECTION', message };
  }
  return found ?? { kind: 'unknown', code: errorName(err), message };
}

function errorName(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.name : typeof err;
}

export type Poisoned<R> = { row: R; error: unknown; failure: Failure };

export type Isolated<R> = {
  /** Rows written (by the sub-batch writes). */
  written: number;
  /** Rows that failed alone with a poison (or, during isolation, unknown) failure: dropped. */
  poisoned: Poisoned<R>[];
  /** Rows not written because a transient failure interrupted the isolation: keep them, in order. */
  remaining: R[];
  /** That transient failure. */
  transient?: { error: unknown; failure: Failure };
};

/**
 * Writes `rows`, whose write as one batch just failed with poison, by bisection: each
 * half is written on its own, a failing half is split again, until the rows that fail
 * alone are found. One bad row among n costs about 2·log2(n) writes; every other row is
 * written. A transient failure stops the search: what is left is returned to keep.
 * Each `write` must be atomic (one transaction), so a failed one wrote nothing.
 */
export async function isolatePoison<R>(
  rows: readonly R[],
  write: (rows: R[]) => Promise<unknown>,
  firstError: unknown,
  classify: (err: unknown) => Failure = classifyFailure,
): Promise<Isolated<R>> {
  const out: Isolated<R> = { written: 0, poisoned: [], remaining: [] };
  // Depth first, left to right: rows are written in their original order.
  const stack: { part: R[]; error?: unknown }[] = [{ part: [...rows], error: firstError }];
  while (stack.length > 0) {
    const { part, error: known } = stack.pop()!;
    let error = known;
    if (error === undefined) {
      try {
        await write(part);
        out.written += part.length;
        continue;
      } catch (e) {
        error = e;
      }
    }
    const failure = classify(error);
    if (failure.kind === 'transient') {
      out.transient = { error, failure };
      out.remaining = part.concat(...stack.reverse().map((s) => s.part));
      return out;
    }
    if (part.length === 1) {
      out.poisoned.push({ row: part[0]!, error, failure });
      continue;
    }
    const mid = part.length >>> 1;
    stack.push({ part: part.slice(mid) }, { part: part.slice(0, mid) });
  }
  return out;
}

/**
 * Retries `fn` on transient failures with backoff until it succeeds, `maxAttempts`
 * have failed, or `stopAt()` (a deadline, e.g. a shutdown's) has passed; rethrows a
 * poison failure at once and an unknown one after `unknownAttempts`. The error thrown
 * carries the classification as `failure`.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  o: {
    policy: RetryPolicy;
    timers: Timers;
    maxAttempts?: number;
    stopAt?: () => number | undefined;
    onRetry?: (failure: Failure, attempt: number, delayMs: number, error: unknown) => void;
    classify?: (err: unknown) => Failure;
  },
): Promise<T> {
  const classify = o.classify ?? classifyFailure;
  const maxAttempts = o.maxAttempts ?? o.policy.maxAttempts;
  let unknowns = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === 'unknown') unknowns++;
      const give = failure.kind === 'poison' || unknowns >= o.policy.unknownAttempts || attempt >= maxAttempts;
      const delay = backoffMs(o.policy, attempt, o.timers.random);
      const stopAt = o.stopAt?.();
      if (give || (stopAt !== undefined && o.timers.now() + delay > stopAt)) throw new WriteFailed(failure, attempt, error);
      o.onRetry?.(failure, attempt, delay, error);
      await sleep(o.timers, delay);
    }
  }
}

/** A write given up by `withRetries`: why (`failure`), after how many attempts. */
export class WriteFailed extends Error {
  constructor(
    readonly failure: Failure,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`${failure.kind} failure after ${attempts} attempt(s): ${failure.message}`, { cause });
    this.name = 'WriteFailed';
  }
}

/**
 * A warning that repeats (an outage, a full buffer) logged at most once per window,
 * with what happened since the last line: the first occurrence is logged at once, the
 * next ones are summed into the next line a window later, never one line a second.
 */
export class RateLimitedWarning {
  private lastAt: number | undefined;
  private suppressed = 0;
  private sum = 0;

  constructor(
    private readonly log: Logger,
    private readonly timers: Pick<Timers, 'now'>,
    private readonly everyMs: number,
    private readonly msg: string,
  ) {}

  /** Records one occurrence (adding `n` to the summed count); logs when the window allows. */
  hit(fields: Record<string, unknown>, n = 1): boolean {
    const now = this.timers.now();
    this.sum += n;
    if (this.lastAt !== undefined && now - this.lastAt < this.everyMs) {
      this.suppressed++;
      return false;
    }
    this.log.warn({ ...fields, total: this.sum, suppressed: this.suppressed }, this.msg);
    this.lastAt = now;
    this.suppressed = 0;
    this.sum = 0;
    return true;
  }

  /** Ends an episode (e.g. the database is back): the next occurrence logs at once. */
  reset(): { suppressed: number } {
    const r = { suppressed: this.suppressed };
    this.lastAt = undefined;
    this.suppressed = 0;
    this.sum = 0;
    return r;
  }
}

/**
 * Logs dropped poison rows once each at error level, at most `perWindow` per window;
 * past that they are only counted, and the count goes out with the next line.
 */
export class PoisonReporter {
  private windowStart = -Infinity;
  private logged = 0;
  private unlogged = 0;

  constructor(
    private readonly log: Logger,
    private readonly timers: Pick<Timers, 'now'>,
    private readonly policy: Pick<RetryPolicy, 'warnEveryMs' | 'poisonLogsPerWindow'>,
    private readonly metrics: WriterMetrics | undefined,
  ) {}

  dropped(kind: WriteKind, failure: Failure, row: Record<string, unknown>, error: unknown): void {
    this.metrics?.poisonDropped?.(kind, failure.code, 1);
    const now = this.timers.now();
    if (now - this.windowStart >= this.policy.warnEveryMs) {
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged >= this.policy.poisonLogsPerWindow) {
      this.unlogged++;
      return;
    }
    this.logged++;
    const more = this.unlogged;
    this.unlogged = 0;
    this.log.error({ kind, code: failure.code, row, err: error, ...(more ? { alsoDroppedUnlogged: more } : {}) }, 'persist: unwritable row dropped');
  }
}
