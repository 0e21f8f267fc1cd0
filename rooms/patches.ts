/**
 * The region room's patch serializer: Colyseus' SchemaSerializer with the
 * per-client view pass replaced by shared cell views (rooms/interest.ts).
 *
 * A client's patch frame is
 *   [shared part] [its move diff, when it changed cells] [its cell's part] [its tile's part] [its own part]
 *  - shared part: fields nobody filters (region, time, leylines), encoded once;
 *  - move diff: a one-off view that starts from what the client holds and
 *    adds/removes the difference to its new cell (first, so that the cell's
 *    part never updates an object the client does not have yet);
 *  - cell part: what its cell shows changed in structure (entries added or
 *    removed, chunk edits, new entities), encoded once per cell, then what the
 *    characters and NPCs it shows owe on their FAR_EVERY due tick (see
 *    updateEvery), each entity's encoded once per patch and shared by every
 *    cell it is due in; all clients standing in that chunk column share it;
 *  - tile part, shared by the clients standing on the same tile of the cell:
 *    what changed this tick within NEAR_BLOCKS of the tile and its cell held
 *    back (near), and what the entities within MID_BLOCKS, beyond that, owe on
 *    their MID_EVERY due tick (mid); each entity's encoded once per patch;
 *  - own part: its personal view (own character with the OWNER tag), only in
 *    patches where that character changed.
 * Each frame is made once as a whole WebSocket frame and written to the
 * client's socket (rooms/wsframes.ts), not handed to ws frame by frame.
 * The decoder takes an object added twice as the same object (it is keyed by
 * its reference id), and a second delete of a removed entry as a no-op; both
 * can happen at a cell change and are harmless (test/room.interest.test.ts).
 *
 * The full state (join, handoff, reconnect) holds what Colyseus' own would
 * (shared fields, personal view) and the client's cell in full, written from
 * those objects (rooms/fullstate.ts), not by walks over the whole state. Rooms with an input controller (timed
 * frames) are not supported here and fall back to the stock behaviour.
 */
import { ClientState, Protocol, SchemaSerializer, type Client } from '@colyseus/core';
import { $getByIndex, Encoder, OPERATION, StateView, encode as encodePrimitive, type ChangeTree, type Schema } from '@colyseus/schema';
import { pairKey } from '../src/world/index.js';
import { CharacterState, NpcState, OWNER, RegionState } from '../schema/index.js';
import { FullStateWriter, refIdOf, SWITCH_TO_STRUCTURE, treeOf } from './fullstate.js';
import type { Cell, InterestManager, Watcher } from './interest.js';
import { payloadOf, wsFrame, writeFrame } from './wsframes.js';

/**
 * Update rate by distance (docs/protocol.md, "In view"), measured from the TILE_BLOCKS square a client stands on
 * (its tile), whose clients share their frames. A character or NPC within NEAR_BLOCKS of the tile (4 to 9.7
 * blocks from the client) reaches it in the patch of the tick it changed: the tile's near part. One within
 * MID_BLOCKS of the tile gets there at least every MID_EVERY ticks (500 ms at 20 Hz): the tile's mid part. Everything
 * else its cell shows updates through the cell's part every FAR_EVERY ticks (1 s), and so does everything within
 * those distances, which is then current already or gets nothing it lacked. A change left out is owed and sent
 * when the entity is due, so every client ends with the current values. Entities are due on DUE_PHASES phases of
 * ticks, so a tick where nothing near a client changed sends it nothing. Measured from the tile rather than from
 * the cell's chunk column, the 500 ms reach the same distance from every client (MID_BLOCKS from where it stands,
 * at least), and not up to 30 blocks from clients at a column's edge as well.
 */
export const NEAR_BLOCKS = 4;
/** Clients share near and mid parts (and frames) per tile: the TILE_BLOCKS × TILE_BLOCKS square they stand on. */
export const TILE_BLOCKS = 4;
export const MID_BLOCKS = 8;
export const MID_EVERY = 10;
export const FAR_EVERY = 20;

/** The squared horizontal distance from (x, z) to tile (tx, tz)'s square. */
function tileDistance2(tx: number, tz: number, x: number, z: number): number {
  const x0 = tx * TILE_BLOCKS, z0 = tz * TILE_BLOCKS;
  const dx = Math.max(x0 - x, 0, x - (x0 + TILE_BLOCKS));
  const dz = Math.max(z0 - z, 0, z - (z0 + TILE_BLOCKS));
  return dx * dx + dz * dz;
}

