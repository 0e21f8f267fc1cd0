/**
 * JobQueue and Workers on BullMQ, for either backend. The backend-specific
 * parts (how to build a Queue/Worker/QueueEvents, queue naming) come in a
 * `BullDriver` (src/jobs/redis.ts, src/jobs/postgres.ts).
 *
 * Result delivery, once per job id per process:
 *  - QueueEvents 'completed'/'failed' when the driver has reliable ones (Redis);
 *  - the events of workers running in this process (always fed in; on the
 *    PostgreSQL backend they are the primary path, its QueueEvents drop events);
 *  - a slow poll of the state of jobs this process enqueued and has not seen
 *    finish yet: the safety net for results that finished while nobody
 *    listened, on another process (PostgreSQL), or during a dropped connection.
 */
import { UnrecoverableError, type Job, type KeepJobs, type Queue, type QueueEvents, type Worker } from 'bullmq';
import type { Logger } from '../log.js';
import { assertJobId, JobQueueClosedError, type EnqueueOptions, type JobQueue, type ResultHandler, type ScheduleOptions, type Workers } from './queue.js';
import { JobPayloadError, QUEUE_NAMES, type JobContext, type JobOutcome, type PayloadOf, type Processor, type Processors, type QueueName } from './types.js';

export type Tuning = {
  /** Tries per job, first included. */
  attempts: number;
  /** Exponential backoff base: retry n waits backoffMs × 2^(n-1). */
  backoffMs: number;
  /** Jobs per worker at once. */
  concurrency: number;
  /** Lock a running job holds (renewed at half); when it lapses the job is stalled. */
  lockDurationMs: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs: number;
  /** Recoveries from a stall before the job is failed. */
  maxStalledCount: number;
  removeOnComplete: KeepJobs;
  removeOnFail: KeepJobs;
  /** How long enqueue waits for an unreachable backend before it rejects. */
  enqueueTimeoutMs: number;
  /** Safety-net poll of pending job states. */
  resultPollMs: number;
  /** A processor running longer than this is aborted and the attempt fails (so a hung job is retried). */
  timeoutsMs: Record<QueueName, number>;
  /** Workers.close waits this long for running jobs. */
  closeTimeoutMs: number;
};

export type WorkerProcessor = (job: Job, token: string | undefined, signal: AbortSignal | undefined) => Promise<unknown>;

export type BullDriver = {
  kind: 'redis' | 'postgres';
  /** The BullMQ queue name for a logical queue. */
  queueName(name: QueueName): string;
  newQueue(fullName: string): Queue;
  newWorker(fullName: string, processor: WorkerProcessor, tuning: Tuning): Worker;
  /** Only where QueueEvents are reliable (Redis). */
  newQueueEvents?(fullName: string): QueueEvents;
};

const MAX_TRACKED = 10_000; // pending ids / delivered ids remembered per queue
const POLL_BATCH = 100; // pending ids checked per queue per poll
const MISSING_GRACE_MS = 10_000; // a pending id whose job is gone is dropped only after this
const POLL_CALL_TIMEOUT_MS = 5000; // a poll never hangs on an unreachable backend

/** Insertion-ordered set that forgets its oldest entries beyond `max`. */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string): boolean {
    return this.items.has(k);
  }
  add(k: string): void {
    this.items.add(k);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }
}

/**
 * An error listener that logs at most once per `intervalMs` (a down Redis reports every reconnect).
 * Once `closed()` is true the errors are the closing connections' own (BullMQ's PostgreSQL backend can end a
 * connection after close() resolved, and a database dropped or stopped then kills it): logged at debug.
 */
export function throttledErrorLog(log: Logger, msg: string, intervalMs = 30_000, closed: () => boolean = () => false): (err: unknown) => void {
  let last = 0;
  let suppressed = 0;
  return (err) => {
    if (closed()) {
      log.debug({ err }, `${msg} (after close)`);
      return;
    }
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed++;
      return;
    }
    log.error({ err, suppressed }, msg);
    last = now;
    suppressed = 0;
  };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function jobOptions(t: Tuning) {
  return {
    attempts: t.attempts,
    backoff: { type: 'exponential' as const, delay: t.backoffMs },
    removeOnComplete: t.removeOnComplete,
    removeOnFail: t.removeOnFail,
  };
}

