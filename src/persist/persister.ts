/**
 * Persister: dirty tracking + batched flush (docs/design.md rule 3, "No database in the tick").
 *
 * Rooms call `markCharacter` / `markChunk` from the tick: O(1), synchronous, no I/O.
 * A mark stores a snapshot *function*, called only at flush time, so an entity marked
 * a hundred times between flushes costs one snapshot and one row write. A flush takes
 * everything dirty synchronously (so marks made while it writes land in a fresh dirty
 * set), writes it in one transaction and, on failure, puts back whatever was not
 * marked again meanwhile: no state is lost while the database is away.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { CharacterSnapshot, ChunkSnapshot, RejectedSnapshot, SaveBatch, SaveResult } from './store.js';

/** The slice of WorldStore the persister needs. */
export interface BatchWriter {
  saveBatch(batch: SaveBatch): Promise<SaveResult>;
}

/** Injectable clock and timers (tests, simulations). `keepAlive` timers hold the process open. */
export type Timers = {
  now(): number;
  random(): number;
  setTimeout(fn: () => void, ms: number, opts?: { keepAlive?: boolean }): unknown;
  clearTimeout(handle: unknown): void;
};

export const nodeTimers: Timers = {
  now: () => Date.now(),
  random: Math.random,
  setTimeout(fn, ms, opts) {
    const t = setTimeout(fn, ms);
    if (!opts?.keepAlive) t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type PersisterOptions = {
  store: BatchWriter;
  log: Logger;
  /** PERSIST_INTERVAL_MS. */
  intervalMs?: number;
  /** First retry delay after a failed flush; doubles per consecutive failure up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  timers?: Partial<Timers>;
};

export type FlushResult = {
  /** False when the write failed; the snapshots are dirty again and a retry is scheduled. */
  ok: boolean;
  /** Snapshots in this flush's batch. */
  characters: number;
  chunks: number;
  /** Snapshots the store refused as invalid; they are dropped, not retried (they could never succeed). */
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

export class Persister extends EventEmitter<{ flush: [FlushResult] }> {
  private readonly store: BatchWriter;
  private readonly log: Logger;
  private readonly timers: Timers;
  private readonly intervalMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  private characters = new Map<string, Entry<CharacterSnapshot>>();
  private chunks = new Map<string, Entry<ChunkSnapshot>>();
  private gen = 0;

  /** Serializes every write: at most one saveBatch in flight per persister. */
  private tail: Promise<unknown> = Promise.resolve();
  /** A full flush queued behind the running one; later requests share it. */
  private queuedFlush: Promise<FlushResult> | undefined;

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
    this.retryBaseMs = opts.retryBaseMs ?? 250;
    this.retryMaxMs = opts.retryMaxMs ?? 10_000;
  }

  markCharacter(id: string, snapshot: () => CharacterSnapshot): void {
    this.characters.set(id, { snapshot, gen: ++this.gen });
  }

  /** `key` identifies the chunk (e.g. `chunkKey(snapshot)`); one pending write per key. */
  markChunk(key: string, snapshot: () => ChunkSnapshot): void {
    this.chunks.set(key, { snapshot, gen: ++this.gen });
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

  /** Flushes every `intervalMs` (only when something is dirty). Idempotent. */
  start(): void {
    if (this.stopped) throw new Error('persister is stopped');
    if (this.started) return;
    this.started = true;
    const tick = () => {
      this.tickTimer = this.timers.setTimeout(tick, this.intervalMs);
      if (this.pending > 0) void this.flush();
    };
    this.tickTimer = this.timers.setTimeout(tick, this.intervalMs);
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
      const r = left > 0 ? await this.within(this.exclusive(() => this.flushOnce(id)), left) : undefined;
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

  /** One write of everything dirty, or of one character. Runs only inside `exclusive`. */
  private async flushOnce(characterId?: string): Promise<FlushResult> {
    const t0 = this.timers.now();
    const chars = this.take(this.characters, 'character', characterId);
    const chunks = characterId === undefined ? this.take(this.chunks, 'chunk') : [];
    if (chars.length === 0 && chunks.length === 0) return { ok: true, characters: 0, chunks: 0, rejected: [], durationMs: 0 };

    this.inFlight = chars.length + chunks.length;
    let result: FlushResult;
    try {
      const saved = await this.store.saveBatch({ characters: chars.map((t) => t.value), chunks: chunks.map((t) => t.value) });
      result = { ok: true, characters: chars.length, chunks: chunks.length, rejected: saved.rejected, durationMs: this.timers.now() - t0 };
      for (const r of saved.rejected) this.log.error(r, 'persist: invalid snapshot dropped');
      this.rejectedTotal += saved.rejected.length;
      this.consecutiveFailures = 0;
      this.lastError = undefined;
      this.lastSuccessAt = this.timers.now();
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.putBack(this.characters, chars);
      this.putBack(this.chunks, chunks);
      this.consecutiveFailures++;
      this.failures++;
      this.lastError = error.message;
      result = { ok: false, characters: chars.length, chunks: chunks.length, rejected: [], durationMs: this.timers.now() - t0, error };
      const retryInMs = this.scheduleRetry();
      const level = this.consecutiveFailures >= 5 ? 'error' : 'warn';
      this.log[level]({ err: error, attempt: this.consecutiveFailures, retryInMs, pending: this.pending }, 'persist: flush failed; state kept dirty');
    } finally {
      this.inFlight = 0;
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
  private take<T>(map: Map<string, Entry<T>>, kind: string, only?: string): Taken<T>[] {
    const entries: [string, Entry<T>][] = [];
    if (only === undefined) {
      entries.push(...map);
      map.clear();
    } else {
      const e = map.get(only);
      if (e) entries.push([only, e]);
      map.delete(only);
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

  /** Exponential backoff with jitter in [½, 1] of the step, so many servers do not retry in lockstep. */
  private backoff(attempt: number): number {
    const step = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(step * (0.5 + this.timers.random() * 0.5));
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
    return new Promise((resolve) => this.timers.setTimeout(resolve, ms, { keepAlive: true }));
  }

  /** `p`'s value, or undefined once `ms` have passed (p keeps running; its outcome is still recorded). */
  private within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const t = this.timers.setTimeout(() => resolve(undefined), ms, { keepAlive: true });
      p.then(
        (v) => (this.timers.clearTimeout(t), resolve(v)),
        (e) => (this.timers.clearTimeout(t), reject(e)),
      );
    });
  }
}
