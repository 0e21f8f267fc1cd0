/**
 * RegionWriter: the one writer for everything a region room persists (DESIGN rule 3,
 * "No database in the tick"). Every call the room makes from the tick is synchronous
 * and does no I/O; writes happen off the tick, all under one retry and poison policy
 * (retry.ts):
 *
 * | what                      | when                                   | on a transient failure              |
 * | ------------------------- | -------------------------------------- | ----------------------------------- |
 * | characters, chunks        | every `intervalMs`; a character at once on leave/handoff | kept dirty, retried with backoff |
 * | cast rows (magic_events)  | every `eventIntervalMs` (1 s)          | kept (bounded buffer), backoff      |
 * | world events              | every `eventIntervalMs`                | kept (bounded buffer), backoff      |
 * | loot grants               | written through at once, idempotent    | bounded retries with backoff        |
 *
 * A poison write (one the database can never accept) is never retried: the batch is
 * bisected, the bad row is dropped alone and logged once at error level, every other
 * row is written. `stop()` writes everything still pending before it resolves.
 */
import type { Logger } from '../log.js';
import { AppendLog, APPEND_LOG_MAX_ROWS, type AppendLogStats } from './append-log.js';
import { Persister, type BatchWriter, type PersisterStats } from './persister.js';
import {
  DEFAULT_RETRY_POLICY, PoisonReporter, RateLimitedWarning, WriteFailed, withRetries,
  type RetryPolicy, type WriterMetrics,
} from './retry.js';
import type { CharacterSnapshot, ChunkSnapshot, LootDrop, MagicEventRow, PlaceLoot, WorldEventRow, WorldStore } from './store.js';
import { nodeTimers, within, type Timers } from './timers.js';

/** The slice of WorldStore a writer needs. */
export type WriterStore = BatchWriter & Pick<WorldStore, 'appendMagicEvents' | 'recordWorldEvents' | 'grantLoot'>;

/** What is logged of a cast row that had to be dropped. */
export const describeCast = (r: MagicEventRow): Record<string, unknown> => ({
  worldId: r.worldId, characterId: r.characterId, spellId: r.spellId, code: r.code, createdAt: r.createdAt,
});

export const EVENT_INTERVAL_MS = 1000; // cast rows are analytics: a second of buffering is plenty
export const WORLD_EVENT_MAX_ROWS = 1_000;
export const STOP_DEADLINE_MS = 30_000;
export const FLUSH_CHARACTER_DEADLINE_MS = 10_000;

export type RegionWriterOptions = {
  store: WriterStore;
  log: Logger;
  /** PERSIST_INTERVAL_MS: characters and chunks. */
  intervalMs: number;
  /** Cast rows and world events; default 1 s. */
  eventIntervalMs?: number;
  timers?: Partial<Timers>;
  policy?: Partial<RetryPolicy>;
  metrics?: WriterMetrics;
  /** Bound of the cast row buffer (oldest unsaved rows dropped past it); default 20,000. */
  maxEventRows?: number;
  /** Bound of the world event buffer; default 1,000. */
  maxWorldEventRows?: number;
};

export type LootGrantResult = {
  /** The drops are in the inventory (now, or by an earlier attempt: `duplicate`). */
  granted: boolean;
  /** This grant id had been applied already (a retry after a lost commit acknowledgement). */
  duplicate: boolean;
  /** What did not fit; all drops when not granted. */
  overflow: LootDrop[];
  /** Why it was not granted. */
  error?: Error;
};

export type LootStats = {
  inFlight: number;
  granted: number;
  /** Of `granted`: replays of a grant already applied. */
  duplicates: number;
  /** Given up after transient failures (logged with the grant id: a replay is safe). */
  failed: number;
  /** Refused as poison (never retried). */
  poisoned: number;
  retries: number;
};

export type WriterStats = {
  state: PersisterStats;
  magicEvents: AppendLogStats;
  worldEvents: AppendLogStats;
  loot: LootStats;
};

export class RegionWriter {
  private readonly store: WriterStore;
  private readonly log: Logger;
  private readonly timers: Timers;
  private readonly policy: RetryPolicy;
  private readonly metrics: WriterMetrics | undefined;
  private readonly poison: PoisonReporter;
  private readonly persister: Persister;
  private readonly casts: AppendLog<MagicEventRow>;
  private readonly worldEvents: AppendLog<WorldEventRow>;
  private readonly eventIntervalMs: number;
  private readonly lootRetrying: RateLimitedWarning;

