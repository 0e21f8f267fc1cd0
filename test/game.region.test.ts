import assert from 'node:assert/strict';
import { Rng } from '../src/game/random.js';
import { AIR_TIME_MS } from '../src/game/movement.js';
import { emptyEvents, HANDOFF_MARGIN_BLOCKS, MAX_QUEUED_COMMANDS, RegionSim, type Reply } from '../src/game/region/index.js';
import { timeOfDay } from '../src/game/clock.js';
import { enterWorld, type CharacterRecord, type LiveCharacter } from '../src/game/character.js';
import { loadContent } from '../src/content/index.js';
import { Block, REGION_SIZE, blockToChunk, chunkKey } from '../src/world/index.js';

const SEED = 12345;
const T0 = 1_000_000;
const TICK = 50;
const PY = 100; // stone platform, top face at 101
const FLOOR = PY + 1;

/** The project's seeded generator (src/game/random.ts) as a plain [0, 1) source. */
const seeded = (seed: number): (() => number) => {
  const rng = new Rng(seed);
  return () => rng.next();
};

/** Stone at y = PY over [x0, x1] × [z0, z1], air above. */
function platform(sim: RegionSim, x0: number, x1: number, z0: number, z1: number): void {
  for (let x = x0; x <= x1; x++) {
    for (let z = z0; z <= z1; z++) {
      sim.world.setBlock(x, PY, z, Block.STONE);
      for (let y = PY + 1; y < PY + 8; y++) sim.world.setBlock(x, y, z, Block.AIR);
    }
  }
}

function character(id: string, x: number, y: number, z: number, lastMoveAt = T0, moveBudget = 1.5): LiveCharacter {
  return {
    id, userId: `u-${id}`, name: `Hero ${id}`, characterClass: 'mage', level: 1, xp: 0, stats: {},
    x, y, z, yaw: 0, hp: 10, maxHp: 10, mana: 5, maxMana: 5, corruption: 0,
    knownSpells: [], cooldowns: new Map(), respawnAt: undefined, handoffs: 0, mastery: new Map(), worldId: 'w',
    lastMoveAt, moveBudget, // blocks of travel left; refills at WALK_SPEED from lastMoveAt
  };
}

/** Lets pending promise callbacks run (no timers involved beyond one macrotask turn). */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** Tracks whether a reply promise has settled. */
function track(p: Promise<Reply>): { reply?: Reply } {
  const t: { reply?: Reply } = {};
  void p.then((r) => (t.reply = r));
  return t;
}

function newSim(): RegionSim {
  const sim = new RegionSim(SEED, 0, 0);
  platform(sim, 0, 31, 0, 31);
  return sim;
}

