import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { World } from './World.js';

/** Append-only history of how a world changed (corruption spread, a faction fell …), read back by the game master. */
export const WorldEvolutionLog = defineEntity({
  name: 'WorldEvolutionLog',
  tableName: 'world_evolution_log',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    world: () => p.manyToOne(World).deleteRule('cascade'),
    kind: p.string().length(32),
    description: p.text(),
    data: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['world', 'createdAt'] }],
});
export type IWorldEvolutionLog = InferEntity<typeof WorldEvolutionLog>;
