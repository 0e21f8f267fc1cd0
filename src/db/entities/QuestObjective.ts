import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Quest } from './Quest.js';

/** Step `ordinal` of a quest: do `kind` (kill, collect, reach, cast, talk) to `target`, `requiredCount` times. */
export const QuestObjective = defineEntity({
  name: 'QuestObjective',
  tableName: 'quest_objectives',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    quest: () => p.manyToOne(Quest).deleteRule('cascade'),
    ordinal: p.integer(),
    kind: p.string().length(32),
    target: p.string().length(128),
    requiredCount: p.integer().default(1),
  },
  uniques: [{ properties: ['quest', 'ordinal'] }],
  checks: [{ name: 'quest_objectives_required_count_check', expression: 'required_count >= 1' }],
});
export type IQuestObjective = InferEntity<typeof QuestObjective>;
