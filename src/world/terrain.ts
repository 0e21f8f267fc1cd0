// Seeded terrain generator. The server and every browser client run this same
// code with the world seed, so base terrain never travels on the wire. Any
// change to the output for an existing seed is therefore a protocol break:
// bump WORLDGEN_VERSION with any change to constants or formulas here or in noise.ts.

import { Block } from './blocks.js';
import { CHUNK_SIZE, CHUNK_VOLUME, CHUNKS_Y, WORLD_HEIGHT, WORLD_XZ_LIMIT, floorDiv } from './coords.js';
import { Simplex2, fbm2, hash2, hash3, seed32, subSeed } from './noise.js';

/** Version of the generator's output; clients compare it with the server's before trusting their own terrain. */
export const WORLDGEN_VERSION = 1;
/** y of the water surface: water fills every non-terrain block with y ≤ SEA_LEVEL. */
export const SEA_LEVEL = 48;
/** Columns with a surface at or above this y are MOUNTAINS (bare stone, no trees). */
export const MOUNTAIN_LINE = 84;
/** Mountain tops at or above this y are capped with snow. */
export const SNOW_LINE = 100;
/** Surface y is clamped to MIN_SURFACE..MAX_SURFACE, leaving headroom for spawning above peaks. */
const MIN_SURFACE = 8;
const MAX_SURFACE = 116;
/** Stone this many blocks below the surface or deeper may hold ore, so ore is never exposed. */
const ORE_MIN_DEPTH = 4;

export const Biome = {
  WATER: 0, // ocean or lake: surface below SEA_LEVEL
  BEACH: 1, // warm shore at SEA_LEVEL..SEA_LEVEL+1
  PLAINS: 2,
  FOREST: 3,
  DESERT: 4,
  SNOW: 5,
  MOUNTAINS: 6,
} as const;
export type BiomeId = (typeof Biome)[keyof typeof Biome];
export const BIOME_NAMES: readonly string[] = ['water', 'beach', 'plains', 'forest', 'desert', 'snow', 'mountains'];

// ---------------------------------------------------------------------------
// Per-seed state: noise tables and a small cache of chunk-column plans.

const PLAN_CACHE = 256; // chunk columns per seed (~1.5 KB each); one column serves all 8 chunks stacked in it
const SEED_CACHE = 4; // worlds generated concurrently by one process/client

interface Feature {
  kind: 0 | 1; // 0 tree, 1 cactus
  x: number;
  z: number;
  /** First block above the ground. */
  y0: number;
  /** Trunk or cactus height. */
  size: number;
}

interface Plan {
  /** Packed columns (see pack()) indexed lz*16+lx. */
  cols: Int32Array;
  /** Features whose blocks may reach into this chunk column. */
  features: Feature[];
  /** Highest terrain surface in the chunk column. */
  maxH: number;
  /** Highest non-air y anywhere in the chunk column (terrain, water or feature). */
  maxY: number;
}

class Gen {
  readonly cont: Simplex2;
  readonly hills: Simplex2;
  readonly mount: Simplex2;
  readonly ridge: Simplex2;
  readonly temp: Simplex2;
  readonly moist: Simplex2;
  readonly soilSeed: number;
  readonly oreSeed: number;
  readonly oreBlobSeed: number;
  readonly featureSeed: number;
  readonly plans = new Map<string, Plan>();

  constructor(readonly seed: number) {
    this.cont = new Simplex2(subSeed(seed, 1));
    this.hills = new Simplex2(subSeed(seed, 2));
    this.mount = new Simplex2(subSeed(seed, 3));
    this.ridge = new Simplex2(subSeed(seed, 4));
    this.temp = new Simplex2(subSeed(seed, 5));
    this.moist = new Simplex2(subSeed(seed, 6));
    this.soilSeed = subSeed(seed, 7);
    this.oreSeed = subSeed(seed, 8);
    this.oreBlobSeed = subSeed(seed, 9);
    this.featureSeed = subSeed(seed, 10);
  }
}

const gens = new Map<number, Gen>();

function genFor(seed: number): Gen {
  const s = seed32(seed);
  let g = gens.get(s);
  if (g) {
    gens.delete(s); // re-insert: Map order is our LRU order
  } else {
    g = new Gen(s);
    if (gens.size >= SEED_CACHE) gens.delete(gens.keys().next().value!);
  }
  gens.set(s, g);
  return g;
}

