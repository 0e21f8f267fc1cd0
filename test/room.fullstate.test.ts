/**
 * rooms/fullstate.ts: a full state written from what a client is shown decodes to exactly what Colyseus' own
 * full state (encodeAll + encodeAllView of an equal view) decodes to, in every state an entity can be in at a
 * join: settled, new since the last patch, changed since it, removed from its map, its strings changed.
 */
import assert from 'node:assert/strict';
import { Decoder, Encoder, StateView, type Schema } from '@colyseus/schema';
import { Protocol } from '@colyseus/core';
import { CharacterState, ChunkState, LeylineState, NpcState, OWNER, RegionState } from '../schema/index.js';
import { FullStateWriter } from '../rooms/fullstate.js';

function character(id: string, x: number): CharacterState {
  const c = Object.assign(new CharacterState(), { id, name: `n-${id}`, characterClass: 'mage', level: 3, x, y: 64.5, z: -x / 2, yaw: 1.25, hp: 17, maxHp: 20, corruption: 0.5, mana: 40, maxMana: 50, xp: 1234 });
  c.knownSpells.push('spark', 'ward');
  c.cooldowns.set('spark', 1_800_000_000_000 + x);
  return c;
}

function world() {
  const state = Object.assign(new RegionState(), { worldId: 'w-1', rx: -1, rz: 2, tick: 40, timeOfDay: 7.25 });
  state.leylines.push(Object.assign(new LeylineState(), { id: 'l1', x1: 1, z1: 2, x2: 30, z2: 40, strength: 0.75 }));
  state.leylines.push(Object.assign(new LeylineState(), { id: 'l2', x1: -5, z1: 0, x2: 9, z2: 9, strength: 0.25 }));
  for (let i = 0; i < 6; i++) state.characters.set(`c${i}`, character(`c${i}`, 10 + i));
  for (let i = 0; i < 3; i++) state.npcs.set(`n${i}`, Object.assign(new NpcState(), { id: `n${i}`, kind: 'wolf', x: i, y: 65, z: 2 * i, hp: 8, maxHp: 8 }));
  const chunk = Object.assign(new ChunkState(), { cx: -8, cy: 4, cz: 16, version: 3 });
  chunk.edits.set('17', 4);
  chunk.edits.set('300', 0);
  state.chunks.set('-8,4,16', chunk);
  const encoder = new Encoder(state);
  return { state, encoder, writer: new FullStateWriter(encoder, OWNER) };
}

/** Colyseus' own full state for a client with the personal view (own character, OWNER) and a cell view showing `shown`. */
function stock(encoder: Encoder<RegionState>, me: CharacterState, shown: Schema[]): RegionState {
  const buffer = new Uint8Array(256 * 1024);
  const personal = new StateView();
  personal.add(me);
  personal.add(me, OWNER);
  const cell = new StateView();
  for (const e of shown) cell.add(e);
  const it = { offset: 0 };
  encoder.encodeAll(it, buffer);
  const shared = it.offset;
  const a = encoder.encodeAllView(personal, shared, { ...it }, buffer);
  const b = encoder.encodeAllView(cell, shared, { ...it }, buffer);
  const decoded = new RegionState();
  const decoder = new Decoder(decoded);
  decoder.decode(a);
  decoder.decode(b.subarray(shared));
  personal.dispose();
  cell.dispose();
  return decoded;
}

function written(writer: FullStateWriter, state: RegionState, me: CharacterState, shown: Schema[]): RegionState {
  const frame = writer.write(Protocol.ROOM_STATE, state, shown, me);
  assert.equal(frame[0], Protocol.ROOM_STATE);
  const decoded = new RegionState();
  new Decoder(decoded).decode(frame.subarray(1));
  return decoded;
}

const json = (s: RegionState) => JSON.parse(JSON.stringify(s.toJSON())) as Record<string, unknown>;

