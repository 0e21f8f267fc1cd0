import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { World } from './World.js';
import { Character } from './Character.js';

/**
 * One cast attempt, appended for analytics and recommendations.
 *
 * The table is PARTITIONED BY RANGE (created_at), one partition a month
 * (`magic_events_yYYYYmMM`, created by the SQL function
 * `ensure_magic_event_partitions`, see src/db/partitions.ts). That is written by
 * hand in the migration; `partitionBy` is deliberately not declared here, which
 * leaves partitioning unmanaged by MikroORM's schema diff (a declared range
 * layout would have to list every monthly child and would drop new ones).
 * PostgreSQL requires the partition key in the primary key, hence (id, created_at).
 */
export const MagicEvent = defineEntity({
  name: 'MagicEvent',
  tableName: 'magic_events',
  properties: {
    id: p.bigint('number').columnType('bigint').primary().autoincrement().generated('by default as identity'),
    createdAt: p.datetime().primary().onCreate(() => new Date()),
    world: () => p.manyToOne(World).deleteRule('cascade'),
    // Analytics outlive a character: keep its casts when it is hard-deleted.
    character: () => p.manyToOne(Character).deleteRule('set null').nullable(),
    // No FK: a rejected cast (UNKNOWN_SPELL) is logged with the id the client sent.
    spellId: p.string().length(64),
    success: p.boolean(),
    code: p.string().length(32).nullable(),
    effect: p.double().default(0),
    manaSpent: p.double().default(0),
    rx: p.integer(),
    rz: p.integer(),
    data: p.json<Record<string, unknown>>().default('{}'),
  },
  indexes: [
    { properties: ['world', 'createdAt'] },
    { properties: ['character', 'createdAt'] },
    { properties: ['spellId', 'createdAt'] },
  ],
});
export type IMagicEvent = InferEntity<typeof MagicEvent>;
