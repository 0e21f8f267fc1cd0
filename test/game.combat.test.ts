import assert from 'node:assert/strict';
import { applyDamage, applyHeal, isAlive, levelForXp, respawnAt, respawnState, RESPAWN_DELAY_MS } from '../src/game/combat.js';
import { Rng } from '../src/game/random.js';

describe('game combat', () => {
  it('damage comes off hp; a hit that reaches 0 kills, once', () => {
    assert.deepEqual(applyDamage({ hp: 50, maxHp: 80 }, 20), { hp: 30, shieldLeft: 0, absorbed: 0, dealt: 20, died: false });
    const kill = applyDamage({ hp: 10, maxHp: 80 }, 25);
    assert.deepEqual(kill, { hp: 0, shieldLeft: 0, absorbed: 0, dealt: 10, died: true });
    const again = applyDamage({ hp: 0, maxHp: 80 }, 25);
    assert.equal(again.died, false, 'the dead do not die twice');
    assert.equal(again.dealt, 0);
  });

  it('a shield absorbs first', () => {
    assert.deepEqual(applyDamage({ hp: 50, maxHp: 80, shield: 15 }, 10), { hp: 50, shieldLeft: 5, absorbed: 10, dealt: 0, died: false });
    assert.deepEqual(applyDamage({ hp: 50, maxHp: 80, shield: 15 }, 40), { hp: 25, shieldLeft: 0, absorbed: 15, dealt: 25, died: false });
  });

  it('negative, NaN and infinite damage do nothing harmful', () => {
    assert.equal(applyDamage({ hp: 50, maxHp: 80 }, -20).hp, 50);
    assert.equal(applyDamage({ hp: 50, maxHp: 80 }, Number.NaN).hp, 50);
    assert.equal(applyDamage({ hp: 50, maxHp: 80 }, Infinity).hp, 50);
  });

  it('healing is capped at max hp and does not raise the dead', () => {
    assert.deepEqual(applyHeal({ hp: 50, maxHp: 80 }, 20), { hp: 70, healed: 20 });
    assert.deepEqual(applyHeal({ hp: 70, maxHp: 80 }, 20), { hp: 80, healed: 10 });
    assert.deepEqual(applyHeal({ hp: 0, maxHp: 80 }, 20), { hp: 0, healed: 0 });
    assert.deepEqual(applyHeal({ hp: 50, maxHp: 80 }, -20), { hp: 50, healed: 0 });
  });

  it('property: hp stays within 0..maxHp under any sequence of hits and heals', () => {
    const rng = new Rng(77);
    let c = { hp: 100, maxHp: 100, shield: 30 };
    let deaths = 0;
    for (let i = 0; i < 5000; i++) {
      if (!isAlive(c)) c = { ...c, hp: c.maxHp, shield: 0 }; // respawn
      if (rng.chance(0.6)) {
        const r = applyDamage(c, rng.range(-10, 60));
        if (r.died) deaths++;
        c = { ...c, hp: r.hp, shield: r.shieldLeft };
      } else {
        c = { ...c, hp: applyHeal(c, rng.range(-10, 60)).hp };
      }
      assert.ok(c.hp >= 0 && c.hp <= c.maxHp && c.shield >= 0);
    }
    assert.ok(deaths > 10);
  });

  it('respawn: after the delay, full hp, half of the effective max mana, at the spawn', () => {
    assert.equal(respawnAt(1000), 1000 + RESPAWN_DELAY_MS);
    const spawn = { x: 8.5, y: 70, z: 8.5 };
    assert.deepEqual(respawnState({ maxHp: 120, maxMana: 80 }, spawn), { hp: 120, mana: 40, shield: 0, x: 8.5, y: 70, z: 8.5 });
    assert.equal(respawnState({ maxHp: 120, maxMana: 80, corruption: 100 }, spawn).mana, 20);
  });

  it('levels from xp', () => {
    assert.deepEqual([0, 99, 100, 399, 400, 8100].map(levelForXp), [1, 1, 2, 2, 3, 10]);
  });
});
