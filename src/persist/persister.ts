/**
 * Persister: dirty tracking + batched flush (docs/design.md rule 3, "No database in the tick").
 *
 * Rooms call `markCharacter` / `markChunk` from the tick: O(1), synchronous, no I/O.
 * A mark stores a snapshot *function*, called only at flush time, so an entity marked
 * a hundred times between flushes costs one snapshot and one row write. A flush takes
 * everything dirty synchronously (so marks made while it writes land in a fresh dirty
 * set), writes it in one transaction and, on failure, puts back whatever was not
 * marked again meanwhile: no state is lost while the database is away.
 *
 * The interval's writes are spread over slices: with PERSIST_INTERVAL_MS of several seconds
 * the timer fires every `intervalMs / slices` (about once a second) and writes the dirty
 * entries of one slice, chosen by a hash of the key, so every entry is still written within
 * `intervalMs` of its mark. Snapshotting, validating and serializing a whole crowd at once
 * held the event loop (and every room's tick on it) for tens of milliseconds every interval;
 * a slice holds it for a fraction of that. `flush()` (stop, tests) still writes everything.
 *
 * Failures follow the shared policy (retry.ts): a transient one keeps the state dirty
 * and retries with backoff (for as long as the room runs: dirty state is bounded by
 * the room's entities, and a newer mark replaces an older snapshot); a poison one
 * (a snapshot the database can never accept) is isolated by bisecting the batch, the
 * snapshot that fails alone is dropped and logged once at error level, and every
 * other snapshot is written.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import {
  DEFAULT_RETRY_POLICY, PoisonReporter, RateLimitedWarning, backoffMs, classifyFailure, isolatePoison,
  type RetryPolicy, type WriterMetrics,
} from './retry.js';
import { chunkRowKey, type CharacterSnapshot, type ChunkSnapshot, type RejectedSnapshot, type SaveBatch, type SaveResult } from './store.js';
import { nodeTimers, sleep, within, type Timers } from './timers.js';

export { nodeTimers, type Timers } from './timers.js';

/** The slice of WorldStore the persister needs. */
export interface BatchWriter {
  saveBatch(batch: SaveBatch): Promise<SaveResult>;
}

export type PersisterOptions = {
  store: BatchWriter;
  log: Logger;
  /** PERSIST_INTERVAL_MS. */
  intervalMs?: number;
  /** Shorthands for `policy.baseMs` / `policy.maxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  policy?: Partial<RetryPolicy>;
  timers?: Partial<Timers>;
  metrics?: WriterMetrics;
  /** Shared with the other logs of a writer, so poison log lines are limited together. */
  poison?: PoisonReporter;
};

export type FlushResult = {
  /** False when the write failed; the snapshots are dirty again and a retry is scheduled. */
  ok: boolean;
  /** Snapshots in this flush's batch. */
  characters: number;
  chunks: number;
  /**
   * Snapshots dropped, not retried (they could never succeed): refused by the store's
   * checks, or isolated after the database refused them (reason starts with the SQLSTATE).
   */
  rejected: RejectedSnapshot[];
  durationMs: number;
  error?: Error;
};

export type PersisterStats = {
  pending: number;
  pendingCharacters: number;
  pendingChunks: number;
  /** Snapshots being written right now. */
  inFlight: number;
  lastFlushMs: number | undefined;
  lastSuccessAt: number | undefined;
  consecutiveFailures: number;
  lastError: string | undefined;
  flushes: number;
  failures: number;
  rejected: number;
};

/** `gen` increases with every mark: a put-back never replaces a newer mark. `last` is the latest taken snapshot. */
type Entry<T> = { snapshot: () => T; gen: number; last?: T };
type Taken<T> = { key: string; entry: Entry<T>; value: T };
type Item = { kind: 'character'; t: Taken<CharacterSnapshot> } | { kind: 'chunk'; t: Taken<ChunkSnapshot> };
/** Which entries a write takes: all, one character, or one slice of the interval's. */
type Selection = { only?: string; slice?: { index: number; of: number } };

/** One interval slice per this many ms of PERSIST_INTERVAL_MS … */
export const SLICE_MS = 1000;
/** … and at most this many. */
export const MAX_SLICES = 10;
/** How many slices the interval's writes are spread over. */
export const slicesFor = (intervalMs: number): number => Math.max(1, Math.min(MAX_SLICES, Math.floor(intervalMs / SLICE_MS)));

/** The slice (0 … of-1) an entry's key belongs to: FNV-1a of the key, stable for the key's life. */
export function sliceOf(key: string, of: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % of;
}

