import { Router } from 'express';
import { z } from 'zod';
import { AccountError, type AccountService } from '../../auth/accounts.js';
import { ApiError, fromZod, rateLimited } from '../errors.js';
import { auth, rateLimitPerMinute, requireAuth } from '../middleware.js';

const USERNAME = z.string().trim().regex(/^[A-Za-z0-9_-]{3,24}$/, '3–24 letters, digits, _ or -');
// bcrypt reads only the first 72 bytes: refuse longer rather than silently truncate.
const PASSWORD = z
  .string()
  .min(8, 'at least 8 characters')
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'at most 72 bytes');

export const registerBody = z.object({ username: USERNAME, email: z.email().max(254), password: PASSWORD }).strict();
export const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();

const STATUS: Record<Exclude<AccountError['code'], 'LOGIN_THROTTLED'>, number> = {
  USERNAME_TAKEN: 409,
  EMAIL_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  ACCOUNT_LOCKED: 423,
};

function toApiError(err: unknown): unknown {
  if (!(err instanceof AccountError)) return err;
  // The account-wide slow-down is a rate limit: the protocol's 429 RATE_LIMITED, with `scope` saying whose.
  if (err.code === 'LOGIN_THROTTLED') return rateLimited(err.message, err.retryAfterS ?? 1, { scope: 'account' });
  if (err.retryAfterS) return new ApiError(STATUS[err.code], err.code, err.message, { retryAfterS: err.retryAfterS }, { 'retry-after': String(err.retryAfterS) });
  return new ApiError(STATUS[err.code], err.code, err.message);
}

/** `onLogout`: the login session just revoked (the server closes its live room sessions). */
export function authRouter(accounts: AccountService, rateLimitPerMin: number, onLogout?: (sessionId: string) => Promise<void> | void): Router {
  const r = Router();
  const limited = rateLimitPerMinute(rateLimitPerMin);

  r.post('/auth/register', limited, async (req, res) => {
    const body = registerBody.safeParse(req.body);
    if (!body.success) throw fromZod(body.error);
    const result = await accounts.register(body.data, { ip: req.ip, userAgent: req.get('user-agent') }).catch((e) => Promise.reject(toApiError(e)));
    res.status(201).json(result);
  });

  r.post('/auth/login', limited, async (req, res) => {
    const body = loginBody.safeParse(req.body);
    if (!body.success) throw fromZod(body.error);
    const result = await accounts.login(body.data, { ip: req.ip, userAgent: req.get('user-agent') }).catch((e) => Promise.reject(toApiError(e)));
    res.json(result);
  });

  r.post('/auth/logout', requireAuth(accounts), async (_req, res) => {
    const sessionId = auth(res).sessionId;
    await accounts.logout(sessionId);
    await onLogout?.(sessionId);
    res.status(204).end();
  });

  r.get('/me', requireAuth(accounts), (_req, res) => {
    const { id, username, email } = auth(res).user;
    res.json({ id, username, email });
  });

  return r;
}
