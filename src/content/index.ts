/**
 * The game's static content. Data lives in typed modules beside this file;
 * `loadContent()` cross-checks the references between them (once, cached) so a
 * typo in a data file fails at boot, not mid-game.
 */
import { classes } from './classes.js';
import { spells } from './spells.js';
import { items } from './items.js';
import { recipes } from './recipes.js';
import type { CharacterClassDef, ItemDef, RecipeDef, SpellDef } from './types.js';

export type * from './types.js';

export type Content = {
  classes: readonly CharacterClassDef[];
  spells: readonly SpellDef[];
  items: readonly ItemDef[];
  recipes: readonly RecipeDef[];
  classById: ReadonlyMap<string, CharacterClassDef>;
  spellById: ReadonlyMap<string, SpellDef>;
  itemById: ReadonlyMap<string, ItemDef>;
  recipeByKey: ReadonlyMap<string, RecipeDef>;
};

function indexBy<T>(what: string, rows: readonly T[], key: (row: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    if (map.has(k)) throw new Error(`content: duplicate ${what} "${k}"`);
    map.set(k, row);
  }
  return map;
}

/** Builds and validates a content set; throws on the first broken reference. Exported for tests. */
export function buildContent(data: Pick<Content, 'classes' | 'spells' | 'items' | 'recipes'>): Content {
  const classById = indexBy('class', data.classes, (c) => c.id);
  const spellById = indexBy('spell', data.spells, (s) => s.id);
  const itemById = indexBy('item', data.items, (i) => i.id);
  const recipeByKey = indexBy('recipe', data.recipes, (r) => r.key);
  const needSpell = (id: string, where: string) => {
    if (!spellById.has(id)) throw new Error(`content: ${where} refers to unknown spell "${id}"`);
  };
  const needItem = (id: string, quantity: number, where: string) => {
    const item = itemById.get(id);
    if (!item) throw new Error(`content: ${where} refers to unknown item "${id}"`);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > item.maxStack) {
      throw new Error(`content: ${where} has quantity ${quantity} of "${id}" (1..${item.maxStack})`);
    }
  };
  for (const c of data.classes) {
    for (const s of c.startingSpells) needSpell(s, `class ${c.id}`);
    for (const i of c.startingItems) needItem(i.itemId, i.quantity, `class ${c.id}`);
  }
  for (const s of data.spells) {
    for (const pre of s.prerequisites) needSpell(pre, `spell ${s.id}`);
    if (s.ritual !== s.tags.includes('ritual')) throw new Error(`content: spell ${s.id} ritual flag and tag disagree`);
  }
  for (const r of data.recipes) {
    for (const i of r.ingredients) needItem(i.itemId, i.quantity, `recipe ${r.key}`);
    needItem(r.resultItemId, r.resultQuantity, `recipe ${r.key}`);
  }
  return { ...data, classById, spellById, itemById, recipeByKey };
}

let cached: Content | undefined;

/** The validated content of this build. */
export function loadContent(): Content {
  cached ??= buildContent({ classes, spells, items, recipes });
  return cached;
}
