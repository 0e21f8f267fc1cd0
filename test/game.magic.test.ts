import assert from 'node:assert/strict';
import {
  addRegionCorruption,
  decayCorruption,
  effectiveMaxMana,
  gainCorruption,
  newRegionCorruption,
  purifyRegion,
  regionCorruptionAt,
  regionCorruptionEvent,
  DARK_SPELL_DEFAULT_CORRUPTION,
  REGION_CORRUPTION_COOLDOWN_MS,
  REGION_CORRUPTION_HALF_LIFE_MS,
  REGION_CORRUPTION_THRESHOLD,
  type RegionCorruption,
} from '../src/game/corruption.js';
import {
  castCooldownMs,
  castCost,
  checkCast,
  masteryLevel,
  masteryState,
  regenMana,
  resolveCast,
  resolveRitual,
  CAST_RANGE_SLACK,
  type Caster,
  type CastCandidate,
  type CastResult,
  type EnvironmentContext,
  type ResolveInput,
  type SpellLike,
} from '../src/game/magic.js';
import { Biome } from '../src/world/index.js';
import { Rng } from '../src/game/random.js';
import { loadContent } from '../src/content/index.js';

const NOW = 1_700_000_000_000;
const NEUTRAL_ENV: EnvironmentContext = { biome: Biome.PLAINS, hour: 6, leyline: { distance: Infinity, strength: 0 } };

function spell(over: Partial<SpellLike> = {}): SpellLike {
  return {
    id: 'arcane_bolt',
    school: 'evocation',
    element: 'arcane',
    manaCost: 10,
    cooldownMs: 1000,
    range: 20,
    area: 0,
    power: 12,
    castTimeMs: 0,
    ritual: false,
    dark: false,
    tags: [],
    prerequisites: [],
    effect: 'damage',
    target: 'enemy',
    ...over,
  };
}

function caster(over: Partial<Caster> = {}): Caster {
  return {
    id: 'c1',
    x: 0,
    y: 64,
    z: 0,
    mana: 100,
    knownSpells: ['arcane_bolt'],
    cooldowns: new Map(),
    mastery: new Map(),
    alive: true,
    ...over,
  };
}

const wolf = { kind: 'npc' as const, id: 'n1', x: 5, y: 64, z: 0, alive: true, hostile: true };

function ok(r: ReturnType<typeof resolveCast>): CastResult {
  assert.equal(r.ok, true, r.ok ? '' : `${r.code}: ${r.message}`);
  return r as CastResult;
}