// ---------------------------------------------------------------------------
// Columns: height, biome and whether its water freezes, packed in one int so
// a chunk column's worth fits in an Int32Array without allocations.

const pack = (h: number, biome: number, frozen: boolean): number => h | (biome << 8) | (frozen ? 1 << 12 : 0);
const heightOf = (c: number): number => c & 0xff;
const biomeOf = (c: number): BiomeId => ((c >> 8) & 0xf) as BiomeId;
const frozenOf = (c: number): boolean => (c & (1 << 12)) !== 0;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const smoothstep = (a: number, b: number, v: number): number => {
  const t = clamp01((v - a) / (b - a));
  return t * t * (3 - 2 * t);
};

// Biome thresholds on temperature/moisture noise (both ≈ −1..1).
const COLD = -0.3; // below: snow (and frozen water)
const HOT = 0.15; // above and dry: desert
const DRY = -0.05;
const WET = 0.08; // above: forest; plains sit between DRY and WET, so deserts rarely touch forests

// Noise frequencies (1 / wavelength in blocks). Biomes are a few hundred blocks
// across, so a 128-block region usually holds one or two.
const CONT_SCALE = 1 / 640;
const HILL_SCALE = 1 / 80;
const MOUNT_SCALE = 1 / 360;
const RIDGE_SCALE = 1 / 70;
const TEMP_SCALE = 1 / 520;
const MOIST_SCALE = 1 / 440;

// Noise is evaluated on a lattice every LATTICE blocks and bilinearly
// interpolated in between: ~10× fewer noise calls per chunk, and invisible
// because the finest octave used (hills) has a 20-block wavelength.
const LATTICE = 4;
const NOISES = 6; // values per lattice point: continentalness, moisture, hills, mountains, ridge, temperature

/** Writes the 6 noise values of lattice point (X, Z) (block coordinates, multiples of LATTICE) at out[o..o+5]. */
function latticePoint(g: Gen, X: number, Z: number, out: Float64Array, o: number): void {
  out[o] = fbm2(g.cont, X * CONT_SCALE, Z * CONT_SCALE, 4);
  out[o + 1] = fbm2(g.moist, X * MOIST_SCALE, Z * MOIST_SCALE, 2);
  out[o + 2] = fbm2(g.hills, X * HILL_SCALE, Z * HILL_SCALE, 3);
  out[o + 3] = fbm2(g.mount, X * MOUNT_SCALE, Z * MOUNT_SCALE, 2);
  out[o + 4] = g.ridge.noise(X * RIDGE_SCALE, Z * RIDGE_SCALE);
  out[o + 5] = fbm2(g.temp, X * TEMP_SCALE, Z * TEMP_SCALE, 2);
}

/**
 * Bilinear interpolation of noise k between four lattice points. Fixed
 * operation order, so every caller gets the same bits from the same inputs.
 * A plain function on purpose: a closure per column would be allocated
 * (and, under tsx's keepNames, renamed) 256+ times per chunk.
 */
function bilerp(v: Float64Array, o00: number, o10: number, o01: number, o11: number, k: number, tx: number, tz: number): number {
  const a = v[o00 + k]!;
  const b = v[o01 + k]!;
  const top = a + (v[o10 + k]! - a) * tx;
  const bottom = b + (v[o11 + k]! - b) * tx;
  return top + (bottom - top) * tz;
}

/**
 * Column (x, z) from the four lattice points around it, stored in `v` at
 * offsets o00 (x0,z0), o10 (x0+4,z0), o01 (x0,z0+4), o11. Height is one
 * continuous function of the noises (never chosen per biome), so biome
 * borders never become cliffs; the biome is then read off the height plus
 * temperature/moisture.
 */
