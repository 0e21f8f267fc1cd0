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
    persona: 'A grey wolf of the pack. It does not speak; it answers with growls, bared teeth, a tilted head or a wagging tail. Food and calm voices soften it; sudden moves and threats make it snarl.',
  },
  {
    kind: 'goblin', name: 'Goblin', maxHp: 40, damage: 6, attackCooldownMs: 1500, attackRange: 1.8,
    speedBps: 4.5, aggroRange: 10, leashRange: 28, xp: 15,
    biomes: ['forest', 'plains'], lootTable: 'goblin', hostile: true,
    persona: 'A wiry, greedy goblin who talks fast in broken Common, haggles over everything and loves shiny coins. Cowardly alone, cruel in groups; flattery and gold open its mouth, insults make it spiteful.',
  },
  {
    kind: 'orc', name: 'Orc', maxHp: 90, damage: 14, attackCooldownMs: 2000, attackRange: 2,
    speedBps: 4, aggroRange: 14, leashRange: 36, xp: 40,
    biomes: ['plains', 'mountains'], lootTable: 'orc', hostile: true,
    persona: 'A scarred orc warrior of few words, blunt and proud. Respects strength and honest challenge, despises begging and trickery. Speaks in short, heavy sentences.',
  },
  {
    kind: 'skeleton', name: 'Skeleton', maxHp: 50, damage: 8, attackCooldownMs: 1600, attackRange: 2,
    speedBps: 3.8, aggroRange: 12, leashRange: 30, xp: 25,
    biomes: ['desert', 'mountains'], lootTable: 'skeleton', hostile: true, element: 'shadow',
    persona: 'A restless skeleton bound to old ruins, speaking in a dry, rattling whisper about a war long lost. Confused about the present, bitter toward the living, softened by respect for the dead.',
  },
  {
    kind: 'ice_troll', name: 'Ice Troll', maxHp: 220, damage: 24, attackCooldownMs: 2800, attackRange: 2.5,
    speedBps: 3.5, aggroRange: 12, leashRange: 40, xp: 90,
    biomes: ['snow'], lootTable: 'ice_troll', hostile: true, element: 'frost',
    persona: 'A hulking ice troll, slow-witted and slow-tempered, who speaks in a booming, simple voice about cold, hunger and its cave. Easily offended, but remembers kindness for a long time.',
  },
  {
    kind: 'frost_wraith', name: 'Frost Wraith', maxHp: 70, damage: 12, attackCooldownMs: 2200, attackRange: 10,
    speedBps: 4.5, aggroRange: 16, leashRange: 36, xp: 45,
    biomes: ['snow', 'mountains'], lootTable: 'frost_wraith', hostile: true, element: 'frost',
    persona: 'A frost wraith, the echo of someone who froze in a storm. Speaks in cold, drifting riddles, mourns warmth it can no longer feel, and despises fire and loud boasts.',
  },
  {
    kind: 'sand_scorpion', name: 'Sand Scorpion', maxHp: 45, damage: 10, attackCooldownMs: 1400, attackRange: 1.5,
    speedBps: 5, aggroRange: 8, leashRange: 24, xp: 20,
    biomes: ['desert'], lootTable: 'sand_scorpion', hostile: true, element: 'earth',
    persona: 'A giant sand scorpion. It cannot speak; it answers with clicking claws, a raised tail or a slow retreat into the dunes. Stillness calms it; closeness angers it.',
  },
  {
    kind: 'drowned', name: 'Drowned', maxHp: 60, damage: 9, attackCooldownMs: 1800, attackRange: 2,
    speedBps: 3, aggroRange: 10, leashRange: 24, xp: 25,
    biomes: ['water', 'beach'], lootTable: 'drowned', hostile: true, element: 'shadow',
    persona: 'One of the drowned, a sailor taken by the sea, speaking in gurgling fragments of sea shanties and warnings about the deep. Jealous of the living, but grateful to anyone who speaks its ship’s name.',
  },
  {
    kind: 'giant_crab', name: 'Giant Crab', maxHp: 55, damage: 8, attackCooldownMs: 1600, attackRange: 1.8,
    speedBps: 3, aggroRange: 6, leashRange: 16, xp: 18,
    biomes: ['beach', 'water'], lootTable: 'giant_crab', hostile: true,
    persona: 'A giant crab. It does not speak; it answers with clacking pincers, sideways shuffles and bubbles. It guards its stretch of shore and tolerates the quiet and the patient.',
  },
  {
    kind: 'stone_golem', name: 'Stone Golem', maxHp: 300, damage: 30, attackCooldownMs: 3000, attackRange: 2.5,
    speedBps: 2.5, aggroRange: 8, leashRange: 20, xp: 150,
    biomes: ['mountains'], lootTable: 'stone_golem', hostile: true, element: 'earth',
    persona: 'An ancient stone golem set to guard the mountains. Speaks rarely, in slow, grinding words about its duty and its makers. Unmoved by flattery, respectful of those who honour the old oaths.',
  },
  {
    kind: 'bone_colossus', name: 'Bone Colossus', maxHp: 500, damage: 40, attackCooldownMs: 3000, attackRange: 3,
    speedBps: 3, aggroRange: 16, leashRange: 48, xp: 300,
    biomes: [], lootTable: 'bone_colossus', hostile: true, element: 'shadow',
    persona: 'A bone colossus raised by dark ritual, speaking with the voices of many dead at once. Arrogant, hungry for power, contemptuous of mortals; it bargains only with those who fear it.',
  },
  {
    kind: 'deer', name: 'Deer', maxHp: 25, damage: 0, attackCooldownMs: 1000, attackRange: 1,
    speedBps: 6, aggroRange: 0, leashRange: 24, xp: 5,
    biomes: ['forest', 'plains'], lootTable: 'deer', hostile: false,
    persona: 'A shy deer. It does not speak; it flicks its ears, stamps, or bounds away. Gentle voices and stillness let it stay; noise and weapons drive it off.',
  },
  {
    kind: 'mountain_goat', name: 'Mountain Goat', maxHp: 30, damage: 0, attackCooldownMs: 1000, attackRange: 1,
    speedBps: 5, aggroRange: 0, leashRange: 24, xp: 5,
    biomes: ['mountains', 'snow'], lootTable: 'mountain_goat', hostile: false,
    persona: 'A stubborn mountain goat. It does not speak; it bleats, chews and stares. Curious about food and unafraid of heights, indifferent to everything else.',
  },
] as const satisfies readonly NpcDef[];
