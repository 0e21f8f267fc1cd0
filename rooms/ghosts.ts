/**
 * Seamless borders (docs/design.md, "Seamless borders"): a region room shows
 * the characters, NPCs and chunk edits of its neighbours near its borders as
 * read-only copies ("ghosts") in the same state maps, under the same keys, so
 * what a player sees depends on distance, not on which room owns the ground.
 *
 * Each room publishes what stands within `band` blocks of its borders on its
 * own presence channel (LocalPresence in one process, Redis across processes:
 * the same code) and subscribes to the channels of its eight neighbours:
 *  - every tick: the entities of the band that changed, and the ids that left
 *    the band or the room (`gone`) or were handed to another region (`away`:
 *    the copy stays until the new owner publishes it, so it never blinks);
 *  - every FULL_EVERY_TICKS: the whole band (a receiver drops what is missing,
 *    which also repairs a lost message) and the versions of the band's edited
 *    chunks (a receiver asks for the chunks whose version it lacks);
 *  - `hello` when a room starts: its neighbours answer with a full frame;
 *  - `watch`: the neighbours whose rows this room wants (some client of it could
 *    see into their region), when that changes and in every full frame. A room
 *    no neighbour watches publishes no rows (its full frames still go out, empty
 *    of rows, with its own `watch`), except for a while after it handed a
 *    character to a neighbour (that player arrives next to its border). A room
 *    that starts being watched answers with a full frame. With `watch` go the
 *    `areas`: the part of each watched neighbour its clients could see (or are
 *    a chunk column from seeing). A room publishes rows only of what stands in
 *    some watcher's area: over a world of spread-out players a neighbour's
 *    clients see a strip along the border, not the crowd in the middle, whose
 *    rows each neighbour would otherwise take in and put aside every tick.
 * A ghost whose publisher has been silent for GHOST_TTL_MS is removed (the
 * publishing room died). A character is never shown twice: a map has one entry
 * per id, and an id the room simulates itself is never a ghost. When a ghost
 * becomes local (handoff into this room) the wire keeps its state object.
 */
import type { Presence } from '@colyseus/core';
import { CHARACTER_FIELDS, CHARACTER_FIELD_NAMES, type CharacterFieldName } from '../src/game/character.js';
import type { NearEntity, NeighbourCharacter, OtherBody, RegionSim, TickEvents } from '../src/game/region/index.js';
import { CHUNK_SIZE, REGION_SIZE, parseChunkKey } from '../src/world/index.js';
import type { Logger } from '../src/log.js';
import { ChunkState, NpcState, type CharacterState, type RegionState } from '../schema/index.js';

/** A full frame (the whole band) every this many ticks: 1 s at 20 Hz. */
export const FULL_EVERY_TICKS = 20;
/** Neighbours see an NPC's moves at most this many ticks late (100 ms at 20 Hz). */
export const NPC_EVERY_TICKS = 2;
/** A ghost whose publisher is silent this long is dropped (its room is gone). */
export const GHOST_TTL_MS = 3_000;
/** A ghost handed to a region that never publishes it (the player did not arrive) is dropped after this. */
export const AWAY_TTL_MS = 20_000;

export const ghostChannel = (worldId: string, rx: number, rz: number) => `leyline:ghosts:${worldId}:${rx},${rz}`;

/** The public character fields, in frame order (owner-only fields never leave the owner's room). */
const PUBLIC_FIELDS = CHARACTER_FIELD_NAMES.filter((f) => CHARACTER_FIELDS[f].wire === 'public') as CharacterFieldName[];
const NPC_FIELDS = ['x', 'y', 'z', 'hp', 'maxHp'] as const;

type CharRow = [id: string, name: string, characterClass: string, ...values: number[]];
type NpcRow = [id: string, kind: string, ...values: number[]];
type ChunkRow = [key: string, version: number, edits: [number, number][]];

/** One message on a region's ghost channel. Plain JSON. */
export type GhostFrame = {
  /** Publishing region, "rx,rz". */
  from: string;
  hello?: true;
  full?: true;
  c?: CharRow[];
  n?: NpcRow[];
  k?: ChunkRow[];
  /** Versions of the band's edited chunks (full frames). */
  kv?: [string, number][];
  /** Chunk keys a receiver lacks (answered by their owner with `k`). */
  want?: string[];
  gone?: string[];
  /** Characters handed to region [rx, rz]. */
  away?: [string, number, number][];
  ngone?: string[];
  /** Neighbours ("rx,rz") whose rows the publisher wants. */
  watch?: string[];
  /** The publisher's room is going away (its last frame). */
  bye?: true;
  /** Per watched neighbour, the block rectangle [x0, z0, x1, z1) of it that the publisher wants rows of (whole when absent). */
  areas?: [string, number, number, number, number][];
};

