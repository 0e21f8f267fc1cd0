import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Character } from './Character.js';

/**
 * One applied loot grant: the idempotency key of a loot write-through. The room
 * picks `grantId` once per kill and reuses it on every retry; the grant and the
 * inventory change commit in one transaction, so a retry after a lost commit
 * acknowledgement finds the row and grants nothing twice. `overflow` is what did
 * not fit, kept so a replay answers as the first application did.
 *
 * Rows are only needed while a retry can still arrive (seconds to minutes): a
 * maintenance job may prune rows older than a day (index on created_at).
 */
export const LootGrant = defineEntity({
  name: 'LootGrant',
  tableName: 'loot_grants',
  properties: {
    grantId: p.uuid().primary(),
    character: () => p.manyToOne(Character).deleteRule('cascade'),
    overflow: p.json<{ itemId: string; quantity: number }[]>().default('[]'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['createdAt'] }, { properties: ['character'] }],
});
export type ILootGrant = InferEntity<typeof LootGrant>;
