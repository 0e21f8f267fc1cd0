/** Shapes of the game's data files. Ids are stable, lower_snake_case, and referenced across files. */

export type StatBlock = {
  hp: number;
  mana: number;
  strength: number;
  intellect: number;
  agility: number;
  spirit: number;
};

export type ItemStack = { itemId: string; quantity: number };

export type CharacterClassDef = {
  id: string;
  name: string;
  description: string;
  baseStats: StatBlock;
  startingSpells: readonly string[];
  startingItems: readonly ItemStack[];
};

export type SpellDef = {
  id: string;
  name: string;
  school: string;
  element: string;
  manaCost: number;
  cooldownMs: number;
  /** Blocks; 0 = self. */
  range: number;
  /** Radius in blocks; 0 = single target. */
  area: number;
  power: number;
  castTimeMs: number;
  /** Long cast computed by a worker (DESIGN: rituals). */
  ritual: boolean;
  /** Raises the caster's corruption. */
  dark: boolean;
  tags: readonly string[];
  /** Spell ids the caster must know first. */
  prerequisites: readonly string[];
  description: string;
};

export type ItemKind = 'material' | 'consumable' | 'weapon' | 'armor' | 'tool' | 'focus';

export type ItemDef = {
  id: string;
  name: string;
  kind: ItemKind;
  maxStack: number;
  description: string;
  /** Kind-specific numbers (damage, heal, mana …), read by the game rules. */
  props?: Readonly<Record<string, number>>;
};

export type RecipeDef = {
  key: string;
  name: string;
  ingredients: readonly ItemStack[];
  resultItemId: string;
  resultQuantity: number;
  /** Crafting station needed nearby; null = anywhere. */
  station: string | null;
};