describe('game RegionSim: queue and step', () => {
  it('resolves replies only on step(), applying commands in arrival order', async () => {
    const sim = newSim();
    const a = sim.addCharacter(character('a', 16.5, FLOOR, 16.5, T0, 2.2));
    // Two 1-block moves in one tick: both fit the travel budget, applied in order.
    const m1 = track(sim.enqueue({ kind: 'move', characterId: 'a', to: { x: 17.5, y: FLOOR, z: 16.5 } }));
    const c1 = track(sim.enqueue({ kind: 'chat', characterId: 'a', text: 'first' }));
    const m2 = track(sim.enqueue({ kind: 'move', characterId: 'a', to: { x: 18.5, y: FLOOR, z: 16.5, yaw: 1.25 } }));
    const c2 = track(sim.enqueue({ kind: 'chat', characterId: 'a', text: 'second' }));
    assert.equal(sim.queued, 4);
    await flush();
    for (const t of [m1, c1, m2, c2]) assert.equal(t.reply, undefined, 'no reply before the tick');
    assert.equal(a.x, 16.5, 'nothing applied before the tick');

    const ev = sim.step(T0 + TICK, TICK);
    assert.equal(sim.queued, 0);
    await flush();
    assert.deepEqual(m1.reply, { ok: true }, 'an accepted move answers no data: the position is the one asked for');
    assert.deepEqual(m2.reply, { ok: true });
    assert.deepEqual(c1.reply, { ok: true });
    assert.deepEqual(c2.reply, { ok: true });
    assert.deepEqual([a.x, a.y, a.z, a.yaw, a.lastMoveAt], [18.5, FLOOR, 16.5, 1.25, T0 + TICK]);
    assert.deepEqual(ev.chats.map((c) => c.text), ['first', 'second']);
    assert.deepEqual([...ev.characters], ['a']);
    assert.deepEqual(ev.corrections, []);
  });

  it('a move over the travel budget is refused, a smaller one after it is fine', async () => {
    const sim = newSim();
    const a = sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    const far = sim.enqueue({ kind: 'move', characterId: 'a', to: { x: 18.5, y: FLOOR, z: 16.5 } });
    const near = sim.enqueue({ kind: 'move', characterId: 'a', to: { x: 17.5, y: FLOOR, z: 16.5 } });
    const ev = sim.step(T0, TICK);
    const [r1, r2] = await Promise.all([far, near]);
    assert.equal(r1.ok, false);
    assert.equal(!r1.ok && r1.code, 'INVALID_MOVE');
    assert.deepEqual(r2, { ok: true });
    assert.equal(a.x, 17.5);
    assert.deepEqual(ev.corrections, [{ characterId: 'a', x: 16.5, y: FLOOR, z: 16.5 }]);
  });

  it('a step with nothing queued changes nothing', () => {
    const sim = newSim();
    sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    const ev = sim.step(T0 + 10 * AIR_TIME_MS, TICK);
    assert.deepEqual(ev, { ...emptyEvents(), leylines: ev.leylines });
  });

  it('refuses commands for unknown characters with NOT_IN_REGION', async () => {
    const sim = newSim();
    const p = sim.enqueue({ kind: 'chat', characterId: 'ghost', text: 'boo' });
    const ev = sim.step(T0, TICK);
    const r = await p;
    assert.equal(!r.ok && r.code, 'NOT_IN_REGION');
    assert.deepEqual(ev.chats, []);
  });

  it(`refuses at once with RATE_LIMITED when ${MAX_QUEUED_COMMANDS} commands are already queued`, async () => {
    const sim = newSim();
    sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    const pending = [];
    for (let i = 0; i < MAX_QUEUED_COMMANDS; i++) pending.push(track(sim.enqueue({ kind: 'chat', characterId: 'a', text: `m${i}` })));
    assert.equal(sim.queued, MAX_QUEUED_COMMANDS);
    const over = track(sim.enqueue({ kind: 'chat', characterId: 'a', text: 'one too many' }));
    assert.equal(sim.queued, MAX_QUEUED_COMMANDS, 'not queued');
    await flush();
    assert.equal(over.reply?.ok, false);
    assert.equal(!over.reply!.ok && over.reply!.code, 'RATE_LIMITED');
    assert.ok(pending.every((t) => t.reply === undefined), 'the queued ones still wait for the tick');
    const ev = sim.step(T0, TICK);
    await flush();
    assert.equal(ev.chats.length, MAX_QUEUED_COMMANDS);
    assert.ok(!ev.chats.some((c) => c.text === 'one too many'));
    assert.ok(pending.every((t) => t.reply?.ok === true));
    // Room again after the tick.
    const again = sim.enqueue({ kind: 'chat', characterId: 'a', text: 'again' });
    sim.step(T0 + TICK, TICK);
    assert.deepEqual(await again, { ok: true });
  });
});

