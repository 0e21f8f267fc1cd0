import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { User } from './User.js';
import { World } from './World.js';

/** Attribute block of a character (strength, intellect …); open-ended, GIN-indexed. */
export type CharacterStats = Record<string, number>;

/**
 * A player character in one world. The record's fields (src/game/character.ts:
 * position, hp, mana, cooldowns …) are written by the room that holds the character
 * (docs/design.md rule 2).
 * Deleting sets `deletedAt`; the name is only reserved among live characters.
 */
export const Character = defineEntity({
  name: 'Character',
  tableName: 'characters',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    world: () => p.manyToOne(World).deleteRule('cascade').index(),
    name: p.string().length(32),
    characterClass: p.string().length(32),
    level: p.integer().default(1),
    // bigint column, number at runtime: exact up to 2^53, far beyond any xp curve.
    xp: p.bigint('number').default(0),
    stats: p.json<CharacterStats>().default('{}'),
    x: p.double().default(0),
    y: p.double().default(0),
    z: p.double().default(0),
    yaw: p.double().default(0),
    // Doubles: regeneration and damage multipliers produce fractions every tick.
    hp: p.double(),
    maxHp: p.double(),
    mana: p.double(),
    maxMana: p.double(),
    corruption: p.double().default(0),
    knownSpells: p.array().default([]),
    /** spellId → epoch ms when ready again (src/game/character.ts CHARACTER_FIELDS). */
    // onCreate: the column default alone would make MikroORM insert the JSON string "{}".
    cooldowns: p.json<Record<string, number>>().default('{}').onCreate(() => ({})),
    /** Epoch ms of the respawn while dead; null when alive. */
    respawnAt: p.double().nullable(),
    /** Handoffs so far: a save with a lower count is stale and skipped (src/persist/store.ts). */
    handoffs: p.bigint('number').default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    deletedAt: p.datetime().nullable(),
  },
  uniques: [{ name: 'characters_world_id_name_unique', properties: ['world', 'name'], where: 'deleted_at is null' }],
  indexes: [{ name: 'characters_stats_gin', properties: ['stats'], type: 'gin' }],
  // Checks are written the way PostgreSQL prints them back (typed float literals, no BETWEEN)
  // so MikroORM's schema diff of a migrated database stays empty.
  checks: [
    { name: 'characters_level_check', expression: 'level >= 1' },
    { name: 'characters_xp_check', expression: 'xp >= 0' },
    { name: 'characters_hp_check', expression: "hp >= '0'::float8 and hp <= max_hp" },
    { name: 'characters_mana_check', expression: "mana >= '0'::float8 and mana <= max_mana" },
    { name: 'characters_corruption_check', expression: "corruption >= '0'::float8" },
  ],
});
export type ICharacter = InferEntity<typeof Character>;
