import assert from 'node:assert/strict';
import {
  damageNpc,
  provokeNpc,
  spawnNpcsForRegion,
  stepNpc,
  NPC_RESPAWN_MS,
  NPC_WANDER_RADIUS,
  type Npc,
  type NpcCharacter,
  type NpcDefLike,
} from '../src/game/npc.js';
import { Rng } from '../src/game/random.js';
import { loadContent } from '../src/content/index.js';
import { biomeAt, BIOME_NAMES, regionBounds, REGION_SIZE, spawnPoint, WORLD_HEIGHT } from '../src/world/index.js';
import { npcGroundY } from '../src/game/region/npcs.js';

const T0 = 1_000_000;
const TICK = 50;
const ground = () => 64;

const WOLF: NpcDefLike = {
  kind: 'wolf',
  name: 'Wolf',
  maxHp: 40,
  damage: 6,
  attackCooldownMs: 1000,
  attackRange: 1.5,
  speedBps: 4,
  aggroRange: 10,
  leashRange: 24,
  xp: 15,
  biomes: ['forest', 'plains', 'snow'],
  lootTable: 'wolf',
  hostile: true,
};
const DEER: NpcDefLike = { ...WOLF, kind: 'deer', name: 'Deer', hostile: false, damage: 0, biomes: ['forest', 'plains'], lootTable: 'deer' };
const CRAB: NpcDefLike = { ...WOLF, kind: 'crab', name: 'Crab', biomes: ['beach', 'water'], lootTable: 'crab' };

function npcAtHome(over: Partial<Npc> = {}): Npc {
  return {
    id: 'npc:0,0:0',
    kind: 'wolf',
    x: 0.5,
    y: 64,
    z: 0.5,
    hp: 40,
    maxHp: 40,
    homeX: 0.5,
    homeZ: 0.5,
    state: 'idle',
    nextThinkAt: T0 + 1000,
    attackReadyAt: T0,
    ...over,
  };
}

/** Steps the NPC tick by tick over [from, to), returning it and the attack times. */
function run(
  npc: Npc,
  def: NpcDefLike,
  from: number,
  to: number,
  characters: readonly NpcCharacter[] | ((t: number) => readonly NpcCharacter[]),
  rng = new Rng(1),
  onStep?: (npc: Npc, t: number) => void,
): { npc: Npc; attacks: number[]; states: string[] } {
  const attacks: number[] = [];
  const states: string[] = [];
  for (let t = from; t < to; t += TICK) {
    const chars = typeof characters === 'function' ? characters(t) : characters;
    const r = stepNpc(npc, def, { now: t, dtMs: TICK, rng, characters: chars, groundY: ground });
    npc = r.npc;
    if (r.attack) attacks.push(t);
    if (states.at(-1) !== npc.state) states.push(npc.state);
    onStep?.(npc, t);
  }
  return { npc, attacks, states };
}

