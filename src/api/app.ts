/**
 * The Express side-API (docs/protocol.md, REST part). Mounted into the Colyseus
 * transport's Express app by src/server.ts; also usable on its own in tests.
 */
import express, { type Express } from 'express';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountService } from '../auth/accounts.js';
import type { Logger } from '../log.js';
import { monitor } from '@colyseus/monitor';
import { errorHandler, notFoundHandler, requestId } from './errors.js';
import { requireAdminBasic } from './admin-door.js';
import { requireMetricsToken } from './middleware.js';
import { runHealthChecks, type HealthCheck } from '../health.js';
import { httpMetrics, type Metrics } from './metrics.js';
import { authRouter } from './routes/auth.js';
import { charactersRouter } from './routes/characters.js';
import { contentRouter } from './routes/content.js';
import { worldsRouter } from './routes/worlds.js';
import { playRouter, type PlayFn, type PlayRateLimit } from './routes/play.js';
import { analyticsRouter } from './routes/analytics.js';
import type { GameMaster } from '../ai/types.js';

const MAX_BODY = '16kb'; // every request body of the protocol is small; larger is hostile

export type ApiDeps = {
  em: EntityManager;
  accounts: AccountService;
  log: Logger;
  metrics: Metrics;
  health: HealthCheck[];
  authRateLimitPerMin: number;
  /** `/api/play` per authenticated user and per address, per minute. */
  playRateLimit: PlayRateLimit;
  /** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>` (401 otherwise). */
  metricsToken?: string;
  /** Seat reservations for /api/play (the rooms' matchmaking); absent → the route is not mounted. */
  play?: PlayFn;
  /** A login session was revoked: its live room sessions are closed (rooms/ports.ts LOGOUT_CHANNEL). */
  onLogout?: (sessionId: string) => Promise<void> | void;
  /** Whether a character is live in a room right now (REST must not change it then). */
  isLive?: (characterId: string) => Promise<boolean>;
  /** The game master (src/ai): `GET /api/config/models` reports its `models()`; absent → the built-in narrator only. */
  gameMaster?: Pick<GameMaster, 'models'>;
};

export function createApi(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId);
  app.use(httpMetrics(deps.metrics));

  app.get('/metrics', requireMetricsToken(deps.metricsToken), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const api = express.Router();
  api.use(express.json({ limit: MAX_BODY, strict: true }));
  api.get('/health', async (_req, res) => {
    const report = await runHealthChecks(deps.health);
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  // Public: which model narrates (no secrets: never the key).
  api.get('/config/models', (_req, res) => {
    res.json(deps.gameMaster?.models() ?? { enabled: false, genres: [], timeoutMs: 0 });
  });
  api.use(authRouter(deps.accounts, deps.authRateLimitPerMin, deps.onLogout));
  api.use(worldsRouter(deps.em));
  if (deps.play) api.use(playRouter(deps.accounts, deps.play, deps.playRateLimit));
  api.use(contentRouter(deps.em));
  api.use(charactersRouter(deps.em, deps.accounts, { isLive: deps.isLive }));
  api.use(analyticsRouter(deps.em, deps.accounts));
  api.use(notFoundHandler);
  app.use('/api', api);

  // Browser admin tools: the Colyseus monitor, behind Basic auth of an admin account (rules in admin-door.ts).
  app.use('/admin/monitor', requireAdminBasic(deps.accounts), monitor());

  app.use(errorHandler(deps.log));
  // Not app-level 404 here: this app is mounted inside the Colyseus transport's Express app,
  // whose later handlers (monitor, matchmaking) must still be reachable.
  return app;
}