describe('game magic: checkCast refusal order', () => {
  it('accepts a valid cast and reports cost and cooldown', () => {
    const v = checkCast({ spell: spell(), caster: caster(), target: wolf, now: NOW });
    assert.equal(v.ok, true);
    if (!v.ok) return;
    assert.equal(v.cost, 10);
    assert.equal(v.cooldownMs, 1000);
    assert.deepEqual(v.primary, { kind: 'npc', id: 'n1' });
    assert.equal(v.distance, 5);
  });

  it('UNKNOWN_SPELL comes first, even when everything else is wrong too', () => {
    const v = checkCast({ spell: undefined, spellId: 'nope', caster: caster({ mana: 0, knownSpells: [] }), now: NOW });
    assert.deepEqual([v.ok, !v.ok && v.code], [false, 'UNKNOWN_SPELL']);
  });

  it('SPELL_NOT_KNOWN before ON_COOLDOWN, mana, range and target', () => {
    const v = checkCast({
      spell: spell(),
      caster: caster({ knownSpells: new Set(['other']), mana: 0, cooldowns: new Map([['arcane_bolt', NOW + 5000]]) }),
      target: { ...wolf, x: 999, alive: false },
      now: NOW,
    });
    assert.equal(!v.ok && v.code, 'SPELL_NOT_KNOWN');
  });

  it('ON_COOLDOWN before NOT_ENOUGH_MANA; the cooldown ends exactly at readyAt', () => {
    const c = caster({ mana: 0, cooldowns: new Map([['arcane_bolt', NOW + 500]]) });
    assert.equal((checkCast({ spell: spell(), caster: c, target: wolf, now: NOW }) as { code: string }).code, 'ON_COOLDOWN');
    assert.equal((checkCast({ spell: spell(), caster: c, target: wolf, now: NOW + 499 }) as { code: string }).code, 'ON_COOLDOWN');
    assert.equal((checkCast({ spell: spell(), caster: c, target: wolf, now: NOW + 500 }) as { code: string }).code, 'NOT_ENOUGH_MANA');
  });

  it('NOT_ENOUGH_MANA before OUT_OF_RANGE; exactly the cost is enough', () => {
    const far = { ...wolf, x: 500 };
    assert.equal((checkCast({ spell: spell(), caster: caster({ mana: 9.99 }), target: far, now: NOW }) as { code: string }).code, 'NOT_ENOUGH_MANA');
    assert.equal((checkCast({ spell: spell(), caster: caster({ mana: 10 }), target: far, now: NOW }) as { code: string }).code, 'OUT_OF_RANGE');
  });

  it('OUT_OF_RANGE before INVALID_TARGET; range is 3D with a small slack', () => {
    const deadFar = { ...wolf, x: 500, alive: false };
    assert.equal((checkCast({ spell: spell(), caster: caster(), target: deadFar, now: NOW }) as { code: string }).code, 'OUT_OF_RANGE');
    const edge = { ...wolf, x: 20 + CAST_RANGE_SLACK };
    assert.equal(checkCast({ spell: spell(), caster: caster(), target: edge, now: NOW }).ok, true);
    const above = { ...wolf, x: 15, y: 64 + 15 }; // horizontal 15, 3D ≈ 21.2
    assert.equal((checkCast({ spell: spell(), caster: caster(), target: above, now: NOW }) as { code: string }).code, 'OUT_OF_RANGE');
    const nan = { ...wolf, x: Number.NaN };
    assert.equal((checkCast({ spell: spell(), caster: caster(), target: nan, now: NOW }) as { code: string }).code, 'OUT_OF_RANGE');
  });

  it('INVALID_TARGET by spell.target', () => {
    const code = (s: Partial<SpellLike>, target?: Parameters<typeof checkCast>[0]['target']) => {
      const v = checkCast({ spell: spell(s), caster: caster(), target, now: NOW });
      return v.ok ? 'ok' : v.code;
    };
    const me = { kind: 'character' as const, id: 'c1', x: 0, y: 64, z: 0, alive: true };
    const friend = { kind: 'character' as const, id: 'c2', x: 3, y: 64, z: 0, alive: true };
    const point = { kind: 'point' as const, x: 3, y: 64, z: 3 };
    // enemy: a living npc or another character
    assert.equal(code({}, undefined), 'INVALID_TARGET');
    assert.equal(code({}, point), 'INVALID_TARGET');
    assert.equal(code({}, me), 'INVALID_TARGET');
    assert.equal(code({}, { ...wolf, alive: false }), 'INVALID_TARGET');
    assert.equal(code({}, friend), 'ok');
    assert.equal(code({}, { ...wolf, hostile: false }), 'ok');
    // npc only
    assert.equal(code({ target: 'npc' }, friend), 'INVALID_TARGET');
    assert.equal(code({ target: 'npc' }, wolf), 'ok');
    // ally / character: a living character, the caster by default
    assert.equal(code({ target: 'ally', effect: 'heal' }, undefined), 'ok');
    assert.equal(code({ target: 'ally', effect: 'heal' }, me), 'ok');
    assert.equal(code({ target: 'ally', effect: 'heal' }, friend), 'ok');
    assert.equal(code({ target: 'ally', effect: 'heal' }, wolf), 'INVALID_TARGET');
    assert.equal(code({ target: 'character', effect: 'buff' }, { ...friend, alive: false }), 'INVALID_TARGET');
    // point: a position (an entity counts at its position)
    assert.equal(code({ target: 'point', effect: 'terrain' }, point), 'ok');
    assert.equal(code({ target: 'point', effect: 'terrain' }, wolf), 'ok');
    assert.equal(code({ target: 'point', effect: 'terrain' }, undefined), 'INVALID_TARGET');
    // self: no target needed, range 0 is fine, a given target is ignored
    assert.equal(code({ target: 'self', effect: 'shield', range: 0 }, undefined), 'ok');
    assert.equal(code({ target: 'self', effect: 'shield', range: 0 }, { ...wolf, x: 300 }), 'ok');
  });

  it('a dead caster is refused before anything else', () => {
    const v = checkCast({ spell: undefined, caster: caster({ alive: false }), now: NOW });
    assert.equal(!v.ok && v.code, 'CASTER_DEAD');
  });
});