/** At least every how many ticks an entity at (x, z) reaches the clients on tile (tx, tz). */
export function updateEvery(tx: number, tz: number, x: number, z: number): number {
  const d2 = tileDistance2(tx, tz, x, z);
  return d2 <= NEAR_BLOCKS * NEAR_BLOCKS ? 1 : d2 <= MID_BLOCKS * MID_BLOCKS ? MID_EVERY : FAR_EVERY;
}

/**
 * How many phases entities' due ticks are spread over (a divisor of MID_EVERY). Few, so that the ticks between
 * due ones, when nothing near anyone changed, owe no client anything and send no frame at all (applyPatches
 * `tickOnly`): a world where players stand still, or whose clients send their moves in bursts, goes quiet between
 * them. More than one, so that the encoding of what is owed is not all on one tick in MID_EVERY (the patch's
 * p99). Two: due ticks every MID_EVERY / 2 ticks, each for half of the entities.
 */
export const DUE_PHASES = 2;
if (MID_EVERY % DUE_PHASES !== 0) throw new Error('DUE_PHASES must divide MID_EVERY');
/** The phase (0 ≤ phase < FAR_EVERY) of the entity with reference id `refId`: its due ticks are those with (tick + phase) % every = 0. */
export const phaseOf = (refId: number) => (refId % DUE_PHASES) * (MID_EVERY / DUE_PHASES);
/** Whether an entity with reference id `refId` updating every `every` ticks is due at `tick`. */
export const isDue = (tick: number, refId: number, every: number) => (tick + phaseOf(refId)) % every === 0;
// Owed entities wait in FAR_EVERY buckets by phase (CellSerializer.due): both rates must fall on them, and an
// entity's FAR_EVERY due ticks must be MID_EVERY due ticks too (what it owes at MID_EVERY is then part of what it
// owes at FAR_EVERY).
if (FAR_EVERY % MID_EVERY !== 0) throw new Error('FAR_EVERY must be a multiple of MID_EVERY');

/**
 * What one character or NPC owes the cells that show it: the public fields changed since its last MID_EVERY due
 * tick (`mid`) and since its last FAR_EVERY due tick (`far`; a superset, since every FAR_EVERY due tick is a
 * MID_EVERY one). A cell shows it at one of the two rates and gets, on the entity's due tick for that rate, what
 * it owes at that rate: the same bytes for every cell, encoded once. Kept only while something is owed.
 */
type Owed = { e: Schema; tree: ChangeTree; refId: number; mid: number; far: number };

/** Field indexes a cell may be owed, as a bit mask: the untagged ones (owner-only fields never go through a cell). */
const publicMasks = new WeakMap<object, number>();
function publicMaskOf(e: Schema): number {
  const klass = e.constructor;
  let mask = publicMasks.get(klass);
  if (mask === undefined) {
    mask = 0;
    const md = (klass as unknown as Record<symbol, Record<number, { tag?: number } | undefined>>)[Symbol.metadata]!;
    for (let i = 0; md[i] !== undefined; i++) {
      if (i > 30) throw new Error(`${klass.name}: more fields than an owed mask holds`);
      if (md[i]!.tag === undefined) mask |= 1 << i;
    }
    publicMasks.set(klass, mask);
  }
  return mask;
}

/** The public fields of `e` changed since the last patch, as a bit mask. */
function changedMaskOf(e: Schema): number {
  const tree = treeOf(e);
  if (!tree.has()) return 0;
  let mask = 0;
  tree.forEach((i) => {
    if (i <= 30) mask |= 1 << i;
  });
  return mask & publicMaskOf(e);
}

/** Clears `view`'s visibility of a tree and of its child trees (collections inside an entity), with `tags` its custom tags on them too. */
export function unmarkDeep(view: StateView, tree: ChangeTree, tags = false): void {
  view.unmarkVisible(tree);
  if (tags) view.removeAllTagsOnTree(tree);
  tree.forEachChild((child) => {
    if (!child) return;
    view.unmarkVisible(child);
    if (tags) view.removeAllTagsOnTree(child);
  });
}

