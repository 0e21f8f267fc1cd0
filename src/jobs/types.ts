/**
 * Queue names and the payload/result contract of every job. Payloads and
 * results cross process boundaries as JSON, so they are plain data: numbers,
 * strings, arrays, objects (no Date, no Map, no class instances).
 */
import { z } from 'zod';
import type { Logger } from '../log.js';
import { RITUAL_KINDS, type RitualEffect } from '../game/rituals.js';

export const QUEUE_NAMES = ['rituals', 'narration', 'agents', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

// ---------------------------------------------------------------------------
// rituals

// Kinds and effects are game rules (src/game/rituals.ts); this is the payload contract.
export { RITUAL_KINDS, type RitualKind, type RitualEffect, type BlockEditEffect } from '../game/rituals.js';

const int = z.number().int();
const coord = z.number().finite();

/** Validated by the processor: a job payload is input from another process. */
export const ritualPayloadSchema = z.object({
  /** Also the job id: the room applies a ritual's result once per ritualId. */
  ritualId: z.string().min(1).max(128),
  roomId: z.string().min(1).max(128),
  worldId: z.string().min(1).max(128),
  rx: int,
  rz: int,
  casterId: z.string().min(1).max(128),
  spellId: z.string().min(1).max(128),
  ritualKind: z.enum(RITUAL_KINDS),
  /** Ritual centre, block coordinates (y = the ground surface the ritual stands on). */
  x: coord,
  y: coord,
  z: coord,
  /** Effective power (spell power × mastery × environment), ≥ 0. */
  power: z.number().finite().min(0).max(10_000),
  /** Seeds every random choice of the outcome: same payload → same effects. */
  seed: int,
  /** Epoch ms. */
  startedAt: int,
  /** Epoch ms at which the room should apply the result. */
  completesAt: int,
});
export type RitualPayload = z.infer<typeof ritualPayloadSchema>;

export type RitualResult = { ritualId: string; status: 'completed'; effects: RitualEffect[] };

// ---------------------------------------------------------------------------
// narration (AI game master) — the contract the ai/ work builds on

export type NarrationPayload = {
  narrationId: string;
  roomId: string;
  worldId: string;
  /** What happened, e.g. 'ritual_completed', 'boss_spawned', 'quest_offer'. */
  trigger: string;
  /** Facts the narrator may use (names, places, numbers); plain JSON. */
  context: Record<string, unknown>;
  seed: number;
};
export type NarrationResult = { narrationId: string; text: string; source: 'llm' | 'fallback' };

// ---------------------------------------------------------------------------
// world agents — the contract the agents work builds on

export type AgentPayload = {
  agentId: string;
  worldId: string;
  rx: number;
  rz: number;
  /** Agent-specific goal/state, plain JSON. */
  state: Record<string, unknown>;
  seed: number;
};
export type AgentResult = { agentId: string; actions: Record<string, unknown>[] };

// ---------------------------------------------------------------------------
// maintenance

export const MAINTENANCE_TASKS = ['refresh_spell_analytics', 'ensure_partitions', 'prune_auth', 'prune_loot_grants'] as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[number];
export const maintenancePayloadSchema = z.object({ task: z.enum(MAINTENANCE_TASKS) });
export type MaintenancePayload = z.infer<typeof maintenancePayloadSchema>;
export type MaintenanceResult = {
  task: MaintenanceTask;
  status: 'done' | 'skipped';
  /** Why it was skipped, or what was done. */
  detail?: string;
  /** ensure_partitions: partitions created. */
  created?: number;
  /** prune_auth: rows deleted. */
  pruned?: { sessions: number; loginAddresses: number } | { lootGrants: number };
  durationMs: number;
};

// ---------------------------------------------------------------------------
// name → payload/result

export interface JobTypes {
  rituals: { payload: RitualPayload; result: RitualResult };
  narration: { payload: NarrationPayload; result: NarrationResult };
  agents: { payload: AgentPayload; result: AgentResult };
  maintenance: { payload: MaintenancePayload; result: MaintenanceResult };
}
export type PayloadOf<N extends QueueName> = JobTypes[N]['payload'];
export type ResultOf<N extends QueueName> = JobTypes[N]['result'];

/** What onResult handlers receive: the processor's result, or why the job failed for good. */
export type JobFailure = { error: string };
export type JobOutcome<N extends QueueName> = ResultOf<N> | JobFailure;

export function isJobFailure(o: unknown): o is JobFailure {
  return typeof o === 'object' && o !== null && 'error' in o && typeof (o as JobFailure).error === 'string';
}

export type JobContext = {
  jobId: string;
  /** 1 on the first try, 2 on the first retry, … (a stalled-and-recovered run keeps its number). */
  attempt: number;
  log: Logger;
  /** Aborted when the job times out; long processors should stop early. */
  signal: AbortSignal;
};

export type Processor<N extends QueueName> = (payload: PayloadOf<N>, ctx: JobContext) => Promise<ResultOf<N>>;
export type Processors = { [N in QueueName]?: Processor<N> };

/**
 * A payload that can never succeed (fails validation): the job fails at once,
 * without retries.
 */
export class JobPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobPayloadError';
  }
}

/** zod parse that throws JobPayloadError naming the offending fields. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const r = schema.safeParse(payload);
  if (!r.success) {
    throw new JobPayloadError(
      `invalid ${what} payload: ` + r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  return r.data;
}
