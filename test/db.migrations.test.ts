/** The initial migration on a real PostgreSQL, checked against the catalog rather than against MikroORM. */
import assert from 'node:assert/strict';
import { MikroORM } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { migrate, openOrm, ormOptions, type Orm } from '../src/db/orm.js';
import { migrationsList } from '../src/db/migrations/index.js';
import { createLogger } from '../src/log.js';
import { ensureMagicEventPartitions } from '../src/db/partitions.js';
import { MagicEvent, World } from '../src/db/entities/index.js';

const TABLES = [
  'users', 'sessions', 'worlds', 'achievements', 'world_chunks', 'characters', 'character_relationships',
  'character_skills', 'inventory', 'stories', 'story_branches', 'player_choices', 'quests', 'quest_objectives',
  'quest_progress', 'ai_agents', 'agent_memory', 'world_evolution_log', 'world_events', 'crafting_recipes',
  'spells', 'magic_events', 'loot_grants', 'login_addresses', 'llm_usage', 'npc_interactions',
];

/** `magic_events_yYYYYmMM` of the UTC month `offset` months after `date`'s. */
function partitionName(date: Date, offset = 0): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
  return `magic_events_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe('db: initial migration', () => {
  let db: TestDatabase;
  let orm: Orm;
  let firstRun: string[];
  let secondRun: string[];

  const sql = <T extends object = Record<string, any>>(query: string, params: unknown[] = []) =>
    orm.em.fork().execute<T[]>(query, params);

  async function publicTables(): Promise<string[]> {
    const rows = await sql<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    return rows.map((r) => r.table_name);
  }

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, createLogger('silent'));
    firstRun = await migrate(orm);
    secondRun = await migrate(orm);
  });

  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  it('applies on an empty database, and applies nothing the second time', () => {
    assert.deepEqual(firstRun, migrationsList.map((m) => m.name));
    assert.deepEqual(secondRun, []);
  });

  it('creates every table', async () => {
    const tables = await publicTables();
    for (const t of TABLES) assert.ok(tables.includes(t), `missing table ${t}`);
  });

  it('leaves nothing for the schema diff: entities and migration agree', async () => {
    // Hand-written routines are not in the entity metadata; without this MikroORM would propose dropping them.
    const checker = await MikroORM.init(ormOptions(db.url));
    try {
      const diff = (await checker.schema.getUpdateSchemaSQL({ wrap: false })).replace("set names 'utf8';", '').trim();
      assert.equal(diff, '');
    } finally {
      await checker.close();
    }
  });

  it('has the unique (world_id, chunk_x, chunk_y, chunk_z) index on world_chunks', async () => {
    const rows = await sql(
      `select indexname from pg_indexes where schemaname = 'public' and tablename = 'world_chunks'
          and indexdef ilike 'create unique index%(world_id, chunk_x, chunk_y, chunk_z)%'`,
    );
    assert.equal(rows.length, 1);
  });

  it('has GIN indexes on characters.stats, users.profile and world_chunks.data', async () => {
    for (const [table, column] of [['characters', 'stats'], ['users', 'profile'], ['world_chunks', 'data']]) {
      const rows = await sql(
        `select indexname from pg_indexes where schemaname = 'public' and tablename = ?
            and indexdef ilike '%using gin%' and indexdef like ?`,
        [table, `%(${column})%`],
      );
      assert.equal(rows.length, 1, `GIN index on ${table}.${column}`);
    }
  });

  it('partitions magic_events by range with partitions for this and next month', async () => {
    const [parted] = await sql<{ partstrat: string; key: string }>(
      `select pt.partstrat, pg_get_partkeydef(c.oid) as key
         from pg_partitioned_table pt join pg_class c on c.oid = pt.partrelid where c.relname = 'magic_events'`,
    );
    assert.equal(parted?.partstrat, 'r');
    assert.equal(parted?.key, 'RANGE (created_at)');
    const children = await sql<{ relname: string }>(
      `select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'magic_events'::regclass`,
    );
    const names = children.map((c) => c.relname);
    const now = new Date();
    assert.ok(names.includes(partitionName(now)), `${partitionName(now)} in ${names}`);
    assert.ok(names.includes(partitionName(now, 1)), `${partitionName(now, 1)} in ${names}`);
  });

  it('routes magic events by UTC month and creates missing partitions idempotently', async () => {
    const em = orm.em.fork();
    const world = em.create(World, { name: 'partitions', seed: 1 });
    const now = new Date();
    const event = em.create(MagicEvent, { world, spellId: 'fireball', success: true, effect: 30, manaSpent: 20, rx: 0, rz: 0 });
    await em.flush();
    assert.equal(typeof event.id, 'number');

    const nextMonthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    await sql(`insert into magic_events (created_at, world_id, spell_id, success, rx, rz) values (?, ?, 'frost_shard', false, 0, 0)`, [
      nextMonthStart.toISOString(),
      world.id,
    ]);
    const rows = await sql<{ part: string; spell_id: string }>(`select tableoid::regclass::text as part, spell_id from magic_events order by created_at`);
    assert.deepEqual(rows, [
      { part: partitionName(now), spell_id: 'fireball' },
      { part: partitionName(now, 1), spell_id: 'frost_shard' },
    ]);

    assert.equal(await ensureMagicEventPartitions(orm), 0);
    const later = new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth(), 15));
    assert.equal(await ensureMagicEventPartitions(orm.em.fork(), later), 2);
    assert.equal(await ensureMagicEventPartitions(orm.em.fork(), later), 0);
    const [found] = await sql<{ n: string }>(`select count(*) as n from pg_class where relname in (?, ?)`, [
      partitionName(later),
      partitionName(later, 1),
    ]);
    assert.equal(Number(found!.n), 2);
    // Bounds are UTC months even when the caller's session has another TimeZone and DateStyle.
    const farAway = new Date(Date.UTC(now.getUTCFullYear() + 5, 0, 1));
    await orm.em.fork().transactional(async (tx) => {
      await tx.execute(`set local timezone = 'Pacific/Kiritimati'`);
      await tx.execute(`set local datestyle = 'SQL, DMY'`);
      assert.equal(await ensureMagicEventPartitions(tx, farAway), 2);
    });
    await sql(`insert into magic_events (created_at, world_id, spell_id, success, rx, rz) values (?, ?, 'tz', true, 0, 0)`, [
      farAway.toISOString(),
      world.id,
    ]);
    const [tz] = await sql<{ part: string }>(`select tableoid::regclass::text as part from magic_events where spell_id = 'tz'`);
    assert.equal(tz!.part, partitionName(farAway));

    // A month with no partition is an error, not a silent drop: there is no DEFAULT partition.
    await assert.rejects(
      sql(`insert into magic_events (created_at, world_id, spell_id, success, rx, rz) values ('1999-01-01T00:00:00Z', ?, 'x', true, 0, 0)`, [world.id]),
      /no partition of relation "magic_events" found/,
    );
  });

  it('keeps relationship values within -100..100 and needs exactly one target', async () => {
    const [user] = await sql<{ id: string }>(
      `insert into users (id, username, email, password_hash, created_at, updated_at)
       values (gen_random_uuid(), 'rel', 'rel@example.com', 'x', now(), now()) returning id`,
    );
    const [world] = await sql<{ id: string }>(`insert into worlds (id, name, seed, created_at) values (gen_random_uuid(), 'rel', 1, now()) returning id`);
    const [character] = await sql<{ id: string }>(
      `insert into characters (id, user_id, world_id, name, character_class, hp, max_hp, mana, max_mana, created_at, updated_at)
       values (gen_random_uuid(), ?, ?, 'Rel', 'mage', 10, 10, 10, 10, now(), now()) returning id`,
      [user!.id, world!.id],
    );
    const insert = (npcKey: string | null, value: number) =>
      sql(
        `insert into character_relationships (id, character_id, npc_key, kind, value, updated_at) values (gen_random_uuid(), ?, ?, 'trust', ?, now())`,
        [character!.id, npcKey, value],
      );
    await insert('npc:a', 100);
    await insert('npc:b', -100);
    await assert.rejects(insert('npc:c', 101), /character_relationships_value_check/);
    await assert.rejects(insert('npc:d', -101), /character_relationships_value_check/);
    await assert.rejects(insert(null, 0), /character_relationships_target_check/);

    // Owned rows go with their owner.
    await sql(`delete from users where id = ?`, [user!.id]);
    const [left] = await sql<{ n: string }>(`select count(*) as n from character_relationships where character_id = ?`, [character!.id]);
    assert.equal(Number(left!.n), 0);
  });

  it('rolls back with down() and applies again with up()', async () => {
    const all = migrationsList.map((m) => m.name);
    const reverted = await orm.migrator.down({ to: 0 });
    assert.deepEqual(reverted.map((m) => m.name), [...all].reverse());
    assert.deepEqual((await publicTables()).filter((t) => t !== 'mikro_orm_migrations'), []);
    const [fn] = await sql<{ n: string }>(`select count(*) as n from pg_proc where proname = 'ensure_magic_event_partitions'`);
    assert.equal(Number(fn!.n), 0);

    assert.deepEqual(await migrate(orm), all);
    const tables = await publicTables();
    for (const t of TABLES) assert.ok(tables.includes(t), `missing table ${t} after re-applying`);
  });
});