/** An empty change queue (schema's `createChangeTreeList` shape). */
const NO_CHANGES = { next: undefined, tail: undefined, nextPosition: 0 };

/** Schema's change queue: a linked list of the trees changed since the last patch (what `_encodeChannel` walks). */
type ChangeNode = { changeTree: ChangeTree; next?: ChangeNode };
type ChangeQueue = { next?: ChangeNode; tail?: ChangeNode; nextPosition: number };

/**
 * `queue` less the characters and NPCs that are not new to the state (their changes go out per entity, at their
 * rate: CellSerializer.due), in the same order. Read by the encoder's walks only; the state's own queue stays.
 */
function structuralQueue(queue: ChangeQueue): ChangeQueue {
  const out: ChangeQueue = { next: undefined, tail: undefined, nextPosition: 0 };
  for (let n = queue.next; n; n = n.next) {
    const tree = n.changeTree;
    const ref = tree.ref;
    if (!tree.isNew && (ref instanceof CharacterState || ref instanceof NpcState)) continue;
    const node: ChangeNode = { changeTree: tree, next: undefined };
    if (out.tail) out.tail.next = node;
    else out.next = node;
    out.tail = node;
  }
  return out;
}

/** RegionState's `tick` field index. */
const TICK_INDEX = (RegionState as unknown as Record<symbol, Record<string, number>>)[Symbol.metadata]!['tick']!;

/** Whether the only change outside the entities is the state's `tick` (a patch with nothing else for a client is not sent it). */
function onlyTick(queue: ChangeQueue, state: RegionState): boolean {
  const n = queue.next;
  if (!n || n.next || n.changeTree !== treeOf(state)) return false;
  let only = true;
  n.changeTree.forEach((i) => {
    if (i !== TICK_INDEX) only = false;
  });
  return only;
}

/** The encoder's root, whose change queue `encode` and `encodeView`'s second pass walk. */
const rootOf = (encoder: Encoder) => (encoder as unknown as { root: { changes: ChangeQueue } }).root;

/** Runs `encode` with the encoder walking `queue` in place of the state's change queue (which stays as it is). */
function walking<T>(encoder: Encoder, queue: ChangeQueue, encode: () => T): T {
  const root = rootOf(encoder);
  const own = root.changes;
  root.changes = queue;
  try {
    return encode();
  } finally {
    root.changes = own;
  }
}

/**
 * `encoder.encodeView` of only what is put in `view.changes`: its second pass, the walk over every tree that
 * changed this tick (the tick's changes as the view sees them), is skipped by showing it an empty queue. For
 * a one-off part whose entries are all in `changes` (a cell change's diff) that walk emits nothing needed and
 * costs a visibility check per changed tree.
 */
function encodeQueued(encoder: Encoder, view: StateView, sharedOffset: number, it: { offset: number }): Uint8Array {
  return walking(encoder, NO_CHANGES, () => encoder.encodeView(view, sharedOffset, it).subarray(sharedOffset));
}

/**
 * The fields `mask` of one schema object as a patch part: the bytes `encodeView` writes for a view whose only
 * entry is those fields of that tree (its first pass; the second finds nothing such a view needs), through the
 * same per-field encoder, without the passes' setup, a map per call, and the copy of the shared part it returns
 * with. Written at `it.offset` in the encoder's shared buffer, like every part of a patch, and returned as a view
 * of it (see `room`). Schema internals (the tree's `encDescriptor`, `refTarget`, `$getByIndex`, the encoder's
 * `ensureCapacity`): docs/stack.md.
 */
function encodeFields(encoder: Encoder, tree: ChangeTree, refId: number, mask: number, it: { offset: number }): Uint8Array {
  const bytes = room(encoder, it.offset);
  const start = it.offset;
  bytes[it.offset++] = SWITCH_TO_STRUCTURE;
  encodePrimitive.number(bytes, refId, it);
  const { encoder: field, metadata } = tree.encDescriptor;
  const target = tree.refTarget as unknown as Record<typeof $getByIndex, (i: number) => unknown>;
  for (let i = 0; mask >>> i !== 0; i++) {
    if ((mask & (1 << i)) === 0) continue;
    // As encodeView: a field whose value is gone goes out as a DELETE.
    const op = target[$getByIndex](i) !== undefined ? OPERATION.ADD : OPERATION.DELETE;
    field(encoder, bytes, tree, i, op, it, false, true, metadata);
  }
  return bytes.subarray(start, it.offset);
}

