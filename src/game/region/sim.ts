/**
 * The authoritative simulation of one region: the voxel world, the live
 * characters and NPCs in it, and the inputs queued against them. Handlers
 * enqueue commands; `step()` applies them in arrival order on the tick (so a
 * tick sees a consistent world), then runs the region's systems: vitals,
 * NPCs, ritual results, corruption, day clock, leylines, gravity. Pure: no
 * framework, no database; time comes in as arguments, randomness from a
 * source seeded by the world seed and region, ids from an injected source.
 */
import { chunkKey, spawnPoint, VoxelWorld } from '../../world/index.js';
import { enterWorld, type CharacterRecord, type LiveCharacter } from '../character.js';
import { timeOfDay } from '../clock.js';
import { newRegionCorruption, regionCorruptionEvent } from '../corruption.js';
import { leylinesForRegion, leylineStrength } from '../leylines.js';
import { addToInventory, type Drop, type InventorySlot } from '../loot.js';
import { applyGravity, unstuck } from '../movement.js';
import { levelForXp } from '../combat.js';
import { Rng, seedFrom } from '../random.js';
import { RitualBook, type RitualEffect } from '../rituals.js';
import { refuse, type Vec3 } from '../types.js';
import type { BlockEdit } from '../blocks.js';
import { editBlock } from '../commands/block.js';
import { applyCommand, type Command, type Reply } from '../commands/index.js';
import { EMPTY_CATALOGUE, type MagicCatalogue, type NeighbourCharacter, type RegionContext } from './context.js';
import { applyEffects, applyRitualEffect, AWAY_EFFECTS, reward, type AwayKill } from './effects.js';
import type { CastEffect } from '../magic.js';
import { emptyEvents, type TickEvents } from './events.js';
import { handOver } from './borders.js';
import { NPCS_PER_REGION, spawnRegionNpcs, stepNpcs } from './npcs.js';
import { stepVitals } from './vitals.js';

/** Inputs waiting for the next tick, per region. Full → refused (the stated overload rule). */
export const MAX_QUEUED_COMMANDS = 2048;
export const INVENTORY_SLOTS = 36;
/** Leyline strengths drift over minutes: recomputed once a second is smooth enough. */
export const LEYLINE_UPDATE_MS = 1000;
const CORRUPTION_CHECK_MS = 1000;

export type RegionSimOptions = {
  cacheChunks?: number;
  /** Spells, NPC kinds and loot; without it the region has movement, blocks and chat only. */
  catalogue?: MagicCatalogue;
  /** Ids of rituals and loot grants (unique across restarts in production: uuids). Default: a counter. */
  newId?: () => string;
  /** Epoch ms at creation (NPC spawn times, corruption clock). */
  now?: number;
  npcCount?: number;
  /** Real ms per in-game day; without it `hour` stays where it is set. */
  dayLengthMs?: number;
};

export class RegionSim {
  readonly world: VoxelWorld;
  private readonly r: RegionContext;
  private queue: { cmd: Command; resolve: (r: Reply) => void }[] = [];
  /** Edits of this region's ground forwarded by a neighbour room for a character of its own (rooms/edits.ts). */
  private foreignEdits: { actor: Vec3; edit: BlockEdit; resolve: (r: Reply) => void }[] = [];
  /** Effects of neighbours' casts on this region's entities (rooms/hits.ts). */
  private hits: { casterId: string; effects: CastEffect[]; done: (kills: AwayKill[]) => void }[] = [];
  /** Rewards of this region's characters' kills in neighbouring regions. */
  private credits: { characterId: string; kills: AwayKill[] }[] = [];
  /** Xp granted from outside the tick (validated narration outcomes), applied on the next step. */
  private awards: { characterId: string; xp: number }[] = [];
  private readonly dayLengthMs: number | undefined;
  private lastLeylineUpdate = -Infinity;
  private lastCorruptionCheck = 0;
  /** Current strength of each leyline (same order as `leylines`). */
  readonly leylineStrengths: number[];

  constructor(
    readonly seed: number,
    readonly rx: number,
    readonly rz: number,
    opts: RegionSimOptions = {},
  ) {
    const now = opts.now ?? 0;
    const catalogue = opts.catalogue ?? EMPTY_CATALOGUE;
    let counter = 0;
    this.world = new VoxelWorld(seed, { cacheChunks: opts.cacheChunks ?? 1024 });
    const cx = rx * 128 + 64, cz = rz * 128 + 64;
    this.r = {
      seed, rx, rz, world: this.world, catalogue,
      characters: new Map(), chunkVersions: new Map(), frozen: new Set(), npcs: new Map(),
      leylines: leylinesForRegion(seed, rx, rz),
      spawn: { x: cx + 0.5, y: spawnPoint(seed, cx, cz), z: cz + 0.5 },
      rng: new Rng(seedFrom(seed, 'region', rx, rz)),
      newId: opts.newId ?? (() => `${rx},${rz}:${++counter}`),
      rituals: new RitualBook(),
      hour: 12,
      corruption: newRegionCorruption(now),
      neighbours: [],
    };
    for (const n of spawnRegionNpcs(seed, rx, rz, catalogue, opts.catalogue ? (opts.npcCount ?? NPCS_PER_REGION) : 0, now)) this.r.npcs.set(n.id, n);
    this.dayLengthMs = opts.dayLengthMs;
    if (this.dayLengthMs) this.r.hour = timeOfDay(now, this.dayLengthMs);
    this.leylineStrengths = this.r.leylines.map((l) => leylineStrength(l.baseStrength, l.id, now));
  }

