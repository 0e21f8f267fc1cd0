// The world as server and clients see it: generated terrain plus player edits.
// Only edits are state (they are what rooms persist and send); terrain is a
// cache that can be dropped and regenerated from the seed at any time.

import { Block, isSolid, isValidBlockId } from './blocks.js';
import { CHUNKS_Y, CHUNK_SIZE, CHUNK_VOLUME, WORLD_HEIGHT, chunkKey, localIndex, pairKey, parseChunkKey } from './coords.js';
import { generateChunk } from './terrain.js';

export interface VoxelWorldOptions {
  /** Generated chunks kept in memory (LRU), 4 KiB each; all-air chunks share one buffer. */
  cacheChunks?: number;
}

/** Largest box boxCollides will scan, in blocks: far above any entity, low enough that a bad caller can't stall a tick. */
export const MAX_COLLISION_BOX_BLOCKS = CHUNK_VOLUME;

const AIR_CHUNK = new Uint8Array(CHUNK_VOLUME); // shared by every sky chunk, never written
const NO_EDITS: ReadonlyMap<number, number> = new Map();

/**
 * A chunk as one number, for the maps read at every chunk switch (a moving body's collision switches chunks once
 * per move or more): no string is built and hashed per switch, as chunkKey's would be. Exact for any chunk of the
 * world (|cx|, |cz| < 2^20; cy in 0..CHUNKS_Y - 1).
 */
const chunkNumber = (cx: number, cy: number, cz: number): number => pairKey(cx, cz) * CHUNKS_Y + cy;

/** A cached chunk of base terrain; `used`: read since the eviction hand last passed it (see terrainChunk). */
type Cached = { blocks: Uint8Array; used: boolean };

export class VoxelWorld {
  readonly seed: number;
  private readonly cacheLimit: number;
  /** chunkNumber → base terrain; Map order is the order of (re)insertion, the eviction hand's round. */
  private readonly terrain = new Map<number, Cached>();
  /** chunk key → (local index → block id), only where the block differs from terrain. */
  private readonly edits = new Map<string, Map<number, number>>();
  /** The same edit maps by chunkNumber (read at every chunk switch). */
  private readonly editsByNumber = new Map<number, Map<number, number>>();
  // One-chunk fast path: entity collision and ray casts hit the same chunk many times in a row.
  private lastCx = NaN;
  private lastCy = NaN;
  private lastCz = NaN;
  private lastTerrain: Uint8Array = AIR_CHUNK;
  private lastEdits: Map<number, number> | undefined;

  constructor(seed: number, { cacheChunks = 2048 }: VoxelWorldOptions = {}) {
    if (!Number.isInteger(cacheChunks) || cacheChunks < 1) throw new RangeError(`cacheChunks must be a positive integer, got ${cacheChunks}`);
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    this.seed = seed;
    this.cacheLimit = cacheChunks;
  }

  /** Generated chunks currently cached (for metrics and tests). */
  get cachedChunks(): number {
    return this.terrain.size;
  }

  /**
   * Block at (x, y, z); fractional coordinates are floored. Above the world
   * is AIR; below y = 0 is BEDROCK, so the world has a solid floor that
   * nothing falls through even if bedrock at y = 0 were somehow missing.
   * Throws RangeError for NaN or |x|, |z| beyond WORLD_XZ_LIMIT.
   */
  getBlock(x: number, y: number, z: number): number {
    y = Math.floor(y);
    if (y >= WORLD_HEIGHT) return Block.AIR;
    if (y < 0) return Block.BEDROCK;
    x = Math.floor(x);
    z = Math.floor(z);
    this.focus(Math.floor(x / CHUNK_SIZE), y >> 4, Math.floor(z / CHUNK_SIZE));
    const i = localIndex(x - this.lastCx * CHUNK_SIZE, y & 15, z - this.lastCz * CHUNK_SIZE);
    const e = this.lastEdits?.get(i);
    return e !== undefined ? e : this.lastTerrain[i]!;
  }

