/**
 * The region room's patch serializer: Colyseus' SchemaSerializer with the
 * per-client view pass replaced by shared cell views (rooms/interest.ts).
 *
 * A client's patch frame is
 *   [shared part] [its move diff, when it changed cells] [its cell's part] [its band square's part] [its tile's part] [its own part]
 *  - shared part: fields nobody filters (region, time, leylines), encoded once;
 *  - move diff: a one-off view that starts from what the client holds and
 *    adds/removes the difference to its new cell (first, so that the cell's
 *    part never updates an object the client does not have yet);
 *  - cell part: what its cell shows changed in structure (entries added or
 *    removed, chunk edits, new entities), encoded once per cell, then what the
 *    characters and NPCs it shows owe when they go out in the last band (see
 *    BANDS); all clients standing in that chunk column share it;
 *  - band square part, shared by the clients on the same BAND_BLOCKS square of
 *    the cell: what the entities going out in bands 0 up to the last but one
 *    owe, for those in such a band of the square and beyond NEAR_BLOCKS of it;
 *  - tile part, shared by the clients standing on the same tile of the cell:
 *    what changed this tick within NEAR_BLOCKS of the tile and its cell held
 *    back (near), and what the entities going out in band 0 within
 *    NEAR_BLOCKS of the band square but not of the tile owe there;
 *    every entity's part is encoded once per patch (per band).
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
 * Update rate by distance (docs/protocol.md, "In view"). A character or NPC within NEAR_BLOCKS of the TILE_BLOCKS
 * square a client stands on (its tile, whose clients share their frames; 3 to 8.7 blocks from the client) reaches
 * it in the patch of the tick it changed: the tile's near part. Beyond, BANDS by the distance from the BAND_BLOCKS
 * square that holds the tile (its band square, whose tiles share what goes out for the entities beyond NEAR_BLOCKS
 * of it), the last band, everything else the cell shows, through the cell's part. In band b an entity goes out
 * at most once every `every` ticks, and then only once what the clients there show of it is worth correcting:
 *  - it has moved `moved` blocks from where it stood when it last went out in that band, or
 *  - something other than its place and facing changed (hp …), or
 *  - it stands still (STILL_TICKS without a move): its last values, exact, or
 *  - it has not gone out for twice `every` (a slow drift, a turn on the spot).
 * `moved` is what 3.2 blocks/s (three quarters of a walker's 4.3) covers in `every`: anything moving at that pace or
 * faster goes out every `every`, exactly as with a fixed rate (off by at most speed × `every`: a walker's 2 blocks 8
 * blocks off, 4 at 16, 8 at 32), and anything slower once it has moved `moved` (off by at most that and a step: less
 * than a walker), instead of every `every` because it moved at all. So what goes out follows how far things walk, as
 * a peer that sends every move follows how often they move: a crowd walking slowly, milling about or shuffling costs
 * less, and what clients see of it is no farther off than of walkers. (Sized by `npm run bench`'s "shown off", p99 by
 * distance, against the bytes: docs/design.md "Interest and shared encoding".) A change left out is owed and sent
 * when the entity goes out, so every client ends with the current values; a tick on which nothing near a client
 * changed and nothing it shows goes out sends it nothing.
 */
// A 4-block tile with 3 blocks of full rate sends what a 2-block tile with 4 did (92 and 86 block² of near ground), but
// a crowd's clients share tiles (a 2-block one held about one each): its patch costs a third less (docs/design.md).
export const NEAR_BLOCKS = 3;
export const TILE_BLOCKS = 4;
export const BAND_BLOCKS = 4;
export const BANDS: readonly { readonly blocks: number; readonly every: number; readonly moved: number }[] = [
  { blocks: 8, every: 10, moved: 1.6 },
  { blocks: 16, every: 20, moved: 3.2 },
  { blocks: 32, every: 40, moved: 6.4 },
  { blocks: Infinity, every: 80, moved: 12.8 },
];
const LAST = BANDS.length - 1;
/** Ticks without a move after which an entity stands still: what it owes goes out as soon as its bands allow. */
export const STILL_TICKS = 10;
const TILES_PER_BAND = BAND_BLOCKS / TILE_BLOCKS;
if (!Number.isInteger(TILES_PER_BAND)) throw new Error('rooms/patches.ts: BAND_BLOCKS must be a multiple of TILE_BLOCKS');
// A band reaches farther than the one before it (bandAt), the last one everything.
BANDS.forEach((b, i) => {
  const prev = BANDS[i - 1];
  if (prev && b.blocks <= prev.blocks) throw new Error('rooms/patches.ts BANDS: each band reaches farther than the one before');
  if (i === BANDS.length - 1 ? b.blocks !== Infinity : !Number.isFinite(b.blocks)) throw new Error('rooms/patches.ts BANDS: only the last band reaches everything');
});

