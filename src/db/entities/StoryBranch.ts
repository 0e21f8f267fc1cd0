import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Story } from './Story.js';

/**
 * A node of a story's tree; `parentBranch` is null for a root. Deleting a branch
 * deletes its subtree. `conditions` gate when the branch can be taken.
 */
export const StoryBranch = defineEntity({
  name: 'StoryBranch',
  tableName: 'story_branches',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    story: () => p.manyToOne(Story).deleteRule('cascade').index(),
    parentBranch: () => p.manyToOne(StoryBranch).deleteRule('cascade').nullable().index(),
    title: p.string().length(128),
    content: p.text(),
    conditions: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IStoryBranch = InferEntity<typeof StoryBranch>;
