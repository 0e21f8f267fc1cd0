import { Router } from 'express';
import { z } from 'zod';
import type { AccountService } from '../../auth/accounts.js';
import { ApiError, fromZod } from '../errors.js';
import { auth, bearerToken, rateLimitPerMinute, requireAuth } from '../middleware.js';

/** Seat reservations come from the rooms' matchmaking; the API only sees this function. */
export type PlayFn = (userId: string, characterId: string, token: string) => Promise<{ reservation: unknown; region: { rx: number; rz: number } }>;

// Lower-cased: the database matches a uuid in any case, but pending seats and live claims are keyed by the string.
const playBody = z.object({ characterId: z.uuid().transform((id) => id.toLowerCase()) }).strict();

/** `PLAY_RATE_LIMIT_PER_MIN` and `PLAY_RATE_LIMIT_PER_IP_PER_MIN`. */
export type PlayRateLimit = { perUserPerMin: number; perAddressPerMin: number };

export function playRouter(accounts: AccountService, play: PlayFn, limits: PlayRateLimit): Router {
  const r = Router();
  // Per address first (before the token's database lookup), then per user (a user's many addresses share it).
  const perAddress = rateLimitPerMinute(limits.perAddressPerMin);
  const perUser = rateLimitPerMinute(limits.perUserPerMin, { key: (_req, res) => `user:${auth(res).user.id}`, scope: 'user' });
  r.post('/play', perAddress, requireAuth(accounts), perUser, async (req, res) => {
    const body = playBody.safeParse(req.body);
    if (!body.success) throw fromZod(body.error);
    try {
      const { reservation } = await play(auth(res).user.id, body.data.characterId, bearerToken(res));
      res.json({ reservation });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'NOT_FOUND') throw new ApiError(404, 'NOT_FOUND', (err as Error).message);
      if (code === 'FORBIDDEN') throw new ApiError(403, 'FORBIDDEN', (err as Error).message);
      if (code === 'REGION_FULL' || code === 'REGION_BUSY' || code === 'UNAVAILABLE') throw new ApiError(503, code, (err as Error).message);
      throw err;
    }
  });
  return r;
}