/**
 * The encoder's shared buffer with at least Encoder.BUFFER_SIZE free past `offset` (grown, and the old one left as
 * it is, when not). A patch writes all its parts there one after another (`it.offset` only grows until the patch
 * ends) and its frames copy them out, so a part may be a view of that buffer, not a copy: no ArrayBuffer per
 * part, which the young generation's collection sweeps one by one (about a millisecond per collection with
 * 500 clients, measured with --trace-gc-nvp).
 */
function room(encoder: Encoder, offset: number): Uint8Array {
  return (encoder as unknown as { ensureCapacity(b: Uint8Array, offset: number): Uint8Array }).ensureCapacity(encoder.sharedBuffer, offset);
}

// A patch holds one part per cell and per client with changes: grow the shared buffer once, not on every patch.
Encoder.BUFFER_SIZE = Math.max(Encoder.BUFFER_SIZE, 512 * 1024);

type Timing = Parameters<SchemaSerializer<RegionState>['applyPatches']>[2];

export class CellSerializer extends SchemaSerializer<RegionState> {
  /** `ownerChanged`: characters whose owner-only fields changed since the last patch (rooms/sync.ts); cleared here. */
  constructor(
    private readonly interest: InterestManager,
    private readonly ownerChanged: () => Set<string> = () => new Set(),
  ) {
    super();
  }

  /** Replaces the room's stock serializer, keeping its encoder (and so the state's reference ids). */
  static taking(stock: SchemaSerializer<RegionState>, interest: InterestManager, ownerChanged: () => Set<string>): CellSerializer {
    const s = new CellSerializer(interest, ownerChanged);
    Object.assign(s, stock);
    return s;
  }

  /** Full states from what a client is shown (rooms/fullstate.ts); made on first use (the encoder comes with `taking`). */
  private fullStates?: FullStateWriter;

  override getFullState(client?: Client, timing?: Timing): Uint8Array {
    if (!client || timing || !this.hasFilters) return super.getFullState(client, timing);
    const w = this.interest.watcherOf(client);
    const state = this.encoder.state;
    const me = w && state.characters.get(w.characterId);
    const cell = me && this.interest.cellForJoin(client);
    if (!me || !cell) return super.getFullState(client, timing);
    client.view?.changes.clear(); // its personal view (own character) goes out here: the next patch must not repeat it
    this.fullStates ??= new FullStateWriter(this.encoder, OWNER);
    return this.fullStates.write(Protocol.ROOM_STATE, state, cell.shown, me);
  }

  /** A patch's joined clients and their watchers (reused). */
  private readonly joined: Client[] = [];
  private readonly watchers: (Watcher | undefined)[] = [];
  /** Of those, the ones whose personal view has queued changes (a join, a handoff): rare. */
  private readonly personal = new Set<Watcher>();

  /** Patch frames not sent because they held nothing for their client but `tick` (see applyPatches). */
  quietSkipped = 0;

  /** Entities with fields owed to some rate, and the same by phase (phaseOf): a tick visits only the due ones. */
  private readonly owed = new Map<ChangeTree, Owed>();
  private readonly owedAt: Set<Owed>[] = [];

  /**
   * Update rate by distance: adds this patch's changes to what each changed entity owes (a tree new to the state
   * goes out whole where it is shown, and owes nothing), and returns the entities due this tick at MID_EVERY (those
   * whose phase falls on it; some at FAR_EVERY too) with something owed: their parts go into the parts of the cells that show them at the rate that
   * is due. Work per tick: the changed entities, and the owed ones of the due phases; nothing per cell.
   */
  private due(tick: number, changed: Changed[]): Owed[] {
    for (const c of changed) {
      if (c.tree.isNew) continue;
      let o = this.owed.get(c.tree);
      if (!o) {
        this.owed.set(c.tree, (o = { e: c.e, tree: c.tree, refId: c.refId, mid: 0, far: 0 }));
        (this.owedAt[phaseOf(c.refId)] ??= new Set()).add(o);
      }
      o.mid |= c.mask;
      o.far |= c.mask;
    }
    const out: Owed[] = [];
    for (let b = (MID_EVERY - (tick % MID_EVERY)) % MID_EVERY; b < FAR_EVERY; b += MID_EVERY) {
      const bucket = this.owedAt[b];
      if (!bucket) continue;
      for (const o of bucket) {
        // Gone from the state (or re-added under another id): nobody is owed anything of it any more.
        if (o.tree.root === undefined || refIdOf(o.e) !== o.refId) {
          this.settle(o);
          continue;
        }
        out.push(o);
      }
    }
    return out;
  }