export class BullJobQueue implements JobQueue {
  readonly kind: 'redis' | 'postgres';
  private readonly queues = new Map<QueueName, Queue>();
  private readonly events = new Map<QueueName, QueueEvents>();
  private readonly handlers = new Map<QueueName, Set<ResultHandler<QueueName>>>();
  /** Jobs this process enqueued whose outcome it has not delivered: id → enqueued at. */
  private readonly pending = new Map<QueueName, Map<string, number>>();
  private readonly delivered = new Map<QueueName, BoundedSet>();
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly driver: BullDriver,
    private readonly tuning: Tuning,
    private readonly log: Logger,
  ) {
    this.kind = driver.kind;
  }

  private queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = this.driver.newQueue(this.driver.queueName(name));
      q.on('error', throttledErrorLog(this.log, `job queue "${name}" error`, undefined, () => this.closing !== undefined));
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<N extends QueueName>(name: N, payload: PayloadOf<N>, opts: EnqueueOptions): Promise<void> {
    if (this.closing) throw new JobQueueClosedError();
    assertJobId(opts.jobId);
    const delay = opts.delayMs !== undefined && opts.delayMs > 0 ? Math.round(opts.delayMs) : undefined;
    await withTimeout(
      this.queue(name).add(name, payload, { ...jobOptions(this.tuning), jobId: opts.jobId, delay }),
      this.tuning.enqueueTimeoutMs,
      `enqueue on "${name}"`,
    );
    if (this.delivered.get(name)?.has(opts.jobId)) return;
    let p = this.pending.get(name);
    if (!p) this.pending.set(name, (p = new Map()));
    if (!p.has(opts.jobId)) {
      p.set(opts.jobId, Date.now());
      if (p.size > MAX_TRACKED) {
        const oldest = p.keys().next().value!;
        p.delete(oldest);
        this.log.warn({ queue: name, jobId: oldest }, 'too many pending jobs tracked; no longer polling the oldest');
      }
    }
    this.ensurePolling();
  }

  onResult<N extends QueueName>(name: N, handler: ResultHandler<N>): () => void {
    if (this.closing) return () => {}; // a room created during shutdown: nothing will be delivered anyway
    let hs = this.handlers.get(name);
    if (!hs) this.handlers.set(name, (hs = new Set()));
    const h = handler as unknown as ResultHandler<QueueName>;
    hs.add(h);
    this.listen(name);
    this.ensurePolling();
    return () => {
      hs.delete(h);
    };
  }

  private listen(name: QueueName): void {
    if (!this.driver.newQueueEvents || this.events.has(name)) return;
    const qe = this.driver.newQueueEvents(this.driver.queueName(name));
    qe.on('error', throttledErrorLog(this.log, `job queue events "${name}" error`, undefined, () => this.closing !== undefined));
    qe.on('completed', ({ jobId, returnvalue }) => this.deliver(name, jobId, returnvalue as JobOutcome<QueueName>));
    qe.on('failed', ({ jobId, failedReason }) => this.deliver(name, jobId, { error: failedReason || 'job failed' }));
    this.events.set(name, qe);
  }

  /** Hands an outcome to this process's handlers, once per job id. Called by every delivery path. */
  deliver(name: QueueName, jobId: string, outcome: JobOutcome<QueueName>): void {
    if (this.closing) return;
    const hs = this.handlers.get(name);
    if (!hs || hs.size === 0) return; // pending jobs stay pending: delivered when someone subscribes
    let d = this.delivered.get(name);
    if (!d) this.delivered.set(name, (d = new BoundedSet(MAX_TRACKED)));
    if (d.has(jobId)) return;
    d.add(jobId);
    this.pending.get(name)?.delete(jobId);
    for (const h of [...hs]) {
      try {
        h(jobId, outcome);
      } catch (err) {
        this.log.error({ err, queue: name, jobId }, 'job result handler threw');
      }
    }
  }

  private ensurePolling(): void {
    if (this.pollTimer || this.closing) return;
    this.pollTimer = setInterval(() => void this.poll(), this.tuning.resultPollMs);
    this.pollTimer.unref();
  }

  /** The safety net: look up the state of pending jobs (of queues someone listens to). */
  async poll(): Promise<void> {
    if (this.polling || this.closing) return;
    this.polling = true;
    try {
      for (const [name, p] of this.pending) {
        if (p.size === 0 || !this.handlers.get(name)?.size) continue;
        const q = this.queue(name);
        for (const [jobId, since] of [...p].slice(0, POLL_BATCH)) {
          if (this.closing) return;
          const state = await withTimeout(q.getJobState(jobId), POLL_CALL_TIMEOUT_MS, 'pending-job state');
          if (state === 'completed' || state === 'failed') {
            const job = await withTimeout(q.getJob(jobId), POLL_CALL_TIMEOUT_MS, 'pending-job read');
            if (!job) continue; // evicted between the two reads: next poll reports it
            this.log.debug({ queue: name, jobId, state }, 'job outcome found by the pending-job poll');
            if (state === 'completed') this.deliver(name, jobId, job.returnvalue as JobOutcome<QueueName>);
            else this.deliver(name, jobId, { error: job.failedReason || 'job failed' });
          } else if (state === 'unknown' && Date.now() - since > MISSING_GRACE_MS) {
            // Gone from the store without an outcome (a Redis restarted empty, an eviction): that
            // is not a failed job, and none is delivered. The consumer's own deadline handles it
            // (a room computes the ritual itself); a failure here would pre-empt that.
            this.log.warn({ queue: name, jobId }, 'pending job vanished before its outcome was seen; no outcome will be delivered');
            p.delete(jobId);
          } else if (p.has(jobId)) {
            // Still running or delayed: move to the back so long-delayed jobs do not hog the batch.
            p.delete(jobId);
            p.set(jobId, since);
          }
        }
      }
    } catch (err) {
      this.log.debug({ err }, 'pending-job poll failed; retrying on the next interval');
    } finally {
      this.polling = false;
    }
  }

  async upsertSchedule<N extends QueueName>(name: N, schedulerId: string, opts: ScheduleOptions, payload: PayloadOf<N>): Promise<void> {
    if (this.closing) throw new JobQueueClosedError();
    await withTimeout(
      this.queue(name).upsertJobScheduler(schedulerId, { every: opts.everyMs }, { name, data: payload, opts: jobOptions(this.tuning) }),
      this.tuning.enqueueTimeoutMs,
      `upsert schedule "${schedulerId}"`,
    );
  }

  async removeSchedule(name: QueueName, schedulerId: string): Promise<void> {
    if (this.closing) throw new JobQueueClosedError();
    await withTimeout(this.queue(name).removeJobScheduler(schedulerId), this.tuning.enqueueTimeoutMs, `remove schedule "${schedulerId}"`);
  }

  async health(): Promise<'ok' | 'down'> {
    if (this.closing) return 'down';
    try {
      await withTimeout(this.queue('rituals').getJobCounts('waiting'), 1500, 'queue health check');
      return 'ok';
    } catch {
      return 'down';
    }
  }

  /** The BullMQ queue behind a logical one (tests clean up with it). */
  bullQueue(name: QueueName): Queue {
    return this.queue(name);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.pollTimer);
      this.handlers.clear();
      const all: Promise<unknown>[] = [
        ...[...this.events.values()].map((e) => e.close()),
        ...[...this.queues.values()].map((q) => q.close()),
      ];
      const results = await Promise.allSettled(all);
      for (const r of results) if (r.status === 'rejected') this.log.warn({ err: r.reason }, 'closing a job queue connection failed');
    })();
    return this.closing;
  }
}

