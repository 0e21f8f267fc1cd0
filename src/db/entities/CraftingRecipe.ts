import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export type RecipeIngredient = { itemId: string; quantity: number };

/** A recipe, upserted from src/content by `key` at boot; `station` null means craftable anywhere. */
export const CraftingRecipe = defineEntity({
  name: 'CraftingRecipe',
  tableName: 'crafting_recipes',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    key: p.string().length(64).unique(),
    name: p.string().length(128),
    ingredients: p.json<RecipeIngredient[]>(),
    resultItemId: p.string().length(64),
    resultQuantity: p.integer().default(1),
    station: p.string().length(32).nullable(),
  },
  checks: [{ name: 'crafting_recipes_result_quantity_check', expression: 'result_quantity >= 1' }],
});
export type ICraftingRecipe = InferEntity<typeof CraftingRecipe>;
