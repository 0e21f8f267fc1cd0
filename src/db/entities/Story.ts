import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { World } from './World.js';

/** A narrative arc in a world, run by the game master; `state` is its free-form progress. */
export const Story = defineEntity({
  name: 'Story',
  tableName: 'stories',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    world: () => p.manyToOne(World).deleteRule('cascade').index(),
    title: p.string().length(128),
    summary: p.text().default(''),
    state: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IStory = InferEntity<typeof Story>;
