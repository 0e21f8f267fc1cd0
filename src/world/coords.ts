// World geometry: blocks → chunks → regions. Pure math shared by server and
// browser clients, so the rules here are part of the wire protocol.

/** Edge of a chunk, in blocks. */
export const CHUNK_SIZE = 16;
/** Blocks per chunk (16³). */
export const CHUNK_VOLUME = CHUNK_SIZE * CHUNK_SIZE * CHUNK_SIZE; // 4096
/** World height in blocks; valid block y is 0..WORLD_HEIGHT-1. */
export const WORLD_HEIGHT = 128;
/** Chunks stacked in one column; valid chunk cy is 0..CHUNKS_Y-1. */
export const CHUNKS_Y = WORLD_HEIGHT / CHUNK_SIZE; // 8
/** A region (one room) is REGION_CHUNKS × REGION_CHUNKS chunk columns. */
export const REGION_CHUNKS = 8;
/** Edge of a region, in blocks. */
export const REGION_SIZE = REGION_CHUNKS * CHUNK_SIZE; // 128
/**
 * Horizontal extent of the world: block |x| and |z| must not exceed this. The
 * generator's hashes and noise lattice use 32-bit integer math; 2^26 blocks
 * (~67 million) keeps every intermediate far inside int32 and is far beyond
 * any playable world.
 */
export const WORLD_XZ_LIMIT = 2 ** 26;
/**
 * The world border: a character's |x| and |z| stay below this (262,144 blocks, 2,048 regions each way from the
 * origin; a walk of 17 hours at walking speed). Within it a position on the wire's 1/32-block grid is exact as a
 * float32 (24-bit significand: 2^18 × 32 = 2^23), which is how x and z travel (schema/RegionState.ts). The
 * generator itself goes much farther (WORLD_XZ_LIMIT).
 */
export const WORLD_BORDER_BLOCKS = 2 ** 18;
if (WORLD_BORDER_BLOCKS > WORLD_XZ_LIMIT) throw new Error('the world border must lie inside the generated world');
/** Largest view radius chunksInRadius accepts, in chunks (bounds the work one request can cause). */
export const MAX_VIEW_RADIUS_CHUNKS = 32;

export interface ChunkCoord {
  cx: number;
  cy: number;
  cz: number;
}

export interface LocalCoord {
  lx: number;
  ly: number;
  lz: number;
}

export interface BlockInChunk extends ChunkCoord, LocalCoord {
  /** localIndex(lx, ly, lz) */
  index: number;
}

export interface RegionCoord {
  rx: number;
  rz: number;
}

/** Inclusive block bounds of a region (all y). */
export interface RegionBounds {
  minX: number;
  minZ: number;
  maxX: number;
  maxZ: number;
}

/** Integer division rounding toward −∞ (so block −1 is in chunk −1, not 0). */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Modulo with the sign of the divisor: mod(−1, 16) = 15. */
export function mod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r + 0; // `+ 0` turns −0 into 0
}

/** Index of a block inside its chunk. This exact layout is the wire format of chunk edits. */
export function localIndex(lx: number, ly: number, lz: number): number {
  return (ly * CHUNK_SIZE + lz) * CHUNK_SIZE + lx;
}

export function localFromIndex(i: number): LocalCoord {
  return { lx: i & 15, lz: (i >> 4) & 15, ly: (i >> 8) & 15 };
}

/** Splits block coordinates (floored if fractional, e.g. an entity position) into chunk + local parts. */
export function blockToChunk(x: number, y: number, z: number): BlockInChunk {
  x = Math.floor(x);
  y = Math.floor(y);
  z = Math.floor(z);
  const lx = mod(x, CHUNK_SIZE);
  const ly = mod(y, CHUNK_SIZE);
  const lz = mod(z, CHUNK_SIZE);
  return {
    cx: floorDiv(x, CHUNK_SIZE),
    cy: floorDiv(y, CHUNK_SIZE),
    cz: floorDiv(z, CHUNK_SIZE),
    lx,
    ly,
    lz,
    index: localIndex(lx, ly, lz),
  };
}

/**
 * A pair of integer grid coordinates (chunk columns, tiles, block columns) as one number, for Map keys on hot
 * paths (no string per lookup): exact for |a|, |b| < 2^20.
 */
