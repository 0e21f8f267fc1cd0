import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Character } from './Character.js';
import { Story } from './Story.js';
import { StoryBranch } from './StoryBranch.js';

/** A choice a character made at a story branch; append-only history. */
export const PlayerChoice = defineEntity({
  name: 'PlayerChoice',
  tableName: 'player_choices',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    character: () => p.manyToOne(Character).deleteRule('cascade'),
    story: () => p.manyToOne(Story).deleteRule('cascade').index(),
    branch: () => p.manyToOne(StoryBranch).deleteRule('cascade').index(),
    choice: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // "this character's choices in this story, in order"; also covers the character FK.
  indexes: [{ properties: ['character', 'story', 'createdAt'] }],
});
export type IPlayerChoice = InferEntity<typeof PlayerChoice>;