  /** After the patch: what went out on the due ticks is owed no more. */
  private paid(tick: number, due: Owed[]): void {
    for (const o of due) {
      o.mid = 0;
      if (isDue(tick, o.refId, FAR_EVERY)) o.far = 0;
      if (o.far === 0) this.settle(o);
    }
  }

  private settle(o: Owed): void {
    this.owed.delete(o.tree);
    this.owedAt[phaseOf(o.refId)]?.delete(o);
  }

  /** One view, reused for every cell change (a new view per change costs a walk over every tree when disposed). */
  private readonly diff = new StateView();

  /**
   * The one-off part of a client that walks into another cell: ADDs of what the
   * new cell shows and the client lacks, DELETEs of what it holds and the new
   * cell does not show.
   */
  private moveDiff(w: Watcher, next: Cell, sharedOffset: number, it: { offset: number }): Uint8Array {
    const diff = this.diff;
    const { gone, fresh } = this.interest.diffTo(w, next);
    for (const e of gone) diff.add(e);
    diff.changes.clear(); // the client holds these: only their removal goes out
    for (const e of gone) diff.remove(e);
    for (const e of fresh) diff.add(e);
    // What it keeps needs nothing more: every cell sends what an entity owes on the same FAR_EVERY due ticks (the
    // entity's), and near and mid parts go by the tile it stands on, whichever cell that is in.
    // Only its queued entries: the tick's own changes to what it shows come in the new cell's part, right after.
    const part = encodeQueued(this.encoder, diff, sharedOffset, it);
    // Back to empty without a walk over every tree: unmark what this change marked visible (`add`/`remove` mark an
    // entity, its children and its ancestors; `encodeView` only writes changes).
    diff.changes.clear();
    const state = this.encoder.state;
    for (const ancestor of [state, state.characters, state.npcs, state.chunks]) diff.unmarkVisible(treeOf(ancestor));
    for (const e of gone) unmarkDeep(diff, treeOf(e));
    for (const e of fresh) unmarkDeep(diff, treeOf(e));
    return part;
  }

