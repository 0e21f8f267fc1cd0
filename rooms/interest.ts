/**
 * Interest management with shared encoding. What a client sees is decided by
 * the chunk column it stands in: everything (characters, NPCs, edited chunks;
 * ghosts of the neighbouring regions too) within VIEW_RADIUS_CHUNKS columns of
 * it (horizontal Chebyshev distance, all heights). Clients in the same column
 * see the same things, so they share one StateView per column (a "cell"), and
 * the patch serializer (rooms/patches.ts) encodes each cell's part of a patch
 * once for all its members instead of once per client: per-client encoding
 * cost grows as clients × visible changes, a cell's as cells × visible changes.
 *
 * Each client also has a personal StateView (its `client.view`) holding only
 * its own character with the OWNER tag: owner-only fields reach only it.
 *
 * When a client walks into another column it changes cells: for that patch it
 * gets a one-off diff (rooms/patches.ts) that adds what the new cell shows and
 * it lacks, and removes what it had and the new cell does not show.
 *
 * Entities are found through a grid of chunk columns rebuilt at most once a
 * tick; a cell refreshes what it shows every VIEW_REFRESH_TICKS (on its own
 * phase, so that a tick refreshes about a quarter of the cells, not all of
 * them every fourth tick) and at once when new, looking only at the (2r+1)²
 * columns around it.
 */
import { ClientState, type Client } from '@colyseus/core';
import { StateView, type ChangeTree, type Schema } from '@colyseus/schema';
import { CHUNK_SIZE, pairKey, parseChunkKey } from '../src/world/index.js';
import { OWNER, type RegionState } from '../schema/index.js';
import { treeOf } from './fullstate.js';
import { TILE_BLOCKS, unmarkDeep } from './patches.js';

/** Characters and NPCs enter and leave views at most this many ticks late (200 ms at 20 Hz). */
const VIEW_REFRESH_TICKS = 4;

/**
 * A cell nobody is in is kept this many ticks (10 s at 20 Hz) before it is dropped, without refreshing: at a
 * crowd's edge clients step in and out of a column every few ticks, and a new cell's first refresh shows every
 * entity in range at once (milliseconds with hundreds, and as long again to dispose of it), where a kept cell is
 * brought up to date by a refresh like any other when someone steps in (see cellAt). A room holds at most its
 * region's columns and a ring around them.
 */
export const EMPTY_CELL_TICKS = 200;

const EMPTY_SET: ReadonlySet<Schema> = new Set();

/**
 * A cell showing at least this many entities has the empty columns around it made into cells ahead of need, in a
 * tick's idle time (see prewarm): filling a cell shows each entity in range through its view, some microseconds
 * each, and a client stepping into a column with no cell at the edge of a crowd made the tick wait for hundreds.
 */
export const PREWARM_SHOWN = 64;

/** A cell made ahead of need is brought up to date in idle time once it is this many ticks behind (1 s at 20 Hz). */
const WARM_REFRESH_TICKS = 20;

/** Personal views kept for reuse at most (see detach). */
const SPARE_VIEWS = 256;

const chunkCol = (v: number) => Math.floor(v / CHUNK_SIZE);

/** A character or NPC (what stands somewhere): what the patch sends at rates by distance (a chunk's edits go in every patch). */
const isMover = (e: Schema) => typeof (e as unknown as { x?: unknown }).x === 'number';

export type Cell = {
  cx: number;
  cz: number;
  view: StateView;
  /**
   * The change trees of the characters and NPCs it shows (what the patch looks up: what they owe is kept per entity,
   * by change tree, rooms/patches.ts `Owed`); chunks are not in it (their changes go out in every patch).
   */
  movers: Set<ChangeTree>;
  /** What the view holds now. */
  shown: Set<Schema>;
  /** Changes of `shown` since the last patch (its members get them in that patch). */
  added: Set<Schema>;
  removed: Set<Schema>;
  members: Set<Watcher>;
  /** The ticks this cell refreshes on: those with tick % VIEW_REFRESH_TICKS === phase. */
  phase: number;
  /** The last tick someone was in it or moving to it (see EMPTY_CELL_TICKS). */
  occupiedAt: number;
  /** The last tick a neighbouring cell had someone in it (cells made ahead of need live as long, see prewarm). */
  nearAt: number;
  /** The tick of its last refresh. */
  refreshedAt: number;
  /** Bumped whenever `shown` changes. */
  version: number;
  /** Differences to other cells as of both versions (see InterestManager.diffTo). */
  diffs: Map<Cell, { fromVersion: number; toVersion: number; gone: Schema[]; fresh: Schema[] }>;
};