  get characters(): ReadonlyMap<string, LiveCharacter> {
    return this.r.characters;
  }
  get npcs(): RegionContext['npcs'] {
    return this.r.npcs;
  }
  get leylines(): RegionContext['leylines'] {
    return this.r.leylines;
  }
  get chunkVersions(): ReadonlyMap<string, number> {
    return this.r.chunkVersions;
  }
  get spawn() {
    return this.r.spawn;
  }
  /** In-game hour (0..24). */
  get hour(): number {
    return this.r.hour;
  }
  set hour(h: number) {
    this.r.hour = h;
  }
  get queued(): number {
    return this.queue.length;
  }

  loadChunk(cx: number, cy: number, cz: number, version: number, edits: Iterable<readonly [number, number]>): void {
    const key = chunkKey(cx, cy, cz);
    this.world.loadEdits(key, edits);
    this.r.chunkVersions.set(key, version);
  }

  /** A stored character enters (see `enterWorld`), lifted out of blocks if the terrain changed while it was away. */
  enter(record: CharacterRecord, now: number): LiveCharacter {
    return this.addCharacter(enterWorld(record, now));
  }

  /** Adds a live character (handed over as it is), lifting it out of blocks if needed. */
  addCharacter(c: LiveCharacter): LiveCharacter {
    Object.assign(c, unstuck(this.world, c));
    this.r.characters.set(c.id, c);
    this.r.frozen.delete(c.id);
    return c;
  }

  /** Takes a character out; its rituals are cancelled (their outcomes go to `ev` when given). */
  removeCharacter(id: string, ev?: TickEvents): LiveCharacter | undefined {
    const c = this.r.characters.get(id);
    if (c) ev?.ritualOutcomes.push(...this.r.rituals.cancelOf(id));
    this.r.characters.delete(id);
    this.r.frozen.delete(id);
    return c;
  }

  /** In this region and taking inputs (not being handed off). */
  isActive(id: string): boolean {
    return this.r.characters.has(id) && !this.r.frozen.has(id);
  }

  /** Grants xp (whole, > 0) on the next step, levelling as kills do; dropped if the character is gone or frozen by then. */
  award(characterId: string, xp: number): void {
    if (Number.isSafeInteger(xp) && xp > 0 && this.awards.length < MAX_QUEUED_COMMANDS) this.awards.push({ characterId, xp });
  }

  /** Outside a step (the room's crowd check): the character leaves for region `to`, reported in `ev` like a crossing. */
  handOver(ev: TickEvents, characterId: string, to: { rx: number; rz: number }): void {
    handOver(this.r, ev, characterId, to);
  }

  enqueue(cmd: Command): Promise<Reply> {
    return new Promise((resolve) => this.submit(cmd, resolve));
  }

  /** `enqueue` with a callback: `done` is called with the reply inside the `step` that applies the command (at once when the queue is full). */
  submit(cmd: Command, done: (r: Reply) => void): void {
    if (this.queue.length >= MAX_QUEUED_COMMANDS) done(refuse('RATE_LIMITED', 'the region is overloaded; try again'));
    else this.queue.push({ cmd, resolve: done });
  }

  /**
   * An edit of this region's ground that a neighbour room forwards for its character standing at `actor` (in that
   * room's handoff margin, on this region's ground or next to it): applied in the next step after the commands, by
   * this region's rules, the character's own body counting as one in the way; `done` gets the reply inside it.
   */
  submitForeignEdit(actor: Vec3, edit: BlockEdit, done: (r: Reply) => void): void {
    if (this.queue.length + this.foreignEdits.length >= MAX_QUEUED_COMMANDS) done(refuse('RATE_LIMITED', 'the region is overloaded; try again'));
    else this.foreignEdits.push({ actor: { x: actor.x, y: actor.y, z: actor.z }, edit, resolve: done });
  }

