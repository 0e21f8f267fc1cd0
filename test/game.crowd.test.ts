import assert from 'node:assert/strict';
import { Rng } from '../src/game/random.js';
import { CROWD_STEP, HANDOFF_MARGIN_BLOCKS, crowdMoves, crowdRank, type Body, type OtherBody } from '../src/game/region/index.js';
import { REGION_SIZE } from '../src/world/index.js';

const B = REGION_SIZE; // the border between regions (0,0) and (1,0) at x = 128
const R00 = { rx: 0, rz: 0 }, R10 = { rx: 1, rz: 0 };
const people = (prefix: string, xs: number[], z = 64): Body[] => xs.map((x, i) => ({ id: `${prefix}${i}`, x, z }));
const of = (r: { rx: number; rz: number }, bodies: Body[]): OtherBody[] => bodies.map((b) => ({ ...b, ...r }));

describe('game crowdMoves (src/game/region/crowd.ts)', () => {
  it('nobody else near: a character in the margin stays where it is', () => {
    assert.deepEqual(crowdMoves(R10, people('a', [B - 10]), []), []);
    assert.deepEqual(crowdMoves(R10, people('a', [B - 10]), of(R00, people('far', [B - 60]))), [], 'the other is beyond the crowd radius');
  });

  it('a group meeting as many of the preferred region goes there; the preferred side keeps its own', () => {
    const east = people('e', [B + 1, B + 2, B + 3]), west = people('w', [B - 3, B - 2, B - 1]);
    assert.deepEqual(crowdMoves(R10, east, of(R00, west)), east.map((e) => ({ characterId: e.id, ...R00 })));
    assert.deepEqual(crowdMoves(R00, west, of(R10, east)), []);
  });

  it('a clearly bigger group wins over the preferred region; within the hysteresis it does not', () => {
    const west = people('w', [B - 2, B - 1]);
    const hysteresis = CROWD_STEP * (crowdRank(R10) - crowdRank(R00)); // (1,0) ranks below (0,0)
    const big = people('e', Array.from({ length: 1 + hysteresis + 1 }, (_, i) => B + 1 + i * 0.5)); // the other west one + H + 1
    assert.deepEqual(crowdMoves(R00, west, of(R10, big)).map((m) => m.characterId), ['w0', 'w1']);
    const even = big.slice(0, 1 + hysteresis);
    assert.deepEqual(crowdMoves(R00, west, of(R10, even)), []);
  });

  it('only to a region whose handoff margin the character stands in', () => {
    const x = B - HANDOFF_MARGIN_BLOCKS - 1; // one block short of region (1,0)'s margin
    assert.deepEqual(crowdMoves(R00, people('w', [x]), of(R10, people('e', [x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8]))), []);
  });

  it('at most `limit` moves a check', () => {
    const east = people('e', Array.from({ length: 10 }, (_, i) => B + 1 + i * 0.2));
    const west = people('w', Array.from({ length: 10 }, (_, i) => B - 1 - i * 0.2));
    assert.equal(crowdMoves(R10, east, of(R00, west)).length, 10);
    assert.equal(crowdMoves(R10, east, of(R00, west), 4).length, 4);
  });

  it('property: a crowd mixed over the four regions of a corner, rooms checking in turn, ends in one room', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Rng(seed);
      const regions = [{ rx: -1, rz: -1 }, { rx: 0, rz: -1 }, { rx: -1, rz: 0 }, { rx: 0, rz: 0 }];
      const n = 20 + Math.floor(rng.next() * 200);
      const crowd = Array.from({ length: n }, (_, i) => ({
        id: `c${i}`, x: (rng.next() - 0.5) * 40, z: (rng.next() - 0.5) * 40, room: regions[Math.floor(rng.next() * 4)]!,
      }));
      const moves = new Map<string, number>();
      let rounds = 0;
      for (let quiet = 0; rounds < 400 && quiet < regions.length; rounds++) {
        // Rooms check one after another (their ticks are not in step), each with the moves before it landed.
        const r = regions[rounds % regions.length]!;
        const own = crowd.filter((c) => c.room === r);
        const others = crowd.filter((c) => c.room !== r).map((c) => ({ id: c.id, x: c.x, z: c.z, ...c.room }));
        const all = crowdMoves(r, own, others);
        quiet = all.length ? 0 : quiet + 1;
        for (const m of all) {
          const c = crowd.find((k) => k.id === m.characterId)!;
          moves.set(c.id, (moves.get(c.id) ?? 0) + 1);
          c.room = regions.find((r) => r.rx === m.rx && r.rz === m.rz)!;
        }
      }
      assert.ok(rounds < 400, `seed ${seed}: settles`);
      assert.ok(Math.max(0, ...moves.values()) <= 3, `seed ${seed}: a few handoffs each`);
      assert.equal(new Set(crowd.map((c) => `${c.room.rx},${c.room.rz}`)).size, 1, `seed ${seed}: one room holds the crowd of ${n}`);
    }
  });
});