class JobTimeoutError extends Error {
  constructor(ms: number) {
    super(`job timed out after ${ms} ms`);
    this.name = 'JobTimeoutError';
  }
}

export class BullWorkers implements Workers {
  private readonly workers: Worker[] = [];
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly driver: BullDriver,
    private readonly tuning: Tuning,
    private readonly log: Logger,
    /** Outcomes of jobs finished by this process's workers (final failures only). */
    private readonly onOutcome?: (name: QueueName, jobId: string, outcome: JobOutcome<QueueName>) => void,
  ) {}

  start(processors: Processors): void {
    if (this.started) throw new Error('workers already started');
    if (this.closing) throw new Error('workers are closed');
    this.started = true;
    for (const name of QUEUE_NAMES) {
      const processor = processors[name] as Processor<QueueName> | undefined;
      if (!processor) continue;
      const log = this.log.child({ queue: name });
      const w = this.driver.newWorker(
        this.driver.queueName(name),
        (job, _token, signal) => this.run(name, processor, job, signal, log),
        this.tuning,
      );
      w.on('error', throttledErrorLog(log, 'job worker error', undefined, () => this.closing !== undefined));
      w.on('completed', (job, result) => {
        if (job.id) this.onOutcome?.(name, job.id, result as JobOutcome<QueueName>);
      });
      w.on('failed', (job, err) => {
        if (!job?.id) return;
        const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        log[final ? 'error' : 'warn']({ jobId: job.id, attempt: job.attemptsMade, err: err.message }, final ? 'job failed for good' : 'job attempt failed; retrying');
        if (final) this.onOutcome?.(name, job.id, { error: err.message });
      });
      w.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled (its worker died or hung); handed to another worker'));
      this.workers.push(w);
    }
    this.log.info({ queues: Object.keys(processors), concurrency: this.tuning.concurrency, backend: this.driver.kind }, 'job workers started');
  }

  private async run(name: QueueName, processor: Processor<QueueName>, job: Job, bullSignal: AbortSignal | undefined, log: Logger): Promise<unknown> {
    const timeoutMs = this.tuning.timeoutsMs[name];
    const ac = new AbortController();
    const onBullAbort = () => ac.abort(bullSignal?.reason ?? new Error('job cancelled'));
    bullSignal?.addEventListener('abort', onBullAbort, { once: true });
    const timer = setTimeout(() => ac.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    const aborted = new Promise<never>((_, reject) => {
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
    });
    aborted.catch(() => {}); // only observed through the race below
    const ctx: JobContext = { jobId: job.id!, attempt: job.attemptsMade + 1, log: log.child({ jobId: job.id }), signal: ac.signal };
    try {
      return await Promise.race([processor(job.data, ctx), aborted]);
    } catch (err) {
      if (err instanceof JobPayloadError) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      clearTimeout(timer);
      bullSignal?.removeEventListener('abort', onBullAbort);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const all = Promise.allSettled(this.workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.tuning.closeTimeoutMs)));
      const r = await Promise.race([all, deadline]);
      clearTimeout(timer);
      if (r === 'timeout') {
        this.log.warn({ waitedMs: this.tuning.closeTimeoutMs }, 'job workers still busy at shutdown; their jobs are retried once their locks expire');
      } else {
        for (const x of r) if (x.status === 'rejected') this.log.warn({ err: x.reason }, 'closing a job worker failed');
      }
    })();
    return this.closing;
  }
}
