import assert from 'node:assert/strict';
import {
  CHUNKS_Y,
  CHUNK_SIZE,
  CHUNK_VOLUME,
  MAX_VIEW_RADIUS_CHUNKS,
  REGION_CHUNKS,
  REGION_SIZE,
  WORLD_HEIGHT,
  blockToChunk,
  chunkKey,
  chunksInRadius,
  floorDiv,
  localFromIndex,
  localIndex,
  mod,
  parseChunkKey,
  parseRegionKey,
  regionBounds,
  regionKey,
  regionOfBlock,
  regionOfChunk,
} from '../src/world/index.js';

describe('world coords', () => {
  it('has consistent constants', () => {
    assert.equal(CHUNK_SIZE, 16);
    assert.equal(CHUNK_VOLUME, 4096);
    assert.equal(WORLD_HEIGHT, 128);
    assert.equal(CHUNKS_Y, 8);
    assert.equal(REGION_CHUNKS, 8);
    assert.equal(REGION_SIZE, 128);
  });

  it('floorDiv and mod round toward −∞', () => {
    assert.equal(floorDiv(-1, 16), -1);
    assert.equal(floorDiv(-16, 16), -1);
    assert.equal(floorDiv(-17, 16), -2);
    assert.equal(floorDiv(15, 16), 0);
    assert.equal(mod(-1, 16), 15);
    assert.equal(mod(-16, 16), 0);
    assert.ok(Object.is(mod(-16, 16), 0), 'no negative zero');
    assert.equal(mod(17, 16), 1);
  });

  it('localIndex follows the wire rule and round-trips for all 4096 indices', () => {
    assert.equal(localIndex(1, 0, 0), 1);
    assert.equal(localIndex(0, 0, 1), 16);
    assert.equal(localIndex(0, 1, 0), 256);
    assert.equal(localIndex(15, 15, 15), 4095);
    const seen = new Set<number>();
    for (let i = 0; i < CHUNK_VOLUME; i++) {
      const { lx, ly, lz } = localFromIndex(i);
      assert.equal(localIndex(lx, ly, lz), i);
      assert.equal(i, (ly * 16 + lz) * 16 + lx);
      seen.add(i);
    }
    assert.equal(seen.size, CHUNK_VOLUME);
  });

  it('blockToChunk handles negative and fractional coordinates', () => {
    assert.deepEqual(blockToChunk(-1, 0, -1), { cx: -1, cy: 0, cz: -1, lx: 15, ly: 0, lz: 15, index: localIndex(15, 0, 15) });
    assert.deepEqual(blockToChunk(-16, 17, 16), { cx: -1, cy: 1, cz: 1, lx: 0, ly: 1, lz: 0, index: localIndex(0, 1, 0) });
    assert.deepEqual(blockToChunk(-17, 127, 33), { cx: -2, cy: 7, cz: 2, lx: 15, ly: 15, lz: 1, index: localIndex(15, 15, 1) });
    assert.deepEqual(blockToChunk(-0.5, 5.9, 15.99), blockToChunk(-1, 5, 15));
    for (let x = -40; x <= 40; x++) {
      const c = blockToChunk(x, 0, x);
      assert.equal(c.cx * CHUNK_SIZE + c.lx, x);
      assert.equal(c.cz * CHUNK_SIZE + c.lz, x);
      assert.ok(c.lx >= 0 && c.lx < 16);
    }
  });

  it('chunk keys round-trip and junk is rejected', () => {
    assert.equal(chunkKey(-3, 2, 7), '-3,2,7');
    assert.deepEqual(parseChunkKey('-3,2,7'), { cx: -3, cy: 2, cz: 7 });
    assert.deepEqual(parseChunkKey(chunkKey(-100000, 7, 99999)), { cx: -100000, cy: 7, cz: 99999 });
    for (const junk of ['', '1,2', '1,2,3,4', 'a,b,c', '1,-1,0', '0,8,0', '01,0,0', '-0,0,0', '+1,0,0', ' 1,0,0', '1, 0,0', '1.5,0,0', '1e3,0,0', '99999999999999999999,0,0', 42, null, undefined, {}]) {
      assert.equal(parseChunkKey(junk), undefined, `should reject ${String(junk)}`);
    }
  });

  it('regions cover 8×8 chunk columns', () => {
    assert.deepEqual(regionOfBlock(0, 0), { rx: 0, rz: 0 });
    assert.deepEqual(regionOfBlock(127, 127), { rx: 0, rz: 0 });
    assert.deepEqual(regionOfBlock(128, -1), { rx: 1, rz: -1 });
    assert.deepEqual(regionOfBlock(-128, -129), { rx: -1, rz: -2 });
    assert.deepEqual(regionOfBlock(-0.5, 127.9), { rx: -1, rz: 0 });
    assert.deepEqual(regionOfChunk(7, -1), { rx: 0, rz: -1 });
    assert.deepEqual(regionOfChunk(8, -8), { rx: 1, rz: -1 });
    assert.deepEqual(regionOfChunk(-9, 0), { rx: -2, rz: 0 });
    assert.deepEqual(regionBounds(-1, 2), { minX: -128, minZ: 256, maxX: -1, maxZ: 383 });
    for (const [rx, rz] of [[0, 0], [-1, 2], [3, -4]] as const) {
      const b = regionBounds(rx, rz);
      assert.deepEqual(regionOfBlock(b.minX, b.minZ), { rx, rz });
      assert.deepEqual(regionOfBlock(b.maxX, b.maxZ), { rx, rz });
      assert.deepEqual(regionOfBlock(b.maxX + 1, b.minZ - 1), { rx: rx + 1, rz: rz - 1 });
      const c = blockToChunk(b.minX, 0, b.maxZ);
      assert.deepEqual(regionOfChunk(c.cx, c.cz), { rx, rz });
    }
    assert.equal(regionKey(-1, 2), '-1,2');
    assert.deepEqual(parseRegionKey('-1,2'), { rx: -1, rz: 2 });
    assert.equal(parseRegionKey('1,2,3'), undefined);
    assert.equal(parseRegionKey('-0,1'), undefined);
  });

  it('chunksInRadius returns every column within the Chebyshev radius, all cy, nearest first', () => {
    const r = 3;
    const list = chunksInRadius(-5, 2, 10, r);
    assert.equal(list.length, (2 * r + 1) ** 2 * CHUNKS_Y);
    assert.equal(new Set(list.map((c) => chunkKey(c.cx, c.cy, c.cz))).size, list.length, 'no duplicates');
    assert.deepEqual(list[0], { cx: -5, cy: 2, cz: 10 });
    let ring = 0;
    for (const c of list) {
      const d = Math.max(Math.abs(c.cx + 5), Math.abs(c.cz - 10));
      assert.ok(d <= r && c.cy >= 0 && c.cy < CHUNKS_Y);
      assert.ok(d >= ring, 'rings never go back inwards');
      ring = d;
    }
    // Inside the viewer's column, nearer cy first.
    assert.deepEqual(list.slice(0, CHUNKS_Y).map((c) => c.cy), [2, 3, 1, 4, 0, 5, 6, 7]);
    assert.equal(chunksInRadius(0, 0, 0, 0).length, CHUNKS_Y);
    assert.equal(chunksInRadius(0, 99, 0, 0)[0]!.cy, CHUNKS_Y - 1, 'viewer above the world is clamped');
    assert.throws(() => chunksInRadius(0, 0, 0, -1), RangeError);
    assert.throws(() => chunksInRadius(0, 0, 0, 1.5), RangeError);
    assert.throws(() => chunksInRadius(0, 0, 0, MAX_VIEW_RADIUS_CHUNKS + 1), RangeError);
  });
});
