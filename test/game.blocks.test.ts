import assert from 'node:assert/strict';
import { Rng } from '../src/game/random.js';
import { REACH_BLOCKS, checkBlockEdit, type BlockEdit } from '../src/game/blocks.js';
import { EYE_HEIGHT } from '../src/game/movement.js';
import type { Vec3, Verdict } from '../src/game/types.js';
import { BLOCK_COUNT, Block, VoxelWorld, WORLD_HEIGHT, isPlaceable } from '../src/world/index.js';

const SEED = 12345;
const REGION = { rx: 0, rz: 0 };
const PY = 100; // stone platform at y = 100, x and z in 0..31; air above it
const FLOOR = PY + 1;

/** The project's seeded generator (src/game/random.ts) as a plain [0, 1) source. */
const seeded = (seed: number): (() => number) => {
  const rng = new Rng(seed);
  return () => rng.next();
};

function platformWorld(): VoxelWorld {
  const w = new VoxelWorld(SEED);
  for (let x = 0; x <= 31; x++) {
    for (let z = 0; z <= 31; z++) {
      w.setBlock(x, PY, z, Block.STONE);
      for (let y = PY + 1; y < PY + 12; y++) w.setBlock(x, y, z, Block.AIR);
    }
  }
  return w;
}

/** Every edit of the world, for "nothing changed" comparisons. */
function snapshot(w: VoxelWorld): Map<string, Map<number, number>> {
  return new Map(w.editedChunkKeys().sort().map((k) => [k, new Map(w.editsOf(k))]));
}

function assertCode(v: Verdict, code: string): void {
  assert.equal(v.ok, false, `expected ${code}, got ok`);
  if (!v.ok) {
    assert.equal(v.code, code, v.message);
    assert.ok(v.message.length > 0);
  }
}

const actor: Vec3 = { x: 16.5, y: FLOOR, z: 16.5 }; // eyes at (16.5, 102.6, 16.5)

