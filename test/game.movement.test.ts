import assert from 'node:assert/strict';
import { Rng } from '../src/game/random.js';
import {
  AIR_TIME_MS,
  BODY_HALF_WIDTH,
  FALL_SPEED_BPS,
  JUMP_HEIGHT,
  MAX_DT_MS,
  MOVE_BUDGET_MAX_BLOCKS,
  MOVE_SLACK_BLOCKS,
  WALK_SPEED_BPS,
  applyGravity,
  bodyCollides,
  checkMove,
  moveBudgetAt,
  supportY,
  unstuck,
  type Mover,
} from '../src/game/movement.js';
import type { Vec3, Verdict } from '../src/game/types.js';
import { Block, VoxelWorld, WORLD_BORDER_BLOCKS, WORLD_HEIGHT, heightAt, spawnPoint, terrainBlockAt } from '../src/world/index.js';

const SEED = 12345;
const T0 = 1_000_000; // an arbitrary clock origin (ms)
/** The stone platform: top face at y = 101 (stone at y = 100), x and z in [P0, P1]. */
const P0 = 0;
const P1 = 31;
const PY = 100;
const FLOOR = PY + 1;

/** The project's seeded generator (src/game/random.ts) as a plain [0, 1) source. */
const seeded = (seed: number): (() => number) => {
  const rng = new Rng(seed);
  return () => rng.next();
};

/** A world with a flat stone platform high in the air and nothing above it, so the geometry is fully controlled. */
function platformWorld(): VoxelWorld {
  const w = new VoxelWorld(SEED);
  for (let x = P0; x <= P1; x++) {
    for (let z = P0; z <= P1; z++) {
      w.setBlock(x, PY, z, Block.STONE);
      for (let y = PY + 1; y < WORLD_HEIGHT; y++) w.setBlock(x, y, z, Block.AIR);
    }
  }
  return w;
}

/** A mover at `lastMoveAt` with a full travel budget (pass 0 to start it empty). */
function mover(x: number, y: number, z: number, lastMoveAt = T0, moveBudget = MOVE_BUDGET_MAX_BLOCKS): Mover {
  return { x, y, z, lastMoveAt, moveBudget };
}
const MIN_DT_MS = 50; // one tick

function assertRefused(v: Verdict, re?: RegExp): void {
  assert.equal(v.ok, false, 'expected a refusal');
  if (!v.ok) {
    assert.equal(v.code, 'INVALID_MOVE');
    if (re) assert.match(v.message, re);
  }
}

/** A land column (not water) with air above, whose 4 neighbours are no higher: a safe place to stand. */
function openGround(): { x: number; z: number; y: number } {
  for (let x = 0; x < 4096; x += 3) {
    for (const z of [5, 200, 900]) {
      const h = heightAt(SEED, x, z);
      if (terrainBlockAt(SEED, x, h, z) === Block.WATER) continue;
      if (terrainBlockAt(SEED, x, h + 1, z) !== Block.AIR || terrainBlockAt(SEED, x, h + 2, z) !== Block.AIR) continue;
      const flat = [[1, 0], [-1, 0], [0, 1], [0, -1]].every(([dx, dz]) => heightAt(SEED, x + dx!, z + dz!) === h && terrainBlockAt(SEED, x + dx!, h + 1, z + dz!) === Block.AIR && terrainBlockAt(SEED, x + dx!, h + 2, z + dz!) === Block.AIR);
      if (!flat) continue;
      const y = spawnPoint(SEED, x, z);
      if (y === h + 1) return { x, z, y };
    }
  }
  throw new Error('no open ground found');
}

describe('game movement: at the spawn point', () => {
  const world = new VoxelWorld(SEED);
  const g = openGround();
  const start = (): Mover => mover(g.x + 0.5, g.y, g.z + 0.5, T0, 0); // budget spent: refills at WALK_SPEED

  it('the spawn point is a legal place to stand (free body, supported)', () => {
    const s = start();
    assert.equal(bodyCollides(world, s), false);
    assert.equal(supportY(world, s), g.y);
  });

  it('accepts a small step', () => {
    const s = start();
    assert.deepEqual(checkMove(world, s, { x: s.x + 0.2, y: s.y, z: s.z - 0.1 }, T0 + 100), { ok: true });
    assert.deepEqual(checkMove(world, s, { x: s.x, y: s.y, z: s.z }, T0 + 100), { ok: true }, 'standing still is fine');
  });

  it('refuses a teleport (too far for the elapsed time) with INVALID_MOVE', () => {
    const s = start();
    assertRefused(checkMove(world, s, { x: s.x + 50, y: s.y, z: s.z }, T0 + 100), /fast/);
    assertRefused(checkMove(world, s, { x: s.x + 3, y: s.y, z: s.z + 3 }, T0 + 50), /fast/);
  });

  it('does not modify the mover it checks', () => {
    const s = start();
    const before = { ...s };
    checkMove(world, s, { x: s.x + 50, y: s.y, z: s.z }, T0 + 100);
    checkMove(world, s, { x: s.x + 0.1, y: s.y, z: s.z }, T0 + 100);
    assert.deepEqual(s, before);
  });
});