function columnFrom(v: Float64Array, o00: number, o10: number, o01: number, o11: number, x: number, z: number): number {
  const tx = (x & (LATTICE - 1)) * (1 / LATTICE);
  const tz = (z & (LATTICE - 1)) * (1 / LATTICE);
  const c = bilerp(v, o00, o10, o01, o11, 0, tx, tz); // continentalness: below ~−0.15 is sea
  const moist = bilerp(v, o00, o10, o01, o11, 1, tx, tz);
  const inland = smoothstep(-0.02, 0.3, c);
  // Hills get taller with moisture (rolling forests, flat deserts) and fade out towards the sea.
  let h = SEA_LEVEL + 4 + c * 30 + bilerp(v, o00, o10, o01, o11, 2, tx, tz) * (2 + 7 * clamp01(moist + 0.5)) * (0.4 + 0.6 * inland);
  const m = smoothstep(0.08, 0.45, bilerp(v, o00, o10, o01, o11, 3, tx, tz)) * inland;
  if (m > 0) {
    const r = 1 - Math.abs(bilerp(v, o00, o10, o01, o11, 4, tx, tz)); // sharp ridges, not blobs
    h += m * (14 + 40 * r * r);
  }
  h = Math.floor(h);
  h = h < MIN_SURFACE ? MIN_SURFACE : h > MAX_SURFACE ? MAX_SURFACE : h;
  // Air cools with altitude, so high ground turns to snow before it turns to mountain.
  const temp = bilerp(v, o00, o10, o01, o11, 5, tx, tz) - (h > 68 ? (h - 68) * (1 / 50) : 0);
  const cold = temp < COLD;
  let biome: BiomeId;
  if (h < SEA_LEVEL) biome = Biome.WATER;
  else if (h >= MOUNTAIN_LINE) biome = Biome.MOUNTAINS;
  else if (cold) biome = Biome.SNOW;
  else if (h <= SEA_LEVEL + 1) biome = Biome.BEACH;
  else if (temp > HOT && moist < DRY) biome = Biome.DESERT;
  else if (moist > WET) biome = Biome.FOREST;
  else biome = Biome.PLAINS;
  return pack(h, biome, cold);
}

const corners = new Float64Array(4 * NOISES); // scratch for single-column samples (generation is synchronous)

/** One column on its own: evaluates its 4 lattice points. Plans share lattice points instead. */
function sampleColumn(g: Gen, x: number, z: number): number {
  const X = x - (x & (LATTICE - 1));
  const Z = z - (z & (LATTICE - 1));
  latticePoint(g, X, Z, corners, 0);
  latticePoint(g, X + LATTICE, Z, corners, NOISES);
  latticePoint(g, X, Z + LATTICE, corners, 2 * NOISES);
  latticePoint(g, X + LATTICE, Z + LATTICE, corners, 3 * NOISES);
  return columnFrom(corners, 0, NOISES, 2 * NOISES, 3 * NOISES, x, z);
}

// ---------------------------------------------------------------------------
// Vertical layers of one column.

interface Layers {
  h: number;
  top: number;
  filler: number;
  /** Lowest y of the filler layer. */
  fillerMin: number;
  sub: number;
  /** Lowest y of the sub layer (sandstone under sand). */
  subMin: number;
  /** Block at y = SEA_LEVEL over submerged ground. */
  waterTop: number;
}

function newLayers(): Layers {
  return { h: 0, top: 0, filler: 0, fillerMin: 0, sub: 0, subMin: 0, waterTop: 0 };
}

function layersOf(g: Gen, x: number, z: number, col: number, L: Layers): Layers {
  const h = heightOf(col);
  const soil = 3 + (hash2(g.soilSeed, x, z) & 1); // 3–4 blocks, so strata aren't ruler-straight
  let top: number = Block.STONE;
  let filler: number = Block.STONE;
  let fillerDepth = 0;
  let sub: number = Block.STONE;
  let subDepth = 0;
  switch (biomeOf(col)) {
    case Biome.WATER:
      // Shallow lakes get sandy beds, deep water gravel.
      top = filler = h >= SEA_LEVEL - 6 ? Block.SAND : Block.GRAVEL;
      fillerDepth = soil - 1;
      break;
    case Biome.BEACH:
      top = filler = Block.SAND;
      fillerDepth = soil;
      sub = Block.SANDSTONE;
      subDepth = 2;
      break;
    case Biome.DESERT:
      top = filler = Block.SAND;
      fillerDepth = soil;
      sub = Block.SANDSTONE;
      subDepth = 3;
      break;
    case Biome.PLAINS:
    case Biome.FOREST:
      top = Block.GRASS;
      filler = Block.DIRT;
      fillerDepth = soil;
      break;
    case Biome.SNOW:
      top = Block.SNOW;
      filler = Block.DIRT;
      fillerDepth = soil;
      break;
    case Biome.MOUNTAINS:
      top = h >= SNOW_LINE ? Block.SNOW : Block.STONE;
      break;
  }
  L.h = h;
  L.top = top;
  L.filler = filler;
  L.fillerMin = h - fillerDepth;
  L.sub = sub;
  L.subMin = h - fillerDepth - subDepth;
  L.waterTop = frozenOf(col) ? Block.ICE : Block.WATER;
  return L;
}