describe('game npc AI', () => {
  it('idles until its think time, then wanders within 8 blocks of home and comes back to idle', () => {
    const start = npcAtHome();
    const quiet = stepNpc(start, WOLF, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [], groundY: ground });
    assert.equal(quiet.npc.state, 'idle');
    assert.equal(quiet.moved, false);
    assert.notEqual(quiet.npc, start, 'a new object is returned');
    let maxFromHome = 0;
    const r = run(start, WOLF, T0, T0 + 60_000, [], new Rng(5), (n) => {
      maxFromHome = Math.max(maxFromHome, Math.hypot(n.x - n.homeX, n.z - n.homeZ));
      if (n.wanderX !== undefined) assert.ok(Math.hypot(n.wanderX - n.homeX, n.wanderZ! - n.homeZ) <= NPC_WANDER_RADIUS + 1e-9);
    });
    assert.ok(r.states.filter((s) => s === 'wander').length >= 3, `states ${r.states.join(',')}`);
    assert.ok(r.states.every((s) => s === 'idle' || s === 'wander'));
    assert.ok(maxFromHome > 0.5 && maxFromHome <= NPC_WANDER_RADIUS + 1e-9);
    assert.equal(r.attacks.length, 0);
  });

  it('aggro → chase → attack (respecting the cooldown)', () => {
    const hero: NpcCharacter = { id: 'c1', x: 8.5, y: 64, z: 0.5, alive: true };
    const far: NpcCharacter = { id: 'c2', x: 30, y: 64, z: 0.5, alive: true };
    const first = stepNpc(npcAtHome(), WOLF, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [far, hero], groundY: ground });
    assert.equal(first.npc.state, 'chase');
    assert.equal(first.npc.targetId, 'c1', 'the nearest character within aggro range');
    assert.equal(first.moved, true);
    assert.ok(Math.abs(first.npc.x - (0.5 + 4 * 0.05)) < 1e-9, 'chases at speedBps');
    // 8 blocks at 4 b/s, stopping inside 1.5: ~1.6 s of chase, then a hit every second.
    const r = run(first.npc, WOLF, T0 + TICK, T0 + 6000, [hero]);
    assert.deepEqual(r.states, ['chase', 'attack']);
    assert.ok(r.attacks.length === 5, `attacks at ${r.attacks.map((t) => t - T0).join(',')}`);
    for (let i = 1; i < r.attacks.length; i++) assert.equal(r.attacks[i]! - r.attacks[i - 1]!, 1000);
    assert.ok(Math.hypot(r.npc.x - hero.x, r.npc.z - hero.z) <= WOLF.attackRange);
  });

  it('the attack carries the def damage and the target id', () => {
    const npc = npcAtHome({ state: 'chase', targetId: 'c1' });
    const s = stepNpc(npc, WOLF, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [{ id: 'c1', x: 1.5, y: 64, z: 0.5, alive: true }], groundY: ground });
    assert.deepEqual(s.attack, { targetId: 'c1', damage: 6 });
    assert.equal(s.npc.attackReadyAt, T0 + 1000);
  });

  it('does not aggro on characters beyond aggro range, dead ones, or when passive', () => {
    const dead: NpcCharacter = { id: 'c1', x: 2, y: 64, z: 0.5, alive: false };
    const farAway: NpcCharacter = { id: 'c2', x: 12, y: 64, z: 0.5, alive: true };
    assert.equal(stepNpc(npcAtHome(), WOLF, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [dead, farAway], groundY: ground }).npc.state, 'idle');
    const close: NpcCharacter = { id: 'c3', x: 2, y: 64, z: 0.5, alive: true };
    assert.equal(stepNpc(npcAtHome({ kind: 'deer' }), DEER, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [close], groundY: ground }).npc.state, 'idle');
    // A passive NPC fights back once provoked.
    const angry = provokeNpc(npcAtHome({ kind: 'deer' }), 'c3');
    assert.equal(angry.state, 'chase');
    assert.equal(angry.targetId, 'c3');
  });

  it('leashes: a kited NPC gives up past leashRange, ignores everyone on the way back and heals to full at home', () => {
    // The hero runs away at 6 b/s, faster than the wolf.
    const heroAt = (t: number): NpcCharacter[] => [{ id: 'c1', x: 6.5 + ((t - T0) / 1000) * 6, y: 64, z: 0.5, alive: true }];
    const hurt = npcAtHome({ hp: 10 });
    let gaveUpAt = 0;
    let maxFromHome = 0;
    const r = run(hurt, WOLF, T0, T0 + 30_000, heroAt, new Rng(1), (n, t) => {
      maxFromHome = Math.max(maxFromHome, Math.hypot(n.x - n.homeX, n.z - n.homeZ));
      if (n.state === 'return' && !gaveUpAt) gaveUpAt = t;
    });
    assert.deepEqual(r.states.slice(0, 3), ['chase', 'return', 'idle']);
    assert.ok(gaveUpAt > 0);
    assert.ok(maxFromHome <= WOLF.leashRange + 0.5, `went ${maxFromHome} from home`);
    assert.equal(r.attacks.length, 0);
    assert.equal(r.npc.hp, 40, 'healed to full on return');
    assert.ok(Math.hypot(r.npc.x - r.npc.homeX, r.npc.z - r.npc.homeZ) < 1);
    // On the way back it ignores a character standing right on its path.
    const returning = npcAtHome({ state: 'return', x: 20.5 });
    const bystander: NpcCharacter = { id: 'c9', x: 18, y: 64, z: 0.5, alive: true };
    assert.equal(stepNpc(returning, WOLF, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [bystander], groundY: ground }).npc.state, 'return');
  });

  it('returns home when its target dies or leaves', () => {
    const npc = npcAtHome({ state: 'attack', targetId: 'c1', x: 5 });
    const s1 = stepNpc(npc, WOLF, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [{ id: 'c1', x: 6, y: 64, z: 0.5, alive: false }], groundY: ground });
    assert.equal(s1.npc.state, 'return');
    const s2 = stepNpc(npc, WOLF, { now: T0, dtMs: TICK, rng: new Rng(1), characters: [], groundY: ground });
    assert.equal(s2.npc.state, 'return');
    assert.equal(s2.npc.targetId, undefined);
  });

  it('dies, stays dead, then respawns at home with full hp after the delay', () => {
    const hit = damageNpc(npcAtHome({ x: 5 }), 15, T0);
    assert.equal(hit.died, false);
    assert.equal(hit.npc.hp, 25);
    const kill = damageNpc(hit.npc, 100, T0);
    assert.equal(kill.died, true);
    assert.equal(kill.dealt, 25);
    assert.equal(kill.npc.state, 'dead');
    assert.equal(kill.npc.respawnAt, T0 + NPC_RESPAWN_MS);
    assert.equal(damageNpc(kill.npc, 10, T0).died, false, 'no second death');
    const hero: NpcCharacter = { id: 'c1', x: 6, y: 64, z: 0.5, alive: true };
    const still = stepNpc(kill.npc, WOLF, { now: T0 + NPC_RESPAWN_MS - 1, dtMs: TICK, rng: new Rng(1), characters: [hero], groundY: ground });
    assert.equal(still.npc.state, 'dead');
    assert.equal(still.attack, undefined);
    const back = stepNpc(kill.npc, WOLF, { now: T0 + NPC_RESPAWN_MS, dtMs: TICK, rng: new Rng(1), characters: [hero], groundY: ground });
    assert.equal(back.npc.state, 'idle');
    assert.equal(back.npc.hp, 40);
    assert.deepEqual([back.npc.x, back.npc.z], [0.5, 0.5]);
    assert.equal(back.npc.respawnAt, undefined);
  });
});

