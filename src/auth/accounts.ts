/**
 * Accounts: registration, login with lockout, sessions and their revocation.
 * Usernames and emails are case-insensitive (stored lower-cased).
 */
import bcrypt from 'bcrypt';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Session, User, type IUser } from '../db/entities/index.js';
import { TokenService } from './tokens.js';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

export type PublicUser = { id: string; username: string; email: string };
export type AuthResult = { user: PublicUser; token: string };
export type Authenticated = { user: PublicUser & { role: string }; sessionId: string };

/** A refusal the API turns into its coded error. */
export class AccountError extends Error {
  constructor(
    readonly code: 'USERNAME_TAKEN' | 'EMAIL_TAKEN' | 'INVALID_CREDENTIALS' | 'ACCOUNT_LOCKED',
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
    return { user: publicUser(user), token: await this.openSession(em, user.id, client) };
  }

  async login(input: { username: string; password: string }, client: ClientInfo = {}, now = new Date()): Promise<AuthResult> {
    const em = this.em.fork();
    const user = await this.checkCredentials(em, input, now);
    return { user: publicUser(user), token: await this.openSession(em, user.id, client) };
  }

  /** The account behind a username and password, with the lockout rules, without opening a session (admin Basic auth). */
  async verify(input: { username: string; password: string }, now = new Date()): Promise<PublicUser & { role: string }> {
    const user = await this.checkCredentials(this.em.fork(), input, now);
    return { ...publicUser(user), role: user.role };
  }

  private async checkCredentials(em: EntityManager, input: { username: string; password: string }, now: Date): Promise<IUser> {
    const user = await em.findOne(User, { username: input.username.toLowerCase() });
    if (!user) {
      await bcrypt.compare(input.password, await this.dummyHash);
      throw new AccountError('INVALID_CREDENTIALS', 'wrong username or password');
    }
    if (user.lockedUntil && user.lockedUntil > now) throw lockedError(user.lockedUntil, now);

    if (!(await bcrypt.compare(input.password, user.passwordHash))) {
      // Atomic increment: concurrent wrong guesses each count. The 5th locks and resets the counter.
      const conn = em.getConnection();
      const [row] = await conn.execute<{ failed_login_count: number; locked_until: Date | null }[]>(
        `UPDATE users SET
           failed_login_count = CASE WHEN failed_login_count + 1 >= ? THEN 0 ELSE failed_login_count + 1 END,
           locked_until = CASE WHEN failed_login_count + 1 >= ? THEN ?::timestamptz ELSE locked_until END,
           updated_at = now()
         WHERE id = ? RETURNING failed_login_count, locked_until`,
        [MAX_FAILED_LOGINS, MAX_FAILED_LOGINS, new Date(now.getTime() + LOCKOUT_MS), user.id],
      );
      if (row?.locked_until && new Date(row.locked_until) > now) throw lockedError(new Date(row.locked_until), now);
      throw new AccountError('INVALID_CREDENTIALS', 'wrong username or password');
    }

    user.failedLoginCount = 0;
    user.lockedUntil = null;
    user.lastLoginAt = now;
    await em.flush();
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

function takenError(field: 'username' | 'email'): AccountError {
  return field === 'username'
    ? new AccountError('USERNAME_TAKEN', 'that username is taken')
    : new AccountError('EMAIL_TAKEN', 'an account with that email exists');
}

function lockedError(until: Date, now: Date): AccountError {
  const retryAfterS = Math.ceil((until.getTime() - now.getTime()) / 1000);
  return new AccountError('ACCOUNT_LOCKED', `too many failed logins; try again in ${Math.ceil(retryAfterS / 60)} minutes`, retryAfterS);
}