export class Persister extends EventEmitter<{ flush: [FlushResult] }> {
  private readonly store: BatchWriter;
  private readonly log: Logger;
  private readonly timers: Timers;
  private readonly intervalMs: number;
  private readonly policy: RetryPolicy;
  private readonly metrics: WriterMetrics | undefined;
  private readonly poison: PoisonReporter;
  private readonly failing: RateLimitedWarning;
  private unknownStreak = 0;

  private characters = new Map<string, Entry<CharacterSnapshot>>();
  private chunks = new Map<string, Entry<ChunkSnapshot>>();
  private gen = 0;

  /** Serializes every write: at most one saveBatch in flight per persister. */
  private tail: Promise<unknown> = Promise.resolve();
  /** A full flush queued behind the running one; later requests share it. */
  private queuedFlush: Promise<FlushResult> | undefined;
  /** An interval slice is waiting for its turn to write. */
  private sliceQueued = false;

  private tickTimer: unknown;
  private retryTimer: unknown;
  private started = false;
  private stopped = false;
  private stopping: Promise<boolean> | undefined;

  private inFlight = 0;
  private lastFlushMs: number | undefined;
  private lastSuccessAt: number | undefined;
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private flushes = 0;
  private failures = 0;
  private rejectedTotal = 0;

  constructor(opts: PersisterOptions) {
    super();
    this.store = opts.store;
    this.log = opts.log;
    this.timers = { ...nodeTimers, ...opts.timers };
    this.intervalMs = opts.intervalMs ?? 5000;
    this.policy = {
      ...DEFAULT_RETRY_POLICY,
      ...opts.policy,
      ...(opts.retryBaseMs !== undefined ? { baseMs: opts.retryBaseMs } : {}),
      ...(opts.retryMaxMs !== undefined ? { maxMs: opts.retryMaxMs } : {}),
    };
    this.metrics = opts.metrics;
    this.poison = opts.poison ?? new PoisonReporter(this.log, this.timers, this.policy, this.metrics);
    this.failing = new RateLimitedWarning(this.log, this.timers, this.policy.warnEveryMs, 'persist: flush failed; state kept dirty');
  }

  markCharacter(id: string, snapshot: () => CharacterSnapshot): void {
    this.mark(this.characters, id, snapshot);
  }

  /** `key` identifies the chunk (e.g. the world's `cx,cy,cz` chunk key); one pending write per key. */
  markChunk(key: string, snapshot: () => ChunkSnapshot): void {
    this.mark(this.chunks, key, snapshot);
  }

  /**
   * A new mark, in the entry already dirty when there is one (a moving character is marked on every tick: one
   * object per entry, not one per mark, kept until the flush). Entries taken by a flush are out of the map.
   */
  private mark<T>(map: Map<string, Entry<T>>, key: string, snapshot: () => T): void {
    const e = map.get(key);
    if (!e) {
      map.set(key, { snapshot, gen: ++this.gen });
      return;
    }
    e.snapshot = snapshot;
    e.gen = ++this.gen;
    e.last = undefined;
  }

  get pending(): number {
    return this.characters.size + this.chunks.size;
  }

  stats(): PersisterStats {
    return {
      pending: this.pending,
      pendingCharacters: this.characters.size,
      pendingChunks: this.chunks.size,
      inFlight: this.inFlight,
      lastFlushMs: this.lastFlushMs,
      lastSuccessAt: this.lastSuccessAt,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      flushes: this.flushes,
      failures: this.failures,
      rejected: this.rejectedTotal,
    };
  }

  /** Resolves once the writes queued so far have settled (tests, diagnostics). */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  /** Writes every dirty entry within `intervalMs` of its mark, a slice at a time (see above). Idempotent. */
  start(): void {
    if (this.stopped) throw new Error('persister is stopped');
    if (this.started) return;
    this.started = true;
    const of = slicesFor(this.intervalMs);
    let step = 0;
    const tick = () => {
      this.tickTimer = this.timers.setTimeout(tick, this.intervalMs / of);
      const index = step++ % of;
      if (this.pending === 0) return;
      if (of === 1) void this.flush();
      else if (!this.sliceQueued) {
        // Behind a slow write, one slice waits at a time (the skipped one is written on its next turn).
        this.sliceQueued = true;
        void this.exclusive(() => {
          this.sliceQueued = false;
          return this.flushOnce({ slice: { index, of } });
        });
      }
    };
    this.tickTimer = this.timers.setTimeout(tick, this.intervalMs / of);
  }

