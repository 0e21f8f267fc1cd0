import type { LootTable } from './types.js';

/**
 * What creatures drop (NpcDef.lootTable). Each of `rolls` draws picks nothing or one entry, with
 * probability proportional to the weights, then a quantity uniformly in min..max.
 */
export const lootTables = [
  {
    id: 'wolf', rolls: 1, nothingWeight: 1,
    entries: [
      { itemId: 'wolf_pelt', weight: 6, min: 1, max: 1 },
      { itemId: 'bone', weight: 3, min: 1, max: 2 },
    ],
  },
  {
    id: 'goblin', rolls: 2, nothingWeight: 4,
    entries: [
      { itemId: 'goblin_ear', weight: 6, min: 1, max: 1 },
      { itemId: 'gold_coin', weight: 5, min: 1, max: 6 },
      { itemId: 'moonpetal', weight: 2, min: 1, max: 2 },
      { itemId: 'torch', weight: 2, min: 1, max: 3 },
      { itemId: 'health_potion', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'orc', rolls: 2, nothingWeight: 3,
    entries: [
      { itemId: 'orc_tusk', weight: 5, min: 1, max: 2 },
      { itemId: 'gold_coin', weight: 5, min: 3, max: 12 },
      { itemId: 'iron_ingot', weight: 2, min: 1, max: 2 },
      { itemId: 'health_potion', weight: 1, min: 1, max: 1 },
      { itemId: 'iron_sword', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'skeleton', rolls: 2, nothingWeight: 3,
    entries: [
      { itemId: 'bone', weight: 8, min: 1, max: 3 },
      { itemId: 'arrow', weight: 3, min: 2, max: 6 },
      { itemId: 'gold_coin', weight: 2, min: 1, max: 4 },
      { itemId: 'shadow_essence', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'ice_troll', rolls: 3, nothingWeight: 2,
    entries: [
      { itemId: 'troll_hide', weight: 5, min: 1, max: 2 },
      { itemId: 'frost_essence', weight: 3, min: 1, max: 2 },
      { itemId: 'gold_coin', weight: 3, min: 5, max: 20 },
      { itemId: 'mana_crystal', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'frost_wraith', rolls: 1, nothingWeight: 2,
    entries: [
      { itemId: 'frost_essence', weight: 5, min: 1, max: 1 },
      { itemId: 'mana_crystal', weight: 2, min: 1, max: 1 },
      { itemId: 'mana_potion', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'sand_scorpion', rolls: 1, nothingWeight: 2,
    entries: [
      { itemId: 'scorpion_venom', weight: 6, min: 1, max: 1 },
      { itemId: 'antidote', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'drowned', rolls: 2, nothingWeight: 4,
    entries: [
      { itemId: 'bone', weight: 4, min: 1, max: 2 },
      { itemId: 'gold_coin', weight: 3, min: 1, max: 8 },
      { itemId: 'sea_pearl', weight: 1, min: 1, max: 1 },
      { itemId: 'shadow_essence', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'giant_crab', rolls: 1, nothingWeight: 1,
    entries: [
      { itemId: 'crab_shell', weight: 6, min: 1, max: 1 },
      { itemId: 'sea_pearl', weight: 1, min: 1, max: 1 },
    ],
  },
  {
    id: 'stone_golem', rolls: 3, nothingWeight: 1,
    entries: [
      { itemId: 'stone', weight: 8, min: 4, max: 16 },
      { itemId: 'iron_ore', weight: 4, min: 1, max: 4 },
      { itemId: 'mana_crystal', weight: 2, min: 1, max: 2 },
    ],
  },
  {
    id: 'bone_colossus', rolls: 4, nothingWeight: 1,
    entries: [
      { itemId: 'bone', weight: 8, min: 4, max: 12 },
      { itemId: 'shadow_essence', weight: 4, min: 1, max: 3 },
      { itemId: 'mana_crystal', weight: 1, min: 1, max: 2 },
    ],
  },
  {
    id: 'deer', rolls: 1, nothingWeight: 1,
    entries: [
      { itemId: 'raw_venison', weight: 6, min: 1, max: 2 },
      { itemId: 'leather', weight: 3, min: 1, max: 1 },
    ],
  },
  {
    id: 'mountain_goat', rolls: 1, nothingWeight: 1,
    entries: [
      { itemId: 'goat_horn', weight: 4, min: 1, max: 1 },
      { itemId: 'raw_venison', weight: 4, min: 1, max: 1 },
      { itemId: 'leather', weight: 2, min: 1, max: 1 },
    ],
  },
] as const satisfies readonly LootTable[];