  /**
   * Effects of a cast by a neighbour room's character on this region's characters and NPCs (its `ev.hits`): applied
   * in the next step after the commands, to whoever of them is still here and alive, as a cast of this region's
   * would (shield first, deaths, respawns). Only damage, drain, heal and shield on a character or NPC are taken.
   * `done` gets, inside that step, the kills it made: the caster's room rewards them (creditKills).
   */
  submitHits(casterId: string, effects: readonly CastEffect[], done: (kills: AwayKill[]) => void): void {
    const taken = effects.filter((e) => AWAY_EFFECTS.has(e.kind) && e.targetId !== undefined && (e.targetKind === 'npc' || e.targetKind === 'character'));
    if (taken.length === 0 || this.hits.length >= MAX_QUEUED_COMMANDS) done([]);
    else this.hits.push({ casterId, effects: taken, done });
  }

  /** The neighbouring regions' characters near this one, as of now (the room's ghost rows): the NPCs' next step hunts them too. */
  setNeighbours(characters: readonly NeighbourCharacter[]): void {
    this.r.neighbours = characters;
  }

  /** Rewards (xp, loot) of kills this region's character made in a neighbouring region: granted on the next step, if it is still here. */
  creditKills(characterId: string, kills: readonly AwayKill[]): void {
    if (kills.length > 0) this.credits.push({ characterId, kills: [...kills] });
  }

  /** A ritual's result arrives (any time, any number of times, from any worker): applied once, on the next step. */
  ritualResult(ritualId: string, effects: readonly RitualEffect[]): void {
    this.r.rituals.result(ritualId, effects);
  }

  ritualFailed(ritualId: string): void {
    this.r.rituals.failed(ritualId);
  }

  isPending(ritualId: string): boolean {
    return this.r.rituals.isPending(ritualId);
  }

  /** The inventory after adding drops (the room writes it through to the database at once). */
  placeLoot<S extends InventorySlot>(slots: readonly S[], drops: readonly Drop[]) {
    return addToInventory(slots, drops, INVENTORY_SLOTS, (id) => this.r.catalogue.maxStackOf(id));
  }

  /** One tick: queued inputs in order, then the region's systems. */
  step(now: number, dtMs: number): TickEvents {
    const r = this.r;
    const ev = emptyEvents();
    if (this.dayLengthMs) r.hour = timeOfDay(now, this.dayLengthMs);
    if (now - this.lastLeylineUpdate >= LEYLINE_UPDATE_MS) {
      this.lastLeylineUpdate = now;
      r.leylines.forEach((l, i) => (this.leylineStrengths[i] = leylineStrength(l.baseStrength, l.id, now)));
      ev.leylines = true;
    }

    const queue = this.queue;
    this.queue = [];
    for (const { cmd, resolve } of queue) {
      const c = r.characters.get(cmd.characterId);
      if (!c || r.frozen.has(c.id)) {
        resolve(refuse('NOT_IN_REGION', 'your character is not in this region'));
        continue;
      }
      resolve(applyCommand(r, c, cmd, now, ev));
    }
    const foreign = this.foreignEdits;
    this.foreignEdits = [];
    for (const f of foreign) f.resolve(editBlock(r, f.actor, f.edit, [f.actor, ...r.characters.values()], ev));

    const hits = this.hits;
    this.hits = [];
    for (const h of hits) {
      const kills: AwayKill[] = [];
      applyEffects(r, h.casterId, h.effects, now, ev, kills);
      h.done(kills);
    }
    const credits = this.credits;
    this.credits = [];
    for (const k of credits) {
      const c = r.characters.get(k.characterId);
      if (c && !r.frozen.has(c.id)) for (const kill of k.kills) reward(c, kill, ev);
    }

    const awards = this.awards;
    this.awards = [];
    for (const a of awards) {
      const c = r.characters.get(a.characterId);
      if (!c || r.frozen.has(c.id)) continue;
      c.xp += a.xp;
      c.level = Math.max(c.level, levelForXp(c.xp));
      ev.characters.add(c.id);
    }

    stepVitals(r.characters.values(), r.spawn, now, dtMs, ev);
    stepNpcs(r, now, dtMs, ev);
    for (const o of r.rituals.take()) {
      for (const e of o.effects) applyRitualEffect(r, o.casterId, e, now, ev);
      ev.ritualOutcomes.push(o);
    }
    if (now - this.lastCorruptionCheck >= CORRUPTION_CHECK_MS) {
      this.lastCorruptionCheck = now;
      const { state, start } = regionCorruptionEvent(r.corruption, now);
      r.corruption = state;
      if (start) ev.worldEvents.push(start);
    }

    for (const c of r.characters.values()) {
      if (r.frozen.has(c.id) || c.respawnAt !== undefined) continue;
      const y = applyGravity(this.world, c, now, dtMs);
      if (y !== undefined) {
        c.y = y;
        ev.characters.add(c.id);
      }
    }
    return ev;
  }
}