/** A block rectangle [x0, z0, x1, z1). */
type Area = [number, number, number, number];

/** `row`: the last row copied into the ghost's state object (only copyIn writes a ghost's fields: equal values are not read back from it). */
type Ghost = { kind: 'character' | 'npc' | 'chunk'; source: string; seenAt: number; awaySince?: number; row?: CharRow | NpcRow };

const regionKey = (rx: number, rz: number) => `${rx},${rz}`;

export type GhostsOptions = {
  presence: Presence;
  worldId: string;
  rx: number;
  rz: number;
  /** Blocks from a border within which entities are shown to the neighbour. */
  band: number;
  state: RegionState;
  sim: RegionSim;
  newCharacter: () => CharacterState;
  log: Logger;
  /**
   * Whether a client of this room could see (x, z) (rooms/interest.ts `wants`). Characters and NPCs of the
   * neighbours are copied into the state only where someone could see them; the latest row of the others is
   * kept aside and copied in when a client comes near (checked every WANTED_EVERY_TICKS).
   */
  wanted?: (x: number, z: number) => boolean;
  /**
   * Whether a client of this room could see into region (rx, rz): the neighbours it watches, each whole (a room
   * passes `watchArea`, which also says which part). Without either the room watches all eight, and publishes
   * whether watched or not.
   */
  watches?: (rx: number, rz: number) => boolean;
  /**
   * What a client of this room could see of region (rx, rz) (rooms/interest.ts `wantedArea`), undefined for
   * nothing. When given, it decides which neighbours this room watches (in place of `watches`) and tells them which
   * part of their region it wants rows of.
   */
  watchArea?: (rx: number, rz: number) => Area | undefined;
};

/** After handing a character to a neighbour (or striking its entities), publish rows for that long even if no neighbour watches (100 ticks: 5 s). */
export const HANDOFF_WATCH_TICKS = 100;

/** How often rows kept aside are checked against the clients' views (and copies nobody could see are put aside). */
export const WANTED_EVERY_TICKS = 4;

export class Ghosts {
  private readonly ghosts = new Map<string, Ghost>();
  /** "rx,rz" → [rx, rz], for the sources seen (a few neighbours; see regionOf). */
  private readonly regions = new Map<string, [number, number]>();
  /** When each neighbour's last frame came: its characters and NPCs here are as fresh as that (see expire). */
  private readonly heardAt = new Map<string, number>();
  /** Neighbours' characters and NPCs nobody here could see: their latest row, by id. */
  private readonly aside = new Map<string, { kind: 'character' | 'npc'; row: CharRow | NpcRow; source: string; seenAt: number }>();
  private readonly inbox: GhostFrame[] = [];
  private readonly me: string;
  /** This room's own channel (its neighbours listen on it). */
  private readonly channel: string;
  private readonly x0: number;
  private readonly z0: number;
  /** What this room told its neighbours is in its band (so it can say when it leaves). */
  private readonly published = { characters: new Set<string>(), npcs: new Set<string>() };
  private readonly away: [string, number, number][] = [];
  /** NPCs that moved since their last row went out. */
  private readonly npcsMoved = new Set<string>();
  /** Chunk keys a neighbour asked for (`want`). */
  private readonly chunksAsked = new Set<string>();
  private helloDue = false;
  private fullDue = true;
  private readonly listeners = new Map<string, (f: GhostFrame) => void>();
  private ticks = 0;
  /** The neighbours this room watches (wants rows from), and the part of each (`areas` of a frame). */
  private watching: { watch: string[]; areas?: [string, ...Area][]; key: string } = { watch: [], key: '' };
  /** Neighbours that said they watch this room. */
  private readonly watchedBy = new Map<string, Area | undefined>();
  /** The areas of the watchers as of the last change of `watchedBy` (null: some watcher wants all of this region). */
  private publishAreas: Area[] | null = null;
  /** Until which tick this room publishes rows anyway (a character was just handed to a neighbour). */
  private courtesyUntil = -1;

