import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The spell catalogue, upserted from src/content at boot. The id is the content
 * name ("fireball"): clients, known-spell lists and magic events refer to it.
 */
export const Spell = defineEntity({
  name: 'Spell',
  tableName: 'spells',
  properties: {
    id: p.string().length(64).primary(),
    name: p.string().length(128),
    school: p.string().length(32).index(),
    element: p.string().length(32),
    manaCost: p.double(),
    cooldownMs: p.integer(),
    range: p.double(),
    area: p.double().default(0),
    power: p.double(),
    castTimeMs: p.integer().default(0),
    ritual: p.boolean().default(false),
    dark: p.boolean().default(false),
    tags: p.array().default([]),
    prerequisites: p.array().default([]),
    data: p.json<Record<string, unknown>>().default('{}'),
  },
  checks: [{ name: 'spells_values_check', expression: "mana_cost >= '0'::float8 and cooldown_ms >= 0 and cast_time_ms >= 0 and range >= '0'::float8 and area >= '0'::float8" }],
});
export type ISpell = InferEntity<typeof Spell>;
