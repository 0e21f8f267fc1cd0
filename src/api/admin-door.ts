/**
 * The door of the browser admin tools: the Colyseus monitor at
 * `/admin/monitor`, behind HTTP Basic auth with an admin account.
 *
 * Why Basic and not a bearer token: the stock monitor page cannot add an
 * `Authorization` header to its own requests; the browser's Basic prompt is
 * the only login it works with. Basic credentials are ambient (the browser
 * sends them by itself, also on requests another site makes it send), so the
 * door refuses cross-site requests instead (see `crossSiteReason`).
 *
 * Rules, in order, each before any bcrypt:
 *  1. Cross-site requests are refused (403 CROSS_SITE). Fetch Metadata
 *     (`Sec-Fetch-Site`), `Origin` and `Referer` must not name another site;
 *     the monitor's actions (`/api/room/call`, a GET that changes rooms, and
 *     any non-GET) need one of them to positively name this host. A top-level
 *     link to the monitor page itself is allowed.
 *  2. Only the monitor's own room actions may be called (403 otherwise).
 *  3. An `Authorization` header verified in the last minute passes at once.
 *  4. A credential check (one bcrypt compare) must fit three budgets, else
 *     429 RATE_LIMITED with retry-after: 10 per address and 60 per process per
 *     15 minutes (a success gives its unit back), and 2 running at once per
 *     process — so guesses cannot saturate the bcrypt thread pool and starve
 *     the rooms. A header that was verified before (in the last 12 h) is
 *     re-checked outside these budgets, so a flood of guesses does not shut
 *     out an admin who is already in.
 *  5. The check itself (`AccountService.checkPassword`) does no lockout
 *     bookkeeping: guessing here never locks or slows the admin's logins.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { AccountService } from '../auth/accounts.js';
import { addressKey } from '../auth/accounts.js';
import { ApiError, rateLimited, unauthorized } from './errors.js';
import { FixedWindowCounter } from './limits.js';

const MINUTE_MS = 60_000;

export const ADMIN_DOOR_LIMITS = {
  /** Credential checks per address per window (successes given back). */
  perAddress: 10,
  /** Credential checks per process per window (successes given back). */
  perProcess: 60,
  windowMs: 15 * MINUTE_MS,
  /** Credential checks running at once per process. */
  inFlight: 2,
  /** A verified header passes without bcrypt for this long (the monitor polls every second). */
  cacheMs: MINUTE_MS,
  /** …and is re-checked outside the budgets for this long. */
  trustMs: 12 * 60 * MINUTE_MS,
};
export type AdminDoorLimits = typeof ADMIN_DOOR_LIMITS;

/** The room methods the monitor page calls through `/api/room/call` (from @colyseus/monitor 0.18's page). */
export const MONITOR_ROOM_ACTIONS = ['disconnect', '_forceClientDisconnect', '_sendMessageToClient', '_editStateProperty', '_deleteStateProperty'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/**
 * Why a request looks cross-site, or undefined if it does not. `strict`: the
 * request must also carry positive evidence of coming from this host's page
 * (browsers send `Sec-Fetch-Site`, `Origin` or `Referer` on the monitor's own
 * calls; a request with none of them is not from a browser page we served).
 */
export function crossSiteReason(req: Request, strict: boolean): string | undefined {
  const host = req.get('host');
  let sameOrigin = false;
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') sameOrigin = true;
    else {
      const topLevelPage = req.method === 'GET' && req.get('sec-fetch-mode') === 'navigate' && req.get('sec-fetch-dest') === 'document';
      if (strict || !topLevelPage) return `Sec-Fetch-Site: ${site}`;
    }
  }
  const origin = req.get('origin');
  if (origin !== undefined) {
    if (origin === 'null' || hostOf(origin) !== host) return `Origin: ${origin}`;
    sameOrigin = true;
  }
  const referer = req.get('referer');
  if (referer !== undefined) {
    if (hostOf(referer) !== host) return 'Referer from another site';
    sameOrigin = true;
  }
  if (strict && !sameOrigin) return 'no Sec-Fetch-Site, Origin or Referer naming this host';
  return undefined;
}

