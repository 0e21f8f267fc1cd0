import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './User.js';

/**
 * Model usage of one account on one UTC day: the AI game master's daily token
 * budget (src/ai/usage.ts) reads and adds to it with one atomic upsert per
 * model call. Tokens are as the model reported them (estimated when a server
 * reports none).
 */
export const LlmUsage = defineEntity({
  name: 'LlmUsage',
  tableName: 'llm_usage',
  properties: {
    user: () => p.manyToOne(User).primary().deleteRule('cascade'),
    /** UTC day, 'YYYY-MM-DD'. */
    day: p.date().primary(),
    promptTokens: p.integer().default(0),
    completionTokens: p.integer().default(0),
    /** Model calls that reported usage (cache hits and fallbacks cost nothing and are not counted). */
    requests: p.integer().default(0),
  },
});
export type ILlmUsage = InferEntity<typeof LlmUsage>;
