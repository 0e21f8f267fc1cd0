/**
 * Accounts: registration, login with its guessing limits, sessions and their
 * revocation. Usernames and emails are case-insensitive (stored lower-cased).
 *
 * Guessing limits (LOGIN_RULES; docs/protocol.md states them for clients):
 *  - Lockout per (account, address): 5 failures in a row from one address bar
 *    that address from that account for 15 minutes (423 ACCOUNT_LOCKED). Other
 *    addresses are not affected, so an attacker cannot lock the owner out.
 *  - Slow-down per account, across addresses: addresses the account has not
 *    logged in (or registered) from in the last 90 days are "unfamiliar". Their
 *    attempts share one budget per account: 10 free, then each further attempt
 *    must wait 1 s, 2 s, 4 s … up to 5 min after the previous one (429
 *    RATE_LIMITED with retry-after), however many addresses a guesser uses. The
 *    count starts over after an hour without such attempts. Familiar addresses
 *    are exempt: the owner at home is never slowed by someone else's guesses.
 *  - Every check runs before bcrypt, and an attempt counts from the moment it
 *    starts (a success gives it back), so concurrent guesses cannot slip past.
 * Addresses are keyed as the IPv4 address, or the IPv6 /64 (one host's many
 * privacy addresses are one address).
 */
import bcrypt from 'bcrypt';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ipKeyGenerator } from 'express-rate-limit';
import { Session, User, type IUser } from '../db/entities/index.js';
import { FAMILIAR_ADDRESS_MS } from '../db/prune.js';
import { TokenService } from './tokens.js';

const MINUTE_MS = 60_000;

export const LOGIN_RULES = {
  /** Failures in a row from one address that lock the account for that address… */
  addressMaxFailures: 5,
  /** …for this long. */
  addressLockMs: 15 * MINUTE_MS,
  /** Attempts from unfamiliar addresses an account takes before they are spaced out. */
  accountFreeAttempts: 10,
  /** Spacing of the attempts past the free ones: this, doubling each time, up to the max. */
  accountBaseDelayMs: 1000,
  accountMaxDelayMs: 5 * MINUTE_MS,
  /** An hour without attempts from unfamiliar addresses and the account's count starts over. */
  accountQuietMs: 60 * MINUTE_MS,
  /** An address the account logged in or registered from within this long is familiar. */
  familiarForMs: FAMILIAR_ADDRESS_MS, // 90 days; also what the prune job keeps
} as const;
export type LoginRules = { [K in keyof typeof LOGIN_RULES]: number };

/** The wait an unfamiliar address imposes after the account's `attempt`-th attempt (1-based) in a run. */
export function accountDelayMs(attempt: number, rules: LoginRules = LOGIN_RULES): number {
  const over = attempt - rules.accountFreeAttempts;
  if (over <= 0) return 0;
  return Math.min(rules.accountBaseDelayMs * 2 ** Math.min(over - 1, 30), rules.accountMaxDelayMs);
}

