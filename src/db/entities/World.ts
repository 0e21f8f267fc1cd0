import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const World = defineEntity({
  name: 'World',
  tableName: 'worlds',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    name: p.string().length(64).unique(),
    /** Terrain seed, an unsigned 31-bit integer shared with clients. */
    seed: p.integer(),
    worldType: p.string().length(32).default('overworld'),
    settings: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IWorld = InferEntity<typeof World>;
