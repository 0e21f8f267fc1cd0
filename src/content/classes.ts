import type { CharacterClassDef } from './types.js';

export const classes = [
  {
    id: 'mage',
    name: 'Mage',
    description: 'Scholar of the leylines; fragile, with the deepest mana pool.',
    baseStats: { hp: 80, mana: 150, strength: 4, intellect: 14, agility: 7, spirit: 10 },
    startingSpells: ['arcane_bolt', 'fireball', 'frost_shard', 'mana_shield'],
    startingItems: [
      { itemId: 'oak_staff', quantity: 1 },
      { itemId: 'mana_potion', quantity: 3 },
    ],
  },
  {
    id: 'warrior',
    name: 'Warrior',
    description: 'Frontline fighter; little magic, a great deal of stubbornness.',
    baseStats: { hp: 150, mana: 40, strength: 14, intellect: 4, agility: 8, spirit: 6 },
    startingSpells: ['shield_bash', 'war_cry'],
    startingItems: [
      { itemId: 'iron_sword', quantity: 1 },
      { itemId: 'leather_armor', quantity: 1 },
      { itemId: 'health_potion', quantity: 3 },
    ],
  },
  {
    id: 'ranger',
    name: 'Ranger',
    description: 'Wilderness scout who bends nature magic around the bow.',
    baseStats: { hp: 110, mana: 70, strength: 8, intellect: 6, agility: 14, spirit: 8 },
    startingSpells: ['hunters_mark', 'entangle', 'healing_touch'],
    startingItems: [
      { itemId: 'hunting_bow', quantity: 1 },
      { itemId: 'arrow', quantity: 32 },
      { itemId: 'health_potion', quantity: 2 },
    ],
  },
  {
    id: 'warlock',
    name: 'Warlock',
    description: 'Trades corruption for power drawn from the dark between leylines.',
    baseStats: { hp: 95, mana: 130, strength: 5, intellect: 12, agility: 6, spirit: 9 },
    startingSpells: ['shadow_bolt', 'drain_life', 'curse_of_weakness'],
    startingItems: [
      { itemId: 'shadow_grimoire', quantity: 1 },
      { itemId: 'mana_potion', quantity: 2 },
    ],
  },
] as const satisfies readonly CharacterClassDef[];
