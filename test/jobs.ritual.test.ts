/** computeRitual: deterministic from the payload, and the shape of each ritual kind. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { computeRitual, JobPayloadError, RITUAL_KINDS, type RitualEffect } from '../src/jobs/index.js';
import { ritualProcessor } from '../src/jobs/processors/ritual.js';
import { raiseEarthRadius } from '../src/game/rituals.js';
import { Block, WORLD_HEIGHT } from '../src/world/index.js';
import { ritualPayload, testLog } from './support/jobs.js';

const fixed = (kind: (typeof RITUAL_KINDS)[number], over = {}) =>
  ritualPayload({ ritualId: 'ritual-fixed', seed: 424242, startedAt: 1_700_000_000_000, completesAt: 1_700_000_005_000, ...over }, kind);

const only = <K extends RitualEffect['kind']>(effects: RitualEffect[], kind: K) =>
  effects.filter((e): e is Extract<RitualEffect, { kind: K }> => e.kind === kind);

describe('computeRitual', () => {
  for (const kind of RITUAL_KINDS) {
    it(`${kind}: the same payload gives the same effects (also after a JSON round trip)`, () => {
      const a = computeRitual(fixed(kind));
      const b = computeRitual(JSON.parse(JSON.stringify(fixed(kind))));
      assert.deepEqual(a, b);
      assert.equal(a.ritualId, 'ritual-fixed');
      assert.equal(a.status, 'completed');
      assert.ok(a.effects.length > 0);
    });
  }

  it('depends on the seed', () => {
    const a = computeRitual(fixed('raise_earth'));
    const b = computeRitual(fixed('raise_earth', { seed: 424243 }));
    assert.notDeepEqual(a.effects, b.effects);
  });

  it('is stable across versions for a fixed payload (room and workers may run different deploys)', () => {
    const digest = (kind: (typeof RITUAL_KINDS)[number]) =>
      createHash('sha256').update(JSON.stringify(computeRitual(fixed(kind)))).digest('hex').slice(0, 16);
    assert.deepEqual(Object.fromEntries(RITUAL_KINDS.map((k) => [k, digest(k)])), GOLDEN);
  });

  it('raise_earth: a mound of stone capped with dirt, filling upward from y within the radius', () => {
    for (const power of [0, 50, 100, 500]) {
      const p = fixed('raise_earth', { power, x: 40.5, y: 64, z: -12.25 });
      const [blocks, ...rest] = computeRitual(p).effects;
      assert.equal(rest.length, 0);
      assert.ok(blocks?.kind === 'blocks');
      const r = raiseEarthRadius(power);
      assert.ok(r >= 2 && r <= 5);
      const columns = new Map<string, { y: number; block: number }[]>();
      const seen = new Set<string>();
      for (const e of blocks.edits) {
        assert.ok(Number.isInteger(e.x) && Number.isInteger(e.y) && Number.isInteger(e.z));
        const key = `${e.x},${e.y},${e.z}`;
        assert.ok(!seen.has(key), `duplicate edit at ${key}`);
        seen.add(key);
        const dx = e.x - 40;
        const dz = e.z - -13;
        assert.ok(dx * dx + dz * dz <= r * r, `(${dx},${dz}) outside radius ${r}`);
        assert.ok(e.y >= 64 && e.y <= 64 + r + 2);
        assert.ok(([Block.STONE, Block.DIRT, Block.COBBLESTONE, Block.GRAVEL] as number[]).includes(e.block));
        const col = columns.get(`${e.x},${e.z}`) ?? [];
        col.push(e);
        columns.set(`${e.x},${e.z}`, col);
      }
      assert.ok(columns.has('40,-13'), 'the centre column is raised');
      for (const col of columns.values()) {
        col.sort((a, b) => a.y - b.y);
        assert.equal(col[0]!.y, 64, 'each column starts at y');
        col.forEach((e, i) => assert.equal(e.y, 64 + i, 'columns are contiguous'));
        assert.equal(col.at(-1)!.block, Block.DIRT, 'capped with dirt');
      }
    }
  });

  it('raise_earth: never leaves the world at its top', () => {
    const { effects } = computeRitual(fixed('raise_earth', { y: WORLD_HEIGHT - 2, power: 200 }));
    const edits = only(effects, 'blocks')[0]!.edits;
    assert.ok(edits.length > 0);
    assert.ok(edits.every((e) => e.y < WORLD_HEIGHT));
  });

  it('storm: a storm event and area damage scaled by power', () => {
    const weak = computeRitual(fixed('storm', { power: 10 })).effects;
    const strong = computeRitual(fixed('storm', { power: 200 })).effects;
    for (const effects of [weak, strong]) {
      const [event] = only(effects, 'event');
      const [damage] = only(effects, 'damage');
      assert.equal(effects.length, 2);
      assert.equal(event!.event, 'storm');
      assert.ok(event!.text.length > 0 && event!.durationMs >= 15_000 && event!.durationMs <= 120_000);
      assert.ok(damage!.radius >= 6 && damage!.radius <= 16);
      assert.ok(Number.isInteger(damage!.amount) && damage!.amount >= 1);
      assert.deepEqual([damage!.x, damage!.y, damage!.z], [40.5, 64, -12.25]);
    }
    assert.ok(only(strong, 'damage')[0]!.amount > only(weak, 'damage')[0]!.amount);
  });

  it('mass_heal: a heal in a radius around the ritual', () => {
    const effects = computeRitual(fixed('mass_heal', { power: 60 })).effects;
    assert.equal(effects.length, 1);
    const [heal] = only(effects, 'heal');
    assert.ok(heal!.radius >= 5 && heal!.radius <= 12);
    assert.ok(heal!.amount >= 48 && heal!.amount <= 72);
  });

  it('purify: a purified event', () => {
    const effects = computeRitual(fixed('purify')).effects;
    assert.equal(effects.length, 1);
    const [event] = only(effects, 'event');
    assert.equal(event!.event, 'purified');
    assert.ok(event!.durationMs >= 60_000);
  });

  it('summon_golem: a golem within two blocks of the ritual', () => {
    const kinds = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const effects = computeRitual(fixed('summon_golem', { seed, power: 90 })).effects;
      const [summon] = only(effects, 'summon');
      assert.equal(effects.length, 1);
      kinds.add(summon!.npcKind);
      assert.ok(Math.abs(summon!.x - 40) <= 2 && Math.abs(summon!.z - -13) <= 2);
      assert.equal(summon!.y, 64);
    }
    assert.deepEqual([...kinds].sort(), ['crystal_golem', 'stone_golem']);
    const weak = computeRitual(fixed('summon_golem', { power: 10 })).effects;
    assert.equal(only(weak, 'summon')[0]!.npcKind, 'stone_golem');
  });

  it('rejects an invalid payload with JobPayloadError', () => {
    assert.throws(() => computeRitual({ ...fixed('storm'), x: Number.NaN }), JobPayloadError);
    assert.throws(() => computeRitual({ ...fixed('storm'), ritualKind: 'meteor' as never }), /ritualKind/);
    assert.throws(() => computeRitual({ ...fixed('storm'), seed: 1.5 }), /seed/);
  });

  it('the processor refuses a job whose id is not the ritualId', async () => {
    const ctx = { jobId: 'another-id', attempt: 1, log: testLog, signal: new AbortController().signal };
    await assert.rejects(ritualProcessor(fixed('purify'), ctx), JobPayloadError);
    assert.deepEqual(await ritualProcessor(fixed('purify'), { ...ctx, jobId: 'ritual-fixed' }), computeRitual(fixed('purify')));
  });
});

// Recorded from this implementation; a change here changes rituals in flight across a deploy.
const GOLDEN: Record<string, string> = {
  raise_earth: '58c97ed64f7d81bf',
  storm: '0eddc0f45e36d1b6',
  mass_heal: '41ea9a427607e217',
  purify: 'a11bcd2c87dec5be',
  summon_golem: 'e6ae73cf1080c2da',
};
