import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../src/log.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { seedContent } from '../src/db/seed.js';
import { Character } from '../src/db/entities/index.js';
import { WorldStore, type CharacterSnapshot, type ChunkSnapshot } from '../src/persist/store.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { createCharacter } from './support/fixtures.js';

const log = createLogger('silent');


const chunk = (worldId: string, cx: number, cy: number, cz: number, version: number, edits: Record<string, number> = { '0': 1 }): ChunkSnapshot => ({
  worldId, cx, cy, cz, version, edits,
});

describe('persist: WorldStore', () => {
  let db: TestDatabase;
  let orm: Orm;
  let store: WorldStore;
  let worldId: string;

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, log);
    await migrate(orm);
    worldId = (await seedContent(orm.em.fork())).world.id;
    store = new WorldStore(orm.em);
  });
  after(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('loads a world, and nothing for an unknown or malformed id', async () => {
    assert.deepEqual(await store.loadWorld(worldId), { id: worldId, name: 'Aetheria', seed: 1337, worldType: 'overworld' });
    assert.equal(await store.loadWorld(randomUUID()), undefined);
    assert.equal(await store.loadWorld('not-a-uuid'), undefined);
  });

  it('round-trips a character’s live state and leaves its identity alone', async () => {
    const id = await createCharacter(orm, worldId, 'Roundtrip');
    const loaded = await store.loadCharacter(id);
    assert.ok(loaded);
    assert.equal(loaded.name, 'Roundtrip');
    assert.equal(loaded.worldId, worldId);
    assert.deepEqual(loaded.knownSpells, ['arcane_bolt']);

    const next: CharacterSnapshot = {
      ...loaded,
      name: 'Renamed', // not a live-state column: must not be written
      level: 3, xp: 2 ** 40 + 7, stats: { intellect: 14, wisdom: 3 },
      x: -12.125, y: 64.000001, z: 1e-9, yaw: Math.PI,
      hp: 33.3, maxHp: 90, mana: 0.1 + 0.2, maxMana: 130, corruption: 2.5,
      knownSpells: ['arcane_bolt', 'frost_nova', 'it\'s "quoted" \\ ?'],
      cooldowns: new Map([['arcane_bolt', 1_764_000_000_000.5], ['frost_nova', 1_764_000_009_000]]),
      respawnAt: 1_764_000_005_000,
      mastery: new Map([['arcane_bolt', { uses: 12 }]]),
    };
    const res = await store.saveBatch({ characters: [next], chunks: [] });
    assert.deepEqual(res, { characters: 1, chunks: 0, rejected: [] });
    assert.deepEqual(await store.loadCharacter(id), { ...next, name: 'Roundtrip' });
  });

  it('round-trips chunks and keeps a region to its 8×8 chunk columns, negative regions included', async () => {
    const inside = [
      chunk(worldId, -8, 0, -8, 1, { '0': 5, '4095': 7 }),
      chunk(worldId, -1, 7, -1, 1),
      chunk(worldId, -5, 3, -2, 1),
    ];
    const outside = [
      chunk(worldId, 0, 0, -1, 1), // rx 0
      chunk(worldId, -1, 0, 0, 1), // rz 0
      chunk(worldId, -9, 0, -4, 1), // rx -2
      chunk(worldId, -4, 0, -9, 1), // rz -2
    ];
    const res = await store.saveBatch({ characters: [], chunks: [...inside, ...outside] });
    assert.equal(res.chunks, 7);

    const key = (c: ChunkSnapshot) => `${c.cx},${c.cy},${c.cz}`;
    const region = await store.loadRegionChunks(worldId, -1, -1);
    assert.deepEqual(region.map(key).sort(), inside.map(key).sort());
    assert.deepEqual(region.find((c) => c.cx === -8)?.edits, { '0': 5, '4095': 7 });
    assert.deepEqual((await store.loadRegionChunks(worldId, 0, -1)).map(key), ['0,0,-1']);
    assert.deepEqual(await store.loadRegionChunks(randomUUID(), -1, -1), []);
  });

  it('moves a chunk version only forward: a stale write does not overwrite a newer one', async () => {
    await store.saveBatch({ characters: [], chunks: [chunk(worldId, 40, 1, 40, 5, { '1': 9 })] });
    const stale = await store.saveBatch({ characters: [], chunks: [chunk(worldId, 40, 1, 40, 4, { '1': 2 })] });
    assert.equal(stale.chunks, 0);
    const [c] = await store.loadRegionChunks(worldId, 5, 5);
    assert.deepEqual([c.version, c.edits], [5, { '1': 9 }]);

    // Equal version rewrites (a retried flush), newer wins; duplicates in one batch keep the highest.
    await store.saveBatch({
      characters: [],
      chunks: [chunk(worldId, 40, 1, 40, 7, { '1': 3 }), chunk(worldId, 40, 1, 40, 6, { '1': 4 })],
    });
    const [after] = await store.loadRegionChunks(worldId, 5, 5);
    assert.deepEqual([after.version, after.edits], [7, { '1': 3 }]);
  });

  it('never resurrects or writes a soft-deleted character', async () => {
    const id = await createCharacter(orm, worldId, 'Deleted');
    const snap = (await store.loadCharacter(id))!;
    await orm.em.fork().nativeUpdate(Character, { id }, { deletedAt: new Date() });
    assert.equal(await store.loadCharacter(id), undefined);

    const res = await store.saveBatch({ characters: [{ ...snap, hp: 1, x: 999 }], chunks: [] });
    assert.equal(res.characters, 0);
    const row = await orm.em.fork().findOneOrFail(Character, { id });
    assert.ok(row.deletedAt);
    assert.deepEqual([row.hp, row.x], [80, 8.5]);
  });

  it('drops a snapshot the database would refuse without failing the rest of the batch', async () => {
    const id = await createCharacter(orm, worldId, 'Valid');
    const good = (await store.loadCharacter(id))!;
    const bad = { ...good, id: await createCharacter(orm, worldId, 'Invalid'), hp: Number.NaN };
    const res = await store.saveBatch({
      characters: [{ ...good, hp: 10 }, bad],
      chunks: [chunk(worldId, 1, 1, 1, 1, { '4096': 1 }), chunk(randomUUID(), 1, 1, 1, 1)],
    });
    assert.equal(res.characters, 1);
    assert.equal(res.chunks, 0); // one out-of-chunk index, one chunk of a world that does not exist
    assert.deepEqual(res.rejected.map((r) => r.kind), ['character', 'chunk']);
    assert.equal(res.rejected[0].key, bad.id);
    assert.equal((await store.loadCharacter(id))!.hp, 10);
  });

  it('upserts 1,000 chunks in one saveBatch', async () => {
    const many: ChunkSnapshot[] = [];
    for (let i = 0; i < 1000; i++) many.push(chunk(worldId, 100 + (i % 8), Math.floor(i / 64) % 8, 100 + (Math.floor(i / 8) % 8) + 8 * Math.floor(i / 512), 1, { [String(i % 4096)]: i }));
    const first = await store.saveBatch({ characters: [], chunks: many });
    assert.equal(first.chunks, 1000);
    const second = await store.saveBatch({ characters: [], chunks: many.map((c) => ({ ...c, version: 2 })) });
    assert.equal(second.chunks, 1000);
    const [{ n }] = await orm.em.fork().execute<{ n: string }[]>(
      'select count(*) as n from world_chunks where world_id = ? and chunk_x >= 100 and version = 2',
      [worldId],
    );
    assert.equal(Number(n), 1000);
  });
});
