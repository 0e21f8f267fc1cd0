import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Character } from './Character.js';

/**
 * Mastery of one skill: a spell id or a non-magic skill ("mining"), hence no FK
 * to `spells`. `mastery` is the effect multiplier that grows with successful uses.
 */
export const CharacterSkill = defineEntity({
  name: 'CharacterSkill',
  tableName: 'character_skills',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    character: () => p.manyToOne(Character).deleteRule('cascade'),
    skillId: p.string().length(64),
    level: p.integer().default(1),
    mastery: p.double().default(1),
    uses: p.integer().default(0),
    lastUsedAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['character', 'skillId'] }],
  checks: [{ name: 'character_skills_values_check', expression: "level >= 1 and mastery >= '0'::float8 and uses >= 0" }],
});
export type ICharacterSkill = InferEntity<typeof CharacterSkill>;
