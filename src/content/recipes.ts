import type { RecipeDef } from './types.js';

export const recipes = [
  {
    key: 'smelt_iron', name: 'Smelt Iron', station: 'furnace',
    ingredients: [{ itemId: 'iron_ore', quantity: 2 }], resultItemId: 'iron_ingot', resultQuantity: 1,
  },
  {
    key: 'forge_iron_sword', name: 'Forge Iron Sword', station: 'anvil',
    ingredients: [{ itemId: 'iron_ingot', quantity: 3 }, { itemId: 'oak_log', quantity: 1 }],
    resultItemId: 'iron_sword', resultQuantity: 1,
  },
  {
    key: 'brew_health_potion', name: 'Brew Health Potion', station: 'alchemy_table',
    ingredients: [{ itemId: 'moonpetal', quantity: 2 }], resultItemId: 'health_potion', resultQuantity: 1,
  },
  {
    key: 'brew_mana_potion', name: 'Brew Mana Potion', station: 'alchemy_table',
    ingredients: [{ itemId: 'moonpetal', quantity: 1 }, { itemId: 'mana_crystal', quantity: 1 }],
    resultItemId: 'mana_potion', resultQuantity: 1,
  },
  {
    key: 'fletch_arrows', name: 'Fletch Arrows', station: null,
    ingredients: [{ itemId: 'oak_log', quantity: 1 }, { itemId: 'stone', quantity: 1 }],
    resultItemId: 'arrow', resultQuantity: 8,
  },
  {
    key: 'craft_torches', name: 'Craft Torches', station: null,
    ingredients: [{ itemId: 'oak_log', quantity: 1 }], resultItemId: 'torch', resultQuantity: 4,
  },
  {
    key: 'carve_oak_staff', name: 'Carve Oak Staff', station: null,
    ingredients: [{ itemId: 'oak_log', quantity: 2 }, { itemId: 'mana_crystal', quantity: 1 }],
    resultItemId: 'oak_staff', resultQuantity: 1,
  },
  {
    key: 'tan_wolf_pelt', name: 'Tan Wolf Pelt', station: null,
    ingredients: [{ itemId: 'wolf_pelt', quantity: 1 }], resultItemId: 'leather', resultQuantity: 2,
  },
  {
    key: 'brew_antidote', name: 'Brew Antidote', station: 'alchemy_table',
    ingredients: [{ itemId: 'scorpion_venom', quantity: 1 }, { itemId: 'moonpetal', quantity: 1 }],
    resultItemId: 'antidote', resultQuantity: 1,
  },
  {
    key: 'stitch_troll_hide_armor', name: 'Stitch Troll Hide Armor', station: null,
    ingredients: [{ itemId: 'troll_hide', quantity: 3 }, { itemId: 'leather', quantity: 2 }],
    resultItemId: 'troll_hide_armor', resultQuantity: 1,
  },
] as const satisfies readonly RecipeDef[];