  constructor(private readonly o: GhostsOptions) {
    this.me = regionKey(o.rx, o.rz);
    this.channel = ghostChannel(o.worldId, o.rx, o.rz);
    this.x0 = o.rx * REGION_SIZE;
    this.z0 = o.rz * REGION_SIZE;
  }

  /** Subscribes to the eight neighbours and asks them for their bands. */
  async start(): Promise<void> {
    for (let dx = -1; dx <= 1; dx++) {
      for (let dz = -1; dz <= 1; dz++) {
        if (dx === 0 && dz === 0) continue;
        const ch = ghostChannel(this.o.worldId, this.o.rx + dx, this.o.rz + dz);
        const fn = (f: GhostFrame) => this.inbox.push(f);
        this.listeners.set(ch, fn);
        await this.o.presence.subscribe(ch, fn);
      }
    }
    this.watching = this.neighboursWatched();
    this.send({ from: this.me, hello: true, ...this.watchFields() } satisfies GhostFrame);
  }

  /** The room is going away: an empty full frame tells the neighbours to drop its copies now (not after GHOST_TTL_MS), and that it watches nobody. */
  stop(): void {
    if (this.listeners.size) this.send({ from: this.me, full: true, watch: [], bye: true } satisfies GhostFrame);
    for (const [ch, fn] of this.listeners) this.o.presence.unsubscribe(ch, fn);
    this.listeners.clear();
  }

  /** Whether region (rx, rz)'s room is alive: a frame of it came within GHOST_TTL_MS (it sends one a second at least). */
  heardFrom(rx: number, rz: number, now: number): boolean {
    return now - (this.heardAt.get(regionKey(rx, rz)) ?? -Infinity) <= GHOST_TTL_MS;
  }

  isGhost(id: string): boolean {
    return this.ghosts.has(id);
  }

  get size(): number {
    return this.ghosts.size;
  }

  /** The neighbours' characters this room knows of (copied in or kept aside), where they stand and whose they are. */
  characterBodies(): OtherBody[] {
    const out: OtherBody[] = [];
    const push = (id: string, x: number, z: number, source: string) => {
      const [rx, rz] = this.regionOf(source);
      out.push({ id, x, z, rx, rz });
    };
    for (const [id, g] of this.ghosts) {
      if (g.kind !== 'character' || g.awaySince !== undefined) continue;
      const pos = g.row ? rowPosition('character', g.row) : this.o.state.characters.get(id);
      if (pos) push(id, pos.x, pos.z, g.source);
    }
    for (const [id, a] of this.aside) {
      if (a.kind !== 'character') continue;
      const { x, z } = rowPosition('character', a.row);
      push(id, x, z, a.source);
    }
    return out;
  }

  /**
   * The neighbours' characters and NPCs copied into the state (what clients here can see) within `reach` blocks of
   * (x, z), as their rooms last published them: what a cast here may aim at or catch across the border
   * (src/game/commands/cast.ts `near`). A character of this room on its way to a neighbour is not one of them.
   */
  near(x: number, z: number, reach: number, hostile: (npcKind: string) => boolean): NearEntity[] {
    const out: NearEntity[] = [];
    for (const [id, g] of this.ghosts) {
      if (g.kind === 'chunk' || g.awaySince !== undefined) continue;
      const e = g.kind === 'character' ? this.o.state.characters.get(id) : this.o.state.npcs.get(id);
      if (!e || Math.hypot(e.x - x, e.z - z) > reach) continue;
      const [rx, rz] = this.regionOf(g.source);
      const at = { id, x: e.x, y: e.y, z: e.z, alive: e.hp > 0, rx, rz };
      out.push(g.kind === 'npc' ? { kind: 'npc', ...at, hostile: hostile((e as NpcState).kind) } : { kind: 'character', ...at });
    }
    return out;
  }