/** Terrain at y in a column, before ores and features; generateChunk and terrainBlockAt both go through here. */
function layerBlock(L: Layers, y: number): number {
  if (y > L.h) return y < SEA_LEVEL ? Block.WATER : y === SEA_LEVEL ? L.waterTop : Block.AIR;
  if (y === 0) return Block.BEDROCK;
  if (y === L.h) return L.top;
  if (y >= L.fillerMin) return L.filler;
  if (y >= L.subMin) return L.sub;
  return Block.STONE;
}

/**
 * Ores come in veins: the world is cut into 4×4×4 cells, a cell hash picks
 * the cell's ore (if any, limited by depth), and a per-block hash fills ~40%
 * of it. Ore replaces STONE at least ORE_MIN_DEPTH below the surface only.
 * Ranges of the 10-bit cell roll are disjoint, so rarer ores don't steal
 * from commoner ones; rolls ≥ ORE_CELL_ROLLS hold no ore at all (86% of cells).
 */
const ORE_CELL = 4;
const ORE_CELL_ROLLS = 140;

const oreCellRoll = (g: Gen, x: number, y: number, z: number): number => hash3(g.oreSeed, x >> 2, y >> 2, z >> 2) & 1023;

/** Ore of a cell with this roll at block height y, or 0. */
function cellOre(roll: number, y: number): number {
  if (roll < 6) return y <= 16 ? Block.CRYSTAL_ORE : 0; // ~0.6% of deep cells: magic crystal is rare
  if (roll < 20) return y <= 30 ? Block.GOLD_ORE : 0;
  if (roll < 62) return y <= 64 ? Block.IRON_ORE : 0;
  if (roll < ORE_CELL_ROLLS) return Block.COAL_ORE; // any depth, the only ore reachable just under hills
  return 0;
}

const inOreBlob = (g: Gen, x: number, y: number, z: number): boolean => (hash3(g.oreBlobSeed, x, y, z) & 255) < 102;

/** What a STONE block at (x, y, z), in a column with surface h, really is. */
function stoneOrOre(g: Gen, x: number, y: number, z: number, h: number): number {
  if (y > h - ORE_MIN_DEPTH) return Block.STONE;
  const ore = cellOre(oreCellRoll(g, x, y, z), y);
  return ore !== 0 && inOreBlob(g, x, y, z) ? ore : Block.STONE;
}

// ---------------------------------------------------------------------------
// Features (trees, cacti). One candidate per 4×4 cell, jittered by 0..2 so two
// trunks are never adjacent; a cell hash decides whether the biome wants it.
// Features overlap chunk borders, so every chunk looks at the cells within
// FEATURE_REACH of itself and the result is seamless.

const CELL = 4;
const FEATURE_REACH = 2; // canopy radius: the farthest a feature block lies from its origin column
/** Chance (of 256) that a cell holds a feature, per biome. */
const FEATURE_CHANCE = [0, 0, 8, 150, 18, 24, 0] as const; // water, beach, plains, forest, desert(cactus), snow, mountains
const MAX_CHANCE = 150;
/** Priority when features overlap, so the result doesn't depend on stamping order. */
const PRIORITY = new Uint8Array(256);
PRIORITY[Block.LEAVES] = 1;
PRIORITY[Block.CACTUS] = 2;
PRIORITY[Block.LOG] = 3;

function featureOfCell(g: Gen, gx: number, gz: number, sample: (x: number, z: number) => number): Feature | undefined {
  const u = hash2(g.featureSeed, gx, gz);
  const roll = u >>> 24;
  if (roll >= MAX_CHANCE) return undefined; // most cells end here, before any noise is sampled
  const x = gx * CELL + (u & 0xff) % 3;
  const z = gz * CELL + ((u >>> 8) & 0xff) % 3;
  const col = sample(x, z);
  const biome = biomeOf(col);
  if (roll >= FEATURE_CHANCE[biome]) return undefined;
  const h = heightOf(col);
  const v = (u >>> 16) & 0xff;
  if (biome === Biome.DESERT) return { kind: 1, x, z, y0: h + 1, size: 1 + (v % 3) };
  const trunk = 4 + (v % 3);
  if (h + trunk + 1 >= WORLD_HEIGHT) return undefined;
  return { kind: 0, x, z, y0: h + 1, size: trunk };
}

