import type { ItemDef } from './types.js';

export const items = [
  { id: 'oak_log', name: 'Oak Log', kind: 'material', maxStack: 64, description: 'A length of oak.' },
  { id: 'stone', name: 'Stone', kind: 'material', maxStack: 64, description: 'Rough grey stone.' },
  { id: 'iron_ore', name: 'Iron Ore', kind: 'material', maxStack: 64, description: 'Rust-red ore.' },
  { id: 'iron_ingot', name: 'Iron Ingot', kind: 'material', maxStack: 64, description: 'Smelted iron.' },
  { id: 'leather', name: 'Leather', kind: 'material', maxStack: 64, description: 'Tanned hide.' },
  { id: 'moonpetal', name: 'Moonpetal', kind: 'material', maxStack: 64, description: 'A herb that grows near leylines.' },
  { id: 'mana_crystal', name: 'Mana Crystal', kind: 'material', maxStack: 16, description: 'Leyline energy, solidified.' },
  {
    id: 'health_potion', name: 'Health Potion', kind: 'consumable', maxStack: 16,
    description: 'Restores health.', props: { heal: 40 },
  },
  {
    id: 'mana_potion', name: 'Mana Potion', kind: 'consumable', maxStack: 16,
    description: 'Restores mana.', props: { mana: 50 },
  },
  {
    id: 'iron_sword', name: 'Iron Sword', kind: 'weapon', maxStack: 1,
    description: 'Plain and dependable.', props: { damage: 9, durability: 250 },
  },
  {
    id: 'hunting_bow', name: 'Hunting Bow', kind: 'weapon', maxStack: 1,
    description: 'Shoots arrows.', props: { damage: 7, range: 40, durability: 200 },
  },
  { id: 'arrow', name: 'Arrow', kind: 'material', maxStack: 64, description: 'Ammunition for bows.' },
  {
    id: 'leather_armor', name: 'Leather Armor', kind: 'armor', maxStack: 1,
    description: 'Light protection.', props: { armor: 4, durability: 200 },
  },
  {
    id: 'oak_staff', name: 'Oak Staff', kind: 'focus', maxStack: 1,
    description: 'A mage focus; amplifies spell power.', props: { spellPower: 0.1, durability: 300 },
  },
  {
    id: 'shadow_grimoire', name: 'Shadow Grimoire', kind: 'focus', maxStack: 1,
    description: 'Whispers. Amplifies dark spells.', props: { spellPower: 0.15, durability: 300 },
  },
  { id: 'torch', name: 'Torch', kind: 'tool', maxStack: 64, description: 'Light in the dark.', props: { light: 14 } },
] as const satisfies readonly ItemDef[];