describe('game magic: resolveCast', () => {
  const base = (over: Partial<ResolveInput> = {}): ResolveInput => ({
    spell: spell(),
    caster: caster(),
    target: wolf,
    now: NOW,
    env: NEUTRAL_ENV,
    ...over,
  });

  it('spends the cost, sets the cooldown timestamp, and reports the factors', () => {
    const r = ok(resolveCast(base()));
    assert.equal(r.ritual, false);
    assert.equal(r.manaSpent, 10);
    assert.equal(r.cooldownUntil, NOW + 1000);
    assert.deepEqual(r.factors, { mastery: 1, leyline: 1, biome: 1, timeOfDay: 1, environment: 1 });
    assert.deepEqual(r.effects, [{ kind: 'damage', targetId: 'n1', targetKind: 'npc', amount: 12 }]);
    assert.equal(r.corruptionGained, 0);
    assert.deepEqual(r.masteryAfter, { uses: 1, level: 1, mastery: 1 });
  });

  it('refuses exactly as checkCast does', () => {
    const r = resolveCast(base({ caster: caster({ mana: 1 }) }));
    assert.deepEqual(r.ok ? 'ok' : r.code, 'NOT_ENOUGH_MANA');
  });

  it('effect = power × mastery × environment', () => {
    const env: EnvironmentContext = { biome: Biome.PLAINS, hour: 6, leyline: { distance: 0, strength: 1 } };
    const r = ok(resolveCast(base({ env, caster: caster({ mastery: new Map([['arcane_bolt', { uses: 80 }]]) }) })));
    // level 5 → ×1.2; arcane on a full-strength line → ×1.75
    assert.equal(r.factors.mastery, 1.2);
    assert.equal(r.factors.leyline, 1.75);
    assert.equal(r.effects[0]!.amount, Math.round(12 * 1.2 * 1.75 * 100) / 100);
  });

  it('a cast at the cooldown timestamp works; the next one before it is refused', () => {
    const first = ok(resolveCast(base()));
    const c = caster({ mana: 100 - first.manaSpent, cooldowns: new Map([['arcane_bolt', first.cooldownUntil]]) });
    assert.equal((resolveCast(base({ caster: c, now: first.cooldownUntil - 1 })) as { code: string }).code, 'ON_COOLDOWN');
    assert.equal(resolveCast(base({ caster: c, now: first.cooldownUntil })).ok, true);
  });

  it('area spells hit every valid living candidate within the area of the aim point', () => {
    const fireball = spell({ id: 'fireball', element: 'fire', area: 3 });
    const candidates: CastCandidate[] = [
      { kind: 'npc', id: 'n2', x: 7, y: 64, z: 0, alive: true }, // 2 from n1
      { kind: 'npc', id: 'n3', x: 5, y: 64, z: 3.5, alive: true }, // 3.5: outside
      { kind: 'npc', id: 'n4', x: 6, y: 64, z: 0, alive: false },
      { kind: 'character', id: 'c2', x: 4, y: 64, z: 1, alive: true },
      { kind: 'character', id: 'c1', x: 0, y: 64, z: 0, alive: true }, // the caster: never hit by own harm
    ];
    const r = ok(resolveCast(base({ spell: fireball, caster: caster({ knownSpells: ['fireball'] }), candidates })));
    assert.deepEqual(r.effects.map((e) => e.targetId).sort(), ['c2', 'n1', 'n2']);
    assert.ok(r.effects.every((e) => e.area === 3 && e.kind === 'damage'));
  });

  it('beneficial area spells hit characters around, the caster included', () => {
    const warCry = spell({ id: 'war_cry', effect: 'buff', target: 'self', range: 0, area: 10, element: 'physical', durationMs: 5000 });
    const candidates: CastCandidate[] = [
      { kind: 'character', id: 'c2', x: 4, y: 64, z: 1, alive: true },
      { kind: 'character', id: 'c3', x: 40, y: 64, z: 1, alive: true },
      { kind: 'npc', id: 'n1', x: 2, y: 64, z: 0, alive: true },
    ];
    const r = ok(resolveCast(base({ spell: warCry, caster: caster({ knownSpells: ['war_cry'] }), target: undefined, candidates })));
    assert.deepEqual(r.effects.map((e) => e.targetId).sort(), ['c1', 'c2']);
    assert.ok(r.effects.every((e) => e.durationMs === 5000));
  });

  it('drain damages the target and heals the caster for half', () => {
    const drain = spell({ id: 'drain_life', effect: 'drain', element: 'shadow', dark: true, power: 16 });
    const r = ok(resolveCast(base({ spell: drain, caster: caster({ knownSpells: ['drain_life'] }) })));
    assert.equal(r.effects.length, 2);
    assert.deepEqual(r.effects[1], { kind: 'heal', targetId: 'c1', targetKind: 'character', amount: r.effects[0]!.amount / 2 });
    assert.equal(r.corruptionGained, DARK_SPELL_DEFAULT_CORRUPTION);
  });

  it('dark spells raise corruption by their own amount when set', () => {
    const s = spell({ dark: true, corruption: 7, element: 'shadow' });
    assert.equal(ok(resolveCast(base({ spell: s }))).corruptionGained, 7);
  });

  it('terrain and teleport land at the aimed point', () => {
    const point = { kind: 'point' as const, x: 3, y: 64, z: 4 };
    const quake = spell({ id: 'quake', effect: 'terrain', target: 'point', element: 'earth', area: 2 });
    const r1 = ok(resolveCast(base({ spell: quake, caster: caster({ knownSpells: ['quake'] }), target: point })));
    assert.deepEqual(r1.effects, [{ kind: 'terrain', amount: 14.4, area: 2, x: 3, y: 64, z: 4 }]); // earth on plains ×1.2
    const blink = spell({ id: 'blink', effect: 'teleport', target: 'point' });
    const r2 = ok(resolveCast(base({ spell: blink, caster: caster({ knownSpells: ['blink'] }), target: point })));
    assert.deepEqual(r2.effects, [{ kind: 'teleport', targetId: 'c1', targetKind: 'character', amount: 12, x: 3, y: 64, z: 4 }]);
  });

  it('a ritual reserves mana and completes later, with no immediate effects', () => {
    const storm = spell({ id: 'summon_storm', ritual: true, ritualKind: 'storm', castTimeMs: 30_000, target: 'self', range: 0, area: 32, element: 'lightning', manaCost: 100 });
    const r = ok(resolveCast(base({ spell: storm, caster: caster({ knownSpells: ['summon_storm'], mana: 150 }), target: undefined })));
    assert.equal(r.ritual, true);
    if (!r.ritual) return;
    assert.equal(r.manaReserved, 100);
    assert.equal(r.manaSpent, 100);
    assert.equal(r.completesAt, NOW + 30_000);
    assert.deepEqual(r.effects, []);
    assert.equal(r.ritualKind, 'storm');
    const done = resolveRitual({
      spell: storm,
      casterId: 'c1',
      casterPos: { x: 0, y: 64, z: 0 },
      aim: r.aim,
      masteryUses: 0,
      env: NEUTRAL_ENV,
      candidates: [wolf, { ...wolf, id: 'far', x: 100 }],
    });
    assert.deepEqual(done.effects.map((e) => [e.kind, e.targetId]), [['damage', 'n1']]);
  });

  it('property: never spends more mana than the caster has, effects are never negative', () => {
    const rng = new Rng(1234);
    const effects = ['damage', 'heal', 'shield', 'buff', 'debuff', 'terrain', 'teleport', 'summon', 'drain'] as const;
    const targets = ['self', 'character', 'npc', 'enemy', 'ally', 'point'] as const;
    const elements = ['fire', 'frost', 'shadow', 'arcane', 'nature', 'lightning', 'physical'];
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const s = spell({
        manaCost: rng.int(0, 120),
        power: rng.range(-5, 200),
        area: rng.pick([0, 0, 3, 8])!,
        range: rng.int(0, 40),
        effect: rng.pick(effects)!,
        target: rng.pick(targets)!,
        element: rng.pick(elements)!,
        dark: rng.chance(0.3),
      });
      const c = caster({ mana: rng.range(0, 150), mastery: new Map([['arcane_bolt', { uses: rng.int(0, 1000) }]]) });
      const t = rng.chance(0.5)
        ? { kind: 'npc' as const, id: 'n', x: rng.range(-30, 30), y: 64, z: rng.range(-30, 30), alive: rng.chance(0.9) }
        : { kind: 'point' as const, x: rng.range(-30, 30), y: 64, z: rng.range(-30, 30) };
      const env: EnvironmentContext = { biome: rng.int(0, 6), hour: rng.range(0, 24), leyline: { distance: rng.range(0, 30), strength: rng.next() } };
      const r = resolveCast({ spell: s, caster: c, target: t, now: NOW, env, candidates: [t.kind === 'npc' ? t : wolf] });
      if (!r.ok) continue;
      accepted++;
      assert.ok(r.manaSpent <= c.mana, `spent ${r.manaSpent} of ${c.mana}`);
      assert.ok(r.manaSpent >= 0);
      assert.ok(r.effects.every((e) => e.amount >= 0 && Number.isFinite(e.amount)));
      assert.ok(r.cooldownUntil >= NOW);
      assert.ok(r.corruptionGained >= 0);
    }
    assert.ok(accepted > 200, `only ${accepted} accepted`);
  });
});

