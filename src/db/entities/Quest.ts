import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { World } from './World.js';

/** A quest; `world` null means it is offered in every world. `key` is the stable content name. */
export const Quest = defineEntity({
  name: 'Quest',
  tableName: 'quests',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    world: () => p.manyToOne(World).deleteRule('cascade').nullable().index(),
    key: p.string().length(64).unique(),
    title: p.string().length(128),
    description: p.text().default(''),
    level: p.integer().default(1),
    rewards: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IQuest = InferEntity<typeof Quest>;
