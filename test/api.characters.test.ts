import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadContent } from '../src/content/index.js';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Character, World } from '../src/db/entities/index.js';
import { defaultSpawn, newCharacterFor } from '../src/game/character.js';
import { spawnPoint } from '../src/world/index.js';
import { assertError, bootTestServer, http, type TestServer } from './support/server.js';


const content = loadContent();

describe('game/character newCharacterFor', () => {
  it('derives level-1 values from the class, without sharing arrays with the content', () => {
    const mage = content.classById.get('mage')!;
    const c = newCharacterFor(mage, content, { name: 'Elowen', spawn: { x: 1.5, y: 70, z: 2.5 } });
    assert.equal(c.level, 1);
    assert.equal(c.xp, 0);
    assert.equal(c.corruption, 0);
    assert.deepEqual({ x: c.x, y: c.y, z: c.z }, { x: 1.5, y: 70, z: 2.5 });
    assert.deepEqual([c.hp, c.maxHp, c.mana, c.maxMana], [mage.baseStats.hp, mage.baseStats.hp, mage.baseStats.mana, mage.baseStats.mana]);
    const { hp: _hp, mana: _mana, ...attributes } = mage.baseStats;
    assert.deepEqual(c.stats, attributes);
    assert.deepEqual(c.knownSpells, mage.startingSpells);
    assert.notEqual(c.knownSpells, mage.startingSpells);
    assert.deepEqual(c.skills.map((s) => s.skillId), mage.startingSpells);
    assert.deepEqual(
      c.inventory.map(({ slot, itemId, quantity }) => ({ slot, itemId, quantity })),
      mage.startingItems.map((s, slot) => ({ slot, ...s })),
    );
  });

  it('spawns in the middle of column (8, 8), on the first free space above the terrain', () => {
    assert.deepEqual(defaultSpawn(1337), { x: 64.5, y: spawnPoint(1337, 64, 64), z: 64.5 });
  });
});

describe('content API', () => {
  let t: TestServer;
  before(async () => {
    t = await bootTestServer();
  });
  after(async () => {
    await t?.stop();
  });

  it('GET /api/content/classes lists every class with its base stats and starting spells, without a token', async () => {
    const res = await http(t.url, 'GET', '/api/content/classes');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body,
      content.classes.map((c) => ({ id: c.id, name: c.name, baseStats: c.baseStats, startingSpells: c.startingSpells })),
    );
  });

  it('GET /api/content/spells has the protocol fields', async () => {
    const res = await http(t.url, 'GET', '/api/content/spells');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, content.spells.length);
    const keys = ['area', 'castTimeMs', 'cooldownMs', 'dark', 'description', 'effect', 'element', 'id', 'manaCost', 'name', 'power', 'prerequisites', 'range', 'ritual', 'school', 'tags', 'target'];
    for (const s of res.body) {
      const optional = (s.ritualKind ? ['ritualKind'] : []).concat(s.durationMs !== undefined ? ['durationMs'] : []);
      assert.deepEqual(Object.keys(s).sort(), [...keys, ...optional].sort());
      assert.equal(s.ritual, s.ritualKind !== undefined);
    }
    const fireball = res.body.find((s: any) => s.id === 'fireball');
    const def = content.spellById.get('fireball')!;
    assert.equal(fireball.manaCost, def.manaCost);
    assert.deepEqual(fireball.tags, def.tags);
  });

  it('GET /api/content/items and /recipes list the catalogues; recipes carry their stable row id', async () => {
    const items = await http(t.url, 'GET', '/api/content/items');
    assert.equal(items.status, 200);
    assert.deepEqual(items.body.map((i: any) => i.id), content.items.map((i) => i.id));
    assert.ok(items.body.every((i: any) => typeof i.maxStack === 'number' && typeof i.kind === 'string'));

    const recipes = await http(t.url, 'GET', '/api/content/recipes');
    assert.equal(recipes.status, 200);
    assert.deepEqual(recipes.body.map((r: any) => r.key), content.recipes.map((r) => r.key));
    const rows = await t.server.orm.em.fork().execute<{ key: string; id: string }[]>('select key, id from crafting_recipes');
    for (const r of recipes.body) {
      assert.equal(r.id, rows.find((row) => row.key === r.key)!.id);
      assert.ok(Array.isArray(r.ingredients) && typeof r.resultItemId === 'string');
    }
  });
});