export const pairKey = (a: number, b: number): number => (a + 0x100000) * 0x200000 + (b + 0x100000);

export function chunkKey(cx: number, cy: number, cz: number): string {
  return `${cx},${cy},${cz}`;
}

/** Parses a canonical chunk key; undefined for anything else (clients send these, so be strict). */
export function parseChunkKey(key: unknown): ChunkCoord | undefined {
  if (typeof key !== 'string' || key.length > 40) return undefined;
  const m = /^(-?\d+),(\d+),(-?\d+)$/.exec(key);
  if (!m) return undefined;
  const cx = Number(m[1]);
  const cy = Number(m[2]);
  const cz = Number(m[3]);
  if (!Number.isSafeInteger(cx) || !Number.isSafeInteger(cz) || cy >= CHUNKS_Y) return undefined;
  // Round-trip check rejects non-canonical spellings ("01", "-0") that would alias one chunk under two keys.
  return chunkKey(cx, cy, cz) === key ? { cx, cy, cz } : undefined;
}

export function regionOfChunk(cx: number, cz: number): RegionCoord {
  return { rx: floorDiv(cx, REGION_CHUNKS), rz: floorDiv(cz, REGION_CHUNKS) };
}

export function regionOfBlock(x: number, z: number): RegionCoord {
  return { rx: floorDiv(Math.floor(x), REGION_SIZE), rz: floorDiv(Math.floor(z), REGION_SIZE) };
}

export function regionKey(rx: number, rz: number): string {
  return `${rx},${rz}`;
}

export function parseRegionKey(key: unknown): RegionCoord | undefined {
  if (typeof key !== 'string' || key.length > 40) return undefined;
  const m = /^(-?\d+),(-?\d+)$/.exec(key);
  if (!m) return undefined;
  const rx = Number(m[1]);
  const rz = Number(m[2]);
  if (!Number.isSafeInteger(rx) || !Number.isSafeInteger(rz)) return undefined;
  return regionKey(rx, rz) === key ? { rx, rz } : undefined;
}

export function regionBounds(rx: number, rz: number): RegionBounds {
  const minX = rx * REGION_SIZE;
  const minZ = rz * REGION_SIZE;
  return { minX, minZ, maxX: minX + REGION_SIZE - 1, maxZ: minZ + REGION_SIZE - 1 };
}

/**
 * Chunks a viewer in chunk (cx, cy, cz) should see: every chunk column within
 * horizontal Chebyshev distance `radius`, with all of its cy 0..CHUNKS_Y-1.
 * Cylindrical rather than cubic because the world is only 8 chunks tall: a
 * vertical cut would save little and make falling/flying pop chunks in.
 * Ordered nearest first (ring by ring; inside a column, by |Δcy| from the
 * viewer) so a client streaming them in order fills its surroundings first.
 */
export function chunksInRadius(cx: number, cy: number, cz: number, radius: number): ChunkCoord[] {
  if (!Number.isInteger(radius) || radius < 0 || radius > MAX_VIEW_RADIUS_CHUNKS) {
    throw new RangeError(`radius must be an integer in 0..${MAX_VIEW_RADIUS_CHUNKS}, got ${radius}`);
  }
  const centerY = Math.min(CHUNKS_Y - 1, Math.max(0, Math.floor(cy)));
  const out: ChunkCoord[] = [];
  const column = (x: number, z: number): void => {
    out.push({ cx: x, cy: centerY, cz: z });
    for (let d = 1; d < CHUNKS_Y; d++) {
      if (centerY + d < CHUNKS_Y) out.push({ cx: x, cy: centerY + d, cz: z });
      if (centerY - d >= 0) out.push({ cx: x, cy: centerY - d, cz: z });
    }
  };
  column(cx, cz);
  for (let r = 1; r <= radius; r++) {
    // Walk the ring of Chebyshev distance r: top and bottom rows, then the side columns.
    for (let dx = -r; dx <= r; dx++) {
      column(cx + dx, cz - r);
      column(cx + dx, cz + r);
    }
    for (let dz = -r + 1; dz <= r - 1; dz++) {
      column(cx - r, cz + dz);
      column(cx + r, cz + dz);
    }
  }
  return out;
}