describe('game npc spawning', () => {
  const SEED = 4242;
  const biomes = (x: number, z: number) => biomeAt(SEED, x, z);
  const groundY = (x: number, z: number) => 70 + ((x + z) & 3);

  it('is deterministic, inside the region, on biomes the def lists, with ids per slot', () => {
    for (const [rx, rz] of [[0, 0], [1, -1], [-2, 3]] as const) {
      const a = spawnNpcsForRegion(SEED, rx, rz, [WOLF, DEER, CRAB], biomes, 12, groundY, T0);
      const b = spawnNpcsForRegion(SEED, rx, rz, [CRAB, DEER, WOLF], biomes, 12, groundY, T0);
      assert.deepEqual(a, b, 'same seed, any def order → same NPCs');
      assert.ok(a.length > 0);
      const bounds = regionBounds(rx, rz);
      const defs = new Map([WOLF, DEER, CRAB].map((d) => [d.kind, d]));
      for (const n of a) {
        assert.match(n.id, new RegExp(`^npc:${rx},${rz}:\\d+$`));
        assert.ok(n.x >= bounds.minX && n.x <= bounds.maxX + 1 && n.z >= bounds.minZ && n.z <= bounds.maxZ + 1);
        const biome = BIOME_NAMES[biomeAt(SEED, Math.floor(n.x), Math.floor(n.z))]!;
        assert.ok(defs.get(n.kind)!.biomes.includes(biome), `${n.kind} on ${biome}`);
        assert.equal(n.y, groundY(Math.floor(n.x), Math.floor(n.z)));
        assert.equal(n.state, 'idle');
        assert.equal(n.hp, defs.get(n.kind)!.maxHp);
        assert.deepEqual([n.homeX, n.homeZ], [n.x, n.z]);
      }
    }
  });

  it('a larger count keeps the first slots the same; other seeds differ', () => {
    const few = spawnNpcsForRegion(SEED, 0, 0, [WOLF, DEER], biomes, 4, groundY);
    const many = spawnNpcsForRegion(SEED, 0, 0, [WOLF, DEER], biomes, 10, groundY);
    assert.deepEqual(many.filter((n) => few.some((f) => f.id === n.id)), few);
    assert.notDeepEqual(spawnNpcsForRegion(SEED + 1, 0, 0, [WOLF, DEER], (x, z) => biomeAt(SEED + 1, x, z), 4, groundY), few);
  });

  it('no def fits → no NPC', () => {
    assert.deepEqual(spawnNpcsForRegion(SEED, 0, 0, [WOLF], () => 'desert', 5, groundY), []);
    assert.deepEqual(spawnNpcsForRegion(SEED, 0, 0, [], biomes, 5, groundY), []);
  });
});