  private readonly grants = new Set<Promise<LootGrantResult>>();
  private loot: LootStats = { inFlight: 0, granted: 0, duplicates: 0, failed: 0, poisoned: 0, retries: 0 };
  private eventTimer: unknown;
  private started = false;
  private stopped = false;
  private stopDeadline: number | undefined;
  private stopping: Promise<boolean> | undefined;
  /** stop() has finished: nothing written after this. */
  private closed = false;

  constructor(o: RegionWriterOptions) {
    this.store = o.store;
    this.log = o.log;
    this.timers = { ...nodeTimers, ...o.timers };
    this.policy = { ...DEFAULT_RETRY_POLICY, ...o.policy };
    this.metrics = o.metrics;
    this.eventIntervalMs = o.eventIntervalMs ?? EVENT_INTERVAL_MS;
    this.poison = new PoisonReporter(this.log, this.timers, this.policy, this.metrics);
    const shared = { log: this.log, timers: this.timers, policy: this.policy, metrics: this.metrics, poison: this.poison };
    this.persister = new Persister({ store: this.store, intervalMs: o.intervalMs, ...shared });
    this.casts = new AppendLog({
      kind: 'magic_event', write: (rows) => this.store.appendMagicEvents(rows), describe: describeCast,
      maxRows: o.maxEventRows ?? APPEND_LOG_MAX_ROWS, ...shared,
    });
    this.worldEvents = new AppendLog({
      kind: 'world_event', write: (rows) => this.store.recordWorldEvents(rows),
      describe: (e) => ({ worldId: e.worldId, rx: e.rx, rz: e.rz, kind: e.kind }),
      maxRows: o.maxWorldEventRows ?? WORLD_EVENT_MAX_ROWS, ...shared,
    });
    this.lootRetrying = new RateLimitedWarning(this.log, this.timers, this.policy.warnEveryMs, 'persist: loot grant failed; retrying');
  }

  /** Interval flushes: characters and chunks every `intervalMs`, events every `eventIntervalMs`. Idempotent. */
  start(): void {
    if (this.stopped) throw new Error('writer is stopped');
    if (this.started) return;
    this.started = true;
    this.persister.start();
    const tick = () => {
      this.eventTimer = this.timers.setTimeout(tick, this.eventIntervalMs);
      if (this.casts.pending > 0) void this.casts.flush();
      if (this.worldEvents.pending > 0) void this.worldEvents.flush();
    };
    this.eventTimer = this.timers.setTimeout(tick, this.eventIntervalMs);
  }

  /** From the tick: O(1), no I/O. The snapshot function runs at flush time. */
  markCharacter(id: string, snapshot: () => CharacterSnapshot): void {
    this.persister.markCharacter(id, snapshot);
  }

  /** `key` identifies the chunk; one pending write per key. */
  markChunk(key: string, snapshot: () => ChunkSnapshot): void {
    this.persister.markChunk(key, snapshot);
  }

  /**
   * Writes one character now and resolves once it is durably saved (leave, handoff: the
   * next room must load what this one wrote). Transient failures are retried until
   * `deadlineMs` (default 10 s); rejects then, or at once if the snapshot is poison.
   */
  flushCharacterNow(id: string, opts: { deadlineMs?: number } = {}): Promise<void> {
    return this.persister.flushCharacterNow(id, { deadlineMs: opts.deadlineMs ?? FLUSH_CHARACTER_DEADLINE_MS });
  }

  /** From the tick: buffers one cast row (appended within `eventIntervalMs`). */
  appendCast(row: MagicEventRow): void {
    this.casts.append(row);
  }

  /** From the tick: buffers one world event (fire and forget; written within `eventIntervalMs`). */
  recordWorldEvent(e: WorldEventRow): void {
    this.worldEvents.append(e);
  }