describe('game RegionSim: moves', () => {
  it('a refused move yields a correction and leaves the character where it was', async () => {
    const sim = newSim();
    const a = sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    const before = { ...a };
    const replies = [
      sim.enqueue({ kind: 'move', characterId: 'a', to: { x: 26.5, y: FLOOR, z: 16.5 } }), // teleport
      sim.enqueue({ kind: 'move', characterId: 'a', to: { x: 16.5, y: FLOOR + 5, z: 16.5, yaw: 3 } }), // fly
      sim.enqueue({ kind: 'move', characterId: 'a', to: { x: NaN, y: FLOOR, z: 16.5 } }),
    ];
    const ev = sim.step(T0 + TICK, TICK);
    for (const r of await Promise.all(replies)) assert.equal(!r.ok && r.code, 'INVALID_MOVE');
    assert.deepEqual({ ...a }, before, 'position, yaw and lastMoveAt unchanged');
    assert.deepEqual(ev.corrections, Array(3).fill({ characterId: 'a', x: 16.5, y: FLOOR, z: 16.5 }));
    assert.equal(ev.characters.size, 0);
  });

  it('a legal move yields `changed` and updates position, yaw and lastMoveAt', async () => {
    const sim = newSim();
    const a = sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    sim.addCharacter(character('b', 10.5, FLOOR, 10.5));
    const r = sim.enqueue({ kind: 'move', characterId: 'a', to: { x: 17, y: FLOOR, z: 16, yaw: -0.5 } });
    const ev = sim.step(T0 + 200, TICK);
    assert.deepEqual(await r, { ok: true });
    assert.deepEqual([...ev.characters], ['a']);
    assert.deepEqual([a.x, a.y, a.z, a.yaw, a.lastMoveAt], [17, FLOOR, 16, -0.5, T0 + 200]);
    assert.deepEqual(ev.crossings, []);
  });

  it('crossing the region border by more than the handoff margin reports a crossing and freezes the character', async () => {
    const sim = newSim();
    platform(sim, REGION_SIZE - 8, REGION_SIZE + HANDOFF_MARGIN_BLOCKS + 4, 8, 24);
    const a = sim.addCharacter(character('a', REGION_SIZE - 0.4, FLOOR, 16.5));
    // Just past the border: still this region's (hysteresis), no handoff.
    const r0 = sim.enqueue({ kind: 'move', characterId: 'a', to: { x: REGION_SIZE + 0.4, y: FLOOR, z: 16.5 } });
    const ev0 = sim.step(T0 + 200, TICK);
    assert.equal((await r0).ok, true);
    assert.deepEqual(ev0.crossings, [], 'within the margin the room keeps it');
    // Walk on at walking pace (0.3 blocks a tick) to just short of the margin: still no handoff …
    let t = T0 + 200;
    let x = REGION_SIZE + 0.4;
    for (; x + 0.3 < REGION_SIZE + HANDOFF_MARGIN_BLOCKS; ) {
      x += 0.3;
      t += TICK;
      const step = sim.enqueue({ kind: 'move', characterId: 'a', to: { x, y: FLOOR, z: 16.5 } });
      assert.deepEqual(sim.step(t, TICK).crossings, [], `at ${x}: within the margin`);
      assert.equal((await step).ok, true);
    }
    // … and past it: handed off.
    const far = REGION_SIZE + HANDOFF_MARGIN_BLOCKS + 0.4;
    const r = sim.enqueue({ kind: 'move', characterId: 'a', to: { x: far, y: FLOOR, z: 16.5 } });
    const ev = sim.step(t + 4 * TICK, TICK);
    assert.deepEqual(await r, { ok: true });
    assert.deepEqual(ev.crossings, [{ characterId: 'a', rx: 1, rz: 0 }]);
    assert.ok(ev.characters.has('a'));
    // Frozen: every further command is refused, and it is left out of gravity.
    const later = [
      sim.enqueue({ kind: 'move', characterId: 'a', to: { x: REGION_SIZE - 0.4, y: FLOOR, z: 16.5 } }),
      sim.enqueue({ kind: 'chat', characterId: 'a', text: 'hello?' }),
      sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'break', x: REGION_SIZE - 2, y: PY, z: 16 } }),
    ];
    sim.world.setBlock(Math.floor(far), PY, 16, Block.AIR); // the ground under it goes away
    const ev2 = sim.step(T0 + 400 + 10 * AIR_TIME_MS, TICK);
    for (const reply of await Promise.all(later)) assert.equal(!reply.ok && reply.code, 'NOT_IN_REGION');
    assert.equal(a.x, far);
    assert.equal(a.y, FLOOR, 'no gravity for a frozen character');
    assert.deepEqual(ev2, { ...emptyEvents(), leylines: ev2.leylines });
    // Removing and adding it again (the handoff fell back) unfreezes it.
    sim.removeCharacter('a');
    sim.world.setBlock(Math.floor(far), PY, 16, Block.STONE);
    sim.addCharacter(character('a', REGION_SIZE - 0.4, FLOOR, 16.5));
    const back = sim.enqueue({ kind: 'chat', characterId: 'a', text: 'back' });
    sim.step(T0 + 10_000, TICK);
    assert.deepEqual(await back, { ok: true });
  });

  it('walking along a border, in and out of the margin, never hands off', async () => {
    const sim = newSim();
    platform(sim, REGION_SIZE - 8, REGION_SIZE + 8, 8, 31);
    sim.addCharacter(character('a', REGION_SIZE - 0.5, FLOOR, 9.5));
    let now = T0;
    for (let i = 0; i < 40; i++) {
      const x = REGION_SIZE + (i % 2 === 0 ? 1.5 : -1.5); // zig-zag across the border, within the margin
      const r = sim.enqueue({ kind: 'move', characterId: 'a', to: { x, y: FLOOR, z: 9.5 + i * 0.5 } });
      const ev = sim.step((now += 500), TICK);
      assert.equal((await r).ok, true, `step ${i}`);
      assert.deepEqual(ev.crossings, [], `step ${i}: no handoff within ${HANDOFF_MARGIN_BLOCKS} blocks of the border`);
    }
  });

  it('crossing into a negative region is reported with its coordinates', async () => {
    const sim = newSim();
    const a = sim.addCharacter(character('a', 0.4, FLOOR, 0.4));
    for (let x = -4; x <= 0; x++) {
      for (let z = -4; z <= 0; z++) {
        sim.world.setBlock(x, PY, z, Block.STONE);
        for (let y = FLOOR; y < FLOOR + 3; y++) sim.world.setBlock(x, y, z, Block.AIR);
      }
    }
    let now = T0;
    for (const p of [-0.8, -1.6, -2.4]) {
      const r = sim.enqueue({ kind: 'move', characterId: 'a', to: { x: p, y: FLOOR, z: p } });
      const ev = sim.step((now += 200), TICK);
      assert.equal((await r).ok, true);
      assert.deepEqual(ev.crossings, p < -HANDOFF_MARGIN_BLOCKS ? [{ characterId: 'a', rx: -1, rz: -1 }] : [], `at ${p}`);
    }
    assert.equal(a.x, -2.4);
  });

  it('gravity pulls a character down once the block under it is broken', async () => {
    const sim = newSim();
    const a = sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    sim.addCharacter(character('b', 18.5, FLOOR, 16.5));
    // Make a 3-deep pit under a: b breaks the floor (a's support is the platform block at 16,100,16).
    sim.world.setBlock(16, PY - 3, 16, Block.STONE);
    const r = sim.enqueue({ kind: 'block', characterId: 'b', edit: { action: 'break', x: 16, y: PY, z: 16 } });
    let now = T0 + AIR_TIME_MS;
    const ev = sim.step(now, TICK);
    assert.equal((await r).ok, true);
    assert.ok(ev.characters.has('a'), 'a starts falling in the same tick');
    assert.ok(!ev.characters.has('b'));
    for (let i = 0; i < 10; i++) sim.step((now += TICK), TICK);
    assert.equal(a.y, PY - 2, 'lands exactly on the block below');
    assert.equal(sim.step((now += TICK), TICK).characters.size, 0, 'and stays');
  });

  it('addCharacter lifts a character out of blocks', () => {
    const sim = newSim();
    sim.world.setBlock(5, FLOOR, 5, Block.STONE);
    const c = sim.addCharacter(character('a', 5.5, FLOOR, 5.5));
    assert.equal(c.y, FLOOR + 1);
    assert.equal(sim.characters.get('a'), c);
  });
});

