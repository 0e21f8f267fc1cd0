import assert from 'node:assert/strict';
import { loadContent } from '../src/content/index.js';
import type { LiveCharacter } from '../src/game/character.js';
import type { NearEntity } from '../src/game/commands/cast.js';
import { RegionSim, type Reply } from '../src/game/region/index.js';
import type { AwayKill } from '../src/game/region/effects.js';
import { npcGroundY } from '../src/game/region/npcs.js';
import { REGION_SIZE } from '../src/world/index.js';

// Casting across a region border (src/game/commands/cast.ts, RegionSim.submitHits / creditKills): two sims side by
// side, region (0, 0) holding the caster and region (1, 0) the NPC; what the rooms carry between them
// (rooms/hits.ts) is passed by hand.

const SEED = 4242;
const T0 = 1_000_000;
const TICK = 50;
const catalogue = (() => {
  const c = loadContent();
  return { spellById: c.spellById, npcs: c.npcs, npcByKind: c.npcByKind, lootTableById: c.lootTableById, maxStackOf: (id: string) => c.itemById.get(id)?.maxStack ?? 1 };
})();

function caster(x: number, y: number, z: number): LiveCharacter {
  return {
    id: 'mage', userId: 'u-mage', name: 'Mage', characterClass: 'mage', level: 1, xp: 0, stats: {},
    x, y, z, yaw: 0, hp: 50, maxHp: 50, mana: 200, maxMana: 200, corruption: 0,
    knownSpells: ['spark', 'arcane_bolt', 'fireball', 'curse_of_weakness'], cooldowns: new Map(), respawnAt: undefined, handoffs: 0, mastery: new Map(), worldId: 'w',
    lastMoveAt: T0, moveBudget: 1.5,
  };
}

/** Region (0, 0) with the mage 2 blocks from its east border, region (1, 0) with one of its NPCs 3 blocks past it. */
function pair() {
  const a = new RegionSim(SEED, 0, 0, { catalogue, now: T0, npcCount: 0 });
  const b = new RegionSim(SEED, 1, 0, { catalogue, now: T0 });
  const npc = [...b.npcs.values()][0]!;
  const placed = { ...npc, x: REGION_SIZE + 3, z: 40.5, homeX: REGION_SIZE + 3, homeZ: 40.5 };
  b.npcs.set(npc.id, placed);
  const mage = caster(REGION_SIZE - 2, placed.y, 40.5);
  a.addCharacter(mage);
  const seen: NearEntity = { kind: 'npc', id: npc.id, x: placed.x, y: placed.y, z: placed.z, alive: true, hostile: true, rx: 1, rz: 0 };
  return { a, b, npc: placed, mage: a.characters.get('mage')!, seen };
}

async function cast(sim: RegionSim, cmd: Parameters<RegionSim['enqueue']>[0], now = T0 + TICK) {
  const reply = sim.enqueue(cmd);
  const ev = sim.step(now, TICK);
  return { reply: await reply, ev };
}