describe('game movement: speed and elapsed time', () => {
  const world = platformWorld();
  const c = 16.5;

  it('caps the travel budget: an idle hour buys one second of sprint plus slack', () => {
    const s = mover(4.5, FLOOR, c, T0, 0);
    for (const idle of [MAX_DT_MS + 200, 5_000, 3_600_000]) {
      assert.deepEqual(checkMove(world, s, { x: s.x + MOVE_BUDGET_MAX_BLOCKS - 0.01, y: FLOOR, z: c }, T0 + idle), { ok: true }, `idle ${idle}`);
      assertRefused(checkMove(world, s, { x: s.x + MOVE_BUDGET_MAX_BLOCKS + 0.01, y: FLOOR, z: c }, T0 + idle), /fast/);
    }
  });

  it('refills the budget at WALK_SPEED; nothing for a move in the same millisecond or a clock going backwards', () => {
    const s = mover(4.5, FLOOR, c, T0, 0);
    for (const now of [T0, T0 - 10_000]) assertRefused(checkMove(world, s, { x: s.x + 0.01, y: FLOOR, z: c }, now), /fast/);
    const dist = (ms: number) => WALK_SPEED_BPS * (ms / 1000);
    assert.deepEqual(checkMove(world, s, { x: s.x + dist(500) - 0.01, y: FLOOR, z: c }, T0 + 500), { ok: true });
    assertRefused(checkMove(world, s, { x: s.x + dist(500) + 0.01, y: FLOOR, z: c }, T0 + 500), /fast/);
  });

  it('measures speed horizontally (diagonals count by their length)', () => {
    const s = mover(4.5, FLOOR, 4.5, T0, 0);
    const d = WALK_SPEED_BPS / Math.SQRT2; // budget after 1 s from empty
    assert.deepEqual(checkMove(world, s, { x: s.x + d - 0.01, y: FLOOR, z: s.z + d - 0.01 }, T0 + MAX_DT_MS), { ok: true });
    assertRefused(checkMove(world, s, { x: s.x + d + 0.01, y: FLOOR, z: s.z + d + 0.01 }, T0 + MAX_DT_MS), /fast/);
  });

  it('property: random small legal moves on flat ground are accepted (500 moves)', () => {
    const rnd = seeded(0xc0ffee);
    let me = mover(16.5, FLOOR, 16.5, T0, 0);
    let now = T0;
    for (let i = 0; i < 500; i++) {
      const dtMs = MIN_DT_MS + Math.floor(rnd() * (MAX_DT_MS - MIN_DT_MS));
      now += dtMs;
      const budget = moveBudgetAt(me, now) * 0.99;
      let to: Vec3;
      do {
        const angle = rnd() * 2 * Math.PI;
        const dist = rnd() * budget;
        // Walk, or a hop of up to 1.2 blocks above the platform (within JUMP_HEIGHT).
        const y = rnd() < 0.7 ? FLOOR : FLOOR + rnd() * 1.2;
        to = { x: me.x + Math.cos(angle) * dist, y, z: me.z + Math.sin(angle) * dist };
      } while (to.x < P0 + 1 || to.x > P1 || to.z < P0 + 1 || to.z > P1); // stay on the platform
      const v = checkMove(world, me, to, now);
      assert.deepEqual(v, { ok: true }, `move ${i}: ${JSON.stringify(me)} → ${JSON.stringify(to)} at +${dtMs}ms: ${JSON.stringify(v)}`);
      me = { ...to, lastMoveAt: now, moveBudget: moveBudgetAt(me, now) - Math.hypot(to.x - me.x, to.z - me.z) };
    }
  });

  it('property: a move farther than the budget cap is always refused, whatever the idle time', () => {
    const rnd = seeded(42);
    for (let i = 0; i < 500; i++) {
      const me = mover(P0 + 1 + rnd() * (P1 - P0 - 1), FLOOR + rnd() * 1.2, P0 + 1 + rnd() * (P1 - P0 - 1), T0, rnd() * MOVE_BUDGET_MAX_BLOCKS);
      const angle = rnd() * 2 * Math.PI;
      const dist = MOVE_BUDGET_MAX_BLOCKS + 1e-6 + rnd() * (rnd() < 0.5 ? 2 : 1000);
      const to = { x: me.x + Math.cos(angle) * dist, y: FLOOR + rnd() * 1.2, z: me.z + Math.sin(angle) * dist };
      const idle = [0, MIN_DT_MS, MAX_DT_MS, 3_600_000, Math.floor(rnd() * 1e9)][i % 5]!;
      assertRefused(checkMove(world, me, to, T0 + idle), /fast/);
    }
  });

  it('property: slicing a path into many small moves never beats WALK_SPEED × time + the cap', () => {
    const rnd = seeded(7);
    let me = mover(P0 + 1.5, FLOOR, 16.5, T0, MOVE_BUDGET_MAX_BLOCKS);
    let now = T0;
    let travelled = 0;
    for (let i = 0; i < 400; i++) {
      now += Math.floor(rnd() * 60); // many moves per tick, some in the same millisecond
      const step = 0.2 + rnd() * 1.5; // greedy: often more than the budget allows
      const to = { x: me.x + (me.x + step > P1 - 1 ? -step : step), y: FLOOR, z: me.z };
      if (checkMove(world, me, to, now).ok) {
        travelled += step;
        me = { ...to, lastMoveAt: now, moveBudget: moveBudgetAt(me, now) - step };
      }
    }
    const limit = (WALK_SPEED_BPS * (now - T0)) / 1000 + MOVE_BUDGET_MAX_BLOCKS;
    assert.ok(travelled <= limit + 1e-9, `travelled ${travelled.toFixed(2)} > ${limit.toFixed(2)}`);
    assert.ok(travelled > limit * 0.5, 'and a greedy mover does get most of it');
  });
});

