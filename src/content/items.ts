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

  // Creature drops (src/content/loot.ts).
  { id: 'gold_coin', name: 'Gold Coin', kind: 'material', maxStack: 999, description: 'Stamped with a king nobody remembers.' },
  { id: 'wolf_pelt', name: 'Wolf Pelt', kind: 'material', maxStack: 32, description: 'Thick grey fur; tans into leather.' },
  { id: 'goblin_ear', name: 'Goblin Ear', kind: 'material', maxStack: 64, description: 'Proof of a goblin slain; some pay a bounty.' },
  { id: 'orc_tusk', name: 'Orc Tusk', kind: 'material', maxStack: 32, description: 'Yellowed and heavy.' },
  { id: 'bone', name: 'Bone', kind: 'material', maxStack: 64, description: 'Dry and brittle.' },
  { id: 'troll_hide', name: 'Troll Hide', kind: 'material', maxStack: 16, description: 'Frost-rimed hide that still knits itself closed.' },
  { id: 'scorpion_venom', name: 'Scorpion Venom', kind: 'material', maxStack: 32, description: 'A vial of amber poison.' },
  { id: 'crab_shell', name: 'Crab Shell', kind: 'material', maxStack: 32, description: 'Hard as a shield and half as heavy.' },
  { id: 'sea_pearl', name: 'Sea Pearl', kind: 'material', maxStack: 16, description: 'Glows faintly near leylines.' },
  { id: 'frost_essence', name: 'Frost Essence', kind: 'material', maxStack: 16, description: 'Cold that never melts, caught in a shard.' },
  { id: 'shadow_essence', name: 'Shadow Essence', kind: 'material', maxStack: 16, description: 'A wisp of darkness; it whispers.' },
  { id: 'goat_horn', name: 'Goat Horn', kind: 'material', maxStack: 32, description: 'Curled and hollow.' },
  {
    id: 'raw_venison', name: 'Raw Venison', kind: 'consumable', maxStack: 16,
    description: 'Better cooked, but it will do.', props: { heal: 10 },
  },
  {
    id: 'antidote', name: 'Antidote', kind: 'consumable', maxStack: 16,
    description: 'Cures poison.', props: { cure: 1 },
  },
  {
    id: 'troll_hide_armor', name: 'Troll Hide Armor', kind: 'armor', maxStack: 1,
    description: 'Heavy, warm, and slowly mends itself.', props: { armor: 9, durability: 400, regen: 1 },
  },
] as const satisfies readonly ItemDef[];