  /**
   * The neighbours' characters this room hears of (copied in or kept aside), where their last rows put them: what
   * its NPCs hunt across the border (RegionSim.setNeighbours). A character of this room on its way out is not one.
   */
  characterTargets(): NeighbourCharacter[] {
    const out: NeighbourCharacter[] = [];
    for (const [id, g] of this.ghosts) {
      if (g.kind !== 'character' || g.awaySince !== undefined) continue;
      const st = this.o.state.characters.get(id);
      if (!st) continue;
      const [rx, rz] = this.regionOf(g.source);
      out.push({ id, x: st.x, y: st.y, z: st.z, alive: st.hp > 0, rx, rz });
    }
    for (const [id, a] of this.aside) {
      if (a.kind !== 'character') continue;
      const [rx, rz] = this.regionOf(a.source);
      const row = a.row;
      out.push({ id, x: row[CHAR_X] as number, y: row[CHAR_Y] as number, z: row[CHAR_Z] as number, alive: (row[CHAR_HP] as number) > 0, rx, rz });
    }
    return out;
  }

  /** Region [rx, rz] of a source key "rx,rz" (parsed once per key: every room lists its neighbours' characters every tick). */
  private regionOf(source: string): [number, number] {
    let r = this.regions.get(source);
    if (!r) this.regions.set(source, (r = source.split(',').map(Number) as [number, number]));
    return r;
  }

  /**
   * A character of this room struck a neighbour's entity (rooms/hits.ts): publish rows for a while even if no
   * neighbour watches, so that the neighbour's NPCs can see who hit them (and strike back).
   */
  struck(): void {
    if (!this.watched()) this.fullDue = true;
    this.courtesyUntil = Math.max(this.courtesyUntil, this.ticks + HANDOFF_WATCH_TICKS);
  }

  /** A character of this room walked into region (rx, rz): its state object stays, as a ghost, until that region publishes it. */
  handedOff(id: string, rx: number, rz: number, now: number): void {
    if (!this.o.state.characters.has(id)) return;
    this.ghosts.set(id, { kind: 'character', source: regionKey(rx, rz), seenAt: now, awaySince: now });
    this.published.characters.delete(id);
    this.away.push([id, rx, rz]);
    // The player arrives next to this room's border: its rows must already be flowing when it looks back.
    if (!this.watched()) this.fullDue = true;
    this.courtesyUntil = this.ticks + HANDOFF_WATCH_TICKS;
  }

  /** A ghost became a character of this room (handoff in): the wire adopts its state object. */
  adopt(id: string): void {
    this.ghosts.delete(id);
    this.aside.delete(id);
  }

  /**
   * Start of a tick: applies what the neighbours published since the last one.
   * Returns the keys of chunk states it added (new to the views).
   */
  apply(now: number): string[] {
    const added: string[] = [];
    const frames = this.inbox.splice(0);
    for (const f of frames) {
      if (typeof f !== 'object' || f === null || typeof f.from !== 'string' || f.from === this.me) continue;
      try {
        this.applyFrame(f, now, added);
      } catch (err) {
        this.o.log.warn({ err, from: f.from }, 'ghost frame ignored');
      }
    }
    if (this.ticks % FULL_EVERY_TICKS === 0) this.expire(now);
    if (this.o.wanted && this.ticks % WANTED_EVERY_TICKS === 0) this.sortAside(now);
    if (this.watchesSome() && this.ticks % WANTED_EVERY_TICKS === 0) {
      const watching = this.neighboursWatched();
      if (watching.key !== this.watching.key) {
        this.watching = watching;
        this.send({ from: this.me, ...this.watchFields() } satisfies GhostFrame);
      }
    }
    return added;
  }

  private send(f: GhostFrame): void {
    this.o.presence.publish(this.channel, f);
  }

  /** Whether this room chooses the neighbours it watches (else it watches all eight, and publishes whether watched or not). */
  private watchesSome(): boolean {
    return !!(this.o.watchArea ?? this.o.watches);
  }

  /** Whether a neighbour wants this room's rows (or it handed a character over lately); always, without `watches`. */
  private watched(): boolean {
    return !this.watchesSome() || this.watchedBy.size > 0 || this.ticks <= this.courtesyUntil;
  }

  /** Whether (x, z) is in some watcher's area (or rows go out whole: no areas, or just after a handoff). */
  private inWatchedArea(x: number, z: number): boolean {
    const areas = this.publishAreas;
    if (areas === null || !this.watchesSome() || this.ticks <= this.courtesyUntil) return true;
    for (const [x0, z0, x1, z1] of areas) if (x >= x0 && x < x1 && z >= z0 && z < z1) return true;
    return false;
  }