/**
 * A character, NPC or chunk as a grid build placed it: its change tree (the key of a cell's movers), whether it is a
 * mover, and which build it was in.
 */
type Placed = { e: Schema; tree: ChangeTree; mover: boolean; build: number };

/** Differences a cell keeps at most (its neighbours are 8; more means pairs with cells dropped since). */
const MAX_DIFFS_PER_CELL = 32;

export type Watcher = {
  client: Client;
  characterId: string;
  /** Own character only, with the OWNER tag: `client.view`. */
  personal: StateView;
  /** The character object `personal` was given (see detach). */
  me?: Schema;
  /** The cell whose patches this client got last (undefined until its first full state). */
  cell?: Cell;
  /** Set at the full state (join, reconnect): what it got then; cleared after its next patch. */
  knownAtJoin?: Set<Schema>;
  /** The cell it is moving to at the next patch (a diff is sent then). */
  next?: Cell;
  /** The tile (rooms/patches.ts TILE_BLOCKS) its character stood on at the update of tick `tileTick`. */
  tx: number;
  tz: number;
  tileTick: number;
};

export class InterestManager {
  private readonly watchers = new Map<string, Watcher>();
  private readonly cells = new Map<number, Cell>();
  private grid = new Map<number, Placed[]>();
  /** Each character, NPC and chunk as the last grid build placed it (`build`: which one, see present). */
  private readonly placed = new Map<Schema, Placed>();
  private builds = 0;
  private gridTick = -1;
  /** Personal views of clients that left, emptied (see detach). */
  private readonly spareViews: StateView[] = [];
  private tick = 0;
  /** Phases handed to new cells in turn (see Cell.phase); also how many were made. */
  private nextPhase = 0;

