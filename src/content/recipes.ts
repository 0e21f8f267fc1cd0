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
] as const satisfies readonly RecipeDef[];
