/**
 * The one job-queue interface rooms and the server use. Two adapters implement
 * it (src/jobs/bullmq.ts with a Redis or a PostgreSQL backend); `createJobs`
 * in src/jobs/index.ts picks one from config.
 */
import type { JobOutcome, PayloadOf, Processors, QueueName } from './types.js';

export type EnqueueOptions = {
  /**
   * Idempotency key: enqueuing the same id twice creates one job (while the
   * first is still stored: completed jobs are kept for a bounded time/count).
   * Letters, digits, `_`, `-`, `.`; not all digits; at most 128 characters.
   */
  jobId: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
};

export type ResultHandler<N extends QueueName> = (jobId: string, outcome: JobOutcome<N>) => void;

export type ScheduleOptions = { everyMs: number };

export interface JobQueue {
  readonly kind: 'redis' | 'postgres';
  /** Resolves once the job is stored; rejects when the queue is unreachable (after a bounded wait) or closed. */
  enqueue<N extends QueueName>(name: N, payload: PayloadOf<N>, opts: EnqueueOptions): Promise<void>;
  /**
   * Delivers, in this process, the outcome of jobs of `name` that finish —
   * wherever the worker ran — once per job id: the result, or `{ error }`
   * after the last attempt failed. Jobs this process enqueued are also
   * delivered if they finished while nobody listened; one that vanishes from
   * the store without an outcome (a Redis restarted empty) is never
   * delivered, as it did not fail. Other processes'
   * jobs may be delivered too: a handler ignores ids it does not know.
   * Returns the unsubscribe function (a no-op one once the queue is closed).
   */
  onResult<N extends QueueName>(name: N, handler: ResultHandler<N>): () => void;
  /** Creates or updates a repeating job (BullMQ job scheduler); the same schedulerId from many processes is one schedule. */
  upsertSchedule<N extends QueueName>(name: N, schedulerId: string, opts: ScheduleOptions, payload: PayloadOf<N>): Promise<void>;
  removeSchedule(name: QueueName, schedulerId: string): Promise<void>;
  health(): Promise<'ok' | 'down'>;
  /** Stops deliveries and closes connections; safe to call twice. */
  close(): Promise<void>;
}

export interface Workers {
  /** Starts one BullMQ worker per queue that has a processor. Call once. */
  start(processors: Processors): void;
  /**
   * Stops taking jobs and waits for running ones (bounded); a job still
   * running at the deadline is retried elsewhere once its lock expires.
   * Safe to call twice.
   */
  close(): Promise<void>;
}

export class JobQueueClosedError extends Error {
  constructor() {
    super('job queue is closed');
    this.name = 'JobQueueClosedError';
  }
}

const JOB_ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;

/** BullMQ refuses integer-like custom ids and ':'; we also keep ids printable and bounded. */
export function assertJobId(jobId: string): void {
  if (typeof jobId !== 'string' || !JOB_ID_RE.test(jobId) || /^\d+$/.test(jobId)) {
    throw new TypeError(`invalid job id ${JSON.stringify(jobId)}: use 1-128 of [A-Za-z0-9_.-], not all digits`);
  }
}
