/** Content and sample seeding against a real, migrated PostgreSQL database. */
import assert from 'node:assert/strict';
import bcrypt from 'bcrypt';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { createLogger } from '../src/log.js';
import { DEFAULT_WORLD, seedContent, seedSample } from '../src/db/seed.js';
import { buildContent, loadContent } from '../src/content/index.js';

const COUNTED = [
  'users', 'worlds', 'spells', 'crafting_recipes', 'characters', 'character_skills', 'inventory', 'stories',
  'story_branches', 'quests', 'quest_objectives', 'quest_progress', 'ai_agents', 'agent_memory',
];

describe('db: seeding', () => {
  let db: TestDatabase;
  let orm: Orm;

  const sql = <T extends object = Record<string, any>>(query: string, params: unknown[] = []) =>
    orm.em.fork().execute<T[]>(query, params);

  async function counts(): Promise<Record<string, number>> {
    const [row] = await sql(`select ${COUNTED.map((t) => `(select count(*) from "${t}")::int as "${t}"`).join(', ')}`);
    return row as Record<string, number>;
  }

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, createLogger('silent'));
    await migrate(orm);
  });

  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  describe('content files', () => {
    it('load with every cross-reference resolved', () => {
      const content = loadContent();
      assert.ok(content.classes.length >= 4);
      for (const cls of content.classes) {
        assert.ok(cls.startingSpells.length > 0, cls.id);
        for (const id of cls.startingSpells) assert.ok(content.spellById.has(id), id);
      }
    });

    it('refuse a dangling reference', () => {
      const { classes, spells, items, recipes } = loadContent();
      const broken = [{ ...classes[0]!, startingSpells: ['no_such_spell'] }];
      assert.throws(() => buildContent({ classes: broken, spells, items, recipes }), /unknown spell "no_such_spell"/);
    });
  });

  describe('seedContent', () => {
    it('creates the catalogue and the default world, and a second run changes nothing', async () => {
      const first = await seedContent(orm.em.fork());
      const countsAfterFirst = await counts();
      const recipeIds = await sql(`select key, id from crafting_recipes order by key`);

      const second = await seedContent(orm.em.fork());
      assert.deepEqual(await counts(), countsAfterFirst);
      assert.deepEqual(await sql(`select key, id from crafting_recipes order by key`), recipeIds);
      assert.deepEqual(second, first);

      const content = loadContent();
      assert.equal(countsAfterFirst.spells, content.spells.length);
      assert.equal(countsAfterFirst.crafting_recipes, content.recipes.length);
      const worlds = await sql(`select id, name, seed, world_type from worlds`);
      assert.deepEqual(worlds, [{ id: first.world.id, name: 'Aetheria', seed: DEFAULT_WORLD.seed, world_type: 'overworld' }]);
    });

    it('puts edited catalogue rows back to the content, and never edits an existing world', async () => {
      await sql(`update spells set power = 1, tags = '{}' where id = 'fireball'`);
      await sql(`update worlds set seed = 42 where name = 'Aetheria'`);
      await seedContent(orm.em.fork());
      const [fireball] = await sql(`select power, tags from spells where id = 'fireball'`);
      assert.deepEqual(fireball, { power: 30, tags: ['damage', 'projectile', 'aoe'] });
      const [world] = await sql(`select seed from worlds where name = 'Aetheria'`);
      assert.equal(world!.seed, 42);
      await sql(`update worlds set seed = ? where name = 'Aetheria'`, [DEFAULT_WORLD.seed]);
    });

    it('tolerates concurrent runs (several processes booting at once)', async () => {
      const before = await counts();
      const results = await Promise.all([1, 2, 3].map(() => seedContent(orm.em.fork())));
      assert.equal(new Set(results.map((r) => r.world.id)).size, 1);
      assert.deepEqual(await counts(), before);
    });
  });

  describe('seedSample', () => {
    let firstSummary: Awaited<ReturnType<typeof seedSample>>;

    before(async () => {
      firstSummary = await seedSample(orm.em.fork(), { bcryptCost: 4 });
    });

    it('creates users with random passwords that match their bcrypt hashes', async () => {
      assert.equal(firstSummary.users.length, 3);
      const passwords = firstSummary.users.map((u) => u.password);
      assert.ok(passwords.every((p) => typeof p === 'string' && p.length >= 16));
      assert.equal(new Set(passwords).size, passwords.length);
      for (const u of firstSummary.users) {
        const [row] = await sql<{ password_hash: string }>(`select password_hash from users where username = ?`, [u.username]);
        assert.ok(await bcrypt.compare(u.password!, row!.password_hash), u.username);
      }
    });

    it('creates a character per user, a branching story, quests, progress and an agent with a memory', async () => {
      const c = await counts();
      assert.equal(c.characters, 3);
      assert.ok(c.inventory > 0 && c.character_skills > 0);
      assert.equal(c.quests, 3);
      assert.ok(c.quest_objectives >= 3);
      assert.equal(c.quest_progress, 1);
      assert.equal(c.ai_agents, 1);
      assert.equal(c.agent_memory, 1);
      const branches = await sql(`select title, parent_branch_id from story_branches`);
      assert.ok(branches.length >= 2);
      assert.ok(branches.some((b) => b.parent_branch_id !== null), 'a branch with a parent');
      const [elowen] = await sql(`select known_spells, hp, max_hp from characters where name = 'Elowen'`);
      assert.deepEqual(elowen!.known_spells, [...loadContent().classById.get('mage')!.startingSpells]);
      assert.equal(elowen!.hp, elowen!.max_hp);
    });

    it('changes nothing when run again, and leaves existing users alone', async () => {
      const before = await counts();
      const hashes = await sql(`select username, password_hash from users order by username`);
      const second = await seedSample(orm.em.fork(), { bcryptCost: 4 });
      assert.deepEqual(await counts(), before);
      assert.deepEqual(await sql(`select username, password_hash from users order by username`), hashes);
      assert.ok(second.users.every((u) => u.password === undefined));
      assert.deepEqual(second.characters, []);
    });

    it('finds a character by stats with @> through the GIN index', async () => {
      const probe = JSON.stringify({ intellect: 14 });
      const rows = await sql(`select name from characters where stats @> ?::jsonb`, [probe]);
      assert.deepEqual(rows, [{ name: 'Elowen' }]);

      // With sequential scans priced out, the planner must be able to use the GIN index for @>.
      const plan = await orm.em.fork().transactional(async (tx) => {
        await tx.execute('set local enable_seqscan = off');
        const lines = await tx.execute<{ 'QUERY PLAN': string }[]>(`explain select name from characters where stats @> ?::jsonb`, [probe]);
        return lines.map((l) => l['QUERY PLAN']).join('\n');
      });
      assert.match(plan, /characters_stats_gin/);
    });
  });
});
