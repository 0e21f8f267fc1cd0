/**
 * Seeding. `seedContent` syncs the catalogue tables (spells, crafting recipes)
 * from src/content and makes sure the default world exists; it runs at every boot,
 * possibly on several processes at once, so it only uses upserts. `seedSample`
 * adds demo data for a first run; it never touches users it did not create and
 * never writes a password into the repository: new sample users get random
 * passwords, returned once to the caller.
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadContent } from '../content/index.js';
import { defaultSpawn, newCharacterFor } from '../game/character.js';
import {
  AgentMemory,
  AiAgent,
  Character,
  CharacterSkill,
  CraftingRecipe,
  InventoryItem,
  Quest,
  QuestObjective,
  QuestProgress,
  Spell,
  Story,
  StoryBranch,
  User,
  World,
  type IQuest,
} from './entities/index.js';

export const DEFAULT_WORLD = { name: 'Aetheria', seed: 1337, worldType: 'overworld' } as const;

export type ContentSeedSummary = {
  spells: number;
  recipes: number;
  world: { id: string; name: string; seed: number; worldType: string };
};

/**
 * Upserts spells (by id) and recipes (by key) so the tables follow the content
 * files, and inserts the default world unless one with its name exists (an
 * existing world is never modified). Rows whose content was removed are kept:
 * characters may still know those spells.
 */
export async function seedContent(em: EntityManager): Promise<ContentSeedSummary> {
  const content = loadContent();
  return em.transactional(async (tx) => {
    await tx.upsertMany(
      Spell,
      content.spells.map((s) => ({
        id: s.id,
        name: s.name,
        school: s.school,
        element: s.element,
        manaCost: s.manaCost,
        cooldownMs: s.cooldownMs,
        range: s.range,
        area: s.area,
        power: s.power,
        castTimeMs: s.castTimeMs,
        ritual: s.ritual,
        dark: s.dark,
        tags: [...s.tags],
        prerequisites: [...s.prerequisites],
        data: { description: s.description },
      })),
      { onConflictFields: ['id'], onConflictAction: 'merge' },
    );
    await tx.upsertMany(
      CraftingRecipe,
      content.recipes.map((r) => ({
        key: r.key,
        name: r.name,
        ingredients: r.ingredients.map((i) => ({ ...i })),
        resultItemId: r.resultItemId,
        resultQuantity: r.resultQuantity,
        station: r.station,
      })),
      // The id is the row's identity (referenced by clients): never replace it.
      { onConflictFields: ['key'], onConflictAction: 'merge', onConflictExcludeFields: ['id'] },
    );
    await tx.upsert(World, { ...DEFAULT_WORLD }, { onConflictFields: ['name'], onConflictAction: 'ignore' });
    const world = await tx.findOneOrFail(World, { name: DEFAULT_WORLD.name });
    return {
      spells: content.spells.length,
      recipes: content.recipes.length,
      world: { id: world.id, name: world.name, seed: world.seed, worldType: world.worldType },
    };
  });
}

export type SampleSeedSummary = {
  world: string;
  /** `password` is set only for users created by this call; it is not stored anywhere else. */
  users: { username: string; password?: string }[];
  /** Names of the characters created by this call. */
  characters: string[];
  story: string;
  quests: string[];
  agent: string;
};

const SAMPLE_USERS = [
  { username: 'demo_mage', displayName: 'Elowen', classId: 'mage' },
  { username: 'demo_warrior', displayName: 'Brannoc', classId: 'warrior' },
  { username: 'demo_warlock', displayName: 'Morwen', classId: 'warlock' },
] as const;

const SAMPLE_STORY_TITLE = 'The Fading Leyline';
const SAMPLE_AGENT_NAME = 'Old Maren';

const SAMPLE_QUESTS = [
  {
    key: 'sample_first_sparks',
    title: 'First Sparks',
    description: 'Prove your command of the leylines.',
    level: 1,
    rewards: { xp: 100, items: [{ itemId: 'mana_potion', quantity: 2 }] },
    objectives: [
      { kind: 'cast', target: 'arcane_bolt', requiredCount: 5 },
      { kind: 'talk', target: 'npc:old_maren', requiredCount: 1 },
    ],
  },
  {
    key: 'sample_iron_for_the_smith',
    title: 'Iron for the Smith',
    description: 'The village smith needs ore for the coming winter.',
    level: 2,
    rewards: { xp: 150, items: [{ itemId: 'iron_sword', quantity: 1 }] },
    objectives: [
      { kind: 'collect', target: 'iron_ore', requiredCount: 6 },
      { kind: 'craft', target: 'smelt_iron', requiredCount: 3 },
    ],
  },
  {
    key: 'sample_whispers_in_the_dark',
    title: 'Whispers in the Dark',
    description: 'Something corrupts the old shrine. Find it.',
    level: 3,
    rewards: { xp: 300 },
    objectives: [
      { kind: 'reach', target: 'region:0,1', requiredCount: 1 },
      { kind: 'kill', target: 'shade', requiredCount: 4 },
    ],
  },
] as const;

