/**
 * Full states (join, handoff, reconnect) written from the objects a client is
 * shown, not from a walk over the whole state.
 *
 * Colyseus' own full state walks every tree of the room's state once for the
 * shared fields and once per view (`Encoder.encodeAll`, `encodeAllView`), and
 * encodes every string again each time. At a four-region corner each room
 * holds the whole crowd (its own characters and its neighbours' ghosts) and
 * takes ≈ 35 handoffs a second: those walks were the largest single cost of
 * the server. Here a full state is:
 *   [region: every field of the root, leylines in full]
 *   [each map's entries for what the client is shown]
 *   [each shown entity: its public fields; its own character: all fields]
 * written with schema's own per-type encoders (the same bytes an encode pass
 * emits), with the parts that never change while an entity lives (its map
 * entry, its string fields) kept per entity and copied.
 *
 * Decoders take the result as any full state: a structure is introduced (its
 * reference id, by the field or entry that holds it) before its fields.
 */
import { $changes, $refId, $values, encode, OPERATION, type ChangeTree, type Encoder, type Schema } from '@colyseus/schema';
import { chunkKey } from '../src/world/index.js';
import type { CharacterState, ChunkState, NpcState, RegionState } from '../schema/index.js';

/** The wire's "now writing structure N" byte (schema's SWITCH_TO_STRUCTURE, not exported; rooms/patches.ts writes it too). */
export const SWITCH_TO_STRUCTURE = 255;

type Tree = ChangeTree;
/** A schema object's change tree and reference id (rooms/patches.ts and rooms/interest.ts use them too). */
export const treeOf = (o: object) => (o as Record<symbol, Tree>)[$changes]!;
export const refIdOf = (o: object) => (o as Record<symbol, number>)[$refId]!;
/**
 * A schema object's field values by field index: what schema's own encoders read (`encodeSchemaOperation`), not
 * the accessors (a getter per field read).
 */
const valuesOf = (o: object) => (o as Record<symbol, unknown[]>)[$values]!;

type Entity = CharacterState | NpcState | ChunkState;
/** Per class: which public fields are strings (kept per entity) and which are written fresh; undefined: a class with public child structures (written whole). */
type Layout = { strings: number[]; rest: number[] } | undefined;

export class FullStateWriter {
  private buf = new Uint8Array(256 * 1024);
  private readonly it = { offset: 0 };
  /** Where kept parts are written; grown for long strings (a typed array drops writes past its end). */
  private scratch = new Uint8Array(4096);
  private readonly layouts = new Map<object, Layout>();
  /** Per entity: its map entry (index, key, reference id) as written, and the index and reference id it was written for. */
  private readonly entries = new WeakMap<object, { index: number; refId: number; bytes: Uint8Array }>();
  /** Per entity: the switch to it and its string fields as written, and the reference id and strings they were written from. */
  private readonly heads = new WeakMap<object, { refId: number; strings: unknown[]; bytes: Uint8Array }>();

  constructor(
    private readonly encoder: Encoder,
    /** The view tag of owner-only fields: written for the client's own character only. */
    private readonly ownerTag: number,
  ) {}

  /**
   * The full state of `state` for a client shown `shown` (entities of the state's maps; any no longer in their map
   * are left out) whose own character is `me`, as a frame starting with the `protocol` byte.
   */
  write(protocol: number, state: RegionState, shown: Iterable<Schema>, me: CharacterState): Uint8Array {
    const it = this.it;
    it.offset = 0;
    this.buf[it.offset++] = protocol;
    // The region: every field of the root (map fields introduce the maps), its unfiltered structures in full.
    const root = treeOf(state);
    this.switchTo(root);
    root.forEachLive((i) => this.field(root, i));
    root.forEachChild((child, i) => {
      if (root.encDescriptor.tags[i] === undefined) this.whole(child, false);
    });
    // What the client is shown, by map; its own character whatever its cell shows.
    const byMap = new Map<Tree, Entity[]>();
    const live: Entity[] = [];
    const add = (e: Entity) => {
      const map = mapOf(state, e);
      if (!map) return;
      let list = byMap.get(map);
      if (!list) byMap.set(map, (list = []));
      list.push(e);
      live.push(e);
    };
    for (const e of shown) if (e !== me) add(e as Entity);
    add(me);
    for (const [map, list] of byMap) {
      this.switchTo(map);
      for (const e of list) this.copy(this.entryOf(map, e));
    }
    for (const e of live) {
      const tree = treeOf(e);
      const layout = e === me ? undefined : this.layoutOf(e);
      if (!layout) {
        this.whole(tree, e === me);
        continue;
      }
      this.copy(this.headOf(e, layout));
      const values = valuesOf(e);
      for (const i of layout.rest) if (values[i] !== undefined) this.field(tree, i);
    }
    return this.buf.slice(0, it.offset);
  }

