import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Character } from './Character.js';
import { Quest } from './Quest.js';

export const QUEST_STATUSES = ['active', 'completed', 'failed', 'abandoned'] as const;
export type QuestStatus = (typeof QUEST_STATUSES)[number];

/** A character's run of a quest; `progress` maps objective ordinal → count done. */
export const QuestProgress = defineEntity({
  name: 'QuestProgress',
  tableName: 'quest_progress',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    character: () => p.manyToOne(Character).deleteRule('cascade'),
    quest: () => p.manyToOne(Quest).deleteRule('cascade').index(),
    status: p.enum(QUEST_STATUSES).default('active'),
    progress: p.json<Record<string, number>>().default('{}'),
    startedAt: p.datetime().onCreate(() => new Date()),
    completedAt: p.datetime().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['character', 'quest'] }],
});
export type IQuestProgress = InferEntity<typeof QuestProgress>;