describe('game: casting across a region border', () => {
  it('a cast at a neighbour\'s NPC is paid here and its effects go out as hits for that region; nothing lands here', async () => {
    const { a, npc, mage, seen } = pair();
    const { reply, ev } = await cast(a, { kind: 'cast', characterId: 'mage', spellId: 'spark', targetId: npc.id, near: [seen] });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    assert.ok(mage.mana < 200, 'the caster paid');
    assert.ok(mage.cooldowns.has('spark'));
    assert.equal(ev.hits.length, 1);
    assert.deepEqual({ rx: ev.hits[0]!.rx, rz: ev.hits[0]!.rz, casterId: ev.hits[0]!.casterId }, { rx: 1, rz: 0, casterId: 'mage' });
    assert.deepEqual(ev.hits[0]!.effects.map((e) => [e.kind, e.targetKind, e.targetId]), [['damage', 'npc', npc.id]]);
    assert.equal(ev.npcs.size, 0, 'no NPC of this region was touched');
  });

  it('without `near` the same id is INVALID_TARGET and changes nothing; out of range is OUT_OF_RANGE', async () => {
    const { a, npc, mage, seen } = pair();
    const bare = await cast(a, { kind: 'cast', characterId: 'mage', spellId: 'spark', targetId: npc.id });
    assert.equal(bare.reply.ok, false);
    assert.equal((bare.reply as { code: string }).code, 'INVALID_TARGET');
    const far = await cast(a, { kind: 'cast', characterId: 'mage', spellId: 'spark', targetId: npc.id, near: [{ ...seen, x: seen.x + 40 }] }, T0 + 2 * TICK);
    assert.equal((far.reply as { code?: string }).code, 'OUT_OF_RANGE');
    assert.equal(mage.mana, 200, 'refused casts cost nothing');
    assert.equal(bare.ev.hits.length + far.ev.hits.length, 0);
  });

  it('the owner applies the hits: the NPC is hurt, and a kill comes back as a reward the caster\'s region grants', async () => {
    const { a, b, npc, mage, seen } = pair();
    const first = await cast(a, { kind: 'cast', characterId: 'mage', spellId: 'spark', targetId: npc.id, near: [seen] });
    const got: { kills?: AwayKill[] } = {};
    const taken = (): AwayKill[] => got.kills ?? [];
    b.submitHits('mage', first.ev.hits[0]!.effects, (k) => (got.kills = k));
    const evB = b.step(T0 + TICK, TICK);
    assert.ok(b.npcs.get(npc.id)!.hp < npc.hp, 'hurt in its own region');
    assert.ok(evB.npcs.has(npc.id));
    assert.deepEqual(got.kills, [], 'not dead yet');
    assert.equal(evB.kills.length, 0);

    // Nearly dead: the next hit kills it.
    b.npcs.set(npc.id, { ...b.npcs.get(npc.id)!, hp: 1 });
    const second = await cast(a, { kind: 'cast', characterId: 'mage', spellId: 'arcane_bolt', targetId: npc.id, near: [seen] }, T0 + 2 * TICK);
    assert.equal(second.reply.ok, true, JSON.stringify(second.reply));
    b.submitHits('mage', second.ev.hits[0]!.effects, (k) => (got.kills = k));
    const evKill = b.step(T0 + 2 * TICK, TICK);
    assert.equal(b.npcs.get(npc.id)!.state, 'dead');
    assert.equal(taken().length, 1);
    assert.equal(taken()[0]!.npcId, npc.id);
    assert.ok(taken()[0]!.xp > 0);
    assert.equal(evKill.kills.length, 0, 'the owner grants nothing: the killer is not its character');

    a.creditKills('mage', taken());
    const evA = a.step(T0 + 3 * TICK, TICK);
    assert.equal(mage.xp, taken()[0]!.xp);
    assert.deepEqual(evA.kills, [{ characterId: 'mage', ...taken()[0]! }]);
  });

  it('an area spell hits the neighbour\'s entities within its area too', async () => {
    const { a, npc, seen } = pair();
    const walker: NearEntity = { kind: 'character', id: 'walker', x: seen.x + 1, y: seen.y, z: seen.z, alive: true, rx: 1, rz: 0 };
    const farther: NearEntity = { ...walker, id: 'farther', x: seen.x + 10 };
    const { reply, ev } = await cast(a, { kind: 'cast', characterId: 'mage', spellId: 'fireball', targetId: npc.id, near: [seen, walker, farther] });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    assert.deepEqual(ev.hits.flatMap((h) => h.effects.map((e) => e.targetId)), [npc.id, 'walker']);
  });

  it('a debuff at a neighbour\'s NPC is paid but sends nothing (debuffs have no effect on a target yet, here or there)', async () => {
    const { a, npc, seen } = pair();
    const { reply, ev } = await cast(a, { kind: 'cast', characterId: 'mage', spellId: 'curse_of_weakness', targetId: npc.id, near: [seen] });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    assert.deepEqual(ev.hits, []);
  });

  it('the owner takes only damage, drain, heal and shield on its characters and NPCs', async () => {
    const { b, npc } = pair();
    const before = b.npcs.get(npc.id)!.hp;
    let answered: AwayKill[] | undefined;
    b.submitHits('mage', [{ kind: 'teleport', targetId: npc.id, targetKind: 'npc', amount: 1, x: 0, y: 0, z: 0 }, { kind: 'purify', amount: 1e9 }], (k) => (answered = k));
    assert.deepEqual(answered, [], 'answered at once: nothing to apply');
    const ev = b.step(T0 + TICK, TICK);
    assert.equal(b.npcs.get(npc.id)!.hp, before);
    assert.equal(ev.npcs.has(npc.id), false);
  });

  it('an NPC hunts a neighbour\'s character across the border; its strike goes out as a hit, and lands in that character\'s region', async () => {
    const { a, b, mage } = pair();
    const hostile = [...b.npcs.values()].find((n) => catalogue.npcByKind.get(n.kind)?.hostile)!;
    // On the ground (NPCs walk the generated terrain), 3 blocks apart across the border.
    mage.y = npcGroundY(SEED, mage.x, mage.z);
    const wolf = { ...hostile, x: REGION_SIZE + 1, z: mage.z, homeX: REGION_SIZE + 1, homeZ: mage.z, y: npcGroundY(SEED, REGION_SIZE + 1, mage.z) };
    b.npcs.set(wolf.id, wolf);
    const hp0 = mage.hp;
    let strike: { rx: number; rz: number; casterId: string; effects: { kind: string; targetId?: string; amount: number }[] } | undefined;
    for (let t = 1; t <= 200 && !strike; t++) {
      const m = a.characters.get('mage')!;
      b.setNeighbours([{ id: 'mage', x: m.x, y: m.y, z: m.z, alive: m.hp > 0, rx: 0, rz: 0 }]);
      strike = b.step(T0 + t * TICK, TICK).hits[0];
    }
    assert.ok(strike, 'the NPC struck across the border');
    assert.deepEqual([strike.rx, strike.rz, strike.casterId], [0, 0, wolf.id]);
    assert.deepEqual(strike.effects.map((e) => [e.kind, e.targetId]), [['damage', 'mage']]);
    assert.equal(b.characters.size, 0, 'nothing of the mage in the NPC\'s region');
    a.submitHits(strike.casterId, strike.effects as never, () => undefined);
    a.step(T0 + 300 * TICK, TICK);
    assert.ok(mage.hp < hp0, 'hurt in its own region');
  });

  it('a neighbour listed that is also this region\'s own character is hunted as this region\'s (never twice)', () => {
    const { b } = pair();
    const hostile = [...b.npcs.values()].find((n) => catalogue.npcByKind.get(n.kind)?.hostile)!;
    const here = caster(hostile.x + 1, hostile.y, hostile.z);
    b.addCharacter(here);
    const hp0 = b.characters.get('mage')!.hp;
    let hits = 0;
    for (let t = 1; t <= 200 && b.characters.get('mage')!.hp === hp0; t++) {
      const m = b.characters.get('mage')!;
      b.setNeighbours([{ id: 'mage', x: m.x, y: m.y, z: m.z, alive: true, rx: 0, rz: 0 }]);
      hits += b.step(T0 + t * TICK, TICK).hits.length;
    }
    assert.ok(b.characters.get('mage')!.hp < hp0, 'struck here');
    assert.equal(hits, 0, 'no hit sent for it');
  });

  it('a reward for a character no longer in the region is dropped', () => {
    const { a } = pair();
    a.creditKills('somebody-else', [{ npcId: 'n', npcKind: 'wolf', xp: 10, drops: [], lootId: 'l' }]);
    const ev = a.step(T0 + TICK, TICK);
    assert.equal(ev.kills.length, 0);
  });
});

// Keep the Reply type import used (the helpers above return it).
export type { Reply };