describe('game movement: terrain', () => {
  it('refuses moving into a solid block', () => {
    const world = platformWorld();
    const wx = 10;
    for (let z = 5; z <= 25; z++) for (let y = FLOOR; y <= FLOOR + 2; y++) world.setBlock(wx, y, z, Block.STONE);
    const s = mover(wx - 0.5, FLOOR, 16.5); // body spans wx-0.8 .. wx-0.2: free
    assert.equal(bodyCollides(world, s), false);
    // Touching the wall's face is fine, overlapping it is not.
    assert.deepEqual(checkMove(world, s, { x: wx - BODY_HALF_WIDTH - 1e-6, y: FLOOR, z: 16.5 }, T0 + 100), { ok: true });
    assertRefused(checkMove(world, s, { x: wx - 0.1, y: FLOOR, z: 16.5 }, T0 + 100), /terrain/);
    assertRefused(checkMove(world, s, { x: wx + 0.5, y: FLOOR, z: 16.5 }, T0 + 100), /terrain/);
  });

  it('refuses moving into a block overhead (head in the ceiling)', () => {
    const world = platformWorld();
    world.setBlock(16, FLOOR + 2, 16, Block.STONE); // ceiling at 103; a body at 101 reaches 102.8
    const s = mover(16.5, FLOOR, 16.5);
    assert.deepEqual(checkMove(world, s, { x: 16.5, y: FLOOR + 0.2, z: 16.5 }, T0 + 100), { ok: true });
    assertRefused(checkMove(world, s, { x: 16.5, y: FLOOR + 0.5, z: 16.5 }, T0 + 100), /terrain/);
  });

  it('refuses moving through a thin wall in one move, though start and end are free (the sweep)', () => {
    const world = platformWorld();
    const wx = 10;
    const s = mover(wx - 1.5, FLOOR, 16.5);
    const to = { x: wx + 2.5, y: FLOOR, z: 16.5 };
    assert.deepEqual(checkMove(world, s, to, T0 + MAX_DT_MS), { ok: true }, 'without the wall the move is legal');
    for (let z = 5; z <= 25; z++) for (let y = FLOOR; y <= FLOOR + 2; y++) world.setBlock(wx, y, z, Block.STONE);
    assert.equal(bodyCollides(world, s), false);
    assert.equal(bodyCollides(world, to), false);
    assertRefused(checkMove(world, s, to, T0 + MAX_DT_MS), /terrain/);
    // The longest legal move, diagonally, through the wall.
    const d = (WALK_SPEED_BPS + MOVE_SLACK_BLOCKS) / Math.SQRT2 - 0.01;
    const s2 = mover(wx - d / 2, FLOOR, 16.5 - d / 2);
    const to2 = { x: wx + d / 2, y: FLOOR, z: 16.5 + d / 2 };
    assert.equal(bodyCollides(world, s2), false);
    assert.equal(bodyCollides(world, to2), false);
    assertRefused(checkMove(world, s2, to2, T0 + MAX_DT_MS), /terrain/);
  });

  it('property: no move across a one-block wall is ever accepted', () => {
    const world = platformWorld();
    const wx = 16;
    for (let z = P0; z <= P1; z++) for (let y = FLOOR; y <= FLOOR + 2; y++) world.setBlock(wx, y, z, Block.STONE);
    const rnd = seeded(99);
    for (let i = 0; i < 500; i++) {
      const me = mover(wx - BODY_HALF_WIDTH - rnd() * 4, FLOOR, 8 + rnd() * 16);
      const to = { x: wx + 1 + BODY_HALF_WIDTH + rnd() * 4, y: FLOOR + rnd() * 1.2, z: me.z + (rnd() - 0.5) * 4 };
      const v = checkMove(world, me, to, T0 + Math.floor(rnd() * 2 * MAX_DT_MS));
      assert.equal(v.ok, false, `crossed the wall: ${JSON.stringify(me)} → ${JSON.stringify(to)}`);
    }
  });

  it('refuses climbing more than JUMP_HEIGHT in one move', () => {
    const world = platformWorld();
    // A two-block step: standing on it would be supported, but it cannot be reached in one move.
    world.setBlock(17, FLOOR, 16, Block.STONE);
    world.setBlock(17, FLOOR + 1, 16, Block.STONE);
    const s = mover(16.5, FLOOR, 16.5);
    assertRefused(checkMove(world, s, { x: 17.5, y: FLOOR + 2, z: 16.5 }, T0 + 500), /climb/);
    // Straight up: a jump within JUMP_HEIGHT is fine, beyond it is not.
    assert.deepEqual(checkMove(world, s, { x: 16.5, y: FLOOR + JUMP_HEIGHT - 0.05, z: 16.5 }, T0 + 500), { ok: true });
    assertRefused(checkMove(world, s, { x: 16.5, y: FLOOR + 2, z: 16.5 }, T0 + 500), /climb/);
  });

  it('refuses hovering above the ground (feet > support + JUMP_HEIGHT)', () => {
    const world = platformWorld();
    const s = mover(16.5, FLOOR, 16.5);
    assert.deepEqual(checkMove(world, s, { x: 16.5, y: FLOOR + JUMP_HEIGHT, z: 16.5 }, T0 + 500), { ok: true });
    // 1.4 up is not too steep a climb (≤ JUMP_HEIGHT + slack) but leaves nothing to stand on.
    assertRefused(checkMove(world, s, { x: 16.5, y: FLOOR + 1.4, z: 16.5 }, T0 + 500), /stand/);
    // Already high up (e.g. the server put it there): walking sideways in the air is refused.
    const high = mover(16.5, FLOOR + 6, 16.5);
    assertRefused(checkMove(world, high, { x: 17, y: FLOOR + 6, z: 16.5 }, T0 + 500), /stand/);
    // Walking off the platform's edge at floor level: nothing under the body.
    const edge = mover(P1 + 0.5, FLOOR, 16.5);
    assertRefused(checkMove(world, edge, { x: P1 + 2, y: FLOOR, z: 16.5 }, T0 + 500), /stand/);
  });

  it('refuses falling faster than FALL_SPEED × elapsed + slack', () => {
    const world = platformWorld();
    const top = WORLD_HEIGHT - 1;
    const s = mover(16.5, top, 16.5);
    const drop = top - FLOOR; // 26 blocks
    assert.ok(drop > FALL_SPEED_BPS * (MIN_DT_MS / 1000) + MOVE_SLACK_BLOCKS);
    assert.ok(drop < FALL_SPEED_BPS * (MAX_DT_MS / 1000) + MOVE_SLACK_BLOCKS);
    assertRefused(checkMove(world, s, { x: 16.5, y: FLOOR, z: 16.5 }, T0 + MIN_DT_MS), /falling/);
    assertRefused(checkMove(world, s, { x: 16.5, y: FLOOR, z: 16.5 }, T0 + 500), /falling/);
    assert.deepEqual(checkMove(world, s, { x: 16.5, y: FLOOR, z: 16.5 }, T0 + MAX_DT_MS), { ok: true });
  });

  it('refuses NaN, Infinity and positions outside the world', () => {
    const world = platformWorld();
    const s = mover(16.5, FLOOR, 16.5);
    for (const to of [
      { x: NaN, y: FLOOR, z: 16.5 },
      { x: 16.5, y: NaN, z: 16.5 },
      { x: 16.5, y: FLOOR, z: NaN },
      { x: Infinity, y: FLOOR, z: 16.5 },
      { x: 16.5, y: -Infinity, z: 16.5 },
      { x: 16.5, y: FLOOR, z: Infinity },
      { x: 16.5, y: -0.5, z: 16.5 },
      { x: 16.5, y: WORLD_HEIGHT + 0.5, z: 16.5 },
    ]) {
      assertRefused(checkMove(world, s, to, T0 + 500));
    }
  });

  it('refuses a step across the world border, on either axis and side, and far beyond it without touching the generator', () => {
    const world = new VoxelWorld(SEED);
    const edge = WORLD_BORDER_BLOCKS - 0.25;
    for (const [sx, sz] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
      const x = sx * edge + (sz === 0 ? 0 : 0.5), z = sz * edge + (sx === 0 ? 0 : 0.5);
      const from = mover(x, spawnPoint(SEED, Math.floor(x), Math.floor(z)), z);
      const out = { x: x + sx * 0.5, y: from.y, z: z + sz * 0.5 };
      assertRefused(checkMove(world, from, out, T0 + 500), /world border/);
    }
    const s = mover(16.5, FLOOR, 16.5);
    assertRefused(checkMove(world, s, { x: 1e12, y: FLOOR, z: 16.5 }, T0 + 500), /world border/);
  });

  it('lets a character beyond the border (put there by hand) walk back towards it, not farther out', () => {
    const world = new VoxelWorld(SEED); // a stone platform straddling the border, nothing above it
    for (let bx = WORLD_BORDER_BLOCKS - 4; bx <= WORLD_BORDER_BLOCKS + 8; bx++) {
      for (let bz = 12; bz <= 20; bz++) {
        world.setBlock(bx, PY, bz, Block.STONE);
        for (let y = PY + 1; y < WORLD_HEIGHT; y++) world.setBlock(bx, y, bz, Block.AIR);
      }
    }
    const x = WORLD_BORDER_BLOCKS + 3.5;
    const s = mover(x, FLOOR, 16.5);
    assert.deepEqual(checkMove(world, s, { x: x - 0.5, y: FLOOR, z: 16.5 }, T0 + 500), { ok: true });
    assert.deepEqual(checkMove(world, mover(WORLD_BORDER_BLOCKS - 0.25, FLOOR, 16.5), { x: WORLD_BORDER_BLOCKS - 0.75, y: FLOOR, z: 16.5 }, T0 + 500), { ok: true });
    assertRefused(checkMove(world, s, { x: x + 0.5, y: FLOOR, z: 16.5 }, T0 + 500), /world border/);
    assertRefused(checkMove(world, s, { x: x - 0.5, y: FLOOR, z: WORLD_BORDER_BLOCKS + 1 }, T0 + 500), /world border/);
  });

  it('property: inside the border every position on the 1/32-block grid is exact as a float32 (how x and z travel)', () => {
    const rand = seeded(7);
    for (let i = 0; i < 10_000; i++) {
      const v = (Math.floor(rand() * 2 * WORLD_BORDER_BLOCKS * 32) - WORLD_BORDER_BLOCKS * 32) / 32;
      assert.equal(Math.fround(v), v, `${v}`);
    }
    const last = WORLD_BORDER_BLOCKS - 1 / 32;
    assert.equal(Math.fround(last), last);
    assert.equal(Math.fround(-last), -last);
  });
});

