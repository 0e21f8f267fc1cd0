import assert from 'node:assert/strict';
import {
  biomeFactor,
  environmentFactor,
  leylineFactor,
  timeOfDayFactor,
  ENV_TOTAL_MAX,
  ENV_TOTAL_MIN,
  LEYLINE_REACH,
} from '../src/game/environment.js';
import {
  distanceToSegment,
  leylineProximity,
  leylinesForRegion,
  leylineStrength,
  leylineStrengths,
  smoothWave,
  LEYLINE_MIN_LENGTH,
} from '../src/game/leylines.js';
import { Rng } from '../src/game/random.js';
import { Biome, BIOME_NAMES, regionBounds } from '../src/world/index.js';

const SEED = 12345;
const T0 = 1_700_000_000_000;

describe('game leylines', () => {
  it('2–4 segments per region, inside its 128×128 blocks, at least 48 long, deterministic', () => {
    for (let rx = -3; rx <= 3; rx++) {
      for (let rz = -3; rz <= 3; rz++) {
        const lines = leylinesForRegion(SEED, rx, rz);
        assert.deepEqual(lines, leylinesForRegion(SEED, rx, rz));
        assert.ok(lines.length >= 2 && lines.length <= 4);
        const b = regionBounds(rx, rz);
        for (const [i, l] of lines.entries()) {
          assert.equal(l.id, `ley:${rx},${rz}:${i}`);
          for (const x of [l.x1, l.x2]) assert.ok(x >= b.minX && x <= b.maxX);
          for (const z of [l.z1, l.z2]) assert.ok(z >= b.minZ && z <= b.maxZ);
          assert.ok(Math.hypot(l.x2 - l.x1, l.z2 - l.z1) >= LEYLINE_MIN_LENGTH);
          assert.ok(l.baseStrength >= 0.4 && l.baseStrength <= 1);
        }
      }
    }
    assert.notDeepEqual(leylinesForRegion(SEED, 0, 0), leylinesForRegion(SEED + 1, 0, 0));
  });

  it('strength drifts smoothly within [0.5·base, base]', () => {
    const [line] = leylinesForRegion(SEED, 0, 0);
    let prev = leylineStrength(line!.baseStrength, line!.id, T0);
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = T0; t < T0 + 3_600_000; t += 1000) {
      const s = leylineStrength(line!.baseStrength, line!.id, t);
      assert.ok(s >= 0.5 * line!.baseStrength - 1e-12 && s <= line!.baseStrength + 1e-12);
      assert.ok(Math.abs(s - prev) < 0.01, 'no jumps between seconds');
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
      prev = s;
    }
    assert.ok(hi - lo > 0.2 * line!.baseStrength, 'it does drift over an hour');
    assert.ok(leylineStrength(1, 'a', T0) !== leylineStrength(1, 'b', T0), 'per-line phases');
    assert.ok(leylineStrength(5, 'a', T0) <= 1);
  });

  it('smoothWave is periodic and within 0..1', () => {
    for (let p = -3; p < 3; p += 0.01) {
      const w = smoothWave(p);
      assert.ok(w >= 0 && w <= 1);
      assert.ok(Math.abs(w - smoothWave(p + 1)) < 1e-9);
    }
  });

  it('proximity: distance to the nearest segment and its strength', () => {
    const lines = [
      { id: 'a', x1: 0, z1: 0, x2: 100, z2: 0, baseStrength: 1 },
      { id: 'b', x1: 0, z1: 50, x2: 0, z2: 100, baseStrength: 0.5 },
    ];
    assert.equal(distanceToSegment(50, 10, lines[0]!), 10);
    assert.equal(distanceToSegment(-3, -4, lines[0]!), 5, 'beyond an endpoint: distance to it');
    const p = leylineProximity(50, 10, lines, T0);
    assert.equal(p.distance, 10);
    assert.equal(p.lineId, 'a');
    assert.equal(p.strength, leylineStrength(1, 'a', T0));
    assert.equal(leylineProximity(2, 60, lines, T0).lineId, 'b');
    assert.deepEqual(leylineProximity(0, 0, [], T0), { distance: Infinity, strength: 0 });
    assert.equal(leylineStrengths(lines, T0).get('b'), leylineStrength(0.5, 'b', T0));
  });
});