describe('game npc with the shipped content', () => {
  it('spawns content NPC kinds on their biomes and steps them without surprises', () => {
    const content = loadContent();
    const defs: readonly NpcDefLike[] = content.npcs;
    const SEED = 99;
    const npcs = spawnNpcsForRegion(SEED, 0, 0, defs, (x, z) => biomeAt(SEED, x, z), 16, () => 70, T0);
    assert.ok(npcs.length >= 8, `spawned ${npcs.length}`);
    const rng = new Rng(3);
    const hero: NpcCharacter = { id: 'c1', x: npcs[0]!.x + 3, y: 70, z: npcs[0]!.z, alive: true };
    let state = npcs;
    for (let t = T0; t < T0 + 20_000; t += TICK) {
      state = state.map((n) => {
        const def = content.npcByKind.get(n.kind)!;
        const r = stepNpc(n, def, { now: t, dtMs: TICK, rng, characters: [hero], groundY: () => 70 });
        if (r.attack) assert.equal(r.attack.damage, def.damage);
        assert.ok(Math.hypot(r.npc.x - r.npc.homeX, r.npc.z - r.npc.homeZ) <= def.leashRange + def.speedBps * 1.5);
        return r.npc;
      });
    }
  });
});

describe('npcGroundY (src/game/region/npcs.ts)', () => {
  it('remembers columns without changing the answer: the same feet y as the terrain, first call and later, for several worlds', () => {
    for (const seed of [1337, 42, 7]) {
      for (let i = 0; i < 200; i++) {
        const x = (i * 37) % 301 - 150 + 0.25, z = (i * 53) % 257 - 128 + 0.75;
        const want = Math.min(WORLD_HEIGHT - 2, spawnPoint(seed, Math.floor(x), Math.floor(z)));
        assert.equal(npcGroundY(seed, x, z), want, `seed ${seed} (${x}, ${z})`);
        assert.equal(npcGroundY(seed, Math.floor(x) + 0.9, Math.floor(z) + 0.1), want, 'same column, remembered');
      }
    }
  });

  it('columns on both sides of region borders (remembered per region) each get their own answer', () => {
    const edges = [-REGION_SIZE - 1, -REGION_SIZE, -1, 0, REGION_SIZE - 1, REGION_SIZE];
    for (let round = 0; round < 2; round++) {
      for (const x of edges) {
        for (const z of edges) {
          const want = Math.min(WORLD_HEIGHT - 2, spawnPoint(99, x, z));
          assert.equal(npcGroundY(99, x + 0.5, z + 0.5), want, `(${x}, ${z}), ${round ? 'remembered' : 'first'}`);
        }
      }
    }
  });
});
