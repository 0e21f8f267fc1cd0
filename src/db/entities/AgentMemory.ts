import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { AiAgent } from './AiAgent.js';

/** Something an agent remembers; prompts take the most recent and most important rows. `importance` is 0..1. */
export const AgentMemory = defineEntity({
  name: 'AgentMemory',
  tableName: 'agent_memory',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    agent: () => p.manyToOne(AiAgent).deleteRule('cascade'),
    kind: p.string().length(32),
    content: p.text(),
    importance: p.double().default(0.5),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['agent', 'createdAt'] }],
  checks: [{ name: 'agent_memory_importance_check', expression: "importance >= '0'::float8 and importance <= '1'::float8" }],
});
export type IAgentMemory = InferEntity<typeof AgentMemory>;
