import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AccountService, Authenticated } from '../auth/accounts.js';
import { ApiError, rateLimited, sendError, unauthorized } from './errors.js';

/** The authenticated caller, set by `requireAuth`. */
export function auth(res: { locals: Record<string, unknown> }): Authenticated {
  return res.locals.auth as Authenticated;
}

/** The caller's raw bearer token (to authorise matchmaking on its behalf). */
export function bearerToken(res: { locals: Record<string, unknown> }): string {
  return res.locals.token as string;
}

export function requireAuth(accounts: AccountService): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/.exec(header.trim());
    if (!match) return next(unauthorized());
    const who = await accounts.authenticate(match[1]!);
    if (!who) return next(unauthorized('token is invalid, expired or revoked'));
    res.locals.auth = who;
    res.locals.token = match[1];
    next();
  };
}

export function requireRole(role: string): RequestHandler {
  return (_req, res, next) => (auth(res).user.role === role ? next() : next(new ApiError(403, 'FORBIDDEN', `${role} role required`)));
}

/**
 * A fixed window of a minute (in-memory: each server process counts on its own),
 * per client address (IPv6 by /56, express-rate-limit's default) unless `key`
 * names another subject, e.g. the authenticated user. Over the limit: 429
 * RATE_LIMITED with `retry-after` until the window resets.
 */
export function rateLimitPerMinute(limit: number, opts: { key?: (req: Request, res: Response) => string; scope?: string } = {}): RequestHandler {
  const scope = opts.scope ?? 'address';
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(opts.key ? { keyGenerator: opts.key } : {}),
    handler: (req, res) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfterS = resetTime ? (resetTime.getTime() - Date.now()) / 1000 : 60;
      sendError(res, rateLimited('too many requests; slow down', retryAfterS, { scope }));
    },
  });
}

/**
 * `/metrics` behind a static bearer token when one is configured (`METRICS_TOKEN`);
 * open when not. Compared in constant time (of the digests, so lengths do not leak).
 */
export function requireMetricsToken(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const m = /^Bearer (\S+)$/.exec((req.get('authorization') ?? '').trim());
    const given = createHash('sha256').update(m?.[1] ?? '').digest();
    if (m && timingSafeEqual(given, expected)) return next();
    res.setHeader('www-authenticate', 'Bearer realm="leyline metrics"');
    next(unauthorized('metrics need the bearer token (METRICS_TOKEN)'));
  };
}
