import assert from 'node:assert/strict';
import {
  Biome,
  BIOME_NAMES,
  Block,
  CHUNK_SIZE,
  CHUNK_VOLUME,
  CHUNKS_Y,
  SEA_LEVEL,
  WORLD_HEIGHT,
  WORLD_XZ_LIMIT,
  biomeAt,
  blockToChunk,
  columnOf,
  generateChunk,
  heightAt,
  localIndex,
  spawnPoint,
  splitmix32,
  terrainBlockAt,
  type BiomeId,
} from '../src/world/index.js';

const SEED = 42;
const ORES: ReadonlySet<number> = new Set([Block.COAL_ORE, Block.IRON_ORE, Block.GOLD_ORE, Block.CRYSTAL_ORE]);
const FEATURES: ReadonlySet<number> = new Set([Block.LOG, Block.LEAVES, Block.CACTUS]);

/** Columns of a fixed 4096×4096 area, every 32 blocks, grouped by biome. */
function sampleBiomes(seed: number): Map<BiomeId, Array<[number, number]>> {
  const by = new Map<BiomeId, Array<[number, number]>>();
  for (let x = -2048; x < 2048; x += 32) {
    for (let z = -2048; z < 2048; z += 32) {
      const b = biomeAt(seed, x, z);
      if (!by.has(b)) by.set(b, []);
      by.get(b)!.push([x, z]);
    }
  }
  return by;
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

function blockIn(chunk: Uint8Array, x: number, y: number, z: number): number {
  return chunk[blockToChunk(x, y, z).index]!;
}

describe('world terrain', () => {
  const biomes = sampleBiomes(SEED);
  const columns = (b: BiomeId, n = 60): Array<[number, number]> => {
    const all = biomes.get(b) ?? [];
    const step = Math.max(1, Math.floor(all.length / n));
    return all.filter((_, i) => i % step === 0).slice(0, n);
  };

  it('same seed gives byte-identical chunks, also after the generator state is rebuilt', () => {
    const coords = [[0, 3, 0], [-1, 2, -1], [-7, 0, 13], [25, 5, -40], [-300, 4, -301], [3, 7, -2]] as const;
    const first = coords.map(([cx, cy, cz]) => generateChunk(SEED, cx, cy, cz));
    // Touch more seeds than the generator keeps, so SEED's noise tables and plans are rebuilt from scratch.
    for (let s = 1; s <= 6; s++) generateChunk(1000 + s, 0, 3, 0);
    coords.forEach(([cx, cy, cz], i) => {
      assert.deepEqual(generateChunk(SEED, cx, cy, cz), first[i]);
      const out = new Uint8Array(CHUNK_VOLUME).fill(99);
      assert.equal(generateChunk(SEED, cx, cy, cz, out), out, 'fills the buffer it is given');
      assert.deepEqual(out, first[i], 'a dirty reused buffer is fully overwritten');
    });
  });

  it('different seeds give different terrain', () => {
    let differ = 0;
    for (const [cx, cz] of [[0, 0], [-1, -1], [5, -9], [-20, 3]] as const) {
      for (const cy of [2, 3]) {
        if (fnv1a(generateChunk(SEED, cx, cy, cz)) !== fnv1a(generateChunk(SEED + 1, cx, cy, cz))) differ++;
      }
    }
    assert.ok(differ >= 7, `only ${differ} of 8 chunks differ`);
    assert.notEqual(heightAt(1, 1000, 1000) * 1000 + heightAt(1, -500, 77), heightAt(2, 1000, 1000) * 1000 + heightAt(2, -500, 77));
  });

  it('matches pinned chunk checksums (a change here breaks every client: bump WORLDGEN_VERSION)', () => {
    // Ocean floor, frozen sea, deep ores, forest surface, forest canopy, shore, mountain core.
    const sums = [[0, 2, 0], [-1, 3, -1], [17, 1, -23], [-30, 3, 12], [40, 4, -7], [5, 3, -90], [-12, 3, -40]].map(([cx, cy, cz]) => fnv1a(generateChunk(SEED, cx!, cy!, cz!)));
    assert.deepEqual(sums, PINNED_CHUNKS);
  });

  it('all required biomes occur in a 4096² area', () => {
    for (const b of [Biome.WATER, Biome.PLAINS, Biome.FOREST, Biome.DESERT, Biome.SNOW, Biome.MOUNTAINS, Biome.BEACH]) {
      assert.ok((biomes.get(b)?.length ?? 0) > 20, `biome ${BIOME_NAMES[b]} is missing or rare`);
    }
  });

  it('has bedrock at y = 0 everywhere and nothing solid above the world', () => {
    const rnd = splitmix32(1);
    for (let i = 0; i < 500; i++) {
      const x = (rnd() % 8000) - 4000;
      const z = (rnd() % 8000) - 4000;
      assert.equal(terrainBlockAt(SEED, x, 0, z), Block.BEDROCK);
      assert.equal(terrainBlockAt(SEED, x, WORLD_HEIGHT - 1, z), Block.AIR);
    }
    for (const [cx, cz] of [[0, 0], [-3, 9], [40, -41]] as const) {
      const c = generateChunk(SEED, cx, 0, cz);
      for (let i = 0; i < 256; i++) assert.equal(c[i], Block.BEDROCK);
    }
  });

  it('surface layers follow the biome', () => {
    const top = (x: number, z: number): number => terrainBlockAt(SEED, x, heightAt(SEED, x, z), z);
    for (const [x, z] of [...columns(Biome.PLAINS), ...columns(Biome.FOREST)]) {
      const h = heightAt(SEED, x, z);
      assert.equal(top(x, z), Block.GRASS);
      assert.ok(h >= SEA_LEVEL);
      assert.equal(terrainBlockAt(SEED, x, h - 1, z), Block.DIRT);
      assert.equal(terrainBlockAt(SEED, x, h - 5, z) === Block.DIRT, false, 'soil is at most 4 deep');
    }
    for (const [x, z] of [...columns(Biome.DESERT), ...columns(Biome.BEACH)]) {
      assert.equal(top(x, z), Block.SAND);
      assert.equal(terrainBlockAt(SEED, x, heightAt(SEED, x, z) - 5, z), Block.SANDSTONE);
    }
    for (const [x, z] of columns(Biome.SNOW)) assert.equal(top(x, z), Block.SNOW);
    for (const [x, z] of columns(Biome.MOUNTAINS)) assert.ok(top(x, z) === Block.STONE || top(x, z) === Block.SNOW);
    let open = 0;
    for (const [x, z] of columns(Biome.WATER)) {
      const h = heightAt(SEED, x, z);
      assert.ok(h < SEA_LEVEL);
      assert.ok(top(x, z) === Block.SAND || top(x, z) === Block.GRAVEL);
      for (let y = h + 1; y < SEA_LEVEL; y++) assert.equal(terrainBlockAt(SEED, x, y, z), Block.WATER);
      const surface = terrainBlockAt(SEED, x, SEA_LEVEL, z);
      assert.ok(surface === Block.WATER || surface === Block.ICE);
      if (surface === Block.WATER) open++;
      assert.equal(terrainBlockAt(SEED, x, SEA_LEVEL + 1, z), Block.AIR);
    }
    assert.ok(open > 10, 'most water is open water');
  });

  it('heightAt is the top terrain block: above it only water, air and features', () => {
    const rnd = splitmix32(2);
    for (let i = 0; i < 300; i++) {
      const x = (rnd() % 4000) - 2000;
      const z = (rnd() % 4000) - 2000;
      const h = heightAt(SEED, x, z);
      assert.ok(h > 0 && h < WORLD_HEIGHT - 8);
      assert.notEqual(terrainBlockAt(SEED, x, h, z), Block.AIR);
      for (let y = h + 1; y < WORLD_HEIGHT; y += 3) {
        const b = terrainBlockAt(SEED, x, y, z);
        assert.ok(b === Block.AIR || b === Block.WATER || b === Block.ICE || FEATURES.has(b), `block ${b} above surface at ${x},${y},${z}`);
      }
    }
  });

  it('ores occur underground, by depth, and never at or above the surface', () => {
    const found = new Map<number, number[]>();
    for (let cx = -4; cx < 4; cx++) {
      for (let cz = -4; cz < 4; cz++) {
        for (let cy = 0; cy < CHUNKS_Y; cy++) {
          const c = generateChunk(SEED, cx, cy, cz);
          for (let i = 0; i < CHUNK_VOLUME; i++) {
            if (!ORES.has(c[i]!)) continue;
            const lx = i & 15;
            const lz = (i >> 4) & 15;
            const y = cy * CHUNK_SIZE + (i >> 8);
            const x = cx * CHUNK_SIZE + lx;
            const z = cz * CHUNK_SIZE + lz;
            assert.ok(y < heightAt(SEED, x, z) - 3, `ore at ${x},${y},${z} is not buried`);
            if (!found.has(c[i]!)) found.set(c[i]!, []);
            found.get(c[i]!)!.push(y);
          }
        }
      }
    }
    for (const ore of ORES) assert.ok((found.get(ore)?.length ?? 0) > 0, `no ore ${ore}`);
    assert.ok(Math.max(...found.get(Block.GOLD_ORE)!) <= 30);
    assert.ok(Math.max(...found.get(Block.CRYSTAL_ORE)!) <= 16);
    assert.ok(found.get(Block.COAL_ORE)!.length > found.get(Block.CRYSTAL_ORE)!.length * 5, 'crystal is rare');
  });

  it('grows trees in forests and cacti in deserts', () => {
    const count = (cols: Array<[number, number]>, ids: number[]): number => {
      let n = 0;
      for (const [x, z] of cols.slice(0, 12)) {
        const { cx, cz } = blockToChunk(x, 0, z);
        for (let cy = 0; cy < CHUNKS_Y; cy++) for (const b of generateChunk(SEED, cx, cy, cz)) if (ids.includes(b)) n++;
      }
      return n;
    };
    assert.ok(count(columns(Biome.FOREST), [Block.LOG]) > 12 * 5 * 4, 'forest chunks hold several trees each');
    assert.ok(count(columns(Biome.FOREST), [Block.LEAVES]) > 12 * 100);
    assert.ok(count(columns(Biome.DESERT), [Block.CACTUS]) > 0);
    // Every trunk stands on ground and carries a canopy.
    for (const [x, z] of columns(Biome.FOREST, 200)) {
      const h = heightAt(SEED, x, z);
      if (terrainBlockAt(SEED, x, h + 1, z) !== Block.LOG) continue;
      let y = h + 1;
      while (terrainBlockAt(SEED, x, y, z) === Block.LOG) y++;
      assert.ok(y - h - 1 >= 4 && y - h - 1 <= 6, 'trunk 4–6 high');
      assert.equal(terrainBlockAt(SEED, x, y, z), Block.LEAVES);
    }
  });

  it('terrainBlockAt agrees with generateChunk at 6000 random positions', () => {
    const rnd = splitmix32(3);
    const cache = new Map<string, Uint8Array>();
    const [fx, fz] = columns(Biome.FOREST)[0]!;
    for (let i = 0; i < 6000; i++) {
      // Half the samples in a small forest-heavy window so many land on trees and chunk borders.
      const span = i % 2 === 0 ? 6000 : 96;
      const x = (i % 2 === 0 ? 0 : fx) + (rnd() % span) - span / 2;
      const z = (i % 2 === 0 ? 0 : fz) + (rnd() % span) - span / 2;
      const y = i % 2 === 0 ? rnd() % WORLD_HEIGHT : heightAt(SEED, x, z) + (rnd() % 10) - 3;
      if (y < 0 || y >= WORLD_HEIGHT) continue;
      const c = blockToChunk(x, y, z);
      const key = `${c.cx},${c.cy},${c.cz}`;
      let chunk = cache.get(key);
      if (!chunk) cache.set(key, (chunk = generateChunk(SEED, c.cx, c.cy, c.cz)));
      assert.equal(terrainBlockAt(SEED, x, y, z), chunk[c.index], `at ${x},${y},${z}`);
    }
  });

  it('columnOf (terrainBlockAt, spawnPoint) answers generateChunk block for block, over whole columns (forests, water, mountains)', () => {
    const rnd = splitmix32(5);
    const [fx, fz] = columns(Biome.FOREST)[0]!;
    const picks: [number, number][] = [...columns(Biome.WATER).slice(0, 4), ...columns(Biome.MOUNTAINS).slice(0, 4)];
    for (let i = 0; i < 40; i++) picks.push([fx + (rnd() % 24) - 12, fz + (rnd() % 24) - 12]); // trees and their neighbours
    const cache = new Map<string, Uint8Array>();
    let features = 0;
    for (const [x, z] of picks) {
      const blockAt = columnOf(SEED, x, z);
      const h = heightAt(SEED, x, z);
      assert.equal(blockAt(-1), Block.BEDROCK);
      assert.equal(blockAt(WORLD_HEIGHT), Block.AIR);
      for (let y = 0; y < WORLD_HEIGHT; y++) {
        const c = blockToChunk(x, y, z);
        const key = `${c.cx},${c.cy},${c.cz}`;
        let chunk = cache.get(key);
        if (!chunk) cache.set(key, (chunk = generateChunk(SEED, c.cx, c.cy, c.cz)));
        const want = chunk[c.index]!;
        assert.equal(blockAt(y), want, `at ${x},${y},${z}`);
        if (y > h && want !== Block.AIR && want !== Block.WATER && want !== Block.ICE) features++;
      }
    }
    assert.ok(features > 20, `the columns cross trees (${features} blocks of features)`);
  });

  it('features are seamless across chunk borders', () => {
    // Compare whole border planes of forest chunk columns (where canopies cross borders) with terrainBlockAt.
    let featuresOnBorders = 0;
    for (const [x, z] of columns(Biome.FOREST, 6)) {
      const { cx, cz } = blockToChunk(x, 0, z);
      const h = heightAt(SEED, x, z);
      for (let cy = Math.floor((h - 2) / CHUNK_SIZE); cy <= Math.min(CHUNKS_Y - 1, Math.floor((h + 9) / CHUNK_SIZE)); cy++) {
        const c = generateChunk(SEED, cx, cy, cz);
        for (let ly = 0; ly < CHUNK_SIZE; ly++) {
          for (let a = 0; a < CHUNK_SIZE; a++) {
            for (const [lx, lz] of [[0, a], [15, a], [a, 0], [a, 15]] as const) {
              const b = c[localIndex(lx, ly, lz)]!;
              if (FEATURES.has(b)) featuresOnBorders++;
              assert.equal(terrainBlockAt(SEED, cx * 16 + lx, cy * 16 + ly, cz * 16 + lz), b);
            }
          }
        }
      }
    }
    assert.ok(featuresOnBorders > 50, `only ${featuresOnBorders} feature blocks on borders`);
  });

  it('chunk interiors and neighbours agree on a canopy that crosses a border', () => {
    // Find a tree whose trunk is on a chunk's first column (lx = 0); its leaves must show up in the chunk to the west.
    for (const [x0, z0] of columns(Biome.FOREST, 200)) {
      const { cx, cz } = blockToChunk(x0, 0, z0);
      const x = cx * 16;
      for (let z = cz * 16; z < cz * 16 + 16; z++) {
        const h = heightAt(SEED, x, z);
        if (terrainBlockAt(SEED, x, h + 1, z) !== Block.LOG) continue;
        let top = h + 1;
        while (terrainBlockAt(SEED, x, top + 1, z) === Block.LOG) top++;
        const ly = top - 1;
        const neighbour = generateChunk(SEED, cx - 1, Math.floor(ly / 16), cz);
        assert.equal(blockIn(neighbour, x - 1, ly, z), Block.LEAVES);
        assert.equal(blockIn(neighbour, x - 2, ly, z), Block.LEAVES);
        return;
      }
    }
    assert.fail('no tree on a chunk edge found in forest sample');
  });

  it('sky chunks are empty and out-of-world arguments are refused', () => {
    const sky = generateChunk(SEED, 0, CHUNKS_Y - 1, 0);
    assert.ok(sky.every((b) => b === Block.AIR));
    assert.throws(() => generateChunk(SEED, 0, -1, 0), RangeError);
    assert.throws(() => generateChunk(SEED, 0, CHUNKS_Y, 0), RangeError);
    assert.throws(() => generateChunk(SEED, 0.5, 0, 0), RangeError);
    assert.throws(() => generateChunk(SEED, 0, 0, 0, new Uint8Array(10)), RangeError);
    assert.throws(() => generateChunk(NaN, 0, 0, 0), RangeError);
    assert.throws(() => generateChunk(SEED, WORLD_XZ_LIMIT / CHUNK_SIZE + 1, 0, 0), RangeError);
    assert.throws(() => terrainBlockAt(SEED, 0, 5, -WORLD_XZ_LIMIT - 1), RangeError);
    assert.doesNotThrow(() => generateChunk(SEED, -WORLD_XZ_LIMIT / CHUNK_SIZE, 3, WORLD_XZ_LIMIT / CHUNK_SIZE));
    assert.equal(terrainBlockAt(SEED, 0, -1, 0), Block.BEDROCK);
    assert.equal(terrainBlockAt(SEED, 0, WORLD_HEIGHT, 0), Block.AIR);
  });

  it('spawnPoint gives two blocks of air above the ground, on water or above trees', () => {
    const rnd = splitmix32(4);
    const checkAt = (x: number, z: number): void => {
      const y = spawnPoint(SEED, x, z);
      const h = heightAt(SEED, x, z);
      assert.ok(y > h && y < WORLD_HEIGHT);
      assert.equal(terrainBlockAt(SEED, x, y, z), Block.AIR);
      assert.equal(terrainBlockAt(SEED, x, y + 1, z), Block.AIR);
      const below = terrainBlockAt(SEED, x, y - 1, z);
      assert.notEqual(below, Block.AIR, 'spawn is the first such gap, so something is right below');
    };
    for (let i = 0; i < 200; i++) checkAt((rnd() % 4000) - 2000, (rnd() % 4000) - 2000);
    const [wx, wz] = columns(Biome.WATER)[0]!;
    assert.equal(spawnPoint(SEED, wx, wz), SEA_LEVEL + 1);
    const [px, pz] = columns(Biome.PLAINS).find(([x, z]) => terrainBlockAt(SEED, x, heightAt(SEED, x, z) + 1, z) === Block.AIR)!;
    assert.equal(spawnPoint(SEED, px, pz), heightAt(SEED, px, pz) + 1);
  });
});

// FNV-1a of the chunks above, recorded from a reference run.
const PINNED_CHUNKS = [309384898, 2625889315, 2812265613, 3761971225, 999568146, 914597965, 1007075967];
