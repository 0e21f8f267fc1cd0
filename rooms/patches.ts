/**
 * The region room's patch serializer: Colyseus' SchemaSerializer with the
 * per-client view pass replaced by shared cell views (rooms/interest.ts).
 *
 * A client's patch frame is
 *   [shared part] [its move diff, when it changed cells] [its cell's part] [its own part]
 *  - shared part: fields nobody filters (region, time, leylines), encoded once;
 *  - move diff: a one-off view that starts from what the client holds and
 *    adds/removes the difference to its new cell (first, so that the cell's
 *    part never updates an object the client does not have yet);
 *  - cell part: the changes of everything its cell shows, encoded once per
 *    cell and shared by all clients standing in that chunk column;
 *  - own part: its personal view (own character with the OWNER tag), only in
 *    patches where that character changed.
 * The decoder takes an object added twice as the same object (it is keyed by
 * its reference id), and a second delete of a removed entry as a no-op; both
 * can happen at a cell change and are harmless (test/room.interest.test.ts).
 *
 * The full state (join, reconnect) is Colyseus' own (shared + personal view)
 * followed by the client's cell in full. Rooms with an input controller (timed
 * frames) are not supported here and fall back to the stock behaviour.
 */
import { ClientState, Protocol, SchemaSerializer, type Client } from '@colyseus/core';
import { $changes, $refId, Encoder, OPERATION, StateView, type Schema } from '@colyseus/schema';
import { CHUNK_SIZE } from '../src/world/index.js';
import type { RegionState } from '../schema/index.js';
import type { Cell, InterestManager, Watcher } from './interest.js';

/**
 * Update rate by distance (docs/protocol.md, "In view"): a character or NPC
 * within NEAR_BLOCKS of a client's chunk column reaches it every patch; within
 * MID_BLOCKS at least every MID_EVERY ticks; farther at least every FAR_EVERY
 * ticks (200 and 400 ms at 20 Hz). A change left out is owed and sent when the
 * entity is due, so a far client always ends with the current values.
 */
export const NEAR_BLOCKS = 4;
export const MID_BLOCKS = 16;
export const MID_EVERY = 4;
export const FAR_EVERY = 8;

/** Every how many ticks an entity at (x, z) updates for the clients of chunk column (cx, cz). */
export function updateEvery(cx: number, cz: number, x: number, z: number): number {
  const x0 = cx * CHUNK_SIZE, z0 = cz * CHUNK_SIZE;
  const dx = Math.max(x0 - x, 0, x - (x0 + CHUNK_SIZE));
  const dz = Math.max(z0 - z, 0, z - (z0 + CHUNK_SIZE));
  const d = Math.hypot(dx, dz);
  return d <= NEAR_BLOCKS ? 1 : d <= MID_BLOCKS ? MID_EVERY : FAR_EVERY;
}

type Tree = { has(): boolean; isNew: boolean; operationAt(index: number): number | undefined; forEach(cb: (index: number, op: number) => void): void };
type ChangeTree = Parameters<StateView['unmarkVisible']>[0];
const treeOf = (e: Schema) => (e as unknown as Record<symbol, Tree>)[$changes]!;

/** Field indexes a cell may be owed: the untagged ones (owner-only fields never go through a cell). */
const publicIndexes = new WeakMap<object, Set<number>>();
function publicIndexesOf(e: Schema): Set<number> {
  const klass = e.constructor;
  let set = publicIndexes.get(klass);
  if (!set) {
    set = new Set();
    const md = (klass as unknown as Record<symbol, Record<number, { tag?: number } | undefined>>)[Symbol.metadata]!;
    for (let i = 0; md[i] !== undefined; i++) if (md[i]!.tag === undefined) set.add(i);
    publicIndexes.set(klass, set);
  }
  return set;
}

type VisTree = Parameters<StateView['unmarkVisible']>[0] & { forEachChild(cb: (child: VisTree) => void): void };