  constructor(
    private readonly state: RegionState,
    private readonly radius: number,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  get cellCount(): number {
    return this.cells.size;
  }

  /** Cells made so far (whether ahead of need or when a client stepped in). */
  get cellsMade(): number {
    return this.nextPhase;
  }

  attach(client: Client, characterId: string): void {
    const personal = this.spareViews.pop() ?? new StateView();
    client.view = personal;
    const me = this.state.characters.get(characterId);
    this.watchers.set(client.sessionId, { client, characterId, personal, me, tx: 0, tz: 0, tileTick: -1 });
    if (me) {
      personal.add(me);
      personal.add(me, OWNER);
    }
  }

  /** After a reconnection Colyseus hands the old view to the new client object. */
  rebind(client: Client): void {
    const w = this.watchers.get(client.sessionId);
    if (w) w.client = client;
  }

  detach(sessionId: string): void {
    const w = this.watchers.get(sessionId);
    if (!w) return;
    this.watchers.delete(sessionId);
    w.cell?.members.delete(w);
    // Emptied and kept for the next client: dispose() walks every tree of the state (a leave per handoff).
    // What a personal view marks: its character and that character's collections (visible, OWNER tag), and
    // the ancestors every personal view marks alike (the root, the characters map).
    if (this.spareViews.length < SPARE_VIEWS) {
      w.personal.changes.clear();
      const now = this.state.characters.get(w.characterId);
      for (const e of new Set([w.me, now])) if (e) unmarkDeep(w.personal, treeOf(e), true);
      this.spareViews.push(w.personal);
    } else w.personal.dispose();
  }

  /** A chunk got its first edit (or a ghost chunk arrived): shown by the cells in range. */
  chunkAdded(key: string): void {
    const c = parseChunkKey(key);
    const chunk = this.state.chunks.get(key);
    if (!c || !chunk) return;
    this.gridTick = -1; // the grid must include it
    for (const cell of this.cells.values()) if (this.inRange(cell, c.cx, c.cz)) this.show(cell, chunk);
  }

  /**
   * Once per tick, before the patch: each joined client's cell follows its own
   * character's column; cells refresh what they show every VIEW_REFRESH_TICKS,
   * each on its phase (a new cell at once); cells nobody is in are dropped.
   */
  update(tick: number): void {
    this.tick = tick;
    const phase = tick % VIEW_REFRESH_TICKS;
    for (const w of this.watchers.values()) {
      const me = w.client.state === ClientState.JOINED && this.state.characters.get(w.characterId); // else the full state places it (cellForJoin)
      if (me) {
        const x = me.x, z = me.z;
        const cx = chunkCol(x), cz = chunkCol(z);
        w.tx = Math.floor(x / TILE_BLOCKS);
        w.tz = Math.floor(z / TILE_BLOCKS);
        w.tileTick = tick;
        const target = w.next ?? w.cell;
        if (!target || target.cx !== cx || target.cz !== cz) w.next = this.cellAt(cx, cz);
        if (w.next === w.cell) w.next = undefined;
        // A cell shows its members' own characters: one that came from afar (a respawn) is not in what the cell
        // showed at its last refresh, and its move diff would take it from its own client (test/room.interest.test.ts).
        if (w.next && !w.next.shown.has(me)) this.show(w.next, me);
      }
      if (w.next) w.next.occupiedAt = tick; // someone is moving to it
    }
    // On its phase, unless made or brought up to date this tick already (cellAt, above).
    for (const cell of this.cells.values()) if (cell.phase === phase && cell.refreshedAt !== tick && this.occupied(cell)) this.refresh(cell);
    // Cells nobody has been in or moving to, nor next to, for EMPTY_CELL_TICKS are dropped.
    for (const cell of this.cells.values()) {
      if (cell.members.size === 0) continue;
      cell.occupiedAt = tick;
      for (let dx = -1; dx <= 1; dx++) for (let dz = -1; dz <= 1; dz++) {
        const n = (dx !== 0 || dz !== 0) && this.cells.get(pairKey(cell.cx + dx, cell.cz + dz));
        if (n) n.nearAt = tick;
      }
    }
    for (const [key, cell] of this.cells) {
      if (cell.members.size === 0 && tick - Math.max(cell.occupiedAt, cell.nearAt) >= EMPTY_CELL_TICKS) {
        cell.view.dispose();
        this.cells.delete(key);
      }
    }
  }

  /**
   * Call in a tick's idle time (after its frames went): at most one unit of work, true if it did one. Makes a cell
   * for an empty column next to one that someone is in and that shows at least PREWARM_SHOWN entities, so that a
   * client stepping in finds it made; else brings the stalest such cell made ahead (nobody in it) up to date when
   * it is WARM_REFRESH_TICKS behind, so that stepping in finds little to change (both through refreshUnseen).
   */
  prewarm(): boolean {
    let stalest: Cell | undefined;
    for (const cell of this.cells.values()) {
      if (cell.members.size === 0) {
        if (cell.nearAt > cell.occupiedAt && this.tick - cell.refreshedAt >= WARM_REFRESH_TICKS && (!stalest || cell.refreshedAt < stalest.refreshedAt)) stalest = cell;
        continue;
      }
      if (cell.shown.size < PREWARM_SHOWN) continue;
      for (let dx = -1; dx <= 1; dx++) {
        for (let dz = -1; dz <= 1; dz++) {
          if ((dx !== 0 || dz !== 0) && !this.cells.has(pairKey(cell.cx + dx, cell.cz + dz))) {
            const made = this.cellAt(cell.cx + dx, cell.cz + dz);
            made.nearAt = this.tick;
            made.occupiedAt = -Infinity; // nobody was in it (cellAt counts its maker as moving in)
            return true;
          }
        }
      }
    }
    if (!stalest) return false;
    this.refreshUnseen(stalest);
    return true;
  }

  /** Whether some client's view covers (or is one column from covering) the chunk column of (x, z). */
  wants(x: number, z: number): boolean {
    const cx = chunkCol(x), cz = chunkCol(z);
    return this.anyCellNear(cx, cz, cx, cz);
  }

  /**
   * What this room's clients could see (or are one column from seeing) of the square of `size` blocks at region
   * (rx, rz) grown by `pad` blocks on every side (where that region's characters may stand: its handoff margin),
   * as a block rectangle [x0, z0, x1, z1) of whole chunk columns, or undefined when nothing: the rows it wants from
   * that neighbour (rooms/ghosts.ts `areas`). The bounding box of the cells' views there.
   */
  wantedArea(rx: number, rz: number, size: number, pad = 0): [number, number, number, number] | undefined {
    const n = size / CHUNK_SIZE, p = Math.ceil(pad / CHUNK_SIZE);
    const rcx0 = rx * n - p, rcz0 = rz * n - p, rcx1 = rx * n + n - 1 + p, rcz1 = rz * n + n - 1 + p;
    const reach = this.radius + 1;
    let cx0 = Infinity, cz0 = Infinity, cx1 = -Infinity, cz1 = -Infinity;
    for (const cell of this.cells.values()) {
      if (!this.occupied(cell)) continue;
      const a0 = Math.max(cell.cx - reach, rcx0), a1 = Math.min(cell.cx + reach, rcx1);
      const b0 = Math.max(cell.cz - reach, rcz0), b1 = Math.min(cell.cz + reach, rcz1);
      if (a0 > a1 || b0 > b1) continue;
      cx0 = Math.min(cx0, a0);
      cz0 = Math.min(cz0, b0);
      cx1 = Math.max(cx1, a1);
      cz1 = Math.max(cz1, b1);
    }
    return cx0 === Infinity ? undefined : [cx0 * CHUNK_SIZE, cz0 * CHUNK_SIZE, (cx1 + 1) * CHUNK_SIZE, (cz1 + 1) * CHUNK_SIZE];
  }

  /** Whether a cell someone is in (or moving to) stands within radius + 1 columns (Chebyshev) of the column rectangle [cx0..cx1] × [cz0..cz1]. */
  private anyCellNear(cx0: number, cz0: number, cx1: number, cz1: number): boolean {
    for (const cell of this.cells.values()) {
      if (!this.occupied(cell)) continue; // kept while empty (EMPTY_CELL_TICKS): nobody looks through it
      const dx = Math.max(cx0 - cell.cx, 0, cell.cx - cx1), dz = Math.max(cz0 - cell.cz, 0, cell.cz - cz1);
      if (Math.max(dx, dz) <= this.radius + 1) return true;
    }
    return false;
  }

  /** Joined clients whose view covers the chunk column of (x, z): who should see an effect there. */
  clientsNear(x: number, z: number): Client[] {
    const cx = chunkCol(x), cz = chunkCol(z);
    const out: Client[] = [];
    for (const w of this.watchers.values()) {
      const cell = w.next ?? w.cell;
      if (cell && this.inRange(cell, cx, cz)) out.push(w.client);
    }
    return out;
  }

  // ---- for the serializer (rooms/patches.ts) ----

  watcherOf(client: Client): Watcher | undefined {
    return this.watchers.get(client.sessionId);
  }

  /** The full state is being sent to `client` (join, reconnect): its cell, filled now, goes with it. */
  cellForJoin(client: Client): Cell | undefined {
    const w = this.watchers.get(client.sessionId);
    const me = w && this.state.characters.get(w.characterId);
    if (!w || !me) return undefined;
    const cell = this.cellAt(chunkCol(me.x), chunkCol(me.z));
    w.cell?.members.delete(w);
    w.cell = cell;
    w.next = undefined;
    cell.members.add(w);
    w.knownAtJoin = new Set(cell.shown);
    return cell;
  }

  /**
   * The difference between what `w` holds as of its last patch (still in the state) and what `next` shows:
   * `gone` it holds and `next` does not show, `fresh` the other way round. Without copying either set (a
   * crowd's cells show hundreds of entities and mostly the same ones). A client that simply walks from its cell
   * into `next` holds what its cell shows, so the difference is the two cells': kept per pair of cells until
   * either shows something else (`version`), and only `gone` is checked again for what left the state since (a
   * `fresh` entity that left it is added and dropped by the encoder alike: it encodes nothing for a detached tree).
   */
  diffTo(w: Watcher, next: Cell): { gone: Schema[]; fresh: Schema[] } {
    const from = w.cell;
    if (w.knownAtJoin || !from || from.added.size > 0 || from.removed.size > 0) return this.diffOf(w, next);
    const memo = from.diffs.get(next);
    if (memo && memo.fromVersion === from.version && memo.toVersion === next.version) {
      return { gone: memo.gone.length === 0 ? memo.gone : memo.gone.filter((e) => this.present(e)), fresh: memo.fresh };
    }
    const d = this.diffOf(w, next);
    if (from.diffs.size >= MAX_DIFFS_PER_CELL) from.diffs.clear(); // pairs with cells dropped since
    from.diffs.set(next, { fromVersion: from.version, toVersion: next.version, gone: d.gone, fresh: d.fresh });
    return d;
  }

  private diffOf(w: Watcher, next: Cell): { gone: Schema[]; fresh: Schema[] } {
    this.gridNow();
    const want = next.shown;
    const base = w.knownAtJoin ?? w.cell?.shown ?? EMPTY_SET;
    // Before its last patch's changes were applied, the client's cell showed `base` less `added` plus `removed`.
    const added = w.knownAtJoin ? EMPTY_SET : (w.cell?.added ?? EMPTY_SET);
    const removed = w.knownAtJoin ? EMPTY_SET : (w.cell?.removed ?? EMPTY_SET);
    const holds = (e: Schema) => ((base.has(e) && !added.has(e)) || removed.has(e)) && this.present(e);
    const gone: Schema[] = [];
    for (const e of base) if (!added.has(e) && !want.has(e) && this.present(e)) gone.push(e);
    for (const e of removed) if (!base.has(e) && !want.has(e) && this.present(e)) gone.push(e);
    const fresh: Schema[] = [];
    for (const e of want) if (!holds(e)) fresh.push(e);
    return { gone, fresh };
  }

  /** After a patch went out: moves are done, every cell's changes delivered. */
  patched(): void {
    for (const w of this.watchers.values()) {
      w.knownAtJoin = undefined;
      if (w.next && w.client.state === ClientState.JOINED) {
        w.cell?.members.delete(w);
        w.cell = w.next;
        w.next = undefined;
        w.cell.members.add(w);
      }
    }
    for (const cell of this.cells.values()) {
      cell.added.clear();
      cell.removed.clear();
      // A cell nobody is in sends no part: its next members get what it shows through their move diffs or full
      // states (as a new cell's first members do, see cellAt), so what its view queued goes.
      if (cell.members.size === 0) cell.view.changes.clear();
    }
  }

  // ---- internals ----

  private cellAt(cx: number, cz: number): Cell {
    const key = pairKey(cx, cz);
    let cell = this.cells.get(key);
    if (!cell) {
      const phase = this.nextPhase++ % VIEW_REFRESH_TICKS;
      cell = { cx, cz, view: new StateView(), movers: new Set(), shown: new Set(), added: new Set(), removed: new Set(), members: new Set(), phase, occupiedAt: this.tick, nearAt: -Infinity, refreshedAt: this.tick, version: 0, diffs: new Map() };
      this.cells.set(key, cell);
      this.refreshUnseen(cell);
    } else if (this.tick - cell.refreshedAt >= VIEW_REFRESH_TICKS) this.refresh(cell); // kept while empty (EMPTY_CELL_TICKS)
    return cell;
  }

  /** Someone is in it, or moving to it at the next patch (as of the last update). */
  private occupied(cell: Cell): boolean {
    return cell.members.size > 0 || cell.occupiedAt === this.tick;
  }

  private inRange(cell: { cx: number; cz: number }, cx: number, cz: number): boolean {
    return Math.max(Math.abs(cx - cell.cx), Math.abs(cz - cell.cz)) <= this.radius;
  }

  /** Entities by chunk column, rebuilt at most once per tick (see Placed). */
  private gridNow(): Map<number, Placed[]> {
    if (this.gridTick === this.tick) return this.grid;
    const grid = new Map<number, Placed[]>();
    const state = this.state;
    // Records of what left the state stay until the map is twice what it holds (placing then costs no allocation).
    if (this.placed.size > 2 * (state.characters.size + state.npcs.size + state.chunks.size) + 64) this.placed.clear();
    const build = ++this.builds;
    const placed = this.placed;
    const put = (e: Schema, cx: number, cz: number) => {
      let p = placed.get(e);
      if (!p) placed.set(e, (p = { e, tree: treeOf(e), mover: isMover(e), build }));
      p.build = build;
      const k = pairKey(cx, cz);
      const list = grid.get(k);
      if (list) list.push(p);
      else grid.set(k, [p]);
    };
    for (const c of state.characters.values()) put(c, chunkCol(c.x), chunkCol(c.z));
    for (const n of state.npcs.values()) put(n, chunkCol(n.x), chunkCol(n.z));
    for (const ch of state.chunks.values()) put(ch, ch.cx, ch.cz);
    this.grid = grid;
    this.gridTick = this.tick;
    return grid;
  }

  /** Whether `e` is in this tick's grid (still in the state). */
  private present(e: Schema): boolean {
    this.gridNow();
    return this.placed.get(e)?.build === this.builds;
  }

  /**
   * Refreshes a cell nobody is in and drops what the refresh queued: its first members get what it shows through
   * their own frames, a join's full state (from `shown`) or a move's diff (what they lack of `shown`); its view's
   * queued ADDs would repeat all of that in its part.
   */
  private refreshUnseen(cell: Cell): void {
    this.refresh(cell);
    cell.view.changes.clear();
    cell.added.clear();
    cell.removed.clear();
  }

  /** Brings a cell's view in line with what stands within its radius. */
  private refresh(cell: Cell): void {
    cell.refreshedAt = this.tick;
    const grid = this.gridNow();
    const r = this.radius;
    const { shown, movers } = cell;
    // What stands in range now (each entity is in one column's list); what it shows already is counted, not
    // copied: when all of `shown` is still in range (the usual case) nothing is to hide and no set is made. A shown
    // character or NPC is found by its change tree (the one lookup that needs no hash of the object itself).
    const lists: Placed[][] = [];
    const toShow: Placed[] = [];
    let stillShown = 0;
    for (let dx = -r; dx <= r; dx++) {
      for (let dz = -r; dz <= r; dz++) {
        const list = grid.get(pairKey(cell.cx + dx, cell.cz + dz));
        if (!list) continue;
        lists.push(list);
        for (const p of list) {
          if (p.mover ? movers.has(p.tree) : shown.has(p.e)) stillShown++;
          // Gone from the state since this tick's grid was built (a handoff late in the tick; prewarm uses that
          // grid after the tick rather than building another): not shown; the next tick's grid leaves it out.
          else if (p.tree.root !== undefined) toShow.push(p);
        }
      }
    }
    if (stillShown !== shown.size) {
      const want = new Set<Schema>();
      for (const list of lists) for (const p of list) want.add(p.e);
      for (const e of shown) if (!want.has(e)) this.hide(cell, e);
    }
    for (const p of toShow) this.show(cell, p.e);
  }

  private show(cell: Cell, e: Schema): void {
    if (cell.shown.has(e)) return;
    cell.version++;
    if (isMover(e)) cell.movers.add(treeOf(e));
    cell.view.add(e);
    cell.shown.add(e);
    if (!cell.removed.delete(e)) cell.added.add(e);
  }

  private hide(cell: Cell, e: Schema): void {
    cell.shown.delete(e);
    cell.version++;
    cell.movers.delete(treeOf(e));
    // Gone from the state: the state's own delete reaches every client; the view only forgets it.
    if (this.present(e)) cell.view.remove(e);
    if (!cell.added.delete(e)) cell.removed.add(e);
  }
}