/** Random, URL-safe, 16 characters (96 bits). */
function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Idempotent demo data in the default world: three users with one character each,
 * a story with branches, three quests with objectives and one in progress, and an
 * AI agent with a memory. Existing rows (matched by username/email, quest key,
 * story title, agent name) are left as they are. Serialised by an advisory lock,
 * so concurrent calls cannot both create the same rows.
 */
export async function seedSample(em: EntityManager, opts: { bcryptCost: number }): Promise<SampleSeedSummary> {
  const content = loadContent();
  return em.transactional(async (tx) => {
    await tx.execute('select pg_advisory_xact_lock(hashtext(?))', ['leyline.seedSample']);
    const { world: seeded } = await seedContent(tx);
    const world = tx.getReference(World, seeded.id);

    const users: SampleSeedSummary['users'] = [];
    const characters: string[] = [];
    for (const sample of SAMPLE_USERS) {
      const email = `${sample.username}@example.com`;
      const existing = await tx.findOne(User, { $or: [{ username: sample.username }, { email }] });
      if (existing) {
        users.push({ username: existing.username });
        continue;
      }
      const password = generatePassword();
      const user = tx.create(User, {
        username: sample.username,
        email,
        passwordHash: await bcrypt.hash(password, opts.bcryptCost),
        profile: { displayName: sample.displayName, sample: true },
      });
      users.push({ username: sample.username, password });

      // A player may already have taken the name in this world; the user then starts without a character.
      if (await tx.findOne(Character, { world, name: sample.displayName, deletedAt: null })) continue;
      const { skills, inventory, ...initial } = newCharacterFor(content.classById.get(sample.classId)!, content, {
        name: sample.displayName,
        spawn: defaultSpawn(seeded.seed),
      });
      const character = tx.create(Character, { ...initial, user, world });
      skills.forEach((skill) => tx.create(CharacterSkill, { ...skill, character }));
      inventory.forEach((stack) => tx.create(InventoryItem, { ...stack, character }));
      characters.push(character.name);
    }

    if (!(await tx.findOne(Story, { world, title: SAMPLE_STORY_TITLE }))) {
      const story = tx.create(Story, {
        world,
        title: SAMPLE_STORY_TITLE,
        summary: 'The leyline under the village is dimming, and the crops with it.',
        state: { act: 1 },
      });
      const root = tx.create(StoryBranch, {
        story,
        title: 'A dimming light',
        content: 'Old Maren asks the travellers to find out why the leyline fades.',
      });
      const shrine = tx.create(StoryBranch, {
        story,
        parentBranch: root,
        title: 'The old shrine',
        content: 'Tracks lead to a shrine where someone has been feeding on the leyline.',
        conditions: { questCompleted: 'sample_first_sparks' },
      });
      tx.create(StoryBranch, {
        story,
        parentBranch: root,
        title: 'Ignore the elder',
        content: 'The village is left to its fate; the corruption spreads.',
        conditions: { choice: 'refuse' },
      });
      tx.create(StoryBranch, {
        story,
        parentBranch: shrine,
        title: 'The warlock in the shrine',
        content: 'A warlock bargains: power for silence.',
        conditions: { questActive: 'sample_whispers_in_the_dark' },
      });
    }

    const quests = new Map<string, IQuest>();
    for (const q of SAMPLE_QUESTS) {
      let quest = await tx.findOne(Quest, { key: q.key });
      if (!quest) {
        quest = tx.create(Quest, {
          world,
          key: q.key,
          title: q.title,
          description: q.description,
          level: q.level,
          rewards: structuredClone(q.rewards) as Record<string, unknown>,
        });
        q.objectives.forEach((o, ordinal) => tx.create(QuestObjective, { quest: quest!, ordinal, ...o }));
      }
      quests.set(q.key, quest);
    }

    // One quest under way for the first sample character, if it is ours (the query auto-flushes new rows).
    const first = await tx.findOne(Character, {
      world,
      name: SAMPLE_USERS[0].displayName,
      user: { username: SAMPLE_USERS[0].username },
      deletedAt: null,
    });
    const firstQuest = quests.get(SAMPLE_QUESTS[0].key)!;
    if (first && !(await tx.findOne(QuestProgress, { character: first, quest: firstQuest }))) {
      tx.create(QuestProgress, { character: first, quest: firstQuest, progress: { '0': 2 } });
    }

    if (!(await tx.findOne(AiAgent, { world, name: SAMPLE_AGENT_NAME }))) {
      const agent = tx.create(AiAgent, {
        world,
        name: SAMPLE_AGENT_NAME,
        kind: 'npc',
        personality: { traits: ['wise', 'weary', 'protective'], voice: 'slow, old village dialect' },
        state: { mood: 'worried', location: { x: 12, y: 70, z: 6 } },
      });
      tx.create(AgentMemory, {
        agent,
        kind: 'observation',
        content: 'The leyline under the village has been dimming for three nights.',
        importance: 0.8,
      });
    }

    return {
      world: seeded.name,
      users,
      characters,
      story: SAMPLE_STORY_TITLE,
      quests: SAMPLE_QUESTS.map((q) => q.key),
      agent: SAMPLE_AGENT_NAME,
    };
  });
}
