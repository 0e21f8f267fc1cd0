/**
 * rooms/sync.ts syncCharacter, without a server: the state object ends equal to the live character's wire
 * values after every kind of change, writes (and so encodes) nothing when nothing changed, and says when an
 * owner-only field changed. It compares the collections with what it last wrote into them, not the
 * collections themselves: the cases below change them in place, replace them, and start from a state object
 * that already holds values (a ghost copy adopted at a handoff).
 */
import assert from 'node:assert/strict';
import { Encoder } from '@colyseus/schema';
import { CharacterState, RegionState } from '../schema/index.js';
import { syncCharacter, WireSync } from '../rooms/sync.js';
import { enterWorld, type CharacterRecord, type LiveCharacter } from '../src/game/character.js';

function live(): LiveCharacter {
  const r: CharacterRecord = {
    id: 'c1', userId: 'u1', worldId: 'w1', name: 'Ada', characterClass: 'mage', level: 2, xp: 10, stats: { spirit: 3 },
    x: 10.5, y: 64, z: -3.25, yaw: 0.5, hp: 20, maxHp: 20, mana: 30, maxMana: 40, corruption: 0, knownSpells: ['spark'],
    cooldowns: new Map([['spark', 1000]]), respawnAt: undefined, handoffs: 0, mastery: new Map(),
  };
  return enterWorld(r, 0);
}

/** A state object in a state with an encoder, so that writes are recorded as changes. */
function stateObject(): { st: CharacterState; encoder: Encoder } {
  const state = new RegionState();
  const st = Object.assign(new CharacterState(), { id: 'c1' });
  state.characters.set('c1', st);
  const encoder = new Encoder(state);
  encoder.discardChanges();
  return { st, encoder };
}

function assertMirrors(st: CharacterState, c: LiveCharacter): void {
  assert.deepEqual([...st.knownSpells], c.knownSpells);
  assert.deepEqual(new Map(st.cooldowns), c.cooldowns);
  assert.equal(st.x, Math.round(c.x * 32) / 32);
  assert.equal(st.mana, c.mana);
  assert.equal(st.level, c.level);
}

describe('syncCharacter (rooms/sync.ts, no server)', () => {
  it('mirrors every change of the live character, in place or replaced, and reports owner-only ones', () => {
    const { st, encoder } = stateObject();
    const c = live();
    assert.equal(syncCharacter(st, c), true, 'first sync writes owner-only fields');
    assertMirrors(st, c);
    encoder.discardChanges();

    assert.equal(syncCharacter(st, c), false, 'nothing changed');
    assert.equal(encoder.hasChanges, false, 'an unchanged character writes nothing');

    c.x += 1;
    assert.equal(syncCharacter(st, c), false, 'a public field only');
    assertMirrors(st, c);

    c.knownSpells.push('ward'); // in place
    assert.equal(syncCharacter(st, c), true);
    assertMirrors(st, c);
    c.knownSpells[0] = 'frost'; // in place, same length
    assert.equal(syncCharacter(st, c), true);
    assertMirrors(st, c);
    c.knownSpells = ['frost', 'ward']; // replaced, same contents
    assert.equal(syncCharacter(st, c), false);
    c.knownSpells = []; // emptied
    assert.equal(syncCharacter(st, c), true);
    assertMirrors(st, c);

    c.cooldowns.set('spark', 2000); // in place
    assert.equal(syncCharacter(st, c), true);
    c.cooldowns.set('ward', 500); // a new entry
    assert.equal(syncCharacter(st, c), true);
    assertMirrors(st, c);
    encoder.discardChanges();
    c.cooldowns = new Map(c.cooldowns); // replaced, same contents
    assert.equal(syncCharacter(st, c), false);
    assert.equal(encoder.hasChanges, false);
  });

  it('a state object that already holds values (an adopted ghost copy) is compared with what it holds', () => {
    const { st } = stateObject();
    st.knownSpells.push('spark');
    st.cooldowns.set('spark', 999);
    const c = live();
    assert.equal(syncCharacter(st, c), true, 'the cooldown differs');
    assertMirrors(st, c);
    // It walked out (its object became a ghost copy, moved by the other room's frames) and back: addCharacter reads it anew.
    const { st: back } = stateObject();
    const state = new RegionState();
    const wire = new WireSync(state, () => back);
    wire.addCharacter(c);
    back.x = c.x + 7; // a ghost frame
    back.knownSpells.clear();
    wire.addCharacter(c);
    assertMirrors(back, c);
    const { st: other } = stateObject();
    other.knownSpells.push('old', 'older');
    syncCharacter(other, c);
    assertMirrors(other, c);
  });
});