/** The squared horizontal distance from (x, z) to the `size` square with corner (x0, z0). */
function squareDistance2(x0: number, z0: number, size: number, x: number, z: number): number {
  const dx = Math.max(x0 - x, 0, x - (x0 + size));
  const dz = Math.max(z0 - z, 0, z - (z0 + size));
  return dx * dx + dz * dz;
}

/** The band square of tile (tx, tz), in BAND_BLOCKS units. */
const bandSquareOf = (t: number) => Math.floor(t / TILES_PER_BAND);

/** The band (index into BANDS) of what lies at squared distance `d2` from a band square: at least 0. */
function bandAt(d2: number): number {
  let b = 0;
  while (d2 > BANDS[b]!.blocks * BANDS[b]!.blocks) b++;
  return b;
}

/** The band (index into BANDS) of an entity at (x, z) for the clients on tile (tx, tz); -1 within NEAR_BLOCKS of the tile. */
export function bandOf(tx: number, tz: number, x: number, z: number): number {
  if (squareDistance2(tx * TILE_BLOCKS, tz * TILE_BLOCKS, TILE_BLOCKS, x, z) <= NEAR_BLOCKS * NEAR_BLOCKS) return -1;
  return bandAt(squareDistance2(bandSquareOf(tx) * BAND_BLOCKS, bandSquareOf(tz) * BAND_BLOCKS, BAND_BLOCKS, x, z));
}

/** At most how often (every how many ticks) an entity at (x, z) reaches the clients on tile (tx, tz): 1 near it. */
export function updateEvery(tx: number, tz: number, x: number, z: number): number {
  const b = bandOf(tx, tz, x, z);
  return b < 0 ? 1 : BANDS[b]!.every;
}

/**
 * What one character or NPC owes the clients that show it: per band, the public fields changed since it last went
 * out in that band (`owes[b]`; each a superset of the nearer band's: see CellSerializer.paid). A client shows it in
 * one band and gets, when it goes out there, what it owes there: the same bytes for every client, encoded once.
 * Kept only while something is owed.
 */
type Owed = {
  e: Schema;
  tree: ChangeTree;
  refId: number;
  owes: number[];
  /** The bands it goes out in this patch, a bit each (CellSerializer.due); the last band's bit stands for them all. */
  goes: number;
  /** Where and when it last went out, per band. */
  track: Track;
  /** Its class's fields of place and facing (motionMaskOf), read once. */
  motion: number;
  /** Its parts per band in the patch of tick `partsTick` (what it owes there, encoded once: see CellSerializer.duePart). */
  parts: (Uint8Array | undefined)[];
  partsTick: number;
};

/**
 * Where an entity stood, per band, when it last went out there, and when; when it last moved. Kept for as long as
 * the entity is (a WeakMap by its change tree), owed or not.
 */
type Track = { x: number[]; y: number[]; z: number[]; sentAt: number[]; movedAt: number };

type FieldInfo = { name: string; tag?: number };
/** The fields of `e`'s class that `pick` takes, as a bit mask by field index; kept per class in `cache`. */
function fieldMask(e: Schema, cache: WeakMap<object, number>, pick: (f: FieldInfo) => boolean): number {
  const klass = e.constructor;
  let mask = cache.get(klass);
  if (mask === undefined) {
    mask = 0;
    const md = (klass as unknown as Record<symbol, Record<number, FieldInfo | undefined>>)[Symbol.metadata]!;
    for (let i = 0; md[i] !== undefined; i++) {
      if (i > 30) throw new Error(`${klass.name}: more fields than an owed mask holds`);
      if (pick(md[i]!)) mask |= 1 << i;
    }
    cache.set(klass, mask);
  }
  return mask;
}

