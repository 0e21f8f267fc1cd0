import assert from 'node:assert/strict';
import {
  Block,
  CHUNK_VOLUME,
  MAX_COLLISION_BOX_BLOCKS,
  VoxelWorld,
  WORLD_HEIGHT,
  blockToChunk,
  chunkKey,
  generateChunk,
  heightAt,
  localIndex,
  terrainBlockAt,
} from '../src/world/index.js';

const SEED = 42;

/** A land column whose surface has air above it (no tree, no water). */
function openGround(): { x: number; z: number; h: number } {
  for (let x = 0; ; x += 7) {
    const h = heightAt(SEED, x, 5);
    if (terrainBlockAt(SEED, x, h + 1, 5) === Block.AIR && terrainBlockAt(SEED, x, h + 2, 5) === Block.AIR && terrainBlockAt(SEED, x, h, 5) !== Block.WATER) {
      return { x, z: 5, h };
    }
  }
}

describe('world VoxelWorld', () => {
  it('reads generated terrain, including negative coordinates', () => {
    const w = new VoxelWorld(SEED);
    for (const [x, y, z] of [[0, 0, 0], [-1, 40, -1], [-17, 50, 33], [100, 60, -200], [5, 127, 5]] as const) {
      assert.equal(w.getBlock(x, y, z), terrainBlockAt(SEED, x, y, z));
    }
    assert.equal(w.getBlock(-0.5, 0.5, 3.2), terrainBlockAt(SEED, -1, 0, 3), 'fractional coordinates are floored');
  });

  it('treats above the world as air and below it as bedrock', () => {
    const w = new VoxelWorld(SEED);
    assert.equal(w.getBlock(3, WORLD_HEIGHT, 3), Block.AIR);
    assert.equal(w.getBlock(3, 10_000, 3), Block.AIR);
    assert.equal(w.getBlock(3, -1, 3), Block.BEDROCK);
    assert.ok(w.isSolidAt(3, -50, 3));
    assert.equal(w.isSolidAt(3, WORLD_HEIGHT + 5, 3), false);
    assert.equal(w.cachedChunks, 0, 'out-of-world reads generate nothing');
  });

  it('records edits against terrain and drops edits that restore it', () => {
    const w = new VoxelWorld(SEED);
    const { x, z, h } = openGround();
    const key = chunkKey(blockToChunk(x, h, z).cx, blockToChunk(x, h, z).cy, blockToChunk(x, h, z).cz);
    const ground = w.getBlock(x, h, z);
    assert.deepEqual(w.editedChunkKeys(), []);

    assert.equal(w.setBlock(x, h, z, Block.AIR), true);
    assert.equal(w.getBlock(x, h, z), Block.AIR);
    assert.deepEqual([...w.editsOf(key)], [[blockToChunk(x, h, z).index, Block.AIR]]);
    assert.deepEqual(w.editedChunkKeys(), [key]);

    assert.equal(w.setBlock(x, h, z, Block.AIR), false, 'no change, no edit');
    assert.equal(w.setBlock(x, h, z, Block.PLANKS), true);
    assert.equal(w.getBlock(x, h, z), Block.PLANKS);
    assert.equal(w.editsOf(key).size, 1);

    assert.equal(w.setBlock(x, h, z, ground), true);
    assert.equal(w.getBlock(x, h, z), ground);
    assert.equal(w.editsOf(key).size, 0, 'back to terrain: the edit is gone');
    assert.deepEqual(w.editedChunkKeys(), []);
  });

  it('keeps edits in separate chunks, across chunk borders and negatives', () => {
    const w = new VoxelWorld(SEED);
    w.setBlock(-1, 100, -1, Block.GLASS);
    w.setBlock(0, 100, 0, Block.TORCH);
    w.setBlock(15, 100, 15, Block.COBBLESTONE);
    assert.equal(w.getBlock(-1, 100, -1), Block.GLASS);
    assert.equal(w.getBlock(0, 100, 0), Block.TORCH);
    assert.equal(w.getBlock(15, 100, 15), Block.COBBLESTONE);
    assert.equal(w.getBlock(-1, 100, 0), Block.AIR);
    assert.deepEqual(w.editedChunkKeys().sort(), ['-1,6,-1', '0,6,0']);
    assert.deepEqual([...w.editsOf('-1,6,-1')], [[localIndex(15, 4, 15), Block.GLASS]]);
    assert.equal(w.editsOf('9,9,9').size, 0);
  });

  it('refuses invalid edits without changing anything', () => {
    const w = new VoxelWorld(SEED);
    assert.throws(() => w.setBlock(0, 60, 0, 999), RangeError);
    assert.throws(() => w.setBlock(0, 60, 0, -1), RangeError);
    assert.throws(() => w.setBlock(0, 60, 0, 1.5), RangeError);
    assert.throws(() => w.setBlock(0, -1, 0, Block.STONE), RangeError);
    assert.throws(() => w.setBlock(0, WORLD_HEIGHT, 0, Block.STONE), RangeError);
    assert.throws(() => w.setBlock(0, NaN, 0, Block.STONE), RangeError);
    assert.deepEqual(w.editedChunkKeys(), []);
  });

  it('loads edits atomically, dropping those equal to terrain', () => {
    const w = new VoxelWorld(SEED);
    const terrain = generateChunk(SEED, 2, 2, -3);
    const same = localIndex(1, 1, 1);
    const changed = localIndex(2, 3, 4);
    const other = terrain[changed] === Block.GLASS ? Block.PLANKS : Block.GLASS;
    w.loadEdits('2,2,-3', [[same, terrain[same]!], [changed, other]]);
    assert.deepEqual([...w.editsOf('2,2,-3')], [[changed, other]]);
    assert.equal(w.getBlock(2 * 16 + 2, 2 * 16 + 3, -3 * 16 + 4), other);

    for (const bad of [[[CHUNK_VOLUME, 1]], [[-1, 1]], [[0.5, 1]], [[0, 250]], [[0, Block.STONE], [1, -3]]] as Array<Array<[number, number]>>) {
      assert.throws(() => w.loadEdits('2,2,-3', bad), RangeError);
    }
    assert.throws(() => w.loadEdits('2,9,-3', []), RangeError);
    assert.throws(() => w.loadEdits('junk', []), RangeError);
    assert.deepEqual([...w.editsOf('2,2,-3')], [[changed, other]], 'failed loads changed nothing');

    w.loadEdits('2,2,-3', []);
    assert.deepEqual(w.editedChunkKeys(), []);
    assert.equal(w.getBlock(2 * 16 + 2, 2 * 16 + 3, -3 * 16 + 4), terrain[changed]);
  });

  it('chunkBlocks returns terrain with edits applied', () => {
    const w = new VoxelWorld(SEED);
    w.setBlock(16 + 3, 64 + 2, 1, Block.GLASS);
    const blocks = w.chunkBlocks(1, 4, 0);
    const expected = generateChunk(SEED, 1, 4, 0);
    expected[localIndex(3, 2, 1)] = Block.GLASS;
    assert.deepEqual(blocks, expected);
  });

  it('keeps the terrain cache bounded and edits across evictions', () => {
    const w = new VoxelWorld(SEED, { cacheChunks: 16 });
    w.setBlock(0, 60, 0, Block.GLASS);
    for (let cx = -20; cx < 20; cx++) {
      for (let cy = 0; cy < 8; cy++) assert.equal(w.getBlock(cx * 16 + 3, cy * 16 + 5, 7), terrainBlockAt(SEED, cx * 16 + 3, cy * 16 + 5, 7));
      assert.ok(w.cachedChunks <= 16);
    }
    assert.equal(w.cachedChunks, 16);
    assert.equal(w.getBlock(0, 60, 0), Block.GLASS, 'edits are state, not cache');
    assert.throws(() => new VoxelWorld(SEED, { cacheChunks: 0 }), RangeError);
  });

  it('boxCollides detects solid blocks overlapping a box', () => {
    const w = new VoxelWorld(SEED);
    const { x, z, h } = openGround();
    // A 0.6 × 1.8 player standing exactly on the ground touches it but does not overlap it.
    const stand = (feet: number): boolean => w.boxCollides(x + 0.2, feet, z + 0.2, x + 0.8, feet + 1.8, z + 0.8);
    assert.equal(stand(h + 1), false);
    assert.equal(stand(h + 0.9), true, 'sunk into the ground');
    assert.equal(stand(h + 5), false);
    w.setBlock(x, h + 2, z, Block.STONE);
    assert.equal(stand(h + 1), true, 'head in a placed block');
    w.setBlock(x, h + 2, z, Block.TORCH);
    assert.equal(stand(h + 1), false, 'torches are not solid');
    // Spanning several blocks and chunk borders at negative coordinates.
    assert.equal(w.boxCollides(-0.5, 0.5, -0.5, 0.5, 1.5, 0.5), true, 'bedrock at y = 0');
    assert.equal(w.boxCollides(-0.5, 120.2, -0.5, 0.5, 126, 0.5), false);
    assert.equal(w.boxCollides(0, -0.5, 0, 1, 0.5, 1), true, 'below the world is solid');
    assert.equal(w.boxCollides(0, 200, 0, 1, 300, 1), false, 'above the world is air');
    assert.equal(w.boxCollides(x, h + 1, z, x, h + 3, z + 1), false, 'zero-width box on a boundary');
    assert.throws(() => w.boxCollides(0, 0, 0, NaN, 1, 1), RangeError);
    assert.throws(() => w.boxCollides(1, 0, 0, 0, 1, 1), RangeError);
    assert.throws(() => w.boxCollides(0, 0, 0, 100, 100, MAX_COLLISION_BOX_BLOCKS), RangeError);
  });
});