  isSolidAt(x: number, y: number, z: number): boolean {
    return isSolid(this.getBlock(x, y, z));
  }

  /**
   * Sets a block (coordinates floored). Stored as an edit against terrain; an
   * edit that restores the terrain value is removed, so edits stay minimal.
   * Validity only (id in catalogue, y inside the world): whether a player
   * may do this is for the game rules. Returns whether the block changed.
   */
  setBlock(x: number, y: number, z: number, id: number): boolean {
    if (!isValidBlockId(id)) throw new RangeError(`invalid block id ${id}`);
    x = Math.floor(x);
    y = Math.floor(y);
    z = Math.floor(z);
    if (!(y >= 0 && y < WORLD_HEIGHT)) throw new RangeError(`y must be in 0..${WORLD_HEIGHT - 1}, got ${y}`);
    const prev = this.getBlock(x, y, z); // also focuses the chunk
    if (prev === id) return false;
    const i = localIndex(x - this.lastCx * CHUNK_SIZE, y & 15, z - this.lastCz * CHUNK_SIZE);
    const key = chunkKey(this.lastCx, this.lastCy, this.lastCz);
    let m = this.edits.get(key);
    if (this.lastTerrain[i] === id) {
      m!.delete(i); // prev !== id == terrain, so an edit exists
      if (m!.size === 0) this.setEdits(this.lastCx, this.lastCy, this.lastCz, key, undefined);
    } else {
      if (!m) this.setEdits(this.lastCx, this.lastCy, this.lastCz, key, (m = new Map()));
      m.set(i, id);
    }
    this.lastCx = NaN; // edit maps may have been created or dropped
    return true;
  }

  /** Edits of a chunk (local index → block id); a live read-only view, empty when none. */
  editsOf(key: string): ReadonlyMap<number, number> {
    return this.edits.get(key) ?? NO_EDITS;
  }

  /** Keys of chunks that have at least one edit. */
  editedChunkKeys(): string[] {
    return [...this.edits.keys()];
  }

  /**
   * Replaces a chunk's edits, e.g. from persistence. All entries are checked
   * before anything changes; entries equal to terrain are dropped (they can
   * appear if stored edits outlive the terrain they were made against).
   */
  loadEdits(key: string, entries: Iterable<readonly [number, number]>): void {
    const c = parseChunkKey(key);
    if (!c) throw new RangeError(`invalid chunk key ${JSON.stringify(key)}`);
    const base = this.terrainChunk(c.cx, c.cy, c.cz);
    const m = new Map<number, number>();
    for (const [i, id] of entries) {
      if (!Number.isInteger(i) || i < 0 || i >= CHUNK_VOLUME) throw new RangeError(`invalid local index ${i} in chunk ${key}`);
      if (!isValidBlockId(id)) throw new RangeError(`invalid block id ${id} in chunk ${key}`);
      if (base[i] !== id) m.set(i, id);
      else m.delete(i); // a later duplicate that restores terrain wins, like setBlock
    }
    this.setEdits(c.cx, c.cy, c.cz, key, m.size > 0 ? m : undefined);
    this.lastCx = NaN;
  }

  private setEdits(cx: number, cy: number, cz: number, key: string, m: Map<number, number> | undefined): void {
    if (m) {
      this.edits.set(key, m);
      this.editsByNumber.set(chunkNumber(cx, cy, cz), m);
    } else {
      this.edits.delete(key);
      this.editsByNumber.delete(chunkNumber(cx, cy, cz));
    }
  }