describe('game RegionSim: block edits and chat', () => {
  it('a block edit bumps the chunk version and reports the block; restoring terrain reports block: undefined', async () => {
    const sim = new RegionSim(SEED, 0, 0);
    const b = blockToChunk(18, FLOOR, 16);
    const key = chunkKey(b.cx, b.cy, b.cz);
    sim.loadChunk(b.cx, b.cy, b.cz, 7, []); // persisted at version 7, no edits
    platform(sim, 0, 31, 0, 31);
    sim.addCharacter(character('a', 16.5, FLOOR, 16.5));

    const placed = sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'place', x: 18, y: FLOOR, z: 16, block: Block.PLANKS } });
    const ev1 = sim.step(T0, TICK);
    assert.deepEqual(await placed, { ok: true, data: { chunk: key, index: b.index, version: 8 } });
    assert.deepEqual(ev1.blocks, [{ key, cx: b.cx, cy: b.cy, cz: b.cz, index: b.index, block: Block.PLANKS, version: 8 }]);
    assert.equal(sim.world.getBlock(18, FLOOR, 16), Block.PLANKS);
    assert.equal(sim.chunkVersions.get(key), 8);

    // Breaking it restores the generated terrain (air up here): the edit is gone.
    const broken = sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'break', x: 18, y: FLOOR, z: 16 } });
    const ev2 = sim.step(T0 + TICK, TICK);
    assert.deepEqual(await broken, { ok: true, data: { chunk: key, index: b.index, version: 9 } });
    assert.deepEqual(ev2.blocks, [{ key, cx: b.cx, cy: b.cy, cz: b.cz, index: b.index, block: undefined, version: 9 }]);
    assert.equal(sim.world.getBlock(18, FLOOR, 16), Block.AIR);
    assert.equal(sim.world.editsOf(key).has(b.index), false);
  });

  it('an edit in a chunk never loaded starts its version at 1', async () => {
    const sim = newSim();
    sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    const b = blockToChunk(16, PY, 18);
    const key = chunkKey(b.cx, b.cy, b.cz);
    assert.equal(sim.chunkVersions.get(key), undefined);
    const r = sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'break', x: 16, y: PY, z: 18 } });
    const ev = sim.step(T0, TICK);
    assert.equal((await r).ok, true);
    // The platform stone was an edit over generated air: breaking it restores terrain.
    assert.deepEqual(ev.blocks, [{ key, cx: b.cx, cy: b.cy, cz: b.cz, index: b.index, block: undefined, version: 1 }]);
  });

  it('an edit in reach on a neighbour\'s ground is refused and hands the character to that region; out of reach it only refuses', async () => {
    const sim = newSim();
    platform(sim, REGION_SIZE - 8, REGION_SIZE + 8, 8, 24);
    // Within the handoff margin, two blocks past the border: region (1, 0)'s ground, this room's character.
    const a = sim.addCharacter(character('a', REGION_SIZE + 2.5, FLOOR, 16.5));
    sim.addCharacter(character('b', REGION_SIZE - 1.5, FLOOR, 12.5));
    const far = sim.enqueue({ kind: 'block', characterId: 'b', edit: { action: 'break', x: REGION_SIZE + 7, y: PY, z: 12 } }); // 8.7 away
    const near = sim.enqueue({ kind: 'block', characterId: 'b', edit: { action: 'break', x: REGION_SIZE + 1, y: PY, z: 12 } });
    const own = sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'break', x: REGION_SIZE + 3, y: PY, z: 16 } });
    const ev = sim.step(T0, TICK);
    assert.deepEqual([await far, await near, await own].map((r) => !r.ok && r.code), ['OUT_OF_REGION', 'OUT_OF_REGION', 'OUT_OF_REGION']);
    assert.deepEqual(ev.crossings, [{ characterId: 'b', rx: 1, rz: 0 }, { characterId: 'a', rx: 1, rz: 0 }], 'the two in reach are handed over');
    assert.deepEqual(ev.blocks, [], 'nothing changed here');
    assert.equal(sim.world.getBlock(REGION_SIZE + 3, PY, 16), Block.STONE);
    const after = sim.enqueue({ kind: 'move', characterId: 'a', to: { x: a.x + 0.2, y: FLOOR, z: 16.5 } });
    sim.step(T0 + TICK, TICK);
    const r = await after;
    assert.equal(!r.ok && r.code, 'NOT_IN_REGION', 'frozen until the handoff is done');
  });

  it('a refused block edit changes nothing and reports nothing', async () => {
    const sim = newSim();
    sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    const edits = sim.world.editedChunkKeys().sort().map((k) => [k, [...sim.world.editsOf(k)]]);
    const replies = [
      sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'place', x: 16, y: FLOOR, z: 16, block: Block.STONE } }), // OCCUPIED
      sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'break', x: 16, y: PY, z: 30 } }), // OUT_OF_REACH
      sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'place', x: 17, y: FLOOR, z: 16, block: Block.GOLD_ORE } }), // INVALID_BLOCK
      sim.enqueue({ kind: 'block', characterId: 'a', edit: { action: 'break', x: 17.5, y: PY, z: 16 } }), // BAD_MESSAGE
    ];
    const ev = sim.step(T0, TICK);
    assert.deepEqual((await Promise.all(replies)).map((r) => !r.ok && r.code), ['OCCUPIED', 'OUT_OF_REACH', 'INVALID_BLOCK', 'BAD_MESSAGE']);
    assert.deepEqual(ev.blocks, []);
    assert.equal(sim.chunkVersions.size, 0);
    assert.deepEqual(sim.world.editedChunkKeys().sort().map((k) => [k, [...sim.world.editsOf(k)]]), edits);
  });

  it('chat is cleaned and reported with the speaker; a bad line is refused and not reported', async () => {
    const sim = newSim();
    sim.addCharacter(character('a', 16.5, FLOOR, 16.5));
    const ok = sim.enqueue({ kind: 'chat', characterId: 'a', text: '  hello\u0007world\n ' });
    const empty = sim.enqueue({ kind: 'chat', characterId: 'a', text: ' \n\t ' });
    const long = sim.enqueue({ kind: 'chat', characterId: 'a', text: 'x'.repeat(201) });
    const ev = sim.step(T0, TICK);
    assert.deepEqual(await ok, { ok: true });
    assert.equal(((await empty) as { code?: string }).code, 'BAD_MESSAGE');
    assert.equal(((await long) as { code?: string }).code, 'BAD_MESSAGE');
    assert.deepEqual(ev.chats, [{ characterId: 'a', from: 'Hero a', text: 'hello world' }]);
    assert.equal(ev.characters.size, 0);
  });
});