  private neighboursWatched(): { watch: string[]; areas?: [string, ...Area][]; key: string } {
    const watch: string[] = [];
    const areas: [string, ...Area][] = [];
    for (let dx = -1; dx <= 1; dx++) {
      for (let dz = -1; dz <= 1; dz++) {
        if (dx === 0 && dz === 0) continue;
        const rx = this.o.rx + dx, rz = this.o.rz + dz, key = regionKey(rx, rz);
        if (this.o.watchArea) {
          const area = this.o.watchArea(rx, rz);
          if (!area) continue;
          watch.push(key);
          areas.push([key, ...area]);
        } else if (!this.o.watches || this.o.watches(rx, rz)) watch.push(key);
      }
    }
    return { watch, ...(this.o.watchArea ? { areas } : {}), key: JSON.stringify([watch, areas]) };
  }

  /** `watch` (and `areas`) of this room's frames. */
  private watchFields(): Pick<GhostFrame, 'watch' | 'areas'> {
    return { watch: this.watching.watch, ...(this.watching.areas ? { areas: this.watching.areas } : {}) };
  }

  /** `watchedBy` changed: the union of the watchers' areas, null when some watcher wants the whole region. */
  private watchersChanged(): void {
    const areas: Area[] = [];
    for (const a of this.watchedBy.values()) {
      if (!a) {
        this.publishAreas = null;
        return;
      }
      areas.push(a);
    }
    this.publishAreas = areas;
  }

  /** End of a tick: publishes this region's band (changes every tick, all of it every FULL_EVERY_TICKS). */
  publish(ev: TickEvents): void {
    const full = this.fullDue || this.ticks % FULL_EVERY_TICKS === 0;
    this.fullDue = false;
    this.ticks++;
    const { sim, state } = this.o;
    const f: GhostFrame = { from: this.me };
    const c: CharRow[] = [];
    const gone: string[] = [];
    const n: NpcRow[] = [];
    const ngone: string[] = [];
    if (this.watched()) this.rows(ev, full, c, gone, n, ngone);
    else if (this.published.characters.size + this.published.npcs.size > 0) {
      // Nobody looks: the next full frame (no rows) makes the neighbours drop the copies; start afresh when watched.
      this.published.characters.clear();
      this.published.npcs.clear();
      this.npcsMoved.clear();
    }
    const k: ChunkRow[] = [];
    const sendChunk = (key: string) => {
      const ch = state.chunks.get(key);
      if (ch && sim.chunkVersions.has(key) && this.chunkInOwnBand(key)) k.push([key, ch.version, [...ch.edits.entries()].map(([i, b]) => [Number(i), b])]);
    };
    const changed = new Set(ev.blocks.map((b) => b.key));
    if (this.helloDue) {
      for (const key of sim.chunkVersions.keys()) sendChunk(key);
    } else {
      for (const key of new Set([...changed, ...this.chunksAsked])) sendChunk(key);
    }
    this.helloDue = false;
    this.chunksAsked.clear();
    if (full) f.kv = [...sim.chunkVersions].filter(([key]) => this.chunkInOwnBand(key));
    if (full) f.full = true;
    if (full && this.watchesSome()) Object.assign(f, this.watchFields());
    if (c.length) f.c = c;
    if (n.length) f.n = n;
    if (k.length) f.k = k;
    if (gone.length) f.gone = gone;
    if (ngone.length) f.ngone = ngone;
    if (this.away.length) f.away = this.away.splice(0);
    if (full || c.length || n.length || k.length || gone.length || ngone.length || f.away) {
      this.send(f);
    }
  }

  /** The band's character and NPC rows of this tick (all of them in a full frame), and who left it. */
  private rows(ev: TickEvents, full: boolean, c: CharRow[], gone: string[], n: NpcRow[], ngone: string[]): void {
    const { sim, state } = this.o;
    for (const [id, live] of sim.characters) {
      const st = state.characters.get(id);
      const inBand = !!st && this.inOwnBand(live.x, live.z) && this.inWatchedArea(live.x, live.z);
      if (inBand && (full || ev.characters.has(id) || !this.published.characters.has(id))) {
        c.push(charRow(st!));
        this.published.characters.add(id);
      } else if (!inBand && this.published.characters.delete(id)) gone.push(id);
    }
    for (const id of this.published.characters) {
      if (!sim.characters.has(id)) {
        this.published.characters.delete(id);
        gone.push(id);
      }
    }
    for (const id of ev.npcs) this.npcsMoved.add(id);
    const npcsDue = this.ticks % NPC_EVERY_TICKS === 0;
    for (const [id, npc] of sim.npcs) {
      const st = state.npcs.get(id);
      const inBand = !!st && this.inOwnBand(npc.x, npc.z) && this.inWatchedArea(npc.x, npc.z);
      // NPCs' moves go out every NPC_EVERY_TICKS (they are scenery to the neighbours), characters' every tick.
      if (inBand && (full || (npcsDue && this.npcsMoved.has(id)) || !this.published.npcs.has(id))) {
        n.push(npcRow(st!));
        this.published.npcs.add(id);
      } else if (!inBand && this.published.npcs.delete(id)) ngone.push(id);
    }
    if (npcsDue || full) this.npcsMoved.clear();
  }