/** The key a client address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  return ipKeyGenerator(ip, 64).slice(0, 64);
}

export type PublicUser = { id: string; username: string; email: string };
export type AuthResult = { user: PublicUser; token: string };
export type Authenticated = { user: PublicUser & { role: string }; sessionId: string };

/** A refusal the API turns into its coded error. */
export class AccountError extends Error {
  constructor(
    readonly code: 'USERNAME_TAKEN' | 'EMAIL_TAKEN' | 'INVALID_CREDENTIALS' | 'ACCOUNT_LOCKED' | 'LOGIN_THROTTLED',
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export const publicUser = (u: Pick<IUser, 'id' | 'username' | 'email'>): PublicUser => ({ id: u.id, username: u.username, email: u.email });

type ClientInfo = { ip?: string; userAgent?: string };

export class AccountService {
  /** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly em: EntityManager,
    private readonly tokens: TokenService,
    private readonly bcryptCost: number,
    private readonly rules: LoginRules = LOGIN_RULES,
  ) {
    this.dummyHash = bcrypt.hash('not-a-real-password', bcryptCost);
  }

  async register(input: { username: string; email: string; password: string }, client: ClientInfo = {}): Promise<AuthResult> {
    const em = this.em.fork();
    const username = input.username.toLowerCase();
    const email = input.email.toLowerCase();
    const taken = await em.findOne(User, { $or: [{ username }, { email }] }, { fields: ['username', 'email'] });
    if (taken) throw takenError(taken.username === username ? 'username' : 'email');
    const passwordHash = await bcrypt.hash(input.password, this.bcryptCost);
    const user = em.create(User, { username, email, passwordHash });
    try {
      await em.flush();
    } catch (err) {
      // Lost a race with a concurrent registration: report which field collided.
      if (err instanceof UniqueConstraintViolationException) throw takenError(err.message.includes('email') ? 'email' : 'username');
      throw err;
    }
    // The address an account was made from is familiar to it from the start.
    await em.getConnection().execute(
      `insert into login_addresses (user_id, address, failed_count, last_success_at) values (?, ?, 0, ?)
       on conflict (user_id, address) do update set last_success_at = excluded.last_success_at`,
      [user.id, addressKey(client.ip), new Date()],
    );
    return { user: publicUser(user), token: await this.openSession(em, user.id, client) };
  }

  async login(input: { username: string; password: string }, client: ClientInfo = {}, now = new Date()): Promise<AuthResult> {
    const em = this.em.fork();
    const user = await this.checkCredentials(em, input, addressKey(client.ip), now);
    return { user: publicUser(user), token: await this.openSession(em, user.id, client) };
  }

  /**
   * The account behind a username and password, without opening a session and
   * without any lockout bookkeeping: for admin Basic auth, which has limits of
   * its own in front of it (src/api/admin-door.ts) and must not let a guesser
   * lock or slow the admin's logins. Unknown users cost the same bcrypt compare.
   */
  async checkPassword(input: { username: string; password: string }): Promise<(PublicUser & { role: string }) | undefined> {
    const user = await findByUsername(this.em.fork(), input.username);
    const ok = await bcrypt.compare(input.password, user?.passwordHash ?? (await this.dummyHash));
    return user && ok ? { ...publicUser(user), role: user.role } : undefined;
  }

  private async checkCredentials(em: EntityManager, input: { username: string; password: string }, address: string, now: Date): Promise<IUser> {
    const r = this.rules;
    const user = await findByUsername(em, input.username);
    if (!user) {
      await bcrypt.compare(input.password, await this.dummyHash);
      throw new AccountError('INVALID_CREDENTIALS', 'wrong username or password');
    }
    const conn = em.getConnection();

    // 1. This address: refused while locked; otherwise the attempt counts now (given back on success).
    const [mine] = await conn.execute<{ failed_count: number; locked_until: Date | null; last_success_at: Date | null }[]>(
      `insert into login_addresses as la (user_id, address, failed_count) values (?, ?, 1)
       on conflict (user_id, address) do update set
         failed_count = case when la.locked_until > ? then la.failed_count else la.failed_count + 1 end
       returning failed_count, locked_until, last_success_at`,
      [user.id, address, now],
    );
    if (mine!.locked_until && new Date(mine!.locked_until) > now) throw lockedError(new Date(mine!.locked_until), now);
    const giveBack = () =>
      conn.execute('update login_addresses set failed_count = greatest(failed_count - 1, 0) where user_id = ? and address = ?', [user.id, address]);
    if (mine!.failed_count > r.addressMaxFailures) {
      // More attempts in flight from this address than it has failures left: the last ones decide the lock.
      await giveBack();
      throw lockedError(new Date(now.getTime() + r.addressLockMs), now);
    }
    const familiar = mine!.last_success_at !== null && new Date(mine!.last_success_at).getTime() > now.getTime() - r.familiarForMs;

    // 2. The account, for unfamiliar addresses: take a turn, or wait for it (no bcrypt either way).
    if (!familiar) {
      const quietSince = new Date(now.getTime() - r.accountQuietMs);
      const [turn] = await conn.execute<{ n: number }[]>(
        `with cur as (
           select id, case when failed_login_at is null or failed_login_at <= ? then 1 else failed_login_count + 1 end as n
             from users where id = ? and (login_slow_until is null or login_slow_until <= ?) for update)
         update users u set
           failed_login_count = cur.n,
           failed_login_at = ?,
           login_slow_until = case when cur.n > ? then ?::timestamptz + least(? * power(2, least(cur.n - ? - 1, 30)), ?) * interval '1 millisecond'
                                   else u.login_slow_until end
         from cur where u.id = cur.id
         returning cur.n as n`,
        [quietSince, user.id, now, now, r.accountFreeAttempts, now, r.accountBaseDelayMs, r.accountFreeAttempts, r.accountMaxDelayMs],
      );
      if (!turn) {
        await giveBack();
        const [row] = await conn.execute<{ login_slow_until: Date | null }[]>('select login_slow_until from users where id = ?', [user.id]);
        const until = row?.login_slow_until ? new Date(row.login_slow_until) : now;
        throw throttledError(until, now);
      }
    }

    // 3. The password.
    if (!(await bcrypt.compare(input.password, user.passwordHash))) {
      // The attempt already counted; the one that took the last place sets the lock and starts the count over.
      if (mine!.failed_count >= r.addressMaxFailures) {
        const until = new Date(now.getTime() + r.addressLockMs);
        await conn.execute('update login_addresses set locked_until = ?, failed_count = 0, last_failure_at = ? where user_id = ? and address = ?', [
          until,
          now,
          user.id,
          address,
        ]);
        throw lockedError(until, now);
      }
      await conn.execute('update login_addresses set last_failure_at = ? where user_id = ? and address = ?', [now, user.id, address]);
      throw new AccountError('INVALID_CREDENTIALS', 'wrong username or password');
    }

    await conn.execute('update login_addresses set failed_count = 0, last_success_at = ? where user_id = ? and address = ?', [now, user.id, address]);
    if (!familiar) {
      // A right password from a new address gives its turn back; the address is familiar from now on.
      await conn.execute('update users set failed_login_count = greatest(failed_login_count - 1, 0) where id = ?', [user.id]);
    }
    await em.nativeUpdate(User, { id: user.id }, { lastLoginAt: now, updatedAt: now });
    return user;
  }

  async logout(sessionId: string): Promise<void> {
    await this.em.fork().nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt: new Date() });
  }