type Check = { ok: true } | { ok: false; status: 401 | 403 };

export function requireAdminBasic(accounts: AccountService, limits: AdminDoorLimits = ADMIN_DOOR_LIMITS): RequestHandler {
  const perAddress = new FixedWindowCounter(limits.perAddress, limits.windowMs);
  const perProcess = new FixedWindowCounter(limits.perProcess, limits.windowMs);
  let inFlight = 0;
  /** sha256(header) → until when it passes without a check, and until when it is re-checked outside the budgets. */
  const verified = new Map<string, { passUntil: number; trustUntil: number }>();
  /** Concurrent requests with the same header share one check. */
  const pending = new Map<string, Promise<Check>>();

  const check = async (key: string, username: string, password: string, budgeted: { address: string } | undefined): Promise<Check> => {
    inFlight += 1;
    try {
      const who = await accounts.checkPassword({ username, password });
      if (!who) {
        verified.delete(key);
        return { ok: false, status: 401 };
      }
      if (who.role !== 'admin') return { ok: false, status: 403 };
      if (budgeted) {
        perAddress.giveBack(budgeted.address);
        perProcess.giveBack('process');
      }
      const now = Date.now();
      if (verified.size > 1000) for (const [k, v] of verified) if (v.trustUntil <= now) verified.delete(k);
      verified.set(key, { passUntil: now + limits.cacheMs, trustUntil: now + limits.trustMs });
      return { ok: true };
    } finally {
      inFlight -= 1;
    }
  };

  return async (req, res, next) => {
    // The monitor page must not be framed by another site (its buttons change rooms).
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('content-security-policy', "frame-ancestors 'none'");

    const action = req.path === '/api/room/call';
    const crossSite = crossSiteReason(req, action || !SAFE_METHODS.has(req.method));
    if (crossSite) return next(new ApiError(403, 'CROSS_SITE', `cross-site request refused (${crossSite})`));
    if (action && !MONITOR_ROOM_ACTIONS.includes(String(req.query.method))) {
      return next(new ApiError(403, 'FORBIDDEN', 'that room method cannot be called from the monitor'));
    }

    const challenge = () => res.setHeader('www-authenticate', 'Basic realm="leyline admin", charset="UTF-8"');
    const header = req.get('authorization') ?? '';
    const m = /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(header);
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    if (sep < 1) {
      challenge();
      return next(unauthorized('admin credentials required'));
    }
    const key = createHash('sha256').update(header).digest('hex');
    const now = Date.now();
    const known = verified.get(key);
    if (known && known.passUntil > now) return next();

    let result = pending.get(key);
    if (!result) {
      const trusted = known !== undefined && known.trustUntil > now;
      let budgeted: { address: string } | undefined;
      if (!trusted) {
        if (inFlight >= limits.inFlight) return next(rateLimited('admin credential checks are busy; retry shortly', 1, { scope: 'process' }));
        const address = addressKey(req.ip);
        const a = perAddress.take(address, now);
        if (!a.ok) return next(rateLimited('too many admin credential checks from your address', a.retryAfterMs / 1000, { scope: 'address' }));
        const p = perProcess.take('process', now);
        if (!p.ok) {
          perAddress.giveBack(address, now);
          return next(rateLimited('too many admin credential checks; retry later', p.retryAfterMs / 1000, { scope: 'process' }));
        }
        budgeted = { address };
      }
      result = check(key, decoded.slice(0, sep), decoded.slice(sep + 1), budgeted).finally(() => pending.delete(key));
      pending.set(key, result);
    }
    const outcome = await result;
    if (outcome.ok) return next();
    if (outcome.status === 403) return next(new ApiError(403, 'FORBIDDEN', 'admin role required'));
    challenge();
    next(unauthorized('wrong admin credentials'));
  };
}
