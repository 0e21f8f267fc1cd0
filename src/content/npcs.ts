import type { NpcDef } from './types.js';

/**
 * Creature kinds. Speeds in blocks per second (a walking character does about 4.3), ranges in blocks.
 * `biomes` are src/world/terrain.ts BIOME_NAMES; every biome has at least two kinds. Kinds with no biome
 * never spawn naturally: they exist for summoning spells (SpellDef.summonKind).
 */
export const npcs = [
  {
    kind: 'wolf', name: 'Wolf', maxHp: 30, damage: 5, attackCooldownMs: 1200, attackRange: 1.5,
    speedBps: 5.5, aggroRange: 12, leashRange: 32, xp: 10,
    biomes: ['forest', 'plains'], lootTable: 'wolf', hostile: true,
  },
  {
    kind: 'goblin', name: 'Goblin', maxHp: 40, damage: 6, attackCooldownMs: 1500, attackRange: 1.8,
    speedBps: 4.5, aggroRange: 10, leashRange: 28, xp: 15,
    biomes: ['forest', 'plains'], lootTable: 'goblin', hostile: true,
  },
  {
    kind: 'orc', name: 'Orc', maxHp: 90, damage: 14, attackCooldownMs: 2000, attackRange: 2,
    speedBps: 4, aggroRange: 14, leashRange: 36, xp: 40,
    biomes: ['plains', 'mountains'], lootTable: 'orc', hostile: true,
  },
  {
    kind: 'skeleton', name: 'Skeleton', maxHp: 50, damage: 8, attackCooldownMs: 1600, attackRange: 2,
    speedBps: 3.8, aggroRange: 12, leashRange: 30, xp: 25,
    biomes: ['desert', 'mountains'], lootTable: 'skeleton', hostile: true, element: 'shadow',
  },
  {
    kind: 'ice_troll', name: 'Ice Troll', maxHp: 220, damage: 24, attackCooldownMs: 2800, attackRange: 2.5,
    speedBps: 3.5, aggroRange: 12, leashRange: 40, xp: 90,
    biomes: ['snow'], lootTable: 'ice_troll', hostile: true, element: 'frost',
  },
  {
    kind: 'frost_wraith', name: 'Frost Wraith', maxHp: 70, damage: 12, attackCooldownMs: 2200, attackRange: 10,
    speedBps: 4.5, aggroRange: 16, leashRange: 36, xp: 45,
    biomes: ['snow', 'mountains'], lootTable: 'frost_wraith', hostile: true, element: 'frost',
  },
  {
    kind: 'sand_scorpion', name: 'Sand Scorpion', maxHp: 45, damage: 10, attackCooldownMs: 1400, attackRange: 1.5,
    speedBps: 5, aggroRange: 8, leashRange: 24, xp: 20,
    biomes: ['desert'], lootTable: 'sand_scorpion', hostile: true, element: 'earth',
  },
  {
    kind: 'drowned', name: 'Drowned', maxHp: 60, damage: 9, attackCooldownMs: 1800, attackRange: 2,
    speedBps: 3, aggroRange: 10, leashRange: 24, xp: 25,
    biomes: ['water', 'beach'], lootTable: 'drowned', hostile: true, element: 'shadow',
  },
  {
    kind: 'giant_crab', name: 'Giant Crab', maxHp: 55, damage: 8, attackCooldownMs: 1600, attackRange: 1.8,
    speedBps: 3, aggroRange: 6, leashRange: 16, xp: 18,
    biomes: ['beach', 'water'], lootTable: 'giant_crab', hostile: true,
  },
  {
    kind: 'stone_golem', name: 'Stone Golem', maxHp: 300, damage: 30, attackCooldownMs: 3000, attackRange: 2.5,
    speedBps: 2.5, aggroRange: 8, leashRange: 20, xp: 150,
    biomes: ['mountains'], lootTable: 'stone_golem', hostile: true, element: 'earth',
  },
  {
    kind: 'bone_colossus', name: 'Bone Colossus', maxHp: 500, damage: 40, attackCooldownMs: 3000, attackRange: 3,
    speedBps: 3, aggroRange: 16, leashRange: 48, xp: 300,
    biomes: [], lootTable: 'bone_colossus', hostile: true, element: 'shadow',
  },
  {
    kind: 'deer', name: 'Deer', maxHp: 25, damage: 0, attackCooldownMs: 1000, attackRange: 1,
    speedBps: 6, aggroRange: 0, leashRange: 24, xp: 5,
    biomes: ['forest', 'plains'], lootTable: 'deer', hostile: false,
  },
  {
    kind: 'mountain_goat', name: 'Mountain Goat', maxHp: 30, damage: 0, attackCooldownMs: 1000, attackRange: 1,
    speedBps: 5, aggroRange: 0, leashRange: 24, xp: 5,
    biomes: ['mountains', 'snow'], lootTable: 'mountain_goat', hostile: false,
  },
] as const satisfies readonly NpcDef[];