describe('game movement: gravity', () => {
  it('does nothing to a character standing on the ground', () => {
    const world = platformWorld();
    assert.equal(applyGravity(world, mover(16.5, FLOOR, 16.5), T0 + 10 * AIR_TIME_MS, 50), undefined);
    assert.equal(applyGravity(world, mover(0.1, FLOOR, 0.1), T0 + 10 * AIR_TIME_MS, 50), undefined, 'partly over the edge still stands');
  });

  it('leaves a jumping character in the air until AIR_TIME_MS has passed', () => {
    const world = platformWorld();
    const c = mover(16.5, FLOOR + 1.2, 16.5);
    assert.equal(applyGravity(world, c, T0, 50), undefined);
    assert.equal(applyGravity(world, c, T0 + AIR_TIME_MS - 1, 50), undefined);
    assert.equal(applyGravity(world, c, T0 + AIR_TIME_MS, 50), FLOOR, 'falls, and stops exactly at the support');
  });

  it('after AIR_TIME_MS a floating character falls at FALL_SPEED toward its support and stops exactly on it', () => {
    const world = platformWorld();
    const c = mover(16.5, WORLD_HEIGHT - 2, 16.5);
    const dtMs = 50;
    const stepDrop = (FALL_SPEED_BPS * dtMs) / 1000;
    let now = T0 + AIR_TIME_MS;
    let ticks = 0;
    for (;;) {
      const y = applyGravity(world, c, now, dtMs);
      if (y === undefined) break;
      assert.ok(y < c.y, 'always downward');
      assert.ok(y >= FLOOR, 'never below the support');
      assert.ok(c.y - y <= stepDrop + 1e-9, 'at most FALL_SPEED × dt per tick');
      if (y > FLOOR) assert.ok(Math.abs(c.y - y - stepDrop) < 1e-9, 'full speed while in the air');
      c.y = y;
      now += dtMs;
      assert.ok(++ticks < 1000, 'terminates');
    }
    assert.equal(c.y, FLOOR);
    assert.equal(ticks, Math.ceil((WORLD_HEIGHT - 2 - FLOOR) / stepDrop));
  });

  it('drops a character whose support was removed down to the next solid block', () => {
    const world = platformWorld();
    const c = mover(16.5, FLOOR, 16.5);
    world.setBlock(16, PY, 16, Block.AIR);
    world.setBlock(16, PY - 3, 16, Block.STONE);
    world.setBlock(16, PY - 1, 16, Block.AIR);
    world.setBlock(16, PY - 2, 16, Block.AIR);
    const now = T0 + AIR_TIME_MS;
    assert.equal(applyGravity(world, c, now, 10_000), PY - 2, 'a long tick lands on the block below, not through it');
  });
});