  /** Keeps `n` bytes free past the offset (an entity, or one field, is far smaller). */
  private room(n = 64 * 1024): void {
    if (this.it.offset + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(2 * this.buf.length, this.it.offset + n));
    grown.set(this.buf.subarray(0, this.it.offset));
    this.buf = grown;
  }

  private switchTo(tree: Tree): void {
    this.room();
    this.buf[this.it.offset++] = SWITCH_TO_STRUCTURE;
    encode.number(this.buf, refIdOf(tree.ref), this.it);
  }

  /** Field or entry `index` of `tree` as an ADD, by schema's encoder for the tree's type. */
  private field(tree: Tree, index: number, out: Uint8Array = this.buf, it = this.it): void {
    if (out === this.buf) this.room();
    const d = tree.encDescriptor;
    d.encoder(this.encoder, out, tree, index, OPERATION.ADD, it, true, tree.isFiltered, d.metadata);
  }

  private copy(bytes: Uint8Array): void {
    this.room(bytes.length + 1024);
    this.buf.set(bytes, this.it.offset);
    this.it.offset += bytes.length;
  }

  /** A structure and everything under it: public fields, and with `owner` the owner-only ones too. */
  private whole(tree: Tree, owner: boolean): void {
    const d = tree.encDescriptor;
    const allowed = (i: number) => !d.isSchema || d.tags[i] === undefined || (owner && d.tags[i] === this.ownerTag);
    this.switchTo(tree);
    tree.forEachLive((i) => {
      if (allowed(i)) this.field(tree, i);
    });
    tree.forEachChild((child, i) => {
      if (allowed(i)) this.whole(child, owner);
    });
  }

  private entryOf(map: Tree, e: Entity): Uint8Array {
    const index = treeOf(e).parentIndex!;
    const refId = refIdOf(e);
    const kept = this.entries.get(e);
    if (kept && kept.index === index && kept.refId === refId) return kept.bytes;
    const it = { offset: 0 };
    const scratch = this.scratchFor([(e as { id?: unknown }).id ?? (map.ref as { $indexes?: Map<number, unknown> }).$indexes?.get(index)]);
    this.field(map, index, scratch, it);
    const bytes = scratch.slice(0, it.offset);
    this.entries.set(e, { index, refId, bytes });
    return bytes;
  }

  private headOf(e: Entity, layout: NonNullable<Layout>): Uint8Array {
    const values = valuesOf(e);
    const refId = refIdOf(e);
    const kept = this.heads.get(e);
    if (kept && kept.refId === refId) {
      let same = true;
      for (let k = 0; k < layout.strings.length && same; k++) same = kept.strings[k] === values[layout.strings[k]!];
      if (same) return kept.bytes;
    }
    const tree = treeOf(e);
    const it = { offset: 0 };
    const strings = layout.strings.map((i) => values[i]);
    const scratch = this.scratchFor(strings);
    scratch[it.offset++] = SWITCH_TO_STRUCTURE;
    encode.number(scratch, refId, it);
    layout.strings.forEach((i, k) => {
      if (strings[k] !== undefined) this.field(tree, i, scratch, it);
    });
    const bytes = scratch.slice(0, it.offset);
    this.heads.set(e, { refId, strings, bytes });
    return bytes;
  }

  /** The scratch buffer, large enough for these strings (UTF-8: at most 3 bytes a UTF-16 unit) and the numbers around them. */
  private scratchFor(strings: unknown[]): Uint8Array {
    let need = 256;
    for (const v of strings) need += 16 + 3 * String(v ?? '').length;
    if (need > this.scratch.length) this.scratch = new Uint8Array(2 * need);
    return this.scratch;
  }

  private layoutOf(e: Entity): Layout {
    const klass = e.constructor;
    if (this.layouts.has(klass)) return this.layouts.get(klass);
    const d = treeOf(e).encDescriptor;
    const strings: number[] = [];
    const rest: number[] = [];
    let layout: Layout = { strings, rest };
    for (let i = 0; i < d.types.length; i++) {
      if (d.types[i] === undefined || d.tags[i] !== undefined) continue;
      if (d.types[i] === 'string') strings.push(i);
      else if (typeof d.types[i] === 'string') rest.push(i);
      else layout = undefined; // a public child structure: written whole
    }
    this.layouts.set(klass, layout);
    return layout;
  }
}

/** The tree of the state map that holds `e`, while `e` is still in it (a cell may show what was just removed). */
function mapOf(state: RegionState, e: Entity): Tree | undefined {
  const tree = treeOf(e);
  const parent = (tree as unknown as { parent?: object }).parent;
  if (tree.parentIndex === undefined) return undefined;
  let live = false;
  if (parent === state.characters || parent === state.npcs) live = (parent as Map<string, unknown>).get((e as CharacterState | NpcState).id) === e;
  else if (parent === state.chunks) {
    const c = e as ChunkState;
    live = state.chunks.get(chunkKey(c.cx, c.cy, c.cz)) === e;
  }
  return live ? treeOf(parent!) : undefined;
}