/** Highest y a feature occupies. */
const featureTop = (f: Feature): number => (f.kind === 0 ? f.y0 + f.size : f.y0 + f.size - 1);

/** Block a feature puts at (x, y, z), or AIR. */
function featureBlock(f: Feature, x: number, y: number, z: number): number {
  const dx = x - f.x;
  const dz = z - f.z;
  if (f.kind === 1) return dx === 0 && dz === 0 && y >= f.y0 && y < f.y0 + f.size ? Block.CACTUS : Block.AIR;
  const top = f.y0 + f.size - 1; // last trunk block
  if (dx === 0 && dz === 0 && y >= f.y0 && y <= top) return Block.LOG;
  const ax = dx < 0 ? -dx : dx;
  const az = dz < 0 ? -dz : dz;
  const dy = y - top;
  // Canopy: two wide layers (5×5 without corners), a 3×3 layer, then a plus on top.
  if (dy === -2 || dy === -1) return ax <= 2 && az <= 2 && (ax < 2 || az < 2) ? Block.LEAVES : Block.AIR;
  if (dy === 0) return ax <= 1 && az <= 1 ? Block.LEAVES : Block.AIR;
  if (dy === 1) return ax + az <= 1 ? Block.LEAVES : Block.AIR;
  return Block.AIR;
}

// ---------------------------------------------------------------------------
// Chunk-column plans.

function planFor(g: Gen, cx: number, cz: number): Plan {
  const key = `${cx},${cz}`;
  const hit = g.plans.get(key);
  if (hit) {
    g.plans.delete(key);
    g.plans.set(key, hit);
    return hit;
  }
  const x0 = cx * CHUNK_SIZE;
  const z0 = cz * CHUNK_SIZE;
  // Lattice over the chunk column plus the feature margin, so feature origins outside it are cheap too.
  const lx0 = floorDiv(x0 - FEATURE_REACH, LATTICE) * LATTICE;
  const lz0 = floorDiv(z0 - FEATURE_REACH, LATTICE) * LATTICE;
  const n = (floorDiv(x0 + CHUNK_SIZE - 1 + FEATURE_REACH, LATTICE) * LATTICE - lx0) / LATTICE + 2; // points per side
  const lat = new Float64Array(n * n * NOISES);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) latticePoint(g, lx0 + i * LATTICE, lz0 + j * LATTICE, lat, (j * n + i) * NOISES);
  const sample = (x: number, z: number): number => {
    const o = (((z - lz0) >> 2) * n + ((x - lx0) >> 2)) * NOISES; // LATTICE = 4
    return columnFrom(lat, o, o + NOISES, o + n * NOISES, o + (n + 1) * NOISES, x, z);
  };
  const cols = new Int32Array(CHUNK_SIZE * CHUNK_SIZE);
  let maxH = 0;
  for (let lz = 0; lz < CHUNK_SIZE; lz++) {
    for (let lx = 0; lx < CHUNK_SIZE; lx++) {
      const c = sample(x0 + lx, z0 + lz);
      cols[lz * CHUNK_SIZE + lx] = c;
      if (heightOf(c) > maxH) maxH = heightOf(c);
    }
  }
  let maxY = Math.max(maxH, SEA_LEVEL);
  const features: Feature[] = [];
  const gx1 = floorDiv(x0 + CHUNK_SIZE - 1 + FEATURE_REACH, CELL);
  const gz1 = floorDiv(z0 + CHUNK_SIZE - 1 + FEATURE_REACH, CELL);
  for (let gz = floorDiv(z0 - FEATURE_REACH, CELL); gz <= gz1; gz++) {
    for (let gx = floorDiv(x0 - FEATURE_REACH, CELL); gx <= gx1; gx++) {
      const f = featureOfCell(g, gx, gz, sample);
      if (!f) continue;
      // Cells at the edge of the range may hold a feature that still misses this chunk column.
      if (f.x + FEATURE_REACH < x0 || f.x - FEATURE_REACH >= x0 + CHUNK_SIZE) continue;
      if (f.z + FEATURE_REACH < z0 || f.z - FEATURE_REACH >= z0 + CHUNK_SIZE) continue;
      features.push(f);
      if (featureTop(f) > maxY) maxY = featureTop(f);
    }
  }
  const plan: Plan = { cols, features, maxH, maxY };
  if (g.plans.size >= PLAN_CACHE) g.plans.delete(g.plans.keys().next().value!);
  g.plans.set(key, plan);
  return plan;
}

