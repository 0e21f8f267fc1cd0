/**
 * Interest management: each client's StateView holds the characters, NPCs and
 * edited chunks within VIEW_RADIUS_CHUNKS (horizontal Chebyshev distance, all
 * heights) of its own character, plus its own character with the OWNER tag.
 *
 * A view is filled only once the client has finished joining (it has received
 * the full state): filling it in onJoin would put the same objects both in the
 * full state and in the view's pending changes, and the first patch would
 * repeat them (docs/stack.md). So `update()` skips clients still joining.
 */
import { ClientState, type Client } from '@colyseus/core';
import { StateView, type Schema } from '@colyseus/schema';
import { CHUNK_SIZE, parseChunkKey } from '../src/world/index.js';
import { OWNER, type RegionState } from '../schema/index.js';

type Watcher = {
  client: Client;
  characterId: string;
  /** Centre chunk column the chunk set was computed for; NaN until filled. */
  cx: number;
  cz: number;
  chunks: Set<string>;
  characters: Set<string>;
  npcs: Set<string>;
};

const chunkCol = (v: number) => Math.floor(v / CHUNK_SIZE);
/** Characters and NPCs enter and leave views at most this many ticks late (200 ms at 20 Hz). */
const VIEW_REFRESH_TICKS = 4;

export class InterestManager {
  private readonly watchers = new Map<string, Watcher>();

  constructor(
    private readonly state: RegionState,
    private readonly radius: number,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  attach(client: Client, characterId: string): void {
    client.view = new StateView();
    this.watchers.set(client.sessionId, { client, characterId, cx: NaN, cz: NaN, chunks: new Set(), characters: new Set(), npcs: new Set() });
  }

  /** After a reconnection Colyseus hands the old view to the new client object. */
  rebind(client: Client): void {
    const w = this.watchers.get(client.sessionId);
    if (w) w.client = client;
  }

  detach(sessionId: string): void {
    this.watchers.delete(sessionId);
  }

  /** A chunk got its first edit: show it to the watchers in range. */
  chunkAdded(key: string): void {
    const c = parseChunkKey(key);
    const chunk = this.state.chunks.get(key);
    if (!c || !chunk) return;
    for (const w of this.watchers.values()) {
      if (Number.isNaN(w.cx) || !this.inRange(w, c.cx, c.cz)) continue;
      w.client.view!.add(chunk);
      w.chunks.add(key);
    }
  }

  /**
   * Updates every joined client's view: at once for a client that just joined
   * or crossed into another chunk column, and every VIEW_REFRESH_TICKS for
   * characters and NPCs walking in and out (O(clients × entities) per refresh).
   */
  update(tick: number): void {
    const refreshEntities = tick % VIEW_REFRESH_TICKS === 0;
    for (const w of this.watchers.values()) {
      if (w.client.state !== ClientState.JOINED) continue;
      const me = this.state.characters.get(w.characterId);
      if (!me) continue;
      const view = w.client.view!;
      const fresh = Number.isNaN(w.cx);
      if (fresh) {
        view.add(me);
        view.add(me, OWNER);
        w.characters.add(me.id);
      }
      const cx = chunkCol(me.x), cz = chunkCol(me.z);
      const moved = cx !== w.cx || cz !== w.cz;
      if (moved) {
        w.cx = cx;
        w.cz = cz;
        this.refreshChunks(w);
      }
      if (fresh || moved || refreshEntities) {
        this.refreshCharacters(w);
        this.refreshNpcs(w);
      }
    }
  }

  /** Joined clients whose view covers the chunk column of (x, z): who should see an effect there. */
  clientsNear(x: number, z: number): Client[] {
    const cx = chunkCol(x), cz = chunkCol(z);
    const out: Client[] = [];
    for (const w of this.watchers.values()) if (!Number.isNaN(w.cx) && this.inRange(w, cx, cz)) out.push(w.client);
    return out;
  }

  private inRange(w: Watcher, cx: number, cz: number): boolean {
    return Math.max(Math.abs(cx - w.cx), Math.abs(cz - w.cz)) <= this.radius;
  }

  private refreshChunks(w: Watcher): void {
    syncView(w.client.view!, this.state.chunks, w.chunks, (c) => this.inRange(w, c.cx, c.cz));
  }

  private refreshNpcs(w: Watcher): void {
    syncView(w.client.view!, this.state.npcs, w.npcs, (n) => this.inRange(w, chunkCol(n.x), chunkCol(n.z)));
  }

  private refreshCharacters(w: Watcher): void {
    // The own character is always in the view (added once, with the OWNER tag).
    syncView(w.client.view!, this.state.characters, w.characters, (c) => c.id === w.characterId || this.inRange(w, chunkCol(c.x), chunkCol(c.z)));
  }
}

/**
 * Brings one collection of a view in line with `want`: adds what came into
 * range, removes what left it, and forgets ids that are gone from the state
 * (the state's own delete already reached the client).
 */
function syncView<T extends Schema>(view: StateView, entries: ReadonlyMap<string, T>, shown: Set<string>, want: (item: T) => boolean): void {
  for (const [id, item] of entries) {
    const w = want(item);
    const has = shown.has(id);
    if (w && !has) {
      view.add(item);
      shown.add(id);
    } else if (!w && has) {
      view.remove(item);
      shown.delete(id);
    }
  }
  for (const id of shown) if (!entries.has(id)) shown.delete(id);
}