describe('full state written from what a client is shown (rooms/fullstate.ts)', () => {
  it('decodes to what Colyseus’ own full state decodes to, settled, after changes, with new and removed entities', () => {
    const { state, encoder, writer } = world();
    const me = state.characters.get('c0')!;
    const shownOf = () => [state.characters.get('c1'), state.characters.get('c2'), state.characters.get('c0'), state.npcs.get('n1'), state.chunks.get('-8,4,16')].filter((e): e is NonNullable<typeof e> => !!e) as Schema[];

    // Everything new (the first join of a room).
    let ours = json(written(writer, state, me, shownOf()));
    assert.deepEqual(ours, json(stock(encoder, me, shownOf())));
    assert.deepEqual(Object.keys(ours.characters as object).sort(), ['c0', 'c1', 'c2']);
    assert.equal((ours.characters as Record<string, { mana?: number }>).c0!.mana, 40, 'own owner-only fields');
    assert.equal((ours.characters as Record<string, { mana?: number }>).c1!.mana, undefined, 'no one else’s');
    assert.deepEqual(Object.keys(ours.npcs as object), ['n1']);
    assert.equal((ours.leylines as unknown[]).length, 2);
    assert.equal((ours.chunks as Record<string, { edits: Record<string, number> }>)['-8,4,16']!.edits['300'], 0);

    // Settled (a patch went out), then changed since: positions, a string, an edit, a new character shown, one removed.
    encoder.discardChanges();
    for (const c of state.characters.values()) c.x += 0.5;
    state.characters.get('c1')!.name = 'renamed';
    state.characters.get('c1')!.level = 4;
    state.chunks.get('-8,4,16')!.edits.set('18', 7);
    state.leylines[0]!.strength = 0.5;
    state.tick = 41;
    me.mana = 12;
    me.cooldowns.set('ward', 5);
    const gone = state.characters.get('c2')!;
    state.characters.delete('c2');
    state.characters.set('c9', character('c9', 99));
    const shown = [...shownOf(), gone, state.characters.get('c9')!];
    ours = json(written(writer, state, me, shown));
    assert.deepEqual(ours, json(stock(encoder, me, shownOf().concat(state.characters.get('c9')!))));
    const chars = ours.characters as Record<string, { name: string; x: number; mana?: number; cooldowns?: Record<string, number> }>;
    assert.deepEqual(Object.keys(chars).sort(), ['c0', 'c1', 'c9'], 'a removed entity is left out');
    assert.equal(chars.c1!.name, 'renamed', 'a changed string is written anew, not the kept one');
    assert.equal(chars.c1!.x, 11.5);
    assert.equal(chars.c0!.mana, 12);
    assert.equal(chars.c0!.cooldowns!.ward, 5);
  });

  it('long and multi-byte strings (a name of 3000 two-byte and four-byte characters) are written whole', () => {
    const { state, encoder, writer } = world();
    const long = character('c-long', 5);
    long.name = 'ж'.repeat(1500) + '🜂'.repeat(750);
    state.characters.set('c-long', long);
    const me = state.characters.get('c0')!;
    const shown = [long, state.characters.get('c1')!] as Schema[];
    for (let round = 0; round < 2; round++) {
      const ours = json(written(writer, state, me, shown));
      assert.deepEqual(ours, json(stock(encoder, me, shown)));
      assert.equal((ours.characters as Record<string, { name: string }>)['c-long']!.name, long.name);
      encoder.discardChanges();
    }
  });

  it('the same writer serves clients with different views and own characters one after another', () => {
    const { state, encoder, writer } = world();
    encoder.discardChanges();
    const all = [...state.characters.values(), ...state.npcs.values()];
    for (const [id, shown] of [['c3', all.slice(2, 5)], ['c4', all], ['c0', []]] as const) {
      const me = state.characters.get(id)!;
      const ours = json(written(writer, state, me, [...shown]));
      assert.deepEqual(ours, json(stock(encoder, me, [...shown])));
      const chars = ours.characters as Record<string, { xp?: number }>;
      for (const [cid, c] of Object.entries(chars)) assert.equal(c.xp !== undefined, cid === id, `${cid}: owner-only fields only for ${id}`);
    }
  });
});