  /** Terrain plus edits of one chunk, copied into `out` (allocated when omitted), e.g. for meshing. */
  chunkBlocks(cx: number, cy: number, cz: number, out?: Uint8Array): Uint8Array {
    if (!out) out = new Uint8Array(CHUNK_VOLUME);
    else if (out.length < CHUNK_VOLUME) throw new RangeError(`out must hold ${CHUNK_VOLUME} blocks`);
    out.set(this.terrainChunk(cx, cy, cz));
    const m = this.edits.get(chunkKey(cx, cy, cz));
    if (m) for (const [i, id] of m) out[i] = id;
    return out;
  }

  /**
   * Whether any solid block overlaps the box [min, max) (world units, floats).
   * Touching a face is not overlapping, so a body standing exactly on a block
   * (minY = its top) does not collide. Below the world counts as solid.
   */
  boxCollides(minX: number, minY: number, minZ: number, maxX: number, maxY: number, maxZ: number): boolean {
    if (!(minX <= maxX && minY <= maxY && minZ <= maxZ) || !Number.isFinite(minX + minY + minZ + maxX + maxY + maxZ)) {
      throw new RangeError('box bounds must be finite with min <= max');
    }
    const x0 = Math.floor(minX);
    const x1 = Math.ceil(maxX) - 1;
    const y0 = Math.floor(minY);
    const y1 = Math.min(Math.ceil(maxY) - 1, WORLD_HEIGHT - 1); // above the world is air
    const z0 = Math.floor(minZ);
    const z1 = Math.ceil(maxZ) - 1;
    if (x1 < x0 || y1 < y0 || z1 < z0) return false; // zero-thickness box on a block boundary
    if ((x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1) > MAX_COLLISION_BOX_BLOCKS) {
      throw new RangeError(`box spans more than ${MAX_COLLISION_BOX_BLOCKS} blocks`);
    }
    if (y0 < 0) return true;
    for (let y = y0; y <= y1; y++) {
      for (let z = z0; z <= z1; z++) {
        for (let x = x0; x <= x1; x++) if (isSolid(this.getBlock(x, y, z))) return true;
      }
    }
    return false;
  }

  private focus(cx: number, cy: number, cz: number): void {
    if (cx === this.lastCx && cy === this.lastCy && cz === this.lastCz) return;
    const n = chunkNumber(cx, cy, cz);
    this.lastTerrain = this.terrainChunk(cx, cy, cz, n);
    this.lastEdits = this.editsByNumber.get(n);
    this.lastCx = cx;
    this.lastCy = cy;
    this.lastCz = cz;
  }

  /**
   * A chunk's base terrain, generated on a miss. The cache keeps at most `cacheLimit` chunks and evicts by the
   * clock rule, an approximation of least-recently-used that costs nothing on a hit: a hit only marks the chunk
   * used; on a miss with the cache full, the hand walks from the oldest insertion, giving each used chunk a
   * second round (moved to the back, mark cleared) and evicting the first unused one. (Reinserting on every hit,
   * strict LRU, cost a Map delete and set per chunk switch.)
   */
  private terrainChunk(cx: number, cy: number, cz: number, n = chunkNumber(cx, cy, cz)): Uint8Array {
    const hit = this.terrain.get(n);
    if (hit) {
      hit.used = true;
      return hit.blocks;
    }
    let blocks = generateChunk(this.seed, cx, cy, cz);
    if (isAllAir(blocks)) blocks = AIR_CHUNK;
    if (this.terrain.size >= this.cacheLimit) {
      // One pass of one iterator (it reaches the entries moved to the back too): a new iterator per step would walk
      // again over every hole the moves left at the front.
      for (const [key, c] of this.terrain) {
        this.terrain.delete(key);
        if (!c.used) break;
        c.used = false;
        this.terrain.set(key, c);
      }
    }
    this.terrain.set(n, { blocks, used: false });
    return blocks;
  }
}

function isAllAir(chunk: Uint8Array): boolean {
  // Word-wise: a fresh Uint8Array from generateChunk is 4-byte aligned at offset 0.
  const words = new Uint32Array(chunk.buffer, chunk.byteOffset, CHUNK_VOLUME / 4);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}
