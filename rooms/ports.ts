/**
 * What a region room needs from the process, as narrow ports. The process
 * (src/server.ts) builds them from its services and hands them to
 * `regionRoom()`; rooms never import src/auth, src/db or src/api.
 */
import type { Client } from '@colyseus/core';
import type { CharacterSnapshot } from '../src/game/character.js';
import type { Drop, InventorySlot } from '../src/game/loot.js';
import type { JobQueue } from '../src/jobs/index.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import type { ChunkSnapshot, MagicEventRow, WorldInfo } from '../src/persist/store.js';
import type { CharacterState, RegionState } from '../schema/index.js';
import type { NarrationHub } from './narration.js';

/** Who is behind a bearer token (signature, expiry and revocation checked), or undefined. */
export type RoomAuth = {
  authenticate(token: string): Promise<{ userId: string; sessionId: string } | undefined>;
};

/** Presence channel on which the API announces a logout: `{ sessionId }`; rooms close that session's clients. */
export const LOGOUT_CHANNEL = 'leyline:logout';

/** What rooms read from the database (at create and join only, never in the tick). */
export type RegionLoader = {
  loadWorld(worldId: string): Promise<WorldInfo | undefined>;
  loadCharacter(characterId: string): Promise<CharacterSnapshot | undefined>;
  loadRegionChunks(worldId: string, rx: number, rz: number): Promise<ChunkSnapshot[]>;
};

export type WorldEventRecord = { worldId: string; rx: number; rz: number; kind: string; startsAt: Date; endsAt: Date; data: Record<string, unknown> };

/** The one writer of everything a room persists (src/persist), with one retry and poison policy. */
export type RegionWriter = {
  start(): void;
  markCharacter(id: string, snapshot: () => CharacterSnapshot): void;
  markChunk(key: string, snapshot: () => ChunkSnapshot): void;
  /** Durable before it resolves (leave, handoff); rejects when it cannot be saved in time. */
  flushCharacterNow(id: string): Promise<void>;
  appendCast(row: MagicEventRow): void;
  /** Written through at once, once per `grantId` (bounded retries); never rejects. `overflow`: what did not fit (all of it when not granted). */
  grantLoot(
    characterId: string,
    grantId: string,
    drops: Drop[],
    place: (slots: InventorySlot[]) => { slots: InventorySlot[]; overflow: Drop[] },
  ): Promise<{ granted: boolean; overflow: Drop[] }>;
  recordWorldEvent(e: WorldEventRecord): void;
  /** Final flush of everything; true when all of it was saved. */
  stop(): Promise<boolean>;
};

export type RoomMetrics = {
  /** Starts timing a tick; call the result when it ends. */
  tickTimer(): () => void;
  clientJoined(): void;
  clientLeft(): void;
};

export type RoomJobs = Pick<JobQueue, 'enqueue' | 'onResult'>;

export type RoomSettings = Pick<
  Config,
  'tickRateHz' | 'patchRateMs' | 'viewRadiusChunks' | 'persistIntervalMs' | 'reconnectWindowS' | 'dayLengthS' | 'ritualResultGraceMs' | 'regionSeats' | 'crowdGatherPerS' | 'narrationGenre'
>;

export type RegionRoomDeps = {
  settings: RoomSettings;
  log: Logger;
  auth: RoomAuth;
  loader: RegionLoader;
  openWriter(ctx: { roomId: string; rx: number; rz: number; log: Logger }): RegionWriter;
  metrics: RoomMetrics;
  /** Rituals go to workers through it; absent → rooms compute them in-process. */
  jobs?: RoomJobs;
  /** The game master's routing in this process (rooms/narration.ts); absent → `act`/`talk` answer NARRATION_UNAVAILABLE. */
  narration?: NarrationHub;
  /** Epoch ms; injected so the simulation can be replayed. Default Date.now. */
  now?: () => number;
  /** Ids of rituals and loot grants (uuids). */
  newId: () => string;
};

/** Who sees what: the region room's interest management (rooms/interest.ts) or a stand-in. */
export type Interest = {
  attach(client: Client, characterId: string): void;
  rebind(client: Client): void;
  detach(sessionId: string): void;
  chunkAdded(key: string): void;
  update(tick: number): void;
  /** Joined clients who should see an effect at (x, z). */
  clientsNear(x: number, z: number): Client[];
  /** Work that can wait for a tick's idle time, one unit per call (rooms/interest.ts); true if it did some. */
  prewarm?(): boolean;
};

/**
 * Supported seams for tools that measure the room (the benchmark's naive
 * baseline lives in loadtest/ and is built from these, not by patching).
 */
export type RoomSeams = {
  /** The wire state and its character objects (default: RegionState, CharacterState). */
  wire?: { state(): RegionState; character(): CharacterState };
  interest?: (state: RegionState, radiusChunks: number, clients: () => Iterable<Client>) => Interest;
  /**
   * Called after each tick (its duration, and the process's CPU time over it when `sampleTickCpu` chose the tick: the rest is waiting for a CPU) and after each patch (its duration and how long after the tick it went
   * out); `input` when a move arrives and `sent` when a client's tick frames leave (performance.now() of each), so a
   * tool can time a move at the server, from its arrival to the write of the frame that carries its effect;
   * `idleGc` after a young-generation collection made in a tick's idle time (rooms/idle-gc.ts), with its duration.
   */
  hooks?: {
    tick?(ms: number, cpuMs: number | undefined): void;
    /**
     * Whether to read the process's CPU time around the coming tick (default: every tick). Each read is a
     * getrusage system call, ~25 µs: around every tick of 64 rooms that was a tenth of the process's busy time.
     */
    sampleTickCpu?(): boolean;
    patch?(ms: number, sinceTickMs: number): void;
    input?(client: Client, at: number): void;
    sent?(client: Client, at: number): void;
    idleGc?(ms: number): void;
  };
};

/** The start of a tick's CPU time (for `cpuMsSince`) when `hooks` takes tick times and samples this tick. */
export function tickCpuStart(hooks: RoomSeams['hooks']): NodeJS.CpuUsage | undefined {
  return hooks?.tick && (hooks.sampleTickCpu?.() ?? true) ? process.cpuUsage() : undefined;
}

/**
 * The process's CPU time since `from` (a `tickCpuStart`), ms: a tick's own cost, for RoomSeams `hooks.tick`;
 * undefined when the tick was not sampled.
 * Not `process.threadCpuUsage`: Linux reads a running thread's own time as of its last scheduler event, so over a
 * tick that began with a wake-up it counts next to nothing (0.01 ms for 0.3 ms busy, measured); the process's
 * time is read up to date (its other threads, GC helpers among them, count too).
 */
export function cpuMsSince(from: NodeJS.CpuUsage | undefined): number | undefined {
  if (!from) return undefined;
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}
