import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { World } from './World.js';

export const WORLD_EVENT_STATUSES = ['scheduled', 'active', 'ended', 'cancelled'] as const;
export type WorldEventStatus = (typeof WORLD_EVENT_STATUSES)[number];

/** A timed event in a world; `rx`/`rz` null means world-wide, otherwise it is bound to that region. */
export const WorldEvent = defineEntity({
  name: 'WorldEvent',
  tableName: 'world_events',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    world: () => p.manyToOne(World).deleteRule('cascade'),
    rx: p.integer().nullable(),
    rz: p.integer().nullable(),
    kind: p.string().length(32),
    status: p.enum(WORLD_EVENT_STATUSES).default('scheduled'),
    startsAt: p.datetime(),
    endsAt: p.datetime().nullable(),
    data: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // Rooms ask "what is scheduled or active in my world now".
  indexes: [{ properties: ['world', 'status', 'startsAt'] }],
  checks: [
    { name: 'world_events_region_check', expression: '(rx is null) = (rz is null)' },
    { name: 'world_events_time_check', expression: 'ends_at is null or ends_at >= starts_at' },
  ],
});
export type IWorldEvent = InferEntity<typeof WorldEvent>;
