/** Wire state round trips: encode → decode → equal, and owner-only fields stay with their owner. */
import assert from 'node:assert/strict';
import { Decoder, Encoder, StateView } from '@colyseus/schema';
import { CharacterState, ChunkState, OWNER, RegionState } from '../schema/index.js';
import { VoxelWorld, blockToChunk, chunkKey, Block } from '../src/world/index.js';
import { CHARACTER_FIELDS, CHARACTER_FIELD_NAMES } from '../src/game/character.js';

/** What a client joining with `view` receives as its full state (as Colyseus' SchemaSerializer builds it). */
function fullSync(encoder: Encoder<RegionState>, view: StateView): RegionState {
  const buffer = new Uint8Array(64 * 1024);
  const it = { offset: 0 };
  encoder.encodeAll(it, buffer);
  const body = encoder.encodeAllView(view, it.offset, { ...it }, buffer);
  const decoded = new RegionState();
  new Decoder(decoded).decode(body);
  return decoded;
}

describe('wire schema', () => {
  it('a chunk’s edits round-trip through the schema and rebuild the same blocks', () => {
    const seed = 99;
    const world = new VoxelWorld(seed);
    const edits: [number, number, number, number][] = [[3, 70, 5, Block.STONE], [3, 71, 5, Block.GLASS], [15, 64, 15, Block.AIR], [0, 79, 0, Block.PLANKS]];
    for (const [x, y, z, b] of edits) world.setBlock(x, y, z, b);
    const state = new RegionState();
    for (const key of world.editedChunkKeys()) {
      const [cx, cy, cz] = key.split(',').map(Number) as [number, number, number];
      const chunk = Object.assign(new ChunkState(), { cx, cy, cz, version: 7 });
      for (const [i, b] of world.editsOf(key)) chunk.edits.set(String(i), b);
      state.chunks.set(key, chunk);
    }
    const encoder = new Encoder(state); // views bind to the encoder's root: create it first
    const view = new StateView();
    state.chunks.forEach((c) => view.add(c));
    const decoded = fullSync(encoder, view);
    assert.deepEqual(decoded.chunks.toJSON(), state.chunks.toJSON());

    // A client rebuilds terrain from the seed and applies the decoded edits: same blocks as the server.
    const client = new VoxelWorld(seed);
    decoded.chunks.forEach((c, key) => client.loadEdits(key, [...c.edits.entries()].map(([i, b]) => [Number(i), b] as const)));
    for (const [x, y, z] of edits) assert.equal(client.getBlock(x, y, z), world.getBlock(x, y, z));
    const b = blockToChunk(3, 70, 5);
    assert.equal(decoded.chunks.get(chunkKey(b.cx, b.cy, b.cz))!.version, 7);
  });

  it('owner-only fields reach only a view that holds the OWNER tag', () => {
    const state = Object.assign(new RegionState(), { worldId: 'w', rx: -3, rz: 4, tick: 12, timeOfDay: 6.5 });
    const c = Object.assign(new CharacterState(), { id: 'c1', name: 'Ayla', x: 123456.125, y: 64, z: -0.5, xp: 42, hp: 10, maxHp: 10 });
    c.knownSpells.push('spark');
    c.cooldowns.set('spark', 1_800_000_000_000);
    state.characters.set('c1', c);
    const encoder = new Encoder(state);

    const owner = new StateView();
    owner.add(c);
    owner.add(c, OWNER);
    const mine = fullSync(encoder, owner).characters.get('c1')!;
    assert.equal(mine.xp, 42);
    assert.deepEqual([...mine.knownSpells], ['spark']);
    assert.equal(mine.cooldowns.get('spark'), 1_800_000_000_000);
    assert.equal(mine.x, 123456.125, 'positions are exact far from the origin (float64)');

    const other = new StateView();
    other.add(c);
    const theirs = fullSync(encoder, other);
    assert.deepEqual([theirs.worldId, theirs.rx, theirs.rz, theirs.tick, theirs.timeOfDay], ['w', -3, 4, 12, 6.5]);
    const seen = theirs.characters.get('c1')!;
    assert.equal(seen.name, 'Ayla');
    assert.equal(seen.xp, undefined, 'xp is not sent to others');
    assert.equal(seen.knownSpells, undefined);
    assert.equal(seen.cooldowns, undefined);

    assert.equal(fullSync(encoder, new StateView()).characters.size, 0, 'a view without the character sees none');
  });

  it('CharacterState carries exactly the record\'s wire fields (src/game/character.ts), each with its audience', () => {
    const metadata = (CharacterState as unknown as { [Symbol.metadata]: Record<string, { name: string; tag?: number }> })[Symbol.metadata];
    const fields = new Map(Object.values(metadata).filter((f) => typeof f === 'object' && f && 'name' in f).map((f) => [f.name, f.tag]));
    const identity = ['id', 'name', 'characterClass'];
    const wire = CHARACTER_FIELD_NAMES.filter((f) => CHARACTER_FIELDS[f].wire);
    assert.deepEqual([...fields.keys()].sort(), [...identity, ...wire].sort(), 'schema fields = identity + wire fields of the record');
    for (const f of wire) {
      const owner = CHARACTER_FIELDS[f].wire === 'owner';
      assert.equal(fields.get(f) === OWNER, owner, `${f} is ${owner ? 'owner-only' : 'public'} in the record; the schema must agree`);
    }
  });
});
