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
import type { RegionState } from '../schema/index.js';
import { Encoder, StateView } from '@colyseus/schema';
import type { Cell, InterestManager, Watcher } from './interest.js';

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

  override applyPatches(clients: Client[], state: unknown, timing?: Timing): boolean {
    if (timing || !this.hasFilters || clients.length === 0) {
      const r = super.applyPatches(clients, state, timing);
      this.interest.patched();
      return r;
    }
    const encoder = this.encoder;
    const moving = new Map<Client, { w: Watcher; next: Cell }>();
    let viewChanges = false;
    for (const client of clients) {
      if (client.state !== ClientState.JOINED) continue;
      const w = this.interest.watcherOf(client);
      if (w?.next) moving.set(client, { w, next: w.next });
      if (w && (w.personal.changes.size > 0 || (w.cell && w.cell.view.changes.size > 0))) viewChanges = true;
    }
    if (!encoder.hasChanges && !viewChanges && moving.size === 0) {
      this.interest.patched();
      this.ownerChanged().clear();
      return false;
    }
    if (encoder.hasChanges) this.needFullEncode = true;

    const it = { offset: 1 };
    encoder.sharedBuffer[0] = Protocol.ROOM_STATE_PATCH;
    const shared = encoder.encode(it).slice();
    const sharedOffset = it.offset;
    const cellParts = new Map<StateView, Uint8Array>();
    const cellPart = (cell: Cell): Uint8Array => {
      const cached = cellParts.get(cell.view);
      if (cached) return cached;
      const part = encoder.encodeView(cell.view, sharedOffset, it).subarray(sharedOffset);
      cellParts.set(cell.view, part);
      return part;
    };
    const diffs: StateView[] = [];
    for (const client of clients) {
      if (client.state !== ClientState.JOINED) continue;
      const w = this.interest.watcherOf(client);
      const parts: Uint8Array[] = [shared];
      const move = moving.get(client);
      if (move) {
        const diff = new StateView();
        diffs.push(diff);
        const known = this.interest.knownBy(move.w);
        for (const e of known) diff.add(e);
        diff.changes.clear(); // the client holds these already
        const want = move.next.shown;
        for (const e of want) if (!known.has(e)) diff.add(e);
        for (const e of known) if (!want.has(e)) diff.remove(e);
        parts.push(encoder.encodeView(diff, sharedOffset, it).subarray(sharedOffset));
      }
      const cell = move?.next ?? w?.cell;
      if (cell) parts.push(cellPart(cell));
      if (w && (w.personal.changes.size > 0 || this.ownerChanged().has(w.characterId))) {
        const own = encoder.encodeView(w.personal, sharedOffset, it).subarray(sharedOffset);
        if (own.length) parts.push(own);
      }
      client.raw(parts.length === 1 ? shared : join(...parts));
    }
    for (const d of diffs) d.dispose();
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