describe('game magic: mastery', () => {
  it('levels grow with diminishing returns, capped at 10', () => {
    assert.deepEqual([0, 4, 5, 19, 20, 44, 45, 80, 405, 10_000].map(masteryLevel), [1, 1, 2, 2, 3, 3, 4, 5, 10, 10]);
  });

  it('is monotone: cost and cooldown never rise, effect never falls as casts accumulate', () => {
    const s = spell({ manaCost: 50, cooldownMs: 10_000 });
    let prev = { cost: Infinity, cd: Infinity, mastery: 0 };
    for (let uses = 0; uses <= 500; uses++) {
      const m = masteryState(uses);
      const cur = { cost: castCost(s, m.level), cd: castCooldownMs(s, m.level), mastery: m.mastery };
      assert.ok(cur.cost <= prev.cost && cur.cd <= prev.cd && cur.mastery >= prev.mastery, `uses ${uses}`);
      prev = cur;
    }
    assert.equal(prev.cost, 36.5); // 50 × 0.73
    assert.equal(prev.cd, 6400); // 10 000 × 0.64
    assert.equal(prev.mastery, 1.45);
  });

  it('a master pays less, waits less and hits harder', () => {
    const novice = ok(resolveCast({ spell: spell(), caster: caster(), target: wolf, now: NOW, env: NEUTRAL_ENV }));
    const master = ok(
      resolveCast({ spell: spell(), caster: caster({ mastery: new Map([['arcane_bolt', { uses: 405 }]]) }), target: wolf, now: NOW, env: NEUTRAL_ENV }),
    );
    assert.ok(master.manaSpent < novice.manaSpent);
    assert.ok(master.cooldownUntil < novice.cooldownUntil);
    assert.ok(master.effects[0]!.amount > novice.effects[0]!.amount);
    assert.deepEqual(master.masteryAfter, { uses: 406, level: 10, mastery: 1.45 });
  });
});