describe('game timeOfDay', () => {
  const DAY = 20 * 60 * 1000;

  it('maps the world clock to an hour and wraps every day', () => {
    assert.equal(timeOfDay(0, DAY), 0);
    assert.equal(timeOfDay(DAY / 4, DAY), 6);
    assert.equal(timeOfDay(DAY / 2, DAY), 12);
    assert.equal(timeOfDay(DAY, DAY), 0);
    assert.equal(timeOfDay(DAY * 1.5, DAY), 12);
    assert.equal(timeOfDay(DAY * 1000 + DAY / 4, DAY), 6);
  });

  it('property: always in [0, 24) and the same a whole number of days later', () => {
    const rnd = seeded(31337);
    for (let i = 0; i < 1000; i++) {
      const now = Math.floor(rnd() * 2e12);
      const t = timeOfDay(now, DAY);
      assert.ok(t >= 0 && t < 24, `${now} → ${t}`);
      const days = Math.floor(rnd() * 1000);
      assert.ok(Math.abs(timeOfDay(now + days * DAY, DAY) - t) < 1e-6);
    }
  });
});

describe('game RegionSim: replayable', () => {
  const catalogue = (() => {
    const c = loadContent();
    return { spellById: c.spellById, npcs: c.npcs, npcByKind: c.npcByKind, lootTableById: c.lootTableById, maxStackOf: (id: string) => c.itemById.get(id)?.maxStack ?? 1 };
  })();

  /** A run of 400 ticks (20 s) with NPCs, a character standing among them and casting: its events, as JSON. */
  async function run(): Promise<string> {
    const sim = new RegionSim(SEED, 0, 0, { catalogue, now: T0, dayLengthMs: 60_000 });
    const npc = [...sim.npcs.values()][0]!;
    const c = character('a', npc.x, npc.y, npc.z);
    c.knownSpells = ['arcane_bolt'];
    c.mana = c.maxMana = 500;
    sim.addCharacter(c);
    const out: unknown[] = [];
    let now = T0;
    for (let i = 0; i < 400; i++) {
      now += TICK;
      const reply = i % 20 === 0 ? sim.enqueue({ kind: 'cast', characterId: 'a', spellId: 'arcane_bolt', targetId: npc.id }) : undefined;
      const ev = sim.step(now, TICK);
      out.push({ ev: { ...ev, characters: [...ev.characters], npcs: [...ev.npcs] }, reply: reply && (await reply) });
    }
    out.push([...sim.npcs.values()], sim.characters.get('a'), sim.hour, sim.leylineStrengths);
    return JSON.stringify(out, (_k, v) => (v instanceof Map ? [...v] : v));
  }

  it('the same seed, clock and inputs give the same events, NPCs and characters (no hidden time or randomness)', async () => {
    const a = await run();
    assert.equal(await run(), a);
    assert.ok(a.includes('"spells"') && a.length > 10_000, 'the run did something');
  });
});