describe('game environment', () => {
  const far = { distance: Infinity, strength: 0 };

  it('fire is weaker in snow and water than in desert; frost the reverse', () => {
    assert.ok(biomeFactor('fire', Biome.SNOW) < biomeFactor('fire', Biome.DESERT));
    assert.ok(biomeFactor('fire', Biome.WATER) < biomeFactor('fire', Biome.PLAINS));
    assert.ok(biomeFactor('fire', Biome.DESERT) > 1);
    assert.ok(biomeFactor('frost', Biome.SNOW) > biomeFactor('frost', Biome.DESERT));
    assert.ok(biomeFactor('lightning', Biome.MOUNTAINS) > 1, 'lightning is storm');
    assert.ok(biomeFactor('storm', Biome.WATER) > 1);
    assert.ok(biomeFactor('earth', Biome.MOUNTAINS) > 1 && biomeFactor('earth', Biome.PLAINS) > 1);
    assert.ok(biomeFactor('nature', Biome.FOREST) > 1, 'nature is life');
    assert.equal(biomeFactor('fire', 'snow'), biomeFactor('fire', Biome.SNOW), 'names and ids agree');
    assert.equal(biomeFactor('arcane', Biome.SNOW), 1);
    assert.equal(biomeFactor('unheard_of', Biome.SNOW), 1);
    const fireSnow = environmentFactor({ element: 'fire', biome: Biome.SNOW, hour: 12, leyline: far });
    const fireDesert = environmentFactor({ element: 'fire', biome: Biome.DESERT, hour: 12, leyline: far });
    assert.ok(fireSnow.total < fireDesert.total);
  });

  it('shadow peaks at midnight, fire and life at noon', () => {
    assert.ok(timeOfDayFactor('shadow', 0) > timeOfDayFactor('shadow', 12));
    assert.equal(timeOfDayFactor('shadow', 0), 1.25);
    assert.equal(timeOfDayFactor('shadow', 12), 0.75);
    assert.ok(timeOfDayFactor('fire', 12) > timeOfDayFactor('fire', 0));
    assert.ok(timeOfDayFactor('nature', 12) > timeOfDayFactor('nature', 0));
    assert.equal(timeOfDayFactor('arcane', 3), 1);
    assert.equal(timeOfDayFactor('shadow', 24), timeOfDayFactor('shadow', 0));
    for (let h = 0; h < 12; h += 0.25) assert.ok(timeOfDayFactor('shadow', h + 0.25) <= timeOfDayFactor('shadow', h), 'monotone to noon');
  });

  it('the leyline bonus decays with distance, vanishes past 16 blocks and scales with strength', () => {
    assert.equal(leylineFactor('fire', { distance: 0, strength: 1 }), 1.5);
    assert.equal(leylineFactor('arcane', { distance: 0, strength: 1 }), 1.75);
    assert.equal(leylineFactor('physical', { distance: 0, strength: 1 }), 1);
    assert.equal(leylineFactor('fire', { distance: LEYLINE_REACH, strength: 1 }), 1);
    assert.equal(leylineFactor('fire', { distance: 100, strength: 1 }), 1);
    let prev = Infinity;
    for (let d = 0; d <= 20; d += 0.5) {
      const f = leylineFactor('fire', { distance: d, strength: 0.8 });
      assert.ok(f <= prev && f >= 1);
      prev = f;
    }
    assert.ok(leylineFactor('fire', { distance: 4, strength: 1 }) > leylineFactor('fire', { distance: 4, strength: 0.5 }));
    assert.equal(leylineFactor('fire', { distance: 4, strength: 0 }), 1);
  });

  it('total is the product of the factors, clamped to a sane range', () => {
    const f = environmentFactor({ element: 'fire', biome: Biome.DESERT, hour: 12, leyline: { distance: 0, strength: 1 } });
    assert.equal(f.leyline, 1.5);
    assert.equal(f.biome, 1.3);
    assert.equal(f.timeOfDay, 1.1);
    assert.ok(Math.abs(f.total - 1.5 * 1.3 * 1.1) < 1e-12);
    const rng = new Rng(99);
    for (let i = 0; i < 5000; i++) {
      const e = environmentFactor({
        element: rng.pick(['fire', 'frost', 'shadow', 'arcane', 'light', 'life', 'storm', 'earth', 'water', 'x'])!,
        biome: rng.pick([...BIOME_NAMES.keys(), 'swamp'])!,
        hour: rng.range(-24, 48),
        leyline: { distance: rng.range(-1, 30), strength: rng.range(-1, 2) },
      });
      assert.ok(e.total >= ENV_TOTAL_MIN && e.total <= ENV_TOTAL_MAX && Number.isFinite(e.total));
      assert.ok(e.leyline >= 1 && e.biome > 0 && e.timeOfDay > 0);
    }
  });
});