describe('game magic: mana regeneration', () => {
  it('regenerates 2% of max per second plus 0.1 per spirit', () => {
    assert.equal(regenMana({ mana: 0, maxMana: 100 }, 1000), 2);
    assert.equal(regenMana({ mana: 0, maxMana: 100, spirit: 10 }, 1000), 3);
    assert.equal(regenMana({ mana: 10, maxMana: 100 }, 50), 10.1); // one 20 Hz tick
  });

  it('caps at the (corruption-lowered) max and ignores bad dt', () => {
    assert.equal(regenMana({ mana: 99.5, maxMana: 100 }, 10_000), 100);
    assert.equal(regenMana({ mana: 90, maxMana: 100, corruption: 40 }, 1000), 80);
    assert.equal(regenMana({ mana: 10, maxMana: 100 }, -5000), 10);
    assert.equal(regenMana({ mana: 10, maxMana: 100 }, Number.NaN), 10);
  });

  it('ticks add up to the same as one long step (until the cap)', () => {
    let m = 0;
    for (let i = 0; i < 100; i++) m = regenMana({ mana: m, maxMana: 150, spirit: 8 }, 50);
    assert.ok(Math.abs(m - regenMana({ mana: 0, maxMana: 150, spirit: 8 }, 5000)) < 1e-9);
  });
});

