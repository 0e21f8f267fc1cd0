import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AccountService, Authenticated } from '../auth/accounts.js';
import { ApiError, sendError, unauthorized } from './errors.js';

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

/** Per-IP fixed window (in-memory: each server process counts on its own). */
export function rateLimitPerMinute(limit: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res, _next, options) => {
      res.setHeader('retry-after', String(Math.ceil(options.windowMs / 1000)));
      sendError(res, new ApiError(429, 'RATE_LIMITED', 'too many requests; slow down'));
    },
  });
}
