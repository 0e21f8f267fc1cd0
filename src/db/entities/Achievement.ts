import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { User } from './User.js';

/** An achievement a user has unlocked; `key` names it in content. Unlocked once per user. */
export const Achievement = defineEntity({
  name: 'Achievement',
  tableName: 'achievements',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    key: p.string().length(64),
    unlockedAt: p.datetime().onCreate(() => new Date()),
    data: p.json<Record<string, unknown>>().default('{}'),
  },
  // Leading user_id also serves the FK and "list my achievements".
  uniques: [{ properties: ['user', 'key'] }],
});
export type IAchievement = InferEntity<typeof Achievement>;
