import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    username: p.string().length(32).unique(),
    email: p.string().length(254).unique(),
    passwordHash: p.string().length(100).hidden(),
    role: p.string().length(16).default('player'),
    /** Free-form profile (display name, preferences …); GIN-indexed. */
    profile: p.json<Record<string, unknown>>().default('{}'),
    /**
     * Login attempts from addresses unfamiliar to the account since the last quiet hour
     * (the account-wide slow-down, src/auth/accounts.ts); `failedLoginAt` is the latest.
     */
    failedLoginCount: p.integer().default(0),
    failedLoginAt: p.datetime().nullable(),
    /** Until then an unfamiliar address may not try this account's password (429); familiar ones may. */
    loginSlowUntil: p.datetime().nullable(),
    lastLoginAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  indexes: [{ name: 'users_profile_gin', properties: ['profile'], type: 'gin' }],
});
export type IUser = InferEntity<typeof User>;
