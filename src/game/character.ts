/**
 * Character creation rules, shared by the REST API and the seeder. Pure: no
 * ORM, no Express, so the same rules can run in tests, workers or a client.
 */
import type { CharacterClassDef, Content } from '../content/index.js';
import { spawnPoint } from '../world/index.js';

export type Position = { x: number; y: number; z: number };

export type NewInventoryStack = {
  slot: number;
  itemId: string;
  quantity: number;
  maxStack: number;
  data: Record<string, unknown>;
};

/** The plain initial values of a character; the caller adds owner, world and ids. */
export type NewCharacter = {
  name: string;
  characterClass: string;
  level: number;
  xp: number;
  /** Attributes only: hp and mana live in their own (current/max) fields. */
  stats: Record<string, number>;
  x: number;
  y: number;
  z: number;
  yaw: number;
  hp: number;
  maxHp: number;
  mana: number;
  maxMana: number;
  corruption: number;
  knownSpells: string[];
  /** One mastery row per starting spell, so the first cast already has a skill to grow. */
  skills: { skillId: string }[];
  inventory: NewInventoryStack[];
};

/** Where new characters appear: the centre of block column (8, 8), the first free space above the terrain. */
export const SPAWN_COLUMN = { x: 8, z: 8 } as const;

/**
 * The spawn position of a world. Terrain is a pure function of the seed, so
 * this is the same on every server and every client; player edits at the
 * spawn are not considered (the room re-checks against its live voxels).
 */
export function defaultSpawn(worldSeed: number): Position {
  return { x: SPAWN_COLUMN.x + 0.5, y: spawnPoint(worldSeed, SPAWN_COLUMN.x, SPAWN_COLUMN.z), z: SPAWN_COLUMN.z + 0.5 };
}

export function newCharacterFor(
  classDef: CharacterClassDef,
  content: Pick<Content, 'itemById'>,
  opts: { name: string; spawn: Position },
): NewCharacter {
  const { hp, mana, ...attributes } = classDef.baseStats;
  return {
    name: opts.name,
    characterClass: classDef.id,
    level: 1,
    xp: 0,
    stats: { ...attributes },
    ...opts.spawn,
    yaw: 0,
    hp,
    maxHp: hp,
    mana,
    maxMana: mana,
    corruption: 0,
    knownSpells: [...classDef.startingSpells],
    skills: classDef.startingSpells.map((skillId) => ({ skillId })),
    // Slots in class order; loadContent() has already checked every item exists and fits its stack.
    inventory: classDef.startingItems.map((stack, slot) => {
      const item = content.itemById.get(stack.itemId);
      if (!item) throw new Error(`class ${classDef.id}: unknown starting item "${stack.itemId}"`);
      return { slot, itemId: stack.itemId, quantity: stack.quantity, maxStack: item.maxStack, data: {} };
    }),
  };
}
