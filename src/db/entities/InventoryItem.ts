import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Character } from './Character.js';

/** One occupied inventory slot. `itemId` names an item in src/content; `data` holds per-instance state (durability, enchantments). */
export const InventoryItem = defineEntity({
  name: 'InventoryItem',
  tableName: 'inventory',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    character: () => p.manyToOne(Character).deleteRule('cascade'),
    slot: p.integer(),
    itemId: p.string().length(64),
    quantity: p.integer().default(1),
    maxStack: p.integer().default(64),
    data: p.json<Record<string, unknown>>().default('{}'),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['character', 'slot'] }],
  checks: [
    { name: 'inventory_slot_check', expression: 'slot >= 0' },
    { name: 'inventory_quantity_check', expression: 'quantity >= 1 and quantity <= max_stack' },
  ],
});
export type IInventoryItem = InferEntity<typeof InventoryItem>;