  /**
   * Writes everything dirty. Never rejects: a failure is reported as `ok: false`, the
   * state stays dirty and a retry is scheduled. Called while a flush runs, it waits for
   * that one and then runs once more (all callers meanwhile share that second run).
   */
  flush(): Promise<FlushResult> {
    this.queuedFlush ??= this.exclusive(() => {
      this.queuedFlush = undefined;
      return this.flushOnce();
    });
    return this.queuedFlush;
  }

  /**
   * Writes one character now and resolves once it is durably saved (for leave/handoff:
   * the next room must load what this one wrote). Retries with backoff; rejects after
   * `deadlineMs`, or at once if the store refuses the snapshot as invalid. A character
   * that was not dirty resolves after any flush in progress has settled.
   */
  async flushCharacterNow(id: string, opts: { deadlineMs?: number } = {}): Promise<void> {
    const deadline = this.timers.now() + (opts.deadlineMs ?? 10_000);
    for (let attempt = 1; ; attempt++) {
      const left = deadline - this.timers.now();
      const r = left > 0 ? await this.within(this.exclusive(() => this.flushOnce({ only: id })), left) : undefined;
      if (r?.rejected.some((x) => x.kind === 'character' && x.key === id)) {
        throw new Error(`character ${id} not saved: ${r.rejected.find((x) => x.key === id)!.reason}`);
      }
      // Marked again while the write ran: write the newer state too before the handoff.
      if (r?.ok && !this.characters.has(id)) return;
      const now = this.timers.now();
      if (!r || now >= deadline) throw new Error(`character ${id} not saved within ${opts.deadlineMs ?? 10_000} ms`, { cause: r?.error });
      if (!r.ok) await this.sleep(Math.min(this.backoff(attempt), deadline - now));
    }
  }

