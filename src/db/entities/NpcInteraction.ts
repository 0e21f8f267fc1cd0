import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Character } from './Character.js';

/**
 * One `talk` between a character and an NPC (the interaction history of a
 * character_relationships row): what the player said, how the NPC answered
 * (shortened), how far the relationship moved and where it ended. The id is
 * the narration id: the narration job writes the row in the same transaction
 * as the relationship change, so a retried job changes nothing twice.
 * `npcKey` is the NPC's id (NPC ids are stable: seeded per region).
 */
export const NpcInteraction = defineEntity({
  name: 'NpcInteraction',
  tableName: 'npc_interactions',
  properties: {
    narrationId: p.uuid().primary(),
    character: () => p.manyToOne(Character).deleteRule('cascade'),
    npcKey: p.string().length(64),
    npcKind: p.string().length(32),
    said: p.string().length(500),
    reply: p.string().length(300),
    delta: p.integer(),
    value: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['character', 'npcKey', 'createdAt'] }],
});
export type INpcInteraction = InferEntity<typeof NpcInteraction>;
