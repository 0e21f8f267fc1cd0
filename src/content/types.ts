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

/** What a spell does when it lands; the game rules switch on this. */
export type SpellEffect = 'damage' | 'heal' | 'shield' | 'buff' | 'debuff' | 'terrain' | 'teleport' | 'summon' | 'drain';

/**
 * What a spell is aimed at. `self` = the caster (with area > 0: everything around the caster);
 * `enemy` = an npc or a character; `ally` = a friendly character, the caster included;
 * `point` = a position x, y, z (with area > 0: everything around that point).
 */
export type SpellTarget = 'self' | 'character' | 'npc' | 'enemy' | 'ally' | 'point';

/** The computation a ritual's worker runs when the cast completes: a game rule (src/game/rituals.ts). */
import type { RitualKind } from '../game/rituals.js';
export type { RitualKind };

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
  /** Long cast computed by a worker (docs/design.md, Magic model). */
  ritual: boolean;
  /** Raises the caster's corruption. */
  dark: boolean;
  tags: readonly string[];
  /** Spell ids the caster must know first. */
  prerequisites: readonly string[];
  description: string;
  effect: SpellEffect;
  target: SpellTarget;
  /** Present iff `ritual`: which ritual computation runs. */
  ritualKind?: RitualKind;
  /** Present iff `dark`: corruption points added to the caster per cast (> 0). */
  corruption?: number;
  /** How long the effect lasts; required for buffs, debuffs and shields, optional otherwise (DoTs, walls, summons). */
  durationMs?: number;
  /** For `effect: 'summon'` (required there, absent otherwise): the NpcDef kind that appears. */
  summonKind?: string;
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

/** A creature kind. Speeds in blocks per second, ranges in blocks. */
export type NpcDef = {
  kind: string;
  name: string;
  maxHp: number;
  damage: number;
  attackCooldownMs: number;
  attackRange: number;
  speedBps: number;
  /** Distance at which a hostile NPC notices a character; 0 for non-hostile kinds. */
  aggroRange: number;
  /** Distance from its spawn point past which an NPC gives up and walks back. */
  leashRange: number;
  xp: number;
  /** Biomes (src/world/terrain.ts BIOME_NAMES) it spawns in; empty = never spawns naturally (summon only). */
  biomes: readonly string[];
  lootTable: string;
  hostile: boolean;
  element?: string;
  /** How the kind speaks and behaves when a character talks to it: the game master's brief (≤ 400 characters). */
  persona?: string;
};

/**
 * Drops: `rolls` independent draws; each picks `nothing` or one entry with probability proportional to its
 * weight, then a quantity uniformly in min..max.
 */
export type LootTable = {
  id: string;
  rolls: number;
  nothingWeight: number;
  entries: readonly { itemId: string; weight: number; min: number; max: number }[];
};