describe('game enterWorld (a stored character entering a region)', () => {
  const stored = (over: Partial<CharacterRecord> = {}): CharacterRecord => ({
    id: 'c', userId: 'u', worldId: 'w', name: 'N', characterClass: 'mage', level: 1, xp: 0, stats: {},
    x: 1, y: 2, z: 3, yaw: 0, hp: 50, maxHp: 80, mana: 10, maxMana: 100, corruption: 0, knownSpells: ['arcane_bolt'],
    cooldowns: new Map([['arcane_bolt', T0 + 5000]]), respawnAt: undefined, handoffs: 0, mastery: new Map(), ...over,
  });

  it('keeps cooldowns: playing again does not reset them', () => {
    const live = enterWorld(stored(), T0);
    assert.equal(live.cooldowns.get('arcane_bolt'), T0 + 5000);
    assert.equal(live.hp, 50);
  });

  it('keeps death: a character saved dead respawns when due, never on the spot', () => {
    const dead = enterWorld(stored({ hp: 0, respawnAt: T0 + 3000 }), T0);
    assert.deepEqual([dead.hp, dead.respawnAt], [0, T0 + 3000]);
    const legacy = enterWorld(stored({ hp: 0 }), T0);
    assert.deepEqual([legacy.hp, legacy.respawnAt], [0, T0], 'dead without a respawn time: respawns on the next tick');
  });

  it('copies: the live object shares nothing mutable with the stored record', () => {
    const rec = stored();
    const live = enterWorld(rec, T0);
    live.cooldowns.set('x', 1);
    live.knownSpells.push('y');
    assert.equal(rec.cooldowns.has('x'), false);
    assert.deepEqual(rec.knownSpells, ['arcane_bolt']);
  });
});