  override applyPatches(clients: Client[], state: unknown, timing?: Timing): boolean {
    if (timing || !this.hasFilters || clients.length === 0) {
      const r = super.applyPatches(clients, state, timing);
      this.interest.patched();
      return r;
    }
    const encoder = this.encoder;
    // The joined clients and their watchers, side by side (arrays kept from patch to patch: no object per client).
    const joined = this.joined, watchers = this.watchers, personal = this.personal;
    joined.length = 0;
    watchers.length = 0;
    personal.clear();
    let viewChanges = false, moving = false;
    for (const client of clients) {
      if (client.state !== ClientState.JOINED) continue;
      const w = this.interest.watcherOf(client);
      joined.push(client);
      watchers.push(w);
      if (!w) continue;
      if (w.next) moving = true;
      if (w.personal.changes.size > 0) {
        viewChanges = true;
        personal.add(w);
      } else if (w.cell && w.cell.view.changes.size > 0) viewChanges = true;
    }
    if (!encoder.hasChanges && !viewChanges && !moving) {
      this.interest.patched();
      this.ownerChanged().clear();
      return false;
    }
    if (encoder.hasChanges) this.needFullEncode = true;

    const tick = (state as RegionState).tick;
    const changed = changedEntities(state as RegionState);
    const due = this.due(tick, changed);
    // Every `due` entity is due at MID_EVERY; some at FAR_EVERY too (their FAR_EVERY due ticks are MID_EVERY ones).
    type MidDue = { o: Owed; x: number; z: number };
    const farDue: Owed[] = [];
    const midDue: MidDue[] = [];
    for (const o of due) {
      if (isDue(tick, o.refId, FAR_EVERY)) farDue.push(o);
      else if (o.mid !== 0) {
        const p = o.e as Positioned;
        midDue.push({ o, x: p.x, z: p.z });
      }
    }
    /** The entities due at MID_EVERY only, by tile (made at the first tile that looks). */
    let mid: TileIndex<MidDue> | undefined;
    const aroundMid: MidDue[] = [];
    // The shared part and the cells' parts walk only the trees whose changes are not owed per entity: structure
    // (maps, chunks, the region's own fields) and trees new to the state. Characters' and NPCs' changes reach the
    // cells through `due`, the near parts and the personal views (which walk everything).
    const structural = structuralQueue(rootOf(encoder).changes);

    const it = { offset: 1 };
    encoder.sharedBuffer[0] = Protocol.ROOM_STATE_PATCH;
    const shared = walking(encoder, structural, () => encoder.encode(it)); // a view of the shared buffer, as every part (see `room`)
    const sharedOffset = it.offset;
    // Nothing but `tick` changed outside the entities: a client with nothing else in this patch gets no frame (its
    // `tick` is that of its last patch: docs/protocol.md): every client, on a tick that is not a due one (DUE_PHASES)
    // and where nothing near anyone changed.
    const tickOnly = onlyTick(structural, state as RegionState);
    // Per cell, encoded once: its part; per tile of the cell, its near part and the frame of its clients that have nothing of their own.
    type Tile = { part: Uint8Array; frame?: Buffer };
    /** The frame of a client with nothing but the shared part (rooms/wsframes.ts). */
    let sharedFrame: Buffer | undefined;
    const cellParts = new Map<Cell, { part: Uint8Array; tiles: Map<number, Tile> }>();
    // Per entity due, encoded once per patch and what is owed: its part in every cell due to get it.
    const dueParts = new Map<number, Uint8Array>();
    const duePart = (o: Owed, mask: number) => {
      const key = o.refId * 0x1_0000_0000 + mask;
      let p = dueParts.get(key);
      if (!p) dueParts.set(key, (p = encodeFields(encoder, o.tree, o.refId, mask, it)));
      return p;
    };
    const cellPart = (cell: Cell) => {
      let p = cellParts.get(cell);
      if (p) return p;
      const part = walking(encoder, structural, () => encoder.encodeView(cell.view, sharedOffset, it).subarray(sharedOffset));
      let parts: Uint8Array[] | undefined;
      for (const o of farDue) {
        // Not shown here, or shown anew (whole, in the view's own part).
        if (!cell.movers.has(o.tree) || (cell.added.size > 0 && cell.added.has(o.e))) continue;
        (parts ??= [part]).push(duePart(o, o.far));
      }
      cellParts.set(cell, (p = { part: parts ? join(encoder, it, parts) : part, tiles: new Map() }));
      return p;
    };
    /** Whether `c`'s changes of this tick are left out of `cell`'s part (to go out when it is due at FAR_EVERY). */
    const heldBack = (cell: Cell, c: Changed) => {
      if (c.isNew || (cell.added.size > 0 && cell.added.has(c.e))) return false;
      return cell.movers.has(c.tree) && !isDue(tick, c.refId, FAR_EVERY);
    };
    const near = new TileIndex(changed);
    const around: Changed[] = [];
    // Per entity held back from some cell this patch, encoded once: its changes, for the tiles it is near.
    const changes = new Map<Changed, Uint8Array>();
    const changesOf = (c: Changed) => {
      let p = changes.get(c);
      if (!p) changes.set(c, (p = encodeFields(encoder, c.tree, c.refId, c.mask, it)));
      return p;
    };
    const tileOf = (cell: Cell, ofCell: { tiles: Map<number, Tile> }, tx: number, tz: number): Tile => {
      const key = pairKey(tx, tz);
      let tile = ofCell.tiles.get(key);
      if (tile) return tile;
      const parts: Uint8Array[] = [];
      const n = near.around(tx, tz, NEAR_BLOCKS, around);
      for (let i = 0; i < n; i++) if (heldBack(cell, around[i]!)) parts.push(changesOf(around[i]!));
      // Mid: what the entities due at MID_EVERY (and not at FAR_EVERY: the cell part has those) owe, for those within
      // MID_BLOCKS of the tile and beyond NEAR_BLOCKS (the near part keeps those current) that the cell shows.
      if (midDue.length > 0) {
        const m = (mid ??= new TileIndex(midDue)).around(tx, tz, MID_BLOCKS, aroundMid);
        for (let i = 0; i < m; i++) {
          const d = aroundMid[i]!;
          if (updateEvery(tx, tz, d.x, d.z) !== MID_EVERY) continue; // near: the near part keeps it current
          if (!cell.movers.has(d.o.tree) || (cell.added.size > 0 && cell.added.has(d.o.e))) continue;
          parts.push(duePart(d.o, d.o.mid));
        }
      }
      ofCell.tiles.set(key, (tile = { part: parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : join(encoder, it, parts) }));
      return tile;
    };
    const characters = (state as RegionState).characters;
    const ownerChanged = this.ownerChanged();
    for (let i = 0; i < joined.length; i++) {
      const client = joined[i]!, w = watchers[i];
      const next = w?.next; // moving to another cell: its diff goes first
      const cell = next ?? w?.cell;
      const ofCell = cell && cellPart(cell);
      // Its tile as of this tick's interest update (positions do not change between it and the patch).
      let tile: Tile | undefined;
      if (ofCell && w) {
        if (w.tileTick === tick) tile = tileOf(cell, ofCell, w.tx, w.tz);
        else {
          const me = characters.get(w.characterId);
          if (me) tile = tileOf(cell, ofCell, Math.floor(me.x / TILE_BLOCKS), Math.floor(me.z / TILE_BLOCKS));
        }
      }
      const own = w !== undefined && ((personal.size > 0 && personal.has(w)) || (ownerChanged.size > 0 && ownerChanged.has(w.characterId)));
      let frame: Buffer;
      if (!next && !own) {
        // Nothing of its own: the frame of its tile, shared by the clients on it (the socket does not modify it),
        // or, with nothing for it in its cell and tile on a tick where only `tick` changed, none at all.
        if (tickOnly && (!ofCell || ofCell.part.length === 0) && (!tile || tile.part.length === 0)) {
          this.quietSkipped++;
          continue;
        }
        if (tile) frame = tile.frame ??= wsFrame(tile.part.length > 0 ? [shared, ofCell!.part, tile.part] : [shared, ofCell!.part]);
        else if (ofCell) frame = wsFrame([shared, ofCell.part]);
        else frame = sharedFrame ??= wsFrame([shared]);
      } else {
        const parts: Uint8Array[] = [shared];
        if (next) parts.push(this.moveDiff(w!, next, sharedOffset, it));
        if (ofCell) parts.push(ofCell.part);
        if (tile && tile.part.length > 0) parts.push(tile.part);
        if (own) {
          const part = personalPart(encoder, w!.personal, characters.get(w!.characterId), sharedOffset, it);
          if (part.length) parts.push(part);
        }
        frame = wsFrame(parts);
      }
      if (!writeFrame(client, frame)) client.raw(payloadOf(frame));
    }
    this.paid(tick, due);
    encoder.discardChanges();
    this.interest.patched();
    ownerChanged.clear();
    return true;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * A client's personal part: what its personal view (own character, OWNER tag) holds of this tick's changes. The
 * view's own queue (entries put in `view.changes`: a join, a handoff) goes through `encodeView`. Otherwise only
 * the own character's trees can give it anything (the view shows nothing else but their ancestors, whose changes
 * are other entities' or unfiltered), so the encoder walks those, not every tree changed this tick (a check per
 * changed tree per client, as the view pass of `encodeView` does), and the part stays a view of the shared buffer
 * (see `room`) instead of `encodeView`'s copy of the shared part with it. The same bytes either way
 * (test/room.interest.test.ts); with every character's mana regenerating (a part for every client on every tick),
 * `npm run bench:tick` at 500 clients spent 3.1 ms per patch against 4.3 ms with `encodeView`.
 */
export function personalPart(encoder: Encoder, view: StateView, me: Schema | undefined, sharedOffset: number, it: { offset: number }): Uint8Array {
  if (view.changes.size > 0 || !me) return encoder.encodeView(view, sharedOffset, it).subarray(sharedOffset);
  const tree = treeOf(me);
  const queue: ChangeQueue = { next: undefined, tail: undefined, nextPosition: 0 };
  const push = (t: ChangeTree) => {
    if (!t.has()) return;
    const node: ChangeNode = { changeTree: t, next: undefined };
    if (queue.tail) queue.tail.next = node;
    else queue.next = node;
    queue.tail = node;
  };
  // Its ancestors first (the walk's order): their changes in view are the own entry's (added the tick it joins).
  const state = encoder.state as RegionState;
  push(treeOf(state));
  push(treeOf(state.characters));
  push(tree);
  tree.forEachChild((child) => {
    if (child) push(child);
  });
  if (!queue.next) return EMPTY;
  const start = it.offset;
  const bytes = walking(encoder, queue, () => encoder.encode(it, view));
  return bytes.subarray(start, it.offset);
}

type Positioned = Schema & { x: number; z: number };

/**
 * A character or NPC with public fields changed since the last patch, and which (bit mask); with its change
 * tree, reference id and position read once (symbol and schema accessor reads, repeated per cell and tile).
 */
type Changed = { e: Positioned; mask: number; tree: ChangeTree; refId: number; x: number; z: number; isNew: boolean };

function changedEntities(state: RegionState): Changed[] {
  const out: Changed[] = [];
  const add = (e: Positioned) => {
    const mask = changedMaskOf(e);
    if (mask === 0) return;
    const tree = treeOf(e);
    out.push({ e, mask, tree, refId: refIdOf(e), x: e.x, z: e.z, isNew: tree.isNew });
  };
  for (const c of state.characters.values()) add(c);
  for (const n of state.npcs.values()) add(n);
  return out;
}

/**
 * Entities (the characters and NPCs that changed this tick, or those due) by tile (TILE_BLOCKS squares), for the
 * ones within some distance of a tile: within r of it lie the tiles ceil(r / TILE_BLOCKS) around it, so few
 * entities are checked that are not in range.
 */
class TileIndex<T extends { x: number; z: number }> {
  private readonly tiles = new Map<number, T[]>();