describe('game movement: unstuck', () => {
  it('lifts a body out of blocks, straight up to the first free spot', () => {
    const world = platformWorld();
    world.setBlock(16, FLOOR, 16, Block.STONE);
    world.setBlock(16, FLOOR + 1, 16, Block.STONE);
    const p = { x: 16.5, y: FLOOR, z: 16.5 };
    assert.equal(bodyCollides(world, p), true);
    const q = unstuck(world, p);
    assert.deepEqual(q, { x: 16.5, y: FLOOR + 2, z: 16.5 });
    assert.equal(bodyCollides(world, q), false);
    assert.deepEqual(p, { x: 16.5, y: FLOOR, z: 16.5 }, 'the input is not modified');
    const r = unstuck(world, { x: 16.5, y: FLOOR + 0.3, z: 16.5 });
    assert.equal(r.y, FLOOR + 2, 'a fractional y inside blocks lands on the top block');
  });

  it('leaves a free body where it is', () => {
    const world = platformWorld();
    assert.deepEqual(unstuck(world, { x: 16.5, y: FLOOR, z: 16.5 }), { x: 16.5, y: FLOOR, z: 16.5 });
    assert.deepEqual(unstuck(world, { x: 16.5, y: FLOOR + 0.7, z: 16.5 }), { x: 16.5, y: FLOOR + 0.7, z: 16.5 });
  });

  it('lifts a body buried in generated terrain onto its surface', () => {
    const world = new VoxelWorld(SEED);
    const x = 3;
    const z = 900;
    const h = heightAt(SEED, x, z);
    const q = unstuck(world, { x: x + 0.5, y: h - 5, z: z + 0.5 });
    assert.equal(bodyCollides(world, q), false);
    assert.ok(q.y > h - 5 && q.y <= spawnPoint(SEED, x, z));
  });
});
