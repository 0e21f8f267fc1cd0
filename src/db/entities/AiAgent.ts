import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { World } from './World.js';

/** A game-master agent acting on a world (an NPC, a faction, the narrator); run by the agents job. */
export const AiAgent = defineEntity({
  name: 'AiAgent',
  tableName: 'ai_agents',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    world: () => p.manyToOne(World).deleteRule('cascade'),
    name: p.string().length(64),
    kind: p.string().length(32),
    personality: p.json<Record<string, unknown>>().default('{}'),
    state: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['world', 'name'] }],
});
export type IAiAgent = InferEntity<typeof AiAgent>;