describe('game corruption', () => {
  it('character corruption is clamped 0..100 and decays slowly', () => {
    assert.equal(gainCorruption(98, 5), 100);
    assert.equal(gainCorruption(10, -5), 10);
    assert.equal(decayCorruption(10, 60_000), 9.5);
    assert.equal(decayCorruption(0.2, 60_000), 0);
  });

  it('lowers max mana, up to −50% at 100', () => {
    assert.equal(effectiveMaxMana(200, 0), 200);
    assert.equal(effectiveMaxMana(200, 50), 150);
    assert.equal(effectiveMaxMana(200, 100), 100);
    assert.equal(effectiveMaxMana(200, 500), 100);
    let prev = Infinity;
    for (let c = 0; c <= 100; c += 5) {
      const m = effectiveMaxMana(120, c);
      assert.ok(m <= prev);
      prev = m;
    }
  });

  it('the region accumulator decays with its half-life', () => {
    const s = addRegionCorruption(newRegionCorruption(NOW), 80, NOW);
    assert.equal(regionCorruptionAt(s, NOW), 80);
    assert.ok(Math.abs(regionCorruptionAt(s, NOW + REGION_CORRUPTION_HALF_LIFE_MS) - 40) < 1e-9);
    assert.equal(purifyRegion(s, 500, NOW).points, 0);
  });

  it('starts an event past the threshold once, not every tick, and again after the cooldown', () => {
    let s: RegionCorruption = newRegionCorruption(NOW);
    let t = NOW;
    const starts: number[] = [];
    const tick = () => {
      const r = regionCorruptionEvent(s, t);
      s = r.state;
      if (r.start) {
        assert.equal(r.start.kind, 'corruption');
        assert.ok(r.start.until > t && r.start.text.length > 0);
        starts.push(t);
      }
    };
    // 30 dark casts of 3 points: below the threshold, no event.
    for (let i = 0; i < 30; i++, t += 50) {
      s = addRegionCorruption(s, 3, t);
      tick();
    }
    assert.deepEqual(starts, []);
    assert.ok(regionCorruptionAt(s, t) < REGION_CORRUPTION_THRESHOLD);
    // More dark casts push it over: exactly one event over many ticks.
    for (let i = 0; i < 10; i++, t += 50) s = addRegionCorruption(s, 3, t);
    const crossedAt = t;
    for (let i = 0; i < 200; i++, t += 50) {
      s = addRegionCorruption(s, 1, t); // the warlock keeps going
      tick();
    }
    assert.deepEqual(starts, [crossedAt]);
    // Kept corrupt: the next event comes right after the cooldown, not before.
    while (t <= crossedAt + REGION_CORRUPTION_COOLDOWN_MS) {
      s = addRegionCorruption(s, 1, t);
      tick();
      t += 1000;
    }
    assert.equal(starts.length, 2);
    assert.ok(starts[1]! >= crossedAt + REGION_CORRUPTION_COOLDOWN_MS - 1000);
    assert.ok(starts[1]! - starts[0]! >= REGION_CORRUPTION_COOLDOWN_MS);
  });

  it('a region left alone decays below the threshold and stays quiet', () => {
    let s = addRegionCorruption(newRegionCorruption(NOW), 150, NOW);
    const first = regionCorruptionEvent(s, NOW);
    assert.ok(first.start);
    s = first.state;
    const later = regionCorruptionEvent(s, NOW + REGION_CORRUPTION_COOLDOWN_MS + 1);
    assert.equal(later.start, undefined, '150 halves to ~53 within the cooldown');
  });
});