/** Clears `view`'s visibility of a tree and of its child trees (collections inside an entity). */
function unmarkDeep(view: StateView, tree: VisTree): void {
  view.unmarkVisible(tree);
  tree.forEachChild((child) => {
    if (child) view.unmarkVisible(child);
  });
}

/**
 * Makes `view` send these fields of `e` in the next patch, whether they changed then or not; fields that
 * changed this tick are left to the view pass (forcing them too would send them twice).
 */
function force(view: StateView, e: Schema, indexes: Iterable<number>): void {
  const tree = treeOf(e);
  let m: Map<number | ChangeTree, OPERATION> | undefined;
  for (const i of indexes) {
    if (tree.operationAt(i) !== undefined) continue;
    if (!m) {
      const refId = (e as unknown as Record<symbol, number>)[$refId]!;
      m = view.changes.get(refId);
      if (!m) view.changes.set(refId, (m = new Map()));
    }
    m.set(i, OPERATION.ADD);
  }
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

  override getFullState(client?: Client, timing?: Timing): Uint8Array {
    const body = super.getFullState(client, timing);
    if (!client || timing) return body;
    client.view?.changes.clear(); // they are in `body`: the next patch must not repeat them
    const cell = this.interest.cellForJoin(client);
    if (!cell) return body;
    const offset = this.sharedOffsetCache.offset;
    const full = this.encoder.encodeAllView(cell.view, offset, { ...this.sharedOffsetCache }, this.fullEncodeBuffer);
    return join(body, full.subarray(offset));
  }

  /**
   * Update rate by distance, per cell: entities not due this tick are left out
   * of the cell's part (their changed fields are owed); due ones get what they
   * are owed forced into the cell's part.
   */
  private rates(cells: Set<Cell>, tick: number): void {
    for (const cell of cells) {
      const skip = (cell.view.skipping ??= new Set());
      skip.clear();
      for (const [e, every] of cell.far) {
        const tree = treeOf(e);
        // Never held back: a tree new to the state, or new to this cell's view this patch. `view.add` of a new
        // tree relies on the tree's own pending ADDs (schema's fast path), so holding them would show an empty object.
        if (tick % every !== 0 && !tree.isNew && !cell.added.has(e)) {
          if (!tree.has()) continue;
          skip.add(tree);
          const open = publicIndexesOf(e);
          let owed = cell.owed.get(e);
          if (!owed) cell.owed.set(e, (owed = new Set()));
          tree.forEach((i) => {
            if (open.has(i)) owed.add(i);
          });
        } else {
          const owed = cell.owed.get(e);
          if (owed) {
            force(cell.view, e, owed);
            cell.owed.delete(e);
          }
        }
      }
      // Owed by an entity that came near since (no longer in `far`): due now.
      if (cell.owed.size > 0) {
        for (const [e, owed] of cell.owed) {
          if (cell.far.has(e)) continue;
          force(cell.view, e, owed);
          cell.owed.delete(e);
        }
      }
      cell.view.skip = skip.size > 0 ? skip : undefined;
    }
  }

  /** One view, reused for every cell change (a new view per change costs a walk over every tree when disposed). */
  private readonly diff = new StateView();

  /**
   * The one-off part of a client that walks into another cell: ADDs of what the
   * new cell shows and the client lacks, DELETEs of what it holds and the new
   * cell does not show, and the fields its old cell still owed it.
   */
  private moveDiff(w: Watcher, next: Cell, sharedOffset: number, it: { offset: number }): Uint8Array {
    const diff = this.diff;
    const known = this.interest.knownBy(w);
    const want = next.shown;
    const gone = [...known].filter((e) => !want.has(e));
    const fresh = [...want].filter((e) => !known.has(e));
    for (const e of gone) diff.add(e);
    diff.changes.clear(); // the client holds these: only their removal goes out
    for (const e of gone) diff.remove(e);
    for (const e of fresh) diff.add(e);
    const owedBefore = w.cell?.owed;
    if (owedBefore) for (const [e, fields] of owedBefore) if (want.has(e) && known.has(e)) force(diff, e, fields);
    const part = this.encoder.encodeView(diff, sharedOffset, it).subarray(sharedOffset);
    // Back to empty without a walk over every tree: unmark what this change touched.
    diff.changes.clear();
    const state = this.encoder.state;
    for (const ancestor of [state, state.characters, state.npcs, state.chunks]) diff.unmarkVisible(treeOf(ancestor as Schema) as unknown as VisTree);
    for (const e of [...gone, ...fresh]) unmarkDeep(diff, treeOf(e) as unknown as VisTree);
    for (const e of owedBefore?.keys() ?? []) unmarkDeep(diff, treeOf(e) as unknown as VisTree);
    return part;
  }

  override applyPatches(clients: Client[], state: unknown, timing?: Timing): boolean {
    if (timing || !this.hasFilters || clients.length === 0) {
      const r = super.applyPatches(clients, state, timing);
      this.interest.patched();
      return r;
    }
    const encoder = this.encoder;
    const moving = new Map<Client, { w: Watcher; next: Cell }>();
    /** The cells whose parts this patch needs. */
    const cells = new Set<Cell>();
    let viewChanges = false;
    for (const client of clients) {
      if (client.state !== ClientState.JOINED) continue;
      const w = this.interest.watcherOf(client);
      if (!w) continue;
      if (w.next) moving.set(client, { w, next: w.next });
      const cell = w.next ?? w.cell;
      if (cell) cells.add(cell);
      if (w.personal.changes.size > 0 || (w.cell && w.cell.view.changes.size > 0)) viewChanges = true;
    }
    if (!encoder.hasChanges && !viewChanges && moving.size === 0) {
      this.interest.patched();
      this.ownerChanged().clear();
      return false;
    }
    if (encoder.hasChanges) this.needFullEncode = true;

    this.rates(cells, (state as RegionState).tick);

    const it = { offset: 1 };
    encoder.sharedBuffer[0] = Protocol.ROOM_STATE_PATCH;
    const shared = encoder.encode(it).slice();
    const sharedOffset = it.offset;
    // Per cell, encoded once: its part, and the whole frame of its clients that have nothing of their own.
    const cellParts = new Map<Cell, { part: Uint8Array; frame?: Uint8Array }>();
    const cellPart = (cell: Cell) => {
      let p = cellParts.get(cell);
      if (!p) cellParts.set(cell, (p = { part: encoder.encodeView(cell.view, sharedOffset, it).subarray(sharedOffset) }));
      return p;
    };
    for (const client of clients) {
      if (client.state !== ClientState.JOINED) continue;
      const w = this.interest.watcherOf(client);
      const parts: Uint8Array[] = [shared];
      const move = moving.get(client);
      if (move) parts.push(this.moveDiff(move.w, move.next, sharedOffset, it));
      const cell = move?.next ?? w?.cell;
      const ofCell = cell && cellPart(cell);
      if (ofCell) parts.push(ofCell.part);
      if (w && (w.personal.changes.size > 0 || this.ownerChanged().has(w.characterId))) {
        const own = encoder.encodeView(w.personal, sharedOffset, it).subarray(sharedOffset);
        if (own.length) parts.push(own);
      }
      // The common case (no move, nothing of its own): one frame shared by the cell's clients (the transport does not modify it).
      if (ofCell && !move && parts.length === 2) client.raw((ofCell.frame ??= join(shared, ofCell.part)));
      else client.raw(parts.length === 1 ? shared : join(...parts));
    }
    for (const cell of cells) cell.view.skip = undefined;
    encoder.discardChanges();
    this.interest.patched();
    this.ownerChanged().clear();
    return true;
  }
}

function join(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
