import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Character } from './Character.js';

/**
 * How a character stands with another character or with an NPC (`npcKey`, NPCs
 * are not rows): exactly one of the two is set. `value` runs from -100 (hostile)
 * to 100 (devoted); `kind` separates e.g. trust from reputation.
 */
export const CharacterRelationship = defineEntity({
  name: 'CharacterRelationship',
  tableName: 'character_relationships',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    character: () => p.manyToOne(Character).deleteRule('cascade'),
    otherCharacter: () => p.manyToOne(Character).deleteRule('cascade').nullable().index(),
    npcKey: p.string().length(64).nullable(),
    /** The NPC's kind when `npcKey` is set (for listing without the region's spawn). */
    npcKind: p.string().length(32).nullable(),
    kind: p.string().length(32).default('reputation'),
    value: p.integer().default(0),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  // NULLs are distinct in a unique index, so each of these only binds the rows of its own target type.
  uniques: [
    { name: 'character_relationships_character_other_unique', properties: ['character', 'otherCharacter', 'kind'] },
    { name: 'character_relationships_character_npc_unique', properties: ['character', 'npcKey', 'kind'] },
  ],
  checks: [
    { name: 'character_relationships_value_check', expression: 'value >= -100 and value <= 100' },
    { name: 'character_relationships_target_check', expression: 'num_nonnulls(other_character_id, npc_key) = 1' },
  ],
});
export type ICharacterRelationship = InferEntity<typeof CharacterRelationship>;