  constructor(items: T[]) {
    for (const c of items) {
      const k = pairKey(Math.floor(c.x / TILE_BLOCKS), Math.floor(c.z / TILE_BLOCKS));
      const list = this.tiles.get(k);
      if (list) list.push(c);
      else this.tiles.set(k, [c]);
    }
  }

  /**
   * The entities within `r` blocks of tile (tx, tz), written into `out` from its start; returns how many
   * (entries past that are stale: `out` is reused, not cleared, since truncating an array frees its store).
   */
  around(tx: number, tz: number, r: number, out: T[]): number {
    let n = 0;
    const x0 = tx * TILE_BLOCKS, z0 = tz * TILE_BLOCKS, x1 = x0 + TILE_BLOCKS, z1 = z0 + TILE_BLOCKS;
    const r2 = r * r;
    for (let sx = Math.floor((x0 - r) / TILE_BLOCKS); sx <= Math.floor((x1 + r) / TILE_BLOCKS); sx++) {
      for (let sz = Math.floor((z0 - r) / TILE_BLOCKS); sz <= Math.floor((z1 + r) / TILE_BLOCKS); sz++) {
        const list = this.tiles.get(pairKey(sx, sz));
        if (!list) continue;
        // A tile wholly within r of this one's square needs no distance check: its farthest corner is within r.
        const fx = Math.max(x0 - sx * TILE_BLOCKS, (sx + 1) * TILE_BLOCKS - x1, 0);
        const fz = Math.max(z0 - sz * TILE_BLOCKS, (sz + 1) * TILE_BLOCKS - z1, 0);
        const inside = fx * fx + fz * fz <= r2;
        for (const c of list) {
          if (inside) {
            out[n++] = c;
            continue;
          }
          if (tileDistance2(tx, tz, c.x, c.z) <= r2) out[n++] = c;
        }
      }
    }
    return n;
  }
}


/** Parts end to end, written at `it.offset` in the encoder's shared buffer (see `room`). */
function join(encoder: Encoder, it: { offset: number }, parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const bytes = room(encoder, it.offset + n);
  const start = it.offset;
  for (const p of parts) {
    bytes.set(p, it.offset);
    it.offset += p.length;
  }
  return bytes.subarray(start, it.offset);
}
