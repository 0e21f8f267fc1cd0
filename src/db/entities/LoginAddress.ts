import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './User.js';

/**
 * Login bookkeeping of one account from one address (an IPv4 address, or an
 * IPv6 /64): failures in a row and the lock they set, which bar only this
 * address, and the last success, which makes the address familiar to the
 * account (exempt from the account-wide slow-down). See src/auth/accounts.ts.
 */
export const LoginAddress = defineEntity({
  name: 'LoginAddress',
  tableName: 'login_addresses',
  properties: {
    user: () => p.manyToOne(User).primary().deleteRule('cascade'),
    address: p.string().length(64).primary(),
    /** Failed attempts in a row from this address (an attempt counts from the moment it starts; a success resets). */
    failedCount: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    lastFailureAt: p.datetime().nullable(),
    lastSuccessAt: p.datetime().nullable(),
  },
});
export type ILoginAddress = InferEntity<typeof LoginAddress>;