  // ---- internals ----

  private applyFrame(f: GhostFrame, now: number, added: string[]): void {
    const { state, sim } = this.o;
    if (f.hello) this.helloDue = this.fullDue = true;
    if (Array.isArray(f.watch)) {
      const watches = f.watch.includes(this.me);
      if (watches) {
        if (!this.watchedBy.has(f.from) && !this.watched()) this.fullDue = true; // rows start: all of them
        // What the watcher's clients could see of this region (whole without `areas`: an older or simpler watcher).
        const entry = Array.isArray(f.areas) ? f.areas.find((a) => Array.isArray(a) && a[0] === this.me) : undefined;
        const area = entry && entry.slice(1, 5).every((v) => typeof v === 'number' && Number.isFinite(v)) ? (entry.slice(1, 5) as Area) : undefined;
        this.watchedBy.set(f.from, area);
      } else this.watchedBy.delete(f.from);
      this.watchersChanged();
    }
    if (f.want) for (const key of f.want) if (typeof key === 'string' && sim.chunkVersions.has(key)) this.chunksAsked.add(key);
    // A room that says goodbye is not heard from any more (heardFrom: no edits are forwarded to it).
    if (f.bye) this.heardAt.delete(f.from);
    else this.heardAt.set(f.from, now);
    // A full frame lists the whole band: what it does not list is dropped (below).
    const seen = f.full ? new Set<string>() : undefined;
    for (const row of f.c ?? []) {
      const id = row[0];
      seen?.add(id);
      if (sim.characters.has(id)) continue; // this room simulates it: never a ghost here
      this.copyIn('character', row, f.from, now);
    }
    for (const row of f.n ?? []) {
      const id = row[0];
      seen?.add(id);
      if (sim.npcs.has(id)) continue;
      this.copyIn('npc', row, f.from, now);
    }
    for (const [key, version, edits] of f.k ?? []) {
      const c = parseChunkKey(key);
      if (!c || sim.chunkVersions.has(key) || !this.chunkNearMe(c.cx, c.cz)) continue;
      let ch = state.chunks.get(key);
      if (!ch) {
        ch = Object.assign(new ChunkState(), { cx: c.cx, cy: c.cy, cz: c.cz });
        state.chunks.set(key, ch);
        added.push(key);
      }
      if (ch.version > version) continue;
      ch.version = version;
      const want = new Map(edits.map(([i, b]) => [String(i), b]));
      for (const [i, b] of want) if (ch.edits.get(i) !== b) ch.edits.set(i, b);
      for (const i of [...ch.edits.keys()]) if (!want.has(i)) ch.edits.delete(i);
      // Collision inside the handoff margin uses the neighbour's edits too.
      sim.world.loadEdits(key, edits);
      this.ghosts.set(key, { kind: 'chunk', source: f.from, seenAt: now });
    }
    for (const id of [...(f.gone ?? []), ...(f.ngone ?? [])]) {
      this.drop(id, f.from);
      if (this.aside.get(id)?.source === f.from) this.aside.delete(id);
    }
    if (seen) for (const [id, a] of this.aside) if (a.source === f.from && !seen.has(id)) this.aside.delete(id);
    for (const [id, rx, rz] of f.away ?? []) {
      const g = this.ghosts.get(id);
      if (g && g.source === f.from) Object.assign(g, { source: regionKey(rx, rz), seenAt: now, awaySince: now });
    }
    // A full frame drops what it no longer lists; a copy handed to that region waits for it (the player is still
    // joining): not dropped for being unlisted.
    if (seen) {
      for (const [id, g] of this.ghosts) {
        if (g.source === f.from && g.kind !== 'chunk' && g.awaySince === undefined && !seen.has(id)) this.drop(id, f.from);
      }
    }
    if (f.kv) {
      const want = f.kv.filter(([key, v]) => {
        const c = parseChunkKey(key);
        return !!c && !sim.chunkVersions.has(key) && this.chunkNearMe(c.cx, c.cz) && (state.chunks.get(key)?.version ?? -1) < v;
      });
      for (const [key] of f.kv) {
        const g = this.ghosts.get(key);
        if (g) g.seenAt = now;
      }
      if (want.length) this.send({ from: this.me, want: want.map(([key]) => key) } satisfies GhostFrame);
    }
  }