  /**
   * Stops the timers, then flushes until clean or `deadlineMs` (default 30 s) has passed.
   * Resolves true when everything marked was saved. Concurrent calls share one run.
   */
  stop(opts: { deadlineMs?: number } = {}): Promise<boolean> {
    this.stopped = true;
    this.timers.clearTimeout(this.tickTimer);
    this.timers.clearTimeout(this.retryTimer);
    this.tickTimer = this.retryTimer = undefined;
    this.stopping ??= this.drain(opts.deadlineMs ?? 30_000).finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private async drain(deadlineMs: number): Promise<boolean> {
    const deadline = this.timers.now() + deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const left = deadline - this.timers.now();
      const r = left > 0 ? await this.within(this.flush(), left) : undefined;
      if (r?.ok && this.pending === 0) return true;
      const now = this.timers.now();
      if (!r || now >= deadline) {
        this.log.error({ pending: this.pending, inFlight: this.inFlight, err: r?.error }, 'persist: stop deadline passed with unsaved state');
        return false;
      }
      if (!r.ok) await this.sleep(Math.min(this.backoff(attempt), deadline - now));
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** One write of everything dirty, of one character, or of one slice. Runs only inside `exclusive`. */
  private async flushOnce(sel: Selection = {}): Promise<FlushResult> {
    const t0 = this.timers.now();
    const chars = this.take(this.characters, 'character', sel);
    const chunks = sel.only === undefined ? this.take(this.chunks, 'chunk', sel) : [];
    if (chars.length === 0 && chunks.length === 0) return { ok: true, characters: 0, chunks: 0, rejected: [], durationMs: 0 };

    this.inFlight = chars.length + chunks.length;
    const rejected: RejectedSnapshot[] = [];
    // Atomic (saveBatch is one transaction); what the store's own checks refuse is collected.
    const write = async (items: Item[]) => {
      const saved = await this.store.saveBatch({
        characters: items.flatMap((i) => (i.kind === 'character' ? [i.t.value] : [])),
        chunks: items.flatMap((i) => (i.kind === 'chunk' ? [i.t.value] : [])),
      });
      for (const r of saved.rejected) this.log.error(r, 'persist: invalid snapshot dropped');
      rejected.push(...saved.rejected);
    };
    const items: Item[] = [...chars.map((t) => ({ kind: 'character' as const, t })), ...chunks.map((t) => ({ kind: 'chunk' as const, t }))];
    let error: Error | undefined;
    try {
      await write(items);
    } catch (e) {
      const failure = classifyFailure(e);
      if (failure.kind === 'unknown') this.unknownStreak++;
      let keep: Item[] = items;
      if (failure.kind === 'poison' || (failure.kind === 'unknown' && this.unknownStreak >= this.policy.unknownAttempts)) {
        const iso = await isolatePoison(items, write, e);
        for (const p of iso.poisoned) {
          const key = p.row.kind === 'character' ? p.row.t.value.id : chunkRowKey(p.row.t.value);
          rejected.push({ kind: p.row.kind, key: String(key), reason: `${p.failure.code}: ${p.failure.message}` });
          this.poison.dropped(p.row.kind, p.failure, { key }, p.error);
        }
        keep = iso.remaining;
        e = iso.transient?.error;
      }
      if (e !== undefined) {
        error = e instanceof Error ? e : new Error(String(e));
        this.putBack(this.characters, keep.flatMap((i) => (i.kind === 'character' ? [i.t] : [])));
        this.putBack(this.chunks, keep.flatMap((i) => (i.kind === 'chunk' ? [i.t] : [])));
      }
    } finally {
      this.inFlight = 0;
    }
    this.rejectedTotal += rejected.length;
    let result: FlushResult;
    if (!error) {
      result = { ok: true, characters: chars.length, chunks: chunks.length, rejected, durationMs: this.timers.now() - t0 };
      if (this.consecutiveFailures > 0) {
        this.log.info({ failedAttempts: this.consecutiveFailures }, 'persist: flushes succeed again');
        this.failing.reset();
      }
      this.unknownStreak = 0;
      this.consecutiveFailures = 0;
      this.lastError = undefined;
      this.lastSuccessAt = this.timers.now();
    } else {
      this.consecutiveFailures++;
      this.failures++;
      this.lastError = error.message;
      this.metrics?.retried?.(chars.length > 0 ? 'character' : 'chunk');
      result = { ok: false, characters: chars.length, chunks: chunks.length, rejected, durationMs: this.timers.now() - t0, error };
      const retryInMs = this.scheduleRetry();
      this.failing.hit({ err: error, code: classifyFailure(error).code, attempt: this.consecutiveFailures, retryInMs, pending: this.pending });
    }
    this.flushes++;
    this.lastFlushMs = result.durationMs;
    try {
      this.emit('flush', result);
    } catch (err) {
      // A metrics listener must not turn a flush into a rejected promise (flush never rejects).
      this.log.error({ err }, 'persist: flush listener threw');
    }
    return result;
  }

  /** Snapshots and removes dirty entries synchronously, so marks made during the write start a new dirty set. */
  private take<T>(map: Map<string, Entry<T>>, kind: string, { only, slice }: Selection): Taken<T>[] {
    const entries: [string, Entry<T>][] = [];
    if (only !== undefined) {
      const e = map.get(only);
      if (e) entries.push([only, e]);
      map.delete(only);
    } else if (slice) {
      for (const [key, e] of map) {
        if (sliceOf(key, slice.of) !== slice.index) continue;
        entries.push([key, e]);
        map.delete(key);
      }
    } else {
      entries.push(...map);
      map.clear();
    }
    const taken: Taken<T>[] = [];
    for (const [key, entry] of entries) {
      let value: T;
      try {
        value = entry.snapshot();
      } catch (err) {
        // A room torn down badly: fall back to the last snapshot that failed to write, if any.
        if (entry.last === undefined) {
          this.log.error({ err, kind, key }, 'persist: snapshot function threw; entry dropped');
          continue;
        }
        value = entry.last;
      }
      taken.push({ key, entry, value });
    }
    return taken;
  }

  /** After a failed write: re-dirty every entry not marked again since it was taken. */
  private putBack<T>(map: Map<string, Entry<T>>, taken: Taken<T>[]): void {
    for (const { key, entry, value } of taken) {
      const current = map.get(key);
      if (!current || current.gen < entry.gen) map.set(key, { snapshot: entry.snapshot, gen: entry.gen, last: value });
    }
  }

  private backoff(attempt: number): number {
    return backoffMs(this.policy, attempt, this.timers.random);
  }

  private scheduleRetry(): number | undefined {
    if (this.stopped) return undefined; // stop() runs its own retry loop against its deadline
    const delay = this.backoff(this.consecutiveFailures);
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.pending > 0) void this.flush();
    }, delay);
    return delay;
  }

  /** Kept alive: used by stop() and handoffs, whose callers wait on the outcome. */
  private sleep(ms: number): Promise<void> {
    return sleep(this.timers, ms);
  }

  /** `p`'s value, or undefined once `ms` have passed (p keeps running; its outcome is still recorded). */
  private within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
    return within(this.timers, p, ms);
  }
}
