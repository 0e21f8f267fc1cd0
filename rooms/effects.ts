/**
 * The effects step: after a tick, route what it caused to its outlets —
 * messages to clients, the region's writer (dirty state, event log, loot,
 * world events) and the job queue (rituals). Nothing here decides a rule.
 */
import type { Client } from '@colyseus/core';
import { snapshotOf } from '../src/game/character.js';
import { isJobFailure } from '../src/jobs/index.js';
import type { Logger } from '../src/log.js';
import type { RegionSim, TickEvents } from '../src/game/region/index.js';
import type { ChunkSnapshot } from '../src/persist/store.js';
import type { RegionWriter, RoomJobs } from './ports.js';
import { dispatchRitual } from './rituals.js';

export type Outlets = {
  sim: RegionSim;
  writer: RegionWriter;
  jobs: RoomJobs | undefined;
  log: Logger;
  where: { roomId: string; worldId: string; rx: number; rz: number };
  ritualGraceMs: number;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  /** The client playing a character here, if connected. */
  clientOf(characterId: string): Client | undefined;
  clientsNear(x: number, z: number): Client[];
  broadcast(type: string, message: unknown): void;
};

/** A chunk's row as the writer saves it. */
export function chunkSnapshot(sim: RegionSim, worldId: string, key: string): ChunkSnapshot {
  const [cx, cy, cz] = key.split(',').map(Number) as [number, number, number];
  return {
    worldId, cx, cy, cz,
    version: sim.chunkVersions.get(key) ?? 0,
    edits: Object.fromEntries([...sim.world.editsOf(key)].map(([i, b]) => [String(i), b])),
  };
}

type Live = Parameters<typeof snapshotOf>[0];
/** One snapshot function per live character, made once: a moving character is marked on every tick. */
const snapshotFns = new WeakMap<Live, () => ReturnType<typeof snapshotOf>>();

/** Marks a character dirty: the writer takes its snapshot at flush time. */
export function markCharacter(o: Pick<Outlets, 'sim' | 'writer'>, id: string): void {
  const live = o.sim.characters.get(id);
  if (!live) return;
  let snapshot = snapshotFns.get(live);
  if (!snapshot) snapshotFns.set(live, (snapshot = () => snapshotOf(live)));
  o.writer.markCharacter(id, snapshot);
}

export function routeEffects(o: Outlets, ev: TickEvents): void {
  const { sim, writer, where } = o;
  for (const id of ev.characters) markCharacter(o, id);
  for (const b of ev.blocks) writer.markChunk(b.key, () => chunkSnapshot(sim, where.worldId, b.key));
  for (const c of ev.corrections) o.clientOf(c.characterId)?.send('correction', { x: c.x, y: c.y, z: c.z });
  for (const m of ev.chats) o.broadcast('chat', { from: m.from, text: m.text });

  const at = new Date(o.now());
  for (const c of ev.casts) {
    const live = sim.characters.get(c.characterId);
    writer.appendCast({
      createdAt: at, worldId: where.worldId, characterId: c.characterId, spellId: c.spellId, success: c.success,
      code: c.code, effect: c.effect, manaSpent: c.manaSpent, rx: where.rx, rz: where.rz,
      data: c.factors ? { factors: c.factors, x: live?.x, z: live?.z } : {},
    });
  }
  for (const sp of ev.spells) {
    const msg = { casterId: sp.casterId, spellId: sp.spellId, x: sp.aim.x, y: sp.aim.y, z: sp.aim.z, effects: sp.effects };
    for (const client of o.clientsNear(sp.aim.x, sp.aim.z)) client.send('spell', msg);
  }
  for (const k of ev.kills) {
    // `loot` is sent once the items are in the inventory (written through), never before.
    const tell = (overflow: { itemId: string; quantity: number }[], saved = true) =>
      o.clientOf(k.characterId)?.send('loot', { npcId: k.npcId, npcKind: k.npcKind, xp: k.xp, items: k.drops, overflow, ...(saved ? {} : { error: 'LOOT_NOT_SAVED' }) });
    if (!k.drops.length) tell([]);
    else void writer.grantLoot(k.characterId, k.lootId, k.drops, (slots) => sim.placeLoot(slots, k.drops)).then((r) => tell(r.overflow, r.granted));
  }
  for (const ritual of ev.rituals) {
    dispatchRitual({
      ritual, jobs: o.jobs, log: o.log, graceMs: o.ritualGraceMs, where, now: o.now,
      sink: { result: (id, effects) => sim.ritualResult(id, effects), isPending: (id) => sim.isPending(id) },
      setTimeout: o.setTimeout,
    });
  }
  for (const r of ev.ritualOutcomes) o.clientOf(r.casterId)?.send('ritual', { ritualId: r.ritualId, status: r.status, effects: r.effects });
  for (const e of ev.worldEvents) {
    o.broadcast('worldEvent', { kind: e.kind, text: e.text });
    writer.recordWorldEvent({ worldId: where.worldId, rx: where.rx, rz: where.rz, kind: e.kind, startsAt: at, endsAt: new Date(e.until), data: { text: e.text } });
  }
}

/** Ritual results from the queue (every process may hear every result: the sim ignores ids that are not its own). */
export function listenForRituals(jobs: RoomJobs | undefined, sim: RegionSim): (() => void) | undefined {
  return jobs?.onResult('rituals', (jobId, outcome) => {
    if (isJobFailure(outcome)) sim.ritualFailed(jobId);
    else sim.ritualResult(jobId, outcome.effects);
  });
}