describe('game magic: with the shipped content', () => {
  // Compile-time: the content's defs fit the rules' structural input types.
  const content = loadContent();
  const asLike: readonly SpellLike[] = content.spells;

  it('every spell resolves for a caster who knows it, with sane numbers', () => {
    const wolfNear = { ...wolf, x: 2 };
    for (const s of asLike) {
      const target =
        s.target === 'point'
          ? { kind: 'point' as const, x: 2, y: 64, z: 0 }
          : s.target === 'enemy' || s.target === 'npc'
            ? wolfNear
            : undefined;
      const r = resolveCast({
        spell: s,
        caster: caster({ knownSpells: [s.id], mana: 10_000 }),
        target,
        now: NOW,
        env: NEUTRAL_ENV,
        candidates: [wolfNear, { kind: 'character', id: 'c2', x: 1, y: 64, z: 1, alive: true }],
      });
      assert.equal(r.ok, true, `${s.id}: ${r.ok ? '' : r.code}`);
      if (!r.ok) continue;
      assert.ok(r.manaSpent <= s.manaCost && r.manaSpent >= 0, s.id);
      assert.equal(r.corruptionGained > 0, s.dark, s.id);
      if (r.ritual) {
        assert.deepEqual(r.effects, []);
        continue;
      }
      assert.ok(r.effects.length > 0, `${s.id} has effects`);
      for (const e of r.effects) {
        assert.ok(e.amount >= 0, s.id);
        const harmful = e.kind === 'damage' || e.kind === 'debuff' || e.kind === 'drain';
        if (harmful) assert.notEqual(e.targetId, 'c1', `${s.id} must not harm its caster`);
      }
    }
  });

  it('self-centred area damage hits those around, never the caster; summons name their kind', () => {
    const around = [wolf, { ...wolf, id: 'n2', x: 2 }];
    const thunderclap = spell({ id: 'thunderclap', target: 'self', range: 0, area: 6, element: 'storm' });
    const r = ok(resolveCast({ spell: thunderclap, caster: caster({ knownSpells: ['thunderclap'] }), now: NOW, env: NEUTRAL_ENV, candidates: around }));
    assert.deepEqual(r.effects.map((e) => e.targetId), ['n1', 'n2']);
    const callWolf = spell({ id: 'call_wolf', effect: 'summon', target: 'point', summonKind: 'wolf', durationMs: 60_000 });
    const s = ok(
      resolveCast({ spell: callWolf, caster: caster({ knownSpells: ['call_wolf'] }), target: { kind: 'point', x: 3, y: 64, z: 0 }, now: NOW, env: NEUTRAL_ENV }),
    );
    assert.deepEqual(s.effects, [{ kind: 'summon', amount: 12, x: 3, y: 64, z: 0, durationMs: 60_000, summonKind: 'wolf' }]);
    const ward = spell({ id: 'ward', effect: 'shield', target: 'self', range: 0, durationMs: 8000 });
    assert.deepEqual(ok(resolveCast({ spell: ward, caster: caster({ knownSpells: ['ward'] }), now: NOW, env: NEUTRAL_ENV })).effects, [
      { kind: 'shield', targetId: 'c1', targetKind: 'character', amount: 12, durationMs: 8000 },
    ]);
  });

  it('a purify ritual heals around and removes region corruption', () => {
    const purify = spell({ id: 'purify', effect: 'heal', target: 'self', range: 0, area: 32, ritual: true, ritualKind: 'purify', element: 'life', power: 50 });
    const done = resolveRitual({
      spell: purify,
      casterId: 'c1',
      casterPos: { x: 0, y: 64, z: 0 },
      aim: { x: 0, y: 64, z: 0 },
      masteryUses: 0,
      env: NEUTRAL_ENV, // life at 06:00 on plains: ×1.2 biome, ×1 time
      candidates: [{ kind: 'character', id: 'c2', x: 5, y: 64, z: 5, alive: true }, wolf],
    });
    assert.deepEqual(done.effects.map((e) => [e.kind, e.targetId ?? null, e.amount]), [
      ['heal', 'c2', 60],
      ['heal', 'c1', 60],
      ['purify', null, 60],
    ]);
  });
});
