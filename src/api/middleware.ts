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

const BASIC_AUTH_CACHE_MS = 60_000; // the monitor polls every second: do not run bcrypt for each poll

/**
 * HTTP Basic auth for browser admin tools (the Colyseus monitor): the
 * credentials of an account with the admin role. Failed attempts count
 * toward the account lockout like any login; a success is cached briefly.
 */
export function requireAdminBasic(accounts: AccountService): RequestHandler {
  const ok = new Map<string, number>(); // header → valid until
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const now = Date.now();
    if ((ok.get(header) ?? 0) > now) return next();
    const challenge = () => res.setHeader('www-authenticate', 'Basic realm="leyline admin", charset="UTF-8"');
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    if (!m) {
      challenge();
      return next(unauthorized('admin credentials required'));
    }
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    const username = decoded.slice(0, Math.max(0, sep)), password = decoded.slice(sep + 1);
    let who;
    try {
      who = await accounts.verify({ username, password });
    } catch {
      challenge();
      return next(unauthorized('wrong admin credentials'));
    }
    if (who.role !== 'admin') return next(new ApiError(403, 'FORBIDDEN', 'admin role required'));
    ok.set(header, now + BASIC_AUTH_CACHE_MS);
    next();
  };
}