const scratch = newLayers(); // generation is synchronous, so one scratch object is safe

function checkInt(name: string, v: number, limit = WORLD_XZ_LIMIT): void {
  if (!Number.isInteger(v) || v < -limit || v > limit) throw new RangeError(`${name} must be an integer within ±${limit}, got ${v}`);
}

const CHUNK_LIMIT = WORLD_XZ_LIMIT / CHUNK_SIZE;

/**
 * Fills `out` (4096 block ids, index = localIndex(lx, ly, lz)) with the base
 * terrain of chunk (cx, cy, cz) and returns it. Allocates `out` when omitted.
 */
export function generateChunk(seed: number, cx: number, cy: number, cz: number, out?: Uint8Array): Uint8Array {
  checkInt('cx', cx, CHUNK_LIMIT);
  checkInt('cz', cz, CHUNK_LIMIT);
  if (!Number.isInteger(cy) || cy < 0 || cy >= CHUNKS_Y) throw new RangeError(`cy must be an integer in 0..${CHUNKS_Y - 1}, got ${cy}`);
  if (!out) out = new Uint8Array(CHUNK_VOLUME);
  else if (out.length < CHUNK_VOLUME) throw new RangeError(`out must hold ${CHUNK_VOLUME} blocks`);
  out.fill(Block.AIR, 0, CHUNK_VOLUME);
  const g = genFor(seed);
  const plan = planFor(g, cx, cz);
  const y0 = cy * CHUNK_SIZE;
  const y1 = y0 + CHUNK_SIZE - 1;
  if (y0 > plan.maxY) return out; // sky chunk: nothing to do

  const x0 = cx * CHUNK_SIZE;
  const z0 = cz * CHUNK_SIZE;
  const L = scratch;
  for (let lz = 0; lz < CHUNK_SIZE; lz++) {
    for (let lx = 0; lx < CHUNK_SIZE; lx++) {
      const col = plan.cols[lz * CHUNK_SIZE + lx]!;
      const surface = Math.max(heightOf(col), SEA_LEVEL);
      if (surface < y0) continue;
      const x = x0 + lx;
      const z = z0 + lz;
      layersOf(g, x, z, col, L);
      const yEnd = surface < y1 ? surface : y1;
      for (let y = y0; y <= yEnd; y++) out[((y - y0) * CHUNK_SIZE + lz) * CHUNK_SIZE + lx] = layerBlock(L, y);
    }
  }

  // Ores, cell by cell: one hash per 4×4×4 cell, and per-block work only in the ~14% of cells that hold ore.
  if (y0 <= plan.maxH - ORE_MIN_DEPTH) {
    for (let oy = y0; oy <= y1; oy += ORE_CELL) {
      for (let oz = z0; oz < z0 + CHUNK_SIZE; oz += ORE_CELL) {
        for (let ox = x0; ox < x0 + CHUNK_SIZE; ox += ORE_CELL) {
          const roll = oreCellRoll(g, ox, oy, oz);
          if (roll >= ORE_CELL_ROLLS) continue;
          for (let y = oy; y < oy + ORE_CELL; y++) {
            const ore = cellOre(roll, y);
            if (ore === 0) continue;
            for (let z = oz; z < oz + ORE_CELL; z++) {
              for (let x = ox; x < ox + ORE_CELL; x++) {
                const i = ((y - y0) * CHUNK_SIZE + (z - z0)) * CHUNK_SIZE + (x - x0);
                if (out[i] !== Block.STONE || y > heightOf(plan.cols[(z - z0) * CHUNK_SIZE + (x - x0)]!) - ORE_MIN_DEPTH) continue;
                if (inOreBlob(g, x, y, z)) out[i] = ore;
              }
            }
          }
        }
      }
    }
  }

  for (const f of plan.features) {
    const fy0 = f.y0 > y0 ? f.y0 : y0;
    const fy1 = Math.min(featureTop(f), y1);
    if (fy0 > fy1) continue;
    const ax0 = Math.max(f.x - FEATURE_REACH, x0);
    const ax1 = Math.min(f.x + FEATURE_REACH, x0 + CHUNK_SIZE - 1);
    const az0 = Math.max(f.z - FEATURE_REACH, z0);
    const az1 = Math.min(f.z + FEATURE_REACH, z0 + CHUNK_SIZE - 1);
    for (let y = fy0; y <= fy1; y++) {
      for (let z = az0; z <= az1; z++) {
        for (let x = ax0; x <= ax1; x++) {
          const b = featureBlock(f, x, y, z);
          if (b === Block.AIR) continue;
          const i = ((y - y0) * CHUNK_SIZE + (z - z0)) * CHUNK_SIZE + (x - x0);
          const cur = out[i]!;
          // Features only grow into air (or a weaker feature), never into ground or water.
          if ((cur === Block.AIR || PRIORITY[cur]! > 0) && PRIORITY[b]! > PRIORITY[cur]!) out[i] = b;
        }
      }
    }
  }
  return out;
}