describe('game block edits: refusals', () => {
  const world = platformWorld();
  world.setBlock(14, FLOOR, 16, Block.BEDROCK);
  world.setBlock(15, FLOOR, 14, Block.WATER);
  const before = snapshot(world);
  const check = (edit: BlockEdit, bodies: Vec3[] = [actor]) => checkBlockEdit(world, REGION, actor, edit, bodies);

  it('BAD_MESSAGE for non-integer coordinates', () => {
    assertCode(check({ action: 'break', x: 16.5, y: PY, z: 17 }), 'BAD_MESSAGE');
    assertCode(check({ action: 'break', x: 16, y: PY + 0.1, z: 17 }), 'BAD_MESSAGE');
    assertCode(check({ action: 'place', x: 16, y: FLOOR, z: 18.25, block: Block.STONE }), 'BAD_MESSAGE');
    assertCode(check({ action: 'place', x: NaN, y: FLOOR, z: 18, block: Block.STONE }), 'BAD_MESSAGE');
    assertCode(check({ action: 'place', x: 18, y: Infinity, z: 18, block: Block.STONE }), 'BAD_MESSAGE');
  });

  it('OUT_OF_REGION for a block in another region or outside the world vertically', () => {
    const near = checkBlockEdit(world, REGION, { x: 0.5, y: FLOOR, z: 16.5 }, { action: 'place', x: -1, y: FLOOR, z: 16, block: Block.STONE }, []);
    assertCode(near, 'OUT_OF_REGION'); // one block away, but in region (-1, 0)
    assertCode(check({ action: 'break', x: 128, y: PY, z: 16 }), 'OUT_OF_REGION');
    assertCode(check({ action: 'break', x: 16, y: PY, z: -5 }), 'OUT_OF_REGION');
    assertCode(checkBlockEdit(world, { rx: 1, rz: 0 }, actor, { action: 'break', x: 16, y: PY, z: 17 }, [actor]), 'OUT_OF_REGION');
    assertCode(check({ action: 'break', x: 16, y: -1, z: 17 }), 'OUT_OF_REGION');
    assertCode(check({ action: 'place', x: 16, y: WORLD_HEIGHT, z: 17, block: Block.STONE }), 'OUT_OF_REGION');
  });

  it('OUT_OF_REACH beyond REACH_BLOCKS from the eyes to the block centre', () => {
    assert.equal(REACH_BLOCKS, 6);
    // Near eye level (block 102, centre 102.5, eyes 102.6): 6 blocks away horizontally is just beyond reach.
    assertCode(check({ action: 'place', x: 16, y: FLOOR + 1, z: 22, block: Block.STONE }), 'OUT_OF_REACH');
    assertCode(check({ action: 'break', x: 16, y: PY, z: 24 }), 'OUT_OF_REACH');
    assertCode(check({ action: 'break', x: 21, y: PY, z: 21 }), 'OUT_OF_REACH');
    // Straight up: centre of block 108 is 108.5, 5.9 above the eyes: in reach; 109 is not.
    assert.deepEqual(check({ action: 'place', x: 16, y: 108, z: 16, block: Block.STONE }), { ok: true });
    assertCode(check({ action: 'place', x: 16, y: 109, z: 16, block: Block.STONE }), 'OUT_OF_REACH');
    // Reach is measured from the eyes, so a block 5 away at eye level is fine …
    assert.ok(Math.abs(actor.y + EYE_HEIGHT - 102.6) < 1e-9);
    assert.deepEqual(check({ action: 'place', x: 16, y: FLOOR + 1, z: 21, block: Block.STONE }), { ok: true });
    // … while one 5 away horizontally but 5 below the feet (7 below the eyes) is not.
    assertCode(check({ action: 'place', x: 16, y: FLOOR - 6, z: 21, block: Block.STONE }), 'OUT_OF_REACH');
  });

  it('INVALID_BLOCK for breaking air, water or bedrock', () => {
    assertCode(check({ action: 'break', x: 17, y: FLOOR, z: 17 }), 'INVALID_BLOCK'); // air
    assertCode(check({ action: 'break', x: 15, y: FLOOR, z: 14 }), 'INVALID_BLOCK'); // water
    assertCode(check({ action: 'break', x: 14, y: FLOOR, z: 16 }), 'INVALID_BLOCK'); // bedrock
  });

  it('INVALID_BLOCK for placing an unplaceable or unknown id, or no id', () => {
    for (const id of [Block.AIR, Block.BEDROCK, Block.WATER, Block.GRASS, Block.CACTUS, Block.COAL_ORE, Block.CRYSTAL_ORE, BLOCK_COUNT, 255, -1, 2.5, NaN, undefined]) {
      assertCode(check({ action: 'place', x: 18, y: FLOOR, z: 16, block: id }), 'INVALID_BLOCK');
    }
  });

  it('INVALID_BLOCK for placing into a solid block', () => {
    assertCode(check({ action: 'place', x: 16, y: PY, z: 17, block: Block.STONE }), 'INVALID_BLOCK'); // the platform
    assertCode(check({ action: 'place', x: 14, y: FLOOR, z: 16, block: Block.DIRT }), 'INVALID_BLOCK'); // bedrock
  });

  it('OCCUPIED for placing a block inside a body (the actor or someone else)', () => {
    assertCode(check({ action: 'place', x: 16, y: FLOOR, z: 16, block: Block.STONE }), 'OCCUPIED'); // own feet
    assertCode(check({ action: 'place', x: 16, y: FLOOR + 1, z: 16, block: Block.STONE }), 'OCCUPIED'); // own head
    const other = { x: 18.9, y: FLOOR + 0.5, z: 16.5 }; // straddles blocks 18 and 19, y 101.5..103.3
    for (const [x, y] of [[18, FLOOR], [19, FLOOR], [18, FLOOR + 1], [19, FLOOR + 2]] as const) {
      assertCode(check({ action: 'place', x, y, z: 16, block: Block.STONE }, [actor, other]), 'OCCUPIED');
    }
    // A torch is not solid but still may not be placed inside a body.
    assertCode(check({ action: 'place', x: 16, y: FLOOR, z: 16, block: Block.TORCH }), 'OCCUPIED');
  });

  it('bodies only touching the block do not block placement', () => {
    const other = { x: 18.3, y: FLOOR, z: 16.5 }; // spans x 18.0..18.6, y 101..102.8
    assert.deepEqual(check({ action: 'place', x: 17, y: FLOOR, z: 16, block: Block.STONE }, [actor, other]), { ok: true }, 'x face');
    assert.deepEqual(check({ action: 'place', x: 18, y: FLOOR + 2, z: 16, block: Block.STONE }, [actor, other]), { ok: true }, 'above the head');
    assert.deepEqual(check({ action: 'place', x: 16, y: FLOOR + 2, z: 16, block: Block.STONE }), { ok: true }, 'above own head');
  });

  it('the checks changed nothing in the world', () => {
    assert.deepEqual(snapshot(world), before);
  });
});

