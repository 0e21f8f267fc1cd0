/**
 * Queue names and the payload/result contract of every job. Payloads and
 * results cross process boundaries as JSON, so they are plain data: numbers,
 * strings, arrays, objects (no Date, no Map, no class instances).
 */
import { z } from 'zod';
import type { Logger } from '../log.js';
import { RITUAL_KINDS, type RitualEffect } from '../game/rituals.js';
import { NARRATION_TEXT_MAX } from '../game/narration.js';
import type { DroppedPart } from '../game/outcomes.js';
import { GENRES, type FallbackCause } from '../ai/types.js';

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
// narration (AI game master, issue 10): `act` / `talk` of a player, narrated by
// src/ai's GameMaster in a worker; the room that holds the character applies the
// validated outcome (docs/protocol.md, "Game master").

/** What the room knows and sends; the processor adds memory, quests, events and the NPC's persona and relationship from the database. */
export const narrationPayloadSchema = z.object({
  /** Also the job id (a uuid): delivered, applied and recorded once per narrationId. */
  narrationId: z.string().regex(/^[0-9a-f-]{36}$/),
  roomId: z.string().min(1).max(128),
  worldId: z.string().min(1).max(128),
  rx: int,
  rz: int,
  characterId: z.string().min(1).max(128),
  userId: z.string().min(1).max(128),
  kind: z.enum(['act', 'talk']),
  text: z.string().min(1).max(NARRATION_TEXT_MAX),
  genre: z.enum(GENRES),
  seed: int,
  character: z.object({
    id: z.string().max(128),
    name: z.string().max(64),
    characterClass: z.string().max(64),
    level: int.min(1),
    hp: z.number().finite(),
    maxHp: z.number().finite(),
    mana: z.number().finite(),
    maxMana: z.number().finite(),
    knownSpells: z.array(z.string().max(64)).max(256),
  }),
  region: z.object({
    biome: z.string().max(32),
    timeOfDay: z.number().min(0).max(24),
    leyline: z.object({ id: z.string().max(64), strength: z.number().min(0).max(1) }).optional(),
    nearbyNpcs: z.array(z.object({ id: z.string().max(64), kind: z.string().max(64) })).max(16),
    nearbyPlayers: z.array(z.string().max(64)).max(16),
  }),
  /** `talk` only: the NPC spoken to. */
  npc: z.object({ id: z.string().min(1).max(64), kind: z.string().min(1).max(32) }).optional(),
  /** What an outcome may grant here (the region's loot tables, src/game/outcomes.ts regionLootItems): item id and most per narration. */
  lootItems: z.array(z.object({ itemId: z.string().max(64), max: int.min(1).max(10_000) })).max(256),
});
export type NarrationPayload = z.infer<typeof narrationPayloadSchema>;

/** What the job hands back to the room holding the character (any room, any process). */
export type NarrationResult = {
  narrationId: string;
  characterId: string;
  text: string;
  source: 'llm' | 'fallback';
  cause?: FallbackCause;
  /**
   * The validated outcome. The job has already recorded relationship, quest offer and lore
   * (they are not live state); xp and items are for the room that holds the character.
   */
  outcome: NarrationOutcome;
  /** Parts of the proposal that broke the rules (also logged by the job). */
  dropped: DroppedPart[];
};

/** What `narration.outcome` reports to the player: the applied parts only. */
export type NarrationOutcome = {
  xp?: number;
  items?: { itemId: string; quantity: number }[];
  relationship?: { npcId: string; npcKind: string; delta: number; value: number };
  questOffered?: { title: string; description?: string };
  lore?: string[];
};

/**
 * Presence channel of one character's narrations: live chunks from the job, and finals the
 * requesting process makes itself (a failed or overdue job). Every process with a room
 * holding the character is subscribed (rooms/narration.ts).
 */
export const narrationChannel = (characterId: string) => `leyline:narration:${characterId}`;
export type NarrationChunk = { type: 'chunk'; narrationId: string; characterId: string; seq: number; text: string };
export type NarrationFinal = { type: 'final'; result: NarrationResult };
export type NarrationMessage = NarrationChunk | NarrationFinal;

export type { NarrationContext, NarrationRequest, NarrationResponse, GameMaster, Genre } from '../ai/types.js';
export { GENRES } from '../ai/types.js';

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
