/**
 * Sends a started ritual to the job queue (a delayed job, due at its
 * completion time, computed by any worker) and falls back to computing the
 * same outcome in the room when there is no queue, the queue cannot take the
 * job, or no result has come `graceMs` after completion. Results are applied
 * once per ritualId by the simulation, whichever path delivers first.
 */
import type { Logger } from '../src/log.js';
import { ritualEffects, ritualInput, type RitualEffect, type RitualStart } from '../src/game/rituals.js';
import type { RitualPayload } from '../src/jobs/index.js';
import type { RoomJobs } from './ports.js';

export type RitualSink = {
  result(ritualId: string, effects: RitualEffect[]): void;
  isPending(ritualId: string): boolean;
};

export function dispatchRitual(opts: {
  ritual: RitualStart;
  where: Pick<RitualPayload, 'roomId' | 'worldId' | 'rx' | 'rz'>;
  jobs: RoomJobs | undefined;
  sink: RitualSink;
  graceMs: number;
  now(): number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  log: Logger;
}): void {
  const { ritual: r, jobs, sink, log } = opts;
  const payload: RitualPayload = {
    ...opts.where, ritualId: r.ritualId, casterId: r.casterId, spellId: r.spellId, ritualKind: r.ritualKind,
    x: r.aim.x, y: r.aim.y, z: r.aim.z, power: r.power, seed: r.seed, startedAt: r.startedAt, completesAt: r.completesAt,
  };
  const delayMs = Math.max(0, r.completesAt - opts.now());
  const inRoom = (why: string, err?: unknown) => {
    log.warn({ err, ritualId: r.ritualId, room: payload.roomId }, `${why}: computing the ritual in the room`);
    opts.setTimeout(() => sink.result(r.ritualId, ritualEffects(ritualInput(r))), Math.max(0, r.completesAt - opts.now()));
  };
  if (!jobs) return inRoom('no job queue');
  jobs.enqueue('rituals', payload, { jobId: r.ritualId, delayMs }).then(
    // A queue with no worker running would leave the ritual hanging: past the grace period, compute it here.
    () => opts.setTimeout(() => sink.isPending(r.ritualId) && inRoom('no ritual result in time'), delayMs + opts.graceMs),
    (err: unknown) => inRoom('job queue unreachable', err),
  );
}