describe('game block edits: accepted', () => {
  it('breaks a breakable block and places a placeable one (also into water), then the edit applies', () => {
    const world = platformWorld();
    world.setBlock(15, FLOOR, 14, Block.WATER);
    const bodies = [actor];
    const edits: BlockEdit[] = [
      { action: 'break', x: 16, y: PY, z: 18 },
      { action: 'place', x: 18, y: FLOOR, z: 16, block: Block.STONE },
      { action: 'place', x: 15, y: FLOOR, z: 14, block: Block.PLANKS }, // water may be built over
      { action: 'place', x: 17, y: FLOOR, z: 17, block: Block.TORCH },
      { action: 'place', x: 16, y: FLOOR + 2, z: 16, block: Block.GLASS },
    ];
    for (const e of edits) {
      assert.deepEqual(checkBlockEdit(world, REGION, actor, e, bodies), { ok: true }, JSON.stringify(e));
      assert.equal(world.setBlock(e.x, e.y, e.z, e.action === 'break' ? Block.AIR : e.block!), true);
    }
    // A placed torch can be broken again; the broken stone cannot be broken twice.
    assert.deepEqual(checkBlockEdit(world, REGION, actor, { action: 'break', x: 17, y: FLOOR, z: 17 }, bodies), { ok: true });
    assertCode(checkBlockEdit(world, REGION, actor, { action: 'break', x: 16, y: PY, z: 18 }, bodies), 'INVALID_BLOCK');
  });

  it('works in negative regions', () => {
    const world = new VoxelWorld(SEED);
    const a = { x: -200.5, y: FLOOR, z: -300.5 };
    world.setBlock(-201, PY, -301, Block.STONE);
    for (let y = FLOOR; y < FLOOR + 3; y++) world.setBlock(-201, y, -300, Block.AIR);
    assert.deepEqual(checkBlockEdit(world, { rx: -2, rz: -3 }, a, { action: 'break', x: -201, y: PY, z: -301 }, [a]), { ok: true });
    assert.deepEqual(checkBlockEdit(world, { rx: -2, rz: -3 }, a, { action: 'place', x: -201, y: FLOOR, z: -300, block: Block.STONE }, [a]), { ok: true });
    assertCode(checkBlockEdit(world, { rx: -1, rz: -3 }, a, { action: 'break', x: -201, y: PY, z: -301 }, [a]), 'OUT_OF_REGION');
  });

  it('property: random edits — a refusal never changes the world, and every OK can be applied as a real change', () => {
    const world = platformWorld();
    const rnd = seeded(2024);
    const others: Vec3[] = [{ x: 14.5, y: FLOOR, z: 18.5 }, { x: 19.2, y: FLOOR + 0.4, z: 15.7 }];
    const bodies = [actor, ...others];
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const edit: BlockEdit = {
        action: rnd() < 0.5 ? 'break' : 'place',
        x: 8 + Math.floor(rnd() * 17),
        y: PY - 3 + Math.floor(rnd() * 12),
        z: 8 + Math.floor(rnd() * 17),
        block: Math.floor(rnd() * (BLOCK_COUNT + 2)),
      };
      if (rnd() < 0.05) edit.x += 0.5;
      const before = snapshot(world);
      const v = checkBlockEdit(world, REGION, actor, edit, bodies);
      counts.set(v.ok ? 'OK' : v.code, (counts.get(v.ok ? 'OK' : v.code) ?? 0) + 1);
      assert.deepEqual(snapshot(world), before, 'a check never edits');
      if (!v.ok) continue;
      const id = edit.action === 'break' ? Block.AIR : edit.block!;
      if (edit.action === 'place') assert.ok(isPlaceable(id));
      assert.equal(world.setBlock(edit.x, edit.y, edit.z, id), true, `OK edit ${JSON.stringify(edit)} changed nothing`);
    }
    for (const code of ['OK', 'BAD_MESSAGE', 'OUT_OF_REACH', 'INVALID_BLOCK', 'OCCUPIED']) {
      assert.ok((counts.get(code) ?? 0) > 0, `property run exercised ${code}: ${JSON.stringify([...counts])}`);
    }
  });
});