/** Field indexes a cell may be owed: the untagged ones (owner-only fields never go through a cell). */
const publicMasks = new WeakMap<object, number>();
const publicMaskOf = (e: Schema) => fieldMask(e, publicMasks, (f) => f.tag === undefined);
/** The fields of place and facing: they go out by distance moved (BANDS). */
const MOTION_FIELDS = new Set(['x', 'y', 'z', 'yaw']);
const motionMasks = new WeakMap<object, number>();
const motionMaskOf = (e: Schema) => fieldMask(e, motionMasks, (f) => MOTION_FIELDS.has(f.name));

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

  /** Entities with fields owed to some band. */
  private readonly owed = new Map<ChangeTree, Owed>();
  /** Per entity, where and when it last went out in each band (see Track). */
  private readonly tracks = new WeakMap<ChangeTree, Track>();

  /**
   * Update rate by distance: adds this patch's changes to what each changed entity owes (a tree new to the state
   * goes out whole where it is shown, and owes nothing), and returns the entities that go out in this patch, each
   * with the bands it goes out in (`goes`), by the rules at BANDS: their parts go into the parts of the cells, band
   * squares and tiles that show them in those bands. Work per tick: the changed entities and the owed ones (a check
   * per band each); nothing per cell.
   */
  private due(tick: number, changed: Changed[]): Owed[] {
    for (const c of changed) {
      let track = this.tracks.get(c.tree);
      if (c.tree.isNew || !track) {
        // New: it goes out whole, current. (An entity changed before it was ever tracked starts from here too: off
        // by that one change at most.) Each band's first interval is staggered by its reference id, so that entities
        // that appeared together do not go out together ever after.
        const e = c.e as Placed;
        track = { x: BANDS.map(() => e.x), y: BANDS.map(() => e.y), z: BANDS.map(() => e.z), sentAt: BANDS.map((b) => tick - (c.refId % b.every)), movedAt: tick };
        this.tracks.set(c.tree, track);
        if (c.tree.isNew) {
          this.owed.delete(c.tree); // (re-added: it goes out whole, owing nothing)
          continue;
        }
      }
      let o = this.owed.get(c.tree);
      if (!o) {
        o = { e: c.e, tree: c.tree, refId: c.refId, owes: BANDS.map(() => 0), goes: 0, track, motion: motionMaskOf(c.e), parts: [], partsTick: -1 };
        this.owed.set(c.tree, o);
      }
      if ((c.mask & o.motion) !== 0) track.movedAt = tick;
      for (let b = 0; b < o.owes.length; b++) o.owes[b]! |= c.mask;
    }
    const out: Owed[] = [];
    for (const o of this.owed.values()) {
      const track = o.track;
      const e = o.e as Placed;
      const still = tick - track.movedAt >= STILL_TICKS;
      o.goes = 0;
      for (let b = LAST; b >= 0; b--) {
        const owes = o.owes[b]!;
        if (owes === 0) break; // owes[b] holds owes[b - 1]
        const band = BANDS[b]!;
        const since = tick - track.sentAt[b]!;
        if (since < band.every) continue;
        const dx = e.x - track.x[b]!, dy = e.y - track.y[b]!, dz = e.z - track.z[b]!;
        if ((owes & ~o.motion) !== 0 || still || since >= 2 * band.every || dx * dx + dy * dy + dz * dz >= band.moved * band.moved) {
          // Through the cells, the last band reaches every client that shows it: it goes out in every band.
          if (b === LAST) {
            o.goes = (1 << BANDS.length) - 1;
            break;
          }
          o.goes |= 1 << b;
        }
      }
      if (o.goes === 0) continue;
      // Gone from the state (or re-added under another id): nobody is owed anything of it any more. (Looked at only
      // when it would go out: one that left stands still from then on, and so goes out within its interval.)
      if (o.tree.root === undefined || refIdOf(o.e) !== o.refId) this.owed.delete(o.tree);
      else out.push(o);
    }
    return out;
  }

  /**
   * After the patch: a band an entity went out in starts again from here, and owes what the nearer band still owes
   * (nothing if that went out too), so that each band owes a superset of what the nearer one does: a client that
   * moves from the nearer band into it holds what that band had, and still gets every field it lacks.
   */
  private paid(tick: number, due: Owed[]): void {
    for (const o of due) {
      const track = o.track;
      const e = o.e as Placed;
      for (let b = 0; b <= LAST; b++) {
        if ((o.goes & (1 << b)) === 0) continue;
        o.owes[b] = b === 0 ? 0 : o.owes[b - 1]!;
        track.sentAt[b] = tick;
        track.x[b] = e.x;
        track.y[b] = e.y;
        track.z[b] = e.z;
      }
      if (o.owes[LAST] === 0) this.owed.delete(o.tree);
    }
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
    // What it keeps needs nothing more: every cell sends what an entity owes when it goes out in the last band, and
    // the band square and tile parts go by where it stands, whichever cell that is in.
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
    // Going out in the last band, an entity goes out through the cells that show it (what it owes there holds what
    // it owes in every band); else through the band squares and tiles that have it in a band it goes out in.
    type TileDue = { o: Owed; x: number; z: number };
    const cellDue: Owed[] = [];
    /** The trees of `cellDue`: their changes of this tick go out in the cells' parts, not held back for the near ones. */
    const viaCells = new Set<ChangeTree>();
    /** The others, and the same by the farthest band they go out in. */
    const tileDue: TileDue[] = [];
    const tileDueUpTo: TileDue[][] = BANDS.map(() => []);
    for (const o of due) {
      if ((o.goes & (1 << LAST)) !== 0) {
        cellDue.push(o);
        viaCells.add(o.tree);
      } else {
        const p = o.e as Positioned;
        const d = { o, x: p.x, z: p.z };
        tileDue.push(d);
        tileDueUpTo[31 - Math.clz32(o.goes)]!.push(d);
      }
    }
    /**
     * `tileDue` by place (made at the first tile that looks): a fine index of them all for what is near a band
     * square, and one per farthest band they go out in, as coarse as that band's reach (the reach, not the farthest
     * band of all, bounds the search: most go out in band 0 alone).
     */
    let dueNear: TileIndex<TileDue> | undefined;
    const dueFar: (TileIndex<TileDue> | undefined)[] = [];
    const aroundDue: TileDue[] = [];
    // The shared part and the cells' parts walk only the trees whose changes are not owed per entity: structure
    // (maps, chunks, the region's own fields) and trees new to the state. Characters' and NPCs' changes reach the
    // cells through `due`, the near parts and the personal views (which walk everything).
    const structural = structuralQueue(rootOf(encoder).changes);

    const it = { offset: 1 };
    encoder.sharedBuffer[0] = Protocol.ROOM_STATE_PATCH;
    const shared = walking(encoder, structural, () => encoder.encode(it)); // a view of the shared buffer, as every part (see `room`)
    const sharedOffset = it.offset;
    // Nothing but `tick` changed outside the entities: a client with nothing else in this patch gets no frame (its
    // `tick` is that of its last patch: docs/protocol.md): one for which nothing near changed and nothing it shows
    // goes out; every client, in a world standing still.
    const tickOnly = onlyTick(structural, state as RegionState);
    // Per cell, encoded once: its part; per band square of the cell, what goes out in the bands of the entities
    // beyond NEAR_BLOCKS of it; per tile, its near part, band 0 for the rest, and the frame of its clients that have
    // nothing of their own.
    // A square's and a tile's parts stay a list (each a view of the shared buffer): their frames copy them out once.
    type Tile = { parts: Parts; frame?: Buffer };
    type OfCell = { part: Uint8Array; squares: Map<number, Parts>; tiles: Map<number, Tile> };
    /** The frame of a client with nothing but the shared part (rooms/wsframes.ts). */
    let sharedFrame: Buffer | undefined;
    const cellParts = new Map<Cell, OfCell>();
    // Per entity due, encoded once per patch and band: what it owes there, in every part due to get it.
    const duePart = (o: Owed, b: number) => {
      if (o.partsTick !== tick) {
        o.partsTick = tick;
        o.parts.fill(undefined);
      }
      return (o.parts[b] ??= encodeFields(encoder, o.tree, o.refId, o.owes[b]!, it));
    };
    /** Whether `cell` has `e` to update: shows it, and not anew (a new entry goes out whole, in the view's own part). */
    const updates = (cell: Cell, o: Owed) => cell.movers.has(o.tree) && !(cell.added.size > 0 && cell.added.has(o.e));
    const cellPart = (cell: Cell): OfCell => {
      let p = cellParts.get(cell);
      if (p) return p;
      const part = walking(encoder, structural, () => encoder.encodeView(cell.view, sharedOffset, it).subarray(sharedOffset));
      let parts: Uint8Array[] | undefined;
      for (const o of cellDue) if (updates(cell, o)) (parts ??= [part]).push(duePart(o, LAST));
      cellParts.set(cell, (p = { part: parts ? join(encoder, it, parts) : part, squares: new Map(), tiles: new Map() }));
      return p;
    };
    /** Whether `c`'s changes of this tick are left out of `cell`'s part (to go out when it goes out in the last band). */
    const heldBack = (cell: Cell, c: Changed) => {
      if (c.isNew || (cell.added.size > 0 && cell.added.has(c.e))) return false;
      return cell.movers.has(c.tree) && !viaCells.has(c.tree);
    };
    /** Per cell, `heldBack` of every changed entity by its index: worked out once per cell, read by each of its tiles. */
    const heldBackBy = new Map<Cell, Uint8Array>();
    const heldBackIn = (cell: Cell) => {
      let flags = heldBackBy.get(cell);
      if (!flags) {
        flags = new Uint8Array(changed.length);
        for (const c of changed) if (heldBack(cell, c)) flags[c.i] = 1;
        heldBackBy.set(cell, flags);
      }
      return flags;
    };
    const near = new TileIndex(changed, BAND_BLOCKS);
    const around: Changed[] = [];
    // Per entity held back from some cell this patch, encoded once: its changes, for the tiles it is near.
    const changesOf = (c: Changed) => (c.part ??= encodeFields(encoder, c.tree, c.refId, c.mask, it));
    /**
     * Band square (bx, bz) of `cell`: what the entities going out through the squares owe in their band of it, for
     * those in a band they go out in and farther than NEAR_BLOCKS from the square (nearer ones are near some of its
     * tiles: each tile has those, tileOf).
     */
    const squareOf = (cell: Cell, ofCell: OfCell, bx: number, bz: number): Parts => {
      if (tileDue.length === 0) return NONE;
      const key = pairKey(bx, bz);
      let part = ofCell.squares.get(key);
      if (part) return part;
      const parts: Uint8Array[] = [];
      const x0 = bx * BAND_BLOCKS, z0 = bz * BAND_BLOCKS;
      for (let upTo = 0; upTo < LAST; upTo++) {
        const list = tileDueUpTo[upTo]!;
        if (list.length === 0) continue;
        // Within the reach of band `upTo`, the farthest they go out in.
        const reach = BANDS[upTo]!.blocks;
        const n = (dueFar[upTo] ??= new TileIndex(list, Math.min(16, reach))).around(x0, z0, BAND_BLOCKS, reach, aroundDue);
        for (let i = 0; i < n; i++) {
          const d = aroundDue[i]!;
          const d2 = squareDistance2(x0, z0, BAND_BLOCKS, d.x, d.z);
          if (d2 <= NEAR_BLOCKS * NEAR_BLOCKS) continue;
          const b = bandAt(d2);
          if ((d.o.goes & (1 << b)) === 0 || !updates(cell, d.o)) continue;
          parts.push(duePart(d.o, b));
        }
      }
      ofCell.squares.set(key, (part = partsOf(parts)));
      return part;
    };
    /**
     * Tile (tx, tz) of `cell`: the changes of this tick near it, and what the entities going out in band 0 that
     * are within NEAR_BLOCKS of its band square but not of the tile owe there.
     */
    const tileOf = (cell: Cell, ofCell: OfCell, tx: number, tz: number): Tile => {
      const key = pairKey(tx, tz);
      let tile = ofCell.tiles.get(key);
      if (tile) return tile;
      const parts: Uint8Array[] = [];
      const x0 = tx * TILE_BLOCKS, z0 = tz * TILE_BLOCKS;
      const n = near.around(x0, z0, TILE_BLOCKS, NEAR_BLOCKS, around);
      const held = heldBackIn(cell);
      for (let i = 0; i < n; i++) if (held[around[i]!.i] === 1) parts.push(changesOf(around[i]!));
      // (A tile as large as its band square has nothing near the square that is not near the tile: no such pass.)
      if (TILES_PER_BAND > 1 && tileDue.length > 0) {
        const bx = bandSquareOf(tx) * BAND_BLOCKS, bz = bandSquareOf(tz) * BAND_BLOCKS;
        const m = (dueNear ??= new TileIndex(tileDue, BAND_BLOCKS)).around(bx, bz, BAND_BLOCKS, NEAR_BLOCKS, aroundDue);
        for (let i = 0; i < m; i++) {
          const d = aroundDue[i]!;
          // Near the tile: the near part keeps it current.
          if (squareDistance2(x0, z0, TILE_BLOCKS, d.x, d.z) <= NEAR_BLOCKS * NEAR_BLOCKS || (d.o.goes & 1) === 0 || !updates(cell, d.o)) continue;
          parts.push(duePart(d.o, 0));
        }
      }
      ofCell.tiles.set(key, (tile = { parts: partsOf(parts) }));
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
      let tile: Tile | undefined, square = NONE;
      if (ofCell && w) {
        let tx = w.tx, tz = w.tz, placed = w.tileTick === tick;
        if (!placed) {
          const me = characters.get(w.characterId);
          if (me) {
            tx = Math.floor(me.x / TILE_BLOCKS);
            tz = Math.floor(me.z / TILE_BLOCKS);
            placed = true;
          }
        }
        if (placed) {
          tile = tileOf(cell, ofCell, tx, tz);
          square = squareOf(cell, ofCell, bandSquareOf(tx), bandSquareOf(tz));
        }
      }
      const own = w !== undefined && ((personal.size > 0 && personal.has(w)) || (ownerChanged.size > 0 && ownerChanged.has(w.characterId)));
      let frame: Buffer;
      if (!next && !own) {
        // Nothing of its own: the frame of its tile, shared by the clients on it (the socket does not modify it),
        // or, with nothing for it in its cell and tile on a tick where only `tick` changed, none at all.
        if (tickOnly && (!ofCell || ofCell.part.length === 0) && square.size === 0 && (!tile || tile.parts.size === 0)) {
          this.quietSkipped++;
          continue;
        }
        if (tile) frame = tile.frame ??= wsFrame([shared, ofCell!.part, ...square.list, ...tile.parts.list]);
        else if (ofCell) frame = wsFrame([shared, ofCell.part]);
        else frame = sharedFrame ??= wsFrame([shared]);
      } else {
        const parts: Uint8Array[] = [shared];
        if (next) parts.push(this.moveDiff(w!, next, sharedOffset, it));
        if (ofCell) parts.push(ofCell.part);
        parts.push(...square.list);
        if (tile) parts.push(...tile.parts.list);
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

/** Parts to go out one after another, and their total length. */
type Parts = { readonly list: readonly Uint8Array[]; readonly size: number };
const NONE: Parts = { list: [], size: 0 };
function partsOf(list: Uint8Array[]): Parts {
  if (list.length === 0) return NONE;
  let size = 0;
  for (const p of list) size += p.length;
  return { list, size };
}

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
type Placed = Positioned & { y: number };

/**
 * A character or NPC with public fields changed since the last patch, and which (bit mask); with its change
 * tree, reference id and position read once (symbol and schema accessor reads, repeated per cell and tile).
 */
type Changed = {
  e: Positioned; mask: number; tree: ChangeTree; refId: number; x: number; z: number; isNew: boolean;
  /** Its index in the patch's list (a cell's held-back flags go by it), and its changes encoded once (CellSerializer.applyPatches). */
  i: number;
  part: Uint8Array | undefined;
};

function changedEntities(state: RegionState): Changed[] {
  const out: Changed[] = [];
  const add = (e: Positioned) => {
    const mask = changedMaskOf(e);
    if (mask === 0) return;
    const tree = treeOf(e);
    out.push({ e, mask, tree, refId: refIdOf(e), x: e.x, z: e.z, isNew: tree.isNew, i: out.length, part: undefined });
  };
  for (const c of state.characters.values()) add(c);
  for (const n of state.npcs.values()) add(n);
  return out;
}

/** Buckets a TileIndex keeps at most. */
const MAX_BUCKETS = 1 << 16;

/**
 * Entities (the characters and NPCs that changed this tick, or those due) by `bucket`-block squares, for the ones
 * within some distance of a square: within r of it lie the buckets ceil(r / bucket) around it, so few entities are
 * checked that are not in range.
 */
class TileIndex<T extends { x: number; z: number }> {
  /** The buckets of the rectangle the items span, row by row (a dense array: a Map keyed by pairs hashed doubles). */
  private readonly buckets: (T[] | undefined)[] = [];
  private readonly bucket: number;
  private readonly x0: number;
  private readonly z0: number;
  private readonly width: number;
  private readonly depth: number;

  /** Items `bucket` blocks apart or closer share buckets; items spread farther than MAX_BUCKETS allow get larger ones. */
  constructor(items: T[], bucket: number) {
    let minX = Infinity, minZ = Infinity, maxX = -Infinity, maxZ = -Infinity;
    for (const c of items) {
      if (c.x < minX) minX = c.x;
      if (c.x > maxX) maxX = c.x;
      if (c.z < minZ) minZ = c.z;
      if (c.z > maxZ) maxZ = c.z;
    }
    // Items span one region and the view around it, (128 + 2 × 80) / bucket buckets a side; a room whose entities
    // are spread wider (none should be) gets coarser buckets rather than a huge array.
    const span = (b: number) => (Math.floor(maxX / b) - Math.floor(minX / b) + 1) * (Math.floor(maxZ / b) - Math.floor(minZ / b) + 1);
    while (items.length > 0 && span(bucket) > MAX_BUCKETS) bucket *= 2;
    this.bucket = bucket;
    this.x0 = Math.floor(minX / bucket);
    this.z0 = Math.floor(minZ / bucket);
    this.width = items.length === 0 ? 0 : Math.floor(maxX / bucket) - this.x0 + 1;
    this.depth = items.length === 0 ? 0 : Math.floor(maxZ / bucket) - this.z0 + 1;
    for (const c of items) {
      const i = (Math.floor(c.z / bucket) - this.z0) * this.width + (Math.floor(c.x / bucket) - this.x0);
      const list = this.buckets[i];
      if (list) list.push(c);
      else this.buckets[i] = [c];
    }
  }

  /**
   * The entities within `r` blocks of the `size` square with corner (x0, z0), written into `out` from its start;
   * returns how many (entries past that are stale: `out` is reused, not cleared, since truncating an array frees
   * its store).
   */
  around(x0: number, z0: number, size: number, r: number, out: T[]): number {
    let n = 0;
    const B = this.bucket, x1 = x0 + size, z1 = z0 + size;
    const r2 = r * r;
    const fromX = Math.max(Math.floor((x0 - r) / B), this.x0), toX = Math.min(Math.floor((x1 + r) / B), this.x0 + this.width - 1);
    const fromZ = Math.max(Math.floor((z0 - r) / B), this.z0), toZ = Math.min(Math.floor((z1 + r) / B), this.z0 + this.depth - 1);
    for (let sz = fromZ; sz <= toZ; sz++) {
      const row = (sz - this.z0) * this.width - this.x0;
      for (let sx = fromX; sx <= toX; sx++) {
        const list = this.buckets[row + sx];
        if (!list) continue;
        // A bucket wholly within r of the square needs no distance check: its farthest corner is within r.
        const fx = Math.max(x0 - sx * B, (sx + 1) * B - x1, 0);
        const fz = Math.max(z0 - sz * B, (sz + 1) * B - z1, 0);
        const inside = fx * fx + fz * fz <= r2;
        for (const c of list) {
          if (inside || squareDistance2(x0, z0, size, c.x, c.z) <= r2) out[n++] = c;
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