describe('characters API', () => {
  let t: TestServer;
  let n = 0;
  const newPlayer = async (): Promise<string> => {
    n += 1;
    const res = await http(t.url, 'POST', '/api/auth/register', {
      body: { username: `hero_${n}_${process.pid}`, email: `hero${n}.${process.pid}@example.com`, password: 'correct horse battery' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.token;
  };
  const create = (token: string, body: unknown) => http(t.url, 'POST', '/api/characters', { token, body });
  const list = (token: string) => http(t.url, 'GET', '/api/characters', { token });
  const get = (token: string, id: string) => http(t.url, 'GET', `/api/characters/${id}`, { token });
  const del = (token: string, id: string) => http(t.url, 'DELETE', `/api/characters/${id}`, { token });

  before(async () => {
    t = await bootTestServer();
  });
  after(async () => {
    await t?.stop();
  });

  it('every route needs a token', async () => {
    assertError(await http(t.url, 'GET', '/api/characters'), 401, 'UNAUTHORIZED');
    assertError(await http(t.url, 'POST', '/api/characters', { body: { name: 'Nobody', characterClass: 'mage' } }), 401, 'UNAUTHORIZED');
    assertError(await http(t.url, 'GET', `/api/characters/${randomUUID()}`), 401, 'UNAUTHORIZED');
    assertError(await http(t.url, 'DELETE', `/api/characters/${randomUUID()}`), 401, 'UNAUTHORIZED');
  });

  it('create → list → get → 403 for another player → delete → 404 → list empty', async () => {
    const owner = await newPlayer();
    const other = await newPlayer();
    const worlds = await http(t.url, 'GET', '/api/worlds');
    const world = worlds.body[0];

    const created = await create(owner, { name: '  Élowen the-Wise ', characterClass: 'mage' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const c = created.body;
    assert.equal(created.headers.get('location'), `/api/characters/${c.id}`);
    assert.deepEqual(Object.keys(c).sort(), ['characterClass', 'id', 'inventory', 'knownSpells', 'level', 'name', 'position', 'stats', 'xp']);
    const mage = content.classById.get('mage')!;
    assert.equal(c.name, 'Élowen the-Wise');
    assert.equal(c.characterClass, 'mage');
    assert.equal(c.level, 1);
    assert.equal(c.xp, 0);
    assert.deepEqual(c.knownSpells, mage.startingSpells);
    assert.equal(c.stats.intellect, mage.baseStats.intellect);
    assert.deepEqual(c.position, defaultSpawn(world.seed));
    assert.deepEqual(
      c.inventory,
      mage.startingItems.map((s, slot) => ({ slot, itemId: s.itemId, quantity: s.quantity, data: {} })),
    );

    const listed = await list(owner);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, [
      { id: c.id, name: c.name, characterClass: 'mage', level: 1, worldId: world.id, position: c.position },
    ]);
    assert.deepEqual((await list(other)).body, []);

    const got = await get(owner, c.id);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, c);

    assertError(await get(other, c.id), 403, 'FORBIDDEN');
    assertError(await del(other, c.id), 403, 'FORBIDDEN');
    assertError(await get(owner, randomUUID()), 404, 'NOT_FOUND');
    assertError(await del(owner, randomUUID()), 404, 'NOT_FOUND');

    const deleted = await del(owner, c.id);
    assert.equal(deleted.status, 204);
    assertError(await get(owner, c.id), 404, 'NOT_FOUND');
    assertError(await get(other, c.id), 404, 'NOT_FOUND');
    assertError(await del(owner, c.id), 404, 'NOT_FOUND');
    assert.deepEqual((await list(owner)).body, []);

    // The soft-deleted row is kept; its name is free again.
    const [row] = await t.server.orm.em.fork().execute('select deleted_at from characters where id = ?', [c.id]);
    assert.ok(row.deleted_at);
    assert.equal((await create(other, { name: 'Élowen the-Wise', characterClass: 'warrior' })).status, 201);
  });

  it('a character knows exactly its class starting spells, for every class', async () => {
    const token = await newPlayer();
    for (const cls of content.classes) {
      const res = await create(token, { name: `${cls.name} Tester ${n}`, characterClass: cls.id });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body.knownSpells, cls.startingSpells);
      assert.deepEqual((await get(token, res.body.id)).body.knownSpells, cls.startingSpells);
    }
    const skills = await t.server.orm.em
      .fork()
      .execute('select count(*)::int as n from character_skills s join characters c on c.id = s.character_id where c.name like ?', [`% Tester ${n}`]);
    assert.equal(skills[0].n, content.classes.reduce((sum, c) => sum + c.startingSpells.length, 0));
  });

  it('creates in the named world, and the same name may exist in two worlds', async () => {
    const token = await newPlayer();
    const em = t.server.orm.em.fork();
    const second = em.create(World, { name: `Second ${process.pid}`, seed: 42 });
    await em.flush();
    const a = await create(token, { name: 'Twin', characterClass: 'ranger' });
    const b = await create(token, { name: 'Twin', characterClass: 'ranger', worldId: second.id });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201, JSON.stringify(b.body));
    assert.deepEqual(b.body.position, defaultSpawn(42));
    const worldIds = (await list(token)).body.map((c: any) => c.worldId);
    assert.equal(worldIds[1], second.id);
    assert.notEqual(worldIds[0], second.id);
  });

  const bad: [string, unknown][] = [
    ['an empty body', {}],
    ['an array body', [1, 2]],
    ['junk types', { name: 42, characterClass: ['mage'] }],
    ['an unknown class', { name: 'Valid Name', characterClass: 'necromancer' }],
    ['a non-uuid worldId', { name: 'Valid Name', characterClass: 'mage', worldId: 'earth' }],
    ['a name too long', { name: 'x'.repeat(25), characterClass: 'mage' }],
    ['a name too short after trimming', { name: '  ab  ', characterClass: 'mage' }],
    ['a name with symbols', { name: 'Bob<script>', characterClass: 'mage' }],
    ['a name without letters', { name: '1234', characterClass: 'mage' }],
    ['an extra field', { name: 'Valid Name', characterClass: 'mage', level: 99 }],
  ];
  for (const [label, body] of bad) {
    it(`POST answers 400 VALIDATION_FAILED for ${label}`, async () => {
      const res = await create(await newPlayer(), body);
      assertError(res, 400, 'VALIDATION_FAILED');
      if (!Array.isArray(body) && Object.keys(body as object).length > 0) assert.ok(Array.isArray(res.body.error.details) && res.body.error.details.length > 0);
    });
  }

  it('POST answers 400 with details for an unknown worldId, and for malformed JSON', async () => {
    const token = await newPlayer();
    const res = await create(token, { name: 'Valid Name', characterClass: 'mage', worldId: randomUUID() });
    assertError(res, 400, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.error.details, [{ path: 'worldId', message: 'unknown world' }]);
    const unknownClass = await create(token, { name: 'Valid Name', characterClass: 'necromancer' });
    assert.equal(unknownClass.body.error.details[0].path, 'characterClass');
    assertError(await http(t.url, 'POST', '/api/characters', { token, raw: '{"name":' }), 400, 'VALIDATION_FAILED');
  });

  it('GET and DELETE answer 400 VALIDATION_FAILED for a non-uuid id', async () => {
    const token = await newPlayer();
    assertError(await get(token, 'not-a-uuid'), 400, 'VALIDATION_FAILED');
    assertError(await del(token, '1%27%20or%201=1'), 400, 'VALIDATION_FAILED');
  });

  it('409 NAME_TAKEN for a live name in the same world, whoever owns it and whatever its case', async () => {
    const a = await newPlayer();
    const b = await newPlayer();
    assert.equal((await create(a, { name: 'Morwen', characterClass: 'warlock' })).status, 201);
    assertError(await create(a, { name: 'Morwen', characterClass: 'mage' }), 409, 'NAME_TAKEN');
    assertError(await create(b, { name: 'mORWEN', characterClass: 'mage' }), 409, 'NAME_TAKEN');
  });

  it('of two concurrent creates of one name, one wins and the other gets 409', async () => {
    const [a, b] = await Promise.all([newPlayer(), newPlayer()]);
    const results = await Promise.all([
      create(a, { name: 'Racer', characterClass: 'mage' }),
      create(b, { name: 'racer', characterClass: 'mage' }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
  });

  it('the database backstop for names raises the constraint the API maps to NAME_TAKEN', async () => {
    // Writers that skip the API's lock (the seeder) meet the partial unique index; the route matches its name.
    const token = await newPlayer();
    const c = (await create(token, { name: 'Backstop', characterClass: 'mage' })).body;
    const em = t.server.orm.em.fork();
    const row = await em.findOneOrFail(Character, { id: c.id });
    const { skills: _s, inventory: _i, ...initial } = newCharacterFor(content.classById.get('mage')!, content, { name: 'Backstop', spawn: c.position });
    em.create(Character, { ...initial, user: row.user, world: row.world });
    await assert.rejects(em.flush(), (err: Error) => err instanceof UniqueConstraintViolationException && /characters_world_id_name_unique/.test(err.message));
  });

  it('409 CHARACTER_LIMIT past 8 live characters, even when created concurrently; deleting one frees a place', async () => {
    const token = await newPlayer();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => create(token, { name: `Limit ${n} No ${String.fromCharCode(65 + i)}`, characterClass: 'warrior' })),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 8);
    for (const r of results.filter((r) => r.status !== 201)) assertError(r, 409, 'CHARACTER_LIMIT');
    const live = (await list(token)).body;
    assert.equal(live.length, 8);

    assert.equal((await del(token, live[0].id)).status, 204);
    assert.equal((await create(token, { name: `Limit ${n} Again`, characterClass: 'warrior' })).status, 201);
    assertError(await create(token, { name: `Limit ${n} Over`, characterClass: 'warrior' }), 409, 'CHARACTER_LIMIT');
  });
});