/**
 * The block generateChunk produces at (x, y, z), computed without generating
 * the chunk. Outside the world: AIR at y ≥ WORLD_HEIGHT, BEDROCK below 0
 * (the same convention VoxelWorld uses).
 */
export function terrainBlockAt(seed: number, x: number, y: number, z: number): number {
  checkInt('x', x);
  checkInt('y', y, Number.MAX_SAFE_INTEGER);
  checkInt('z', z);
  if (y >= WORLD_HEIGHT) return Block.AIR;
  if (y < 0) return Block.BEDROCK;
  return columnOf(seed, x, z)(y);
}

/** Surface y of a column: its highest terrain block (the sea or lake bed under water; trees excluded). */
export function heightAt(seed: number, x: number, z: number): number {
  checkInt('x', x);
  checkInt('z', z);
  return heightOf(sampleColumn(genFor(seed), x, z));
}

export function biomeAt(seed: number, x: number, z: number): BiomeId {
  checkInt('x', x);
  checkInt('z', z);
  return biomeOf(sampleColumn(genFor(seed), x, z));
}

/**
 * Feet y for a character placed in column (x, z) of untouched terrain: the
 * lowest y above the surface where this block and the one above are air, so
 * a body two blocks tall fits (on top of water, under or on top of a tree).
 * Edits are not considered; callers with a VoxelWorld re-check against it.
 */
export function spawnPoint(seed: number, x: number, z: number): number {
  const h = heightAt(seed, x, z);
  const blockAt = columnOf(seed, x, z);
  let below = blockAt(h + 1);
  for (let y = h + 1; y < WORLD_HEIGHT; y++) {
    const above = blockAt(y + 1);
    if (below === Block.AIR && above === Block.AIR) return y;
    below = above;
  }
  return WORLD_HEIGHT; // unreachable with MAX_SURFACE headroom; above the world is always air
}

/**
 * terrainBlockAt of one column, y by y: the column's noise, layers and the features that could reach it are
 * worked out once, not again for every y (spawnPoint asks a dozen heights of one column, and NPCs ask it for
 * every column they step on: src/game/region/npcs.ts). test/world.terrain.test.ts checks it block for block
 * against generateChunk.
 */
export function columnOf(seed: number, x: number, z: number): (y: number) => number {
  checkInt('x', x);
  checkInt('z', z);
  const g = genFor(seed);
  const col = sampleColumn(g, x, z);
  const layers = layersOf(g, x, z, col, newLayers());
  const h = heightOf(col);
  let features: Feature[] | undefined;
  return (y: number): number => {
    checkInt('y', y, Number.MAX_SAFE_INTEGER);
    if (y >= WORLD_HEIGHT) return Block.AIR;
    if (y < 0) return Block.BEDROCK;
    const base = layerBlock(layers, y);
    if (base === Block.STONE) return stoneOrOre(g, x, y, z, h);
    if (base !== Block.AIR) return base;
    if (!features) {
      features = [];
      const sample = (sx: number, sz: number): number => sampleColumn(g, sx, sz);
      const gx1 = floorDiv(x + FEATURE_REACH, CELL);
      const gz1 = floorDiv(z + FEATURE_REACH, CELL);
      for (let gz = floorDiv(z - FEATURE_REACH, CELL); gz <= gz1; gz++) {
        for (let gx = floorDiv(x - FEATURE_REACH, CELL); gx <= gx1; gx++) {
          const f = featureOfCell(g, gx, gz, sample);
          if (f) features.push(f);
        }
      }
    }
    let best: number = Block.AIR;
    for (const f of features) {
      const b = featureBlock(f, x, y, z);
      if (PRIORITY[b]! > PRIORITY[best]!) best = b;
    }
    return best;
  };
}