  /**
   * One character or NPC row of neighbour `from`: dropped when it stands out of this region's reach, kept
   * aside when no client here could see it, else copied into the state (made from the row when new). Per row
   * and tick: allocates nothing for a known ghost.
   */
  private copyIn(kind: 'character' | 'npc', row: CharRow | NpcRow, from: string, now: number): void {
    const id = row[0];
    const x = rowX(kind, row), z = rowZ(kind, row);
    if (!this.nearMe(x, z)) {
      this.drop(id, from);
      this.aside.delete(id);
      return;
    }
    if (this.o.wanted && !this.o.wanted(x, z) && !this.ghosts.has(id)) {
      const kept = this.aside.get(id);
      if (kept) Object.assign(kept, { row, source: from, seenAt: now });
      else this.aside.set(id, { kind, row, source: from, seenAt: now });
      return;
    }
    this.aside.delete(id);
    const map = (kind === 'character' ? this.o.state.characters : this.o.state.npcs) as unknown as Map<string, CharacterState | NpcState>;
    let st = map.get(id);
    if (!st) {
      st = kind === 'character'
        ? Object.assign(this.o.newCharacter(), { id, name: row[1] as string, characterClass: row[2] as string })
        : Object.assign(new NpcState(), { id, kind: row[1] as string });
      map.set(id, st);
    }
    const target = st as unknown as Record<string, number>;
    const fields: readonly string[] = kind === 'character' ? PUBLIC_FIELDS : NPC_FIELDS;
    const first = kind === 'character' ? 3 : 2;
    const g = this.ghosts.get(id);
    // Fields equal to the last row copied in are as that row left them (schema accessors are slow to read); a
    // ghost record without a row (new, or just handed off by this room) is compared with the object itself.
    const before = g?.kind === kind ? g.row : undefined;
    for (let i = 0; i < fields.length; i++) {
      const v = row[first + i] as number;
      if (before !== undefined ? before[first + i] !== v : target[fields[i]!] !== v) target[fields[i]!] = v;
    }
    // One record per ghost, updated in place (a row per ghost and tick from every neighbour).
    if (!g) this.ghosts.set(id, { kind, source: from, seenAt: now, row });
    else {
      g.kind = kind;
      g.source = from;
      g.seenAt = now;
      g.row = row;
      if (g.awaySince !== undefined) delete g.awaySince;
    }
  }

  /** Copies in the rows kept aside that a client could see now; puts aside the copies nobody could see any more. */
  private sortAside(now: number): void {
    const wanted = this.o.wanted!;
    for (const [id, a] of this.aside) {
      if (now - a.seenAt > GHOST_TTL_MS) {
        this.aside.delete(id);
        continue;
      }
      const { x, z } = rowPosition(a.kind, a.row);
      if (!wanted(x, z)) continue;
      this.aside.delete(id);
      // Applied with the next tick's frames, like any row from that neighbour.
      this.inbox.push({ from: a.source, ...(a.kind === 'character' ? { c: [a.row as CharRow] } : { n: [a.row as NpcRow] }) });
    }
    for (const [id, g] of this.ghosts) {
      if (g.kind === 'chunk' || g.awaySince !== undefined) continue;
      const st = g.kind === 'character' ? this.o.state.characters.get(id) : this.o.state.npcs.get(id);
      if (!st || wanted(st.x, st.z)) continue;
      const row = g.kind === 'character' ? charRow(st as CharacterState) : npcRow(st as NpcState);
      this.drop(id, g.source);
      this.aside.set(id, { kind: g.kind, row, source: g.source, seenAt: this.seenAt(g) });
    }
  }