  /** The user behind a bearer token, if the token is valid and its session is live. */
  async authenticate(token: string, now = new Date()): Promise<Authenticated | undefined> {
    const claims = this.tokens.verify(token);
    if (!claims) return undefined;
    const em = this.em.fork();
    const session = await em.findOne(Session, { id: claims.sid }, { populate: ['user'] });
    if (!session || session.revokedAt || session.expiresAt <= now) return undefined;
    const user = session.user;
    if (user.id !== claims.sub) return undefined;
    return { user: { ...publicUser(user), role: user.role }, sessionId: session.id };
  }

  private async openSession(em: EntityManager, userId: string, client: ClientInfo): Promise<string> {
    const session = em.create(Session, {
      user: userId,
      expiresAt: new Date(Date.now() + this.tokens.ttlS * 1000),
      ip: client.ip?.slice(0, 64) ?? null,
      userAgent: client.userAgent?.slice(0, 256) ?? null,
    });
    await em.flush();
    return this.tokens.sign(userId, session.id);
  }
}

/** The account of a username as a client typed it. PostgreSQL text cannot hold NUL: such a name is nobody's (not a query error). */
function findByUsername(em: EntityManager, username: string): Promise<IUser | null> {
  if (username.includes('\u0000')) return Promise.resolve(null);
  return em.findOne(User, { username: username.toLowerCase() });
}

function takenError(field: 'username' | 'email'): AccountError {
  return field === 'username'
    ? new AccountError('USERNAME_TAKEN', 'that username is taken')
    : new AccountError('EMAIL_TAKEN', 'an account with that email exists');
}

function lockedError(until: Date, now: Date): AccountError {
  const retryAfterS = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new AccountError(
    'ACCOUNT_LOCKED',
    `too many failed logins to this account from your address; try again in ${Math.ceil(retryAfterS / 60)} minutes`,
    retryAfterS,
  );
}

function throttledError(until: Date, now: Date): AccountError {
  const retryAfterS = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new AccountError(
    'LOGIN_THROTTLED',
    `too many login attempts to this account from unfamiliar addresses; try again in ${retryAfterS} s`,
    retryAfterS,
  );
}