  /**
   * Writes a loot drop through at once. `grantId` is the idempotency key: the room picks
   * it once per kill (e.g. a uuid) and a replay with the same id grants nothing twice.
   * `place` is the game's stacking rule; it must be pure (it runs once per attempt).
   * Transient failures are retried with backoff up to `policy.maxAttempts` (or until a
   * stop's deadline); a poison grant (e.g. the character was deleted) is not retried.
   * Never rejects: `granted: false` with all drops as overflow when it was not saved.
   */
  grantLoot(characterId: string, grantId: string, drops: LootDrop[], place: PlaceLoot): Promise<LootGrantResult> {
    // While stop() runs, a grant is still taken (a kill in the last tick) and waited for.
    if (this.closed || (this.stopDeadline !== undefined && this.timers.now() >= this.stopDeadline)) {
      this.log.error({ characterId, grantId, drops }, 'persist: loot grant after stop; not saved');
      return Promise.resolve({ granted: false, duplicate: false, overflow: drops, error: new Error('writer is stopped') });
    }
    const p = this.runGrant(characterId, grantId, drops, place).finally(() => {
      this.grants.delete(p);
      this.loot.inFlight = this.grants.size;
    });
    this.grants.add(p);
    this.loot.inFlight = this.grants.size;
    return p;
  }

  /** Resolves once the writes in flight (interval flushes, grants) have settled; starts none. */
  async idle(): Promise<void> {
    await Promise.all([this.persister.idle(), this.casts.idle(), this.worldEvents.idle(), ...[...this.grants].map((g) => g.then(() => undefined))]);
  }

  /** Writes everything pending now (characters, chunks, events), once; true when nothing is left pending. */
  async flush(): Promise<boolean> {
    const [state, casts, events] = await Promise.all([this.persister.flush(), this.casts.flush({ force: true }), this.worldEvents.flush({ force: true })]);
    return state.ok && this.persister.pending === 0 && casts && events;
  }

  /**
   * Stops the timers, then writes everything still pending (characters, chunks, cast
   * rows, world events) and waits for grants in flight, until all is saved or
   * `deadlineMs` (default 30 s) has passed. True when nothing was left unsaved (rows
   * dropped as poison do not count: they could never be saved). Concurrent and repeated
   * calls share one run.
   */
  stop(opts: { deadlineMs?: number } = {}): Promise<boolean> {
    this.stopping ??= this.drain(opts.deadlineMs ?? STOP_DEADLINE_MS);
    return this.stopping;
  }

  stats(): WriterStats {
    return { state: this.persister.stats(), magicEvents: this.casts.stats(), worldEvents: this.worldEvents.stats(), loot: { ...this.loot } };
  }

  private async drain(deadlineMs: number): Promise<boolean> {
    this.stopped = true;
    this.timers.clearTimeout(this.eventTimer);
    this.eventTimer = undefined;
    const deadline = this.timers.now() + deadlineMs;
    this.stopDeadline = deadline;
    const failedBefore = this.loot.failed;
    const grants = async () => {
      const all = Promise.all([...this.grants]).then(() => true);
      return (await within(this.timers, all, Math.max(deadline - this.timers.now(), 0))) ?? false;
    };
    const [state, casts, events, settled] = await Promise.all([
      this.persister.stop({ deadlineMs }),
      this.casts.drain(deadline),
      this.worldEvents.drain(deadline),
      grants(),
    ]);
    const grantsOk = settled && this.loot.failed === failedBefore;
    if (!grantsOk) this.log.error({ inFlight: this.grants.size, failed: this.loot.failed - failedBefore }, 'persist: loot grants left unsaved at stop');
    this.closed = true;
    return state && casts && events && grantsOk;
  }

  private async runGrant(characterId: string, grantId: string, drops: LootDrop[], place: PlaceLoot): Promise<LootGrantResult> {
    try {
      const r = await withRetries(() => this.store.grantLoot(characterId, grantId, place), {
        policy: this.policy,
        timers: this.timers,
        stopAt: () => this.stopDeadline,
        onRetry: (failure, attempt, retryInMs, err) => {
          this.loot.retries++;
          this.metrics?.retried?.('loot');
          this.lootRetrying.hit({ characterId, grantId, code: failure.code, class: failure.kind, attempt, retryInMs, err });
        },
      });
      this.loot.granted++;
      if (r.duplicate) this.loot.duplicates++;
      return { granted: true, duplicate: r.duplicate, overflow: r.overflow };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      if (e instanceof WriteFailed && e.failure.kind === 'poison') {
        this.loot.poisoned++;
        this.poison.dropped('loot', e.failure, { characterId, grantId, drops }, e.cause);
      } else {
        this.loot.failed++;
        // Safe to replay by hand: the grant id makes a second application a no-op.
        this.log.error({ err: error, characterId, grantId, drops }, 'persist: loot grant not saved; given up');
      }
      return { granted: false, duplicate: false, overflow: drops, error };
    }
  }
}