  /** Removes a ghost of `source` (never a local entity, never a ghost another region now owns). */
  private drop(id: string, source: string): void {
    const g = this.ghosts.get(id);
    if (!g || g.source !== source) return;
    this.ghosts.delete(id);
    if (g.kind === 'character' && !this.o.sim.characters.has(id)) this.o.state.characters.delete(id);
    else if (g.kind === 'npc' && !this.o.sim.npcs.has(id)) this.o.state.npcs.delete(id);
    else if (g.kind === 'chunk' && !this.o.sim.chunkVersions.has(id)) this.o.state.chunks.delete(id);
  }

  private expire(now: number): void {
    // A watcher that went silent (its room died without saying so) watches no more.
    for (const w of this.watchedBy.keys()) if (now - (this.heardAt.get(w) ?? -Infinity) > GHOST_TTL_MS) this.watchedBy.delete(w);
    this.watchersChanged();
    for (const [id, g] of this.ghosts) {
      const stale = g.awaySince !== undefined ? now - g.awaySince > AWAY_TTL_MS : g.kind !== 'chunk' && now - this.seenAt(g) > GHOST_TTL_MS;
      if (stale) this.drop(id, g.source);
    }
  }

  /** When a ghost was last confirmed by its source: its own row, or any frame of its source since. */
  private seenAt(g: Ghost): number {
    return Math.max(g.seenAt, this.heardAt.get(g.source) ?? -Infinity);
  }

  /** Within the band of one of this region's borders (or outside it, in the handoff margin). */
  private inOwnBand(x: number, z: number): boolean {
    return Math.min(x - this.x0, this.x0 + REGION_SIZE - x, z - this.z0, this.z0 + REGION_SIZE - z) <= this.o.band;
  }

  private chunkInOwnBand(key: string): boolean {
    const c = parseChunkKey(key);
    if (!c) return false;
    const x = c.cx * CHUNK_SIZE, z = c.cz * CHUNK_SIZE;
    return Math.min(x + CHUNK_SIZE - this.x0, this.x0 + REGION_SIZE - x, z + CHUNK_SIZE - this.z0, this.z0 + REGION_SIZE - z) <= this.o.band;
  }

  /** Within `band` blocks of this region (Chebyshev distance to its square). */
  private nearMe(x: number, z: number): boolean {
    const dx = Math.max(this.x0 - x, 0, x - (this.x0 + REGION_SIZE));
    const dz = Math.max(this.z0 - z, 0, z - (this.z0 + REGION_SIZE));
    return Math.max(dx, dz) <= this.o.band;
  }

  private chunkNearMe(cx: number, cz: number): boolean {
    const x = cx * CHUNK_SIZE, z = cz * CHUNK_SIZE;
    return this.nearMe(Math.min(Math.max(x, this.x0), x + CHUNK_SIZE), Math.min(Math.max(z, this.z0), z + CHUNK_SIZE));
  }
}

/** Where a row's character or NPC stands (its x and z columns). */
const CHAR_X = 3 + PUBLIC_FIELDS.indexOf('x'), CHAR_Z = 3 + PUBLIC_FIELDS.indexOf('z');
const CHAR_Y = 3 + PUBLIC_FIELDS.indexOf('y'), CHAR_HP = 3 + PUBLIC_FIELDS.indexOf('hp');
const NPC_X = 2 + NPC_FIELDS.indexOf('x'), NPC_Z = 2 + NPC_FIELDS.indexOf('z');
const rowX = (kind: 'character' | 'npc', row: CharRow | NpcRow) => row[kind === 'character' ? CHAR_X : NPC_X] as number;
const rowZ = (kind: 'character' | 'npc', row: CharRow | NpcRow) => row[kind === 'character' ? CHAR_Z : NPC_Z] as number;
function rowPosition(kind: 'character' | 'npc', row: CharRow | NpcRow): { x: number; z: number } {
  return { x: rowX(kind, row), z: rowZ(kind, row) };
}

/** A character's row in a frame: id, name, class, then its public fields in PUBLIC_FIELDS order. */
export function charRow(st: CharacterState): CharRow {
  const src = st as unknown as Record<string, number>;
  return [st.id, st.name, st.characterClass, ...PUBLIC_FIELDS.map((f) => src[f]!)];
}

function npcRow(st: NpcState): NpcRow {
  const src = st as unknown as Record<string, number>;
  return [st.id, st.kind, ...NPC_FIELDS.map((f) => src[f]!)];
}
