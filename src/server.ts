/**
 * Boot of the server role: database (embedded or external) → migrations →
 * content seed → Colyseus (presence/driver adapters) with the Express
 * side-API on the same port. Returns a handle whose `shutdown()` undoes the
 * boot in reverse order (stop accepting → close server → close database →
 * stop embedded PostgreSQL) and is safe to call twice.
 */
import { createRouter, Server } from '@colyseus/core';
import type { Application } from 'express';
import { WebSocketTransport } from '@colyseus/ws-transport';
import type { Express } from 'express';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApi } from './api/app.js';
import { createMetrics } from './api/metrics.js';
import { AccountService } from './auth/accounts.js';
import { TokenService } from './auth/tokens.js';
import type { Config } from './config.js';
import { EmbeddedPostgres } from './db/embedded.js';
import { readOrCreateSecret } from './secrets.js';
import { prepareDatabase } from './db/boot.js';
import { openOrm, type Orm } from './db/orm.js';
import { ensureMagicEventPartitions } from './db/partitions.js';
import type { Logger } from './log.js';
import { createScaleAdapters } from './scale.js';
import { createJobs, createProcessors, jobsRunInProcess, scheduleMaintenance } from './jobs/index.js';
import { createGameMaster, createLlmMetrics, createPgUsageStore } from './ai/index.js';
import { loadContent } from './content/index.js';
import { NarrationStore } from './db/narration.js';
import { NarrationHub } from '../rooms/narration.js';
import { WorldStore } from './persist/store.js';
import { randomUUID } from 'node:crypto';
import { regionRoom } from '../rooms/RegionRoom.js';
import { LOGOUT_CHANNEL, type RegionRoomDeps, type RoomSeams } from '../rooms/ports.js';
import { cachedAuthenticate } from './auth/session-cache.js';
import { ShutdownStack } from './shutdown.js';
import { RegionWriter } from './persist/writer.js';
import { createPlay } from '../rooms/play.js';
import { liveCharacters, pendingSeats, ROOM_NAME } from '../rooms/registry.js';

const WS_MAX_PAYLOAD_BYTES = 64 * 1024; // client messages are small; the transport default (4 KB) is too tight for chat bursts
const PARTITION_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000; // month boundaries are rare; checking 4×/day is plenty
const ROOM_AUTH_CACHE_MS = 30_000; // a revoked token still joins a room for at most this long if the logout message is lost

export type RunningServer = {
  port: number;
  orm: Orm;
  databaseUrl: string;
  /** The side-API's Express app (tests walk its routes). */
  api: Express;
  shutdown(reason?: string): Promise<void>;
};

export type StartOptions = {
  /** Seams of the region room (rooms/ports.ts RoomSeams): measuring tools hook ticks and patches here. */
  roomSeams?: RoomSeams;
  /** Extra room definitions, given the region room's dependencies (the benchmark defines its naive baseline here). */
  defineRooms?: (server: Server, deps: RegionRoomDeps) => void;
  /** Extra HTTP routes, mounted before the API (the benchmark's seat route for its baseline room). */
  routes?: (app: Application) => void;
};

export async function startServer(config: Config, log: Logger, opts: StartOptions = {}): Promise<RunningServer> {
  const stack = new ShutdownStack(log);
  try {
    await fs.mkdir(config.dataDir, { recursive: true });
    const jwtSecret = config.jwtSecret ?? (await readOrCreateSecret(path.join(config.dataDir, 'jwt-secret'), 48));

    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const release = await EmbeddedPostgres.claimDataDir(config.dataDir, log);
      stack.push('data dir claim', release);
      const embedded = new EmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log: log.child({ module: 'embedded-pg' }) });
      databaseUrl = await embedded.start();
      stack.push('embedded postgres', () => embedded.stop());
    }

    const orm = await openOrm(databaseUrl, log.child({ module: 'db' }));
    stack.push('database', () => orm.close());
    // Migrations, partitions and content seed under one advisory lock: servers may boot together.
    const { applied } = await prepareDatabase(orm, log.child({ module: 'db' }));
    log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
    const partitionTimer = setInterval(() => {
      ensureMagicEventPartitions(orm.em.fork()).catch((err: unknown) => log.error({ err }, 'magic_events partition check failed'));
    }, PARTITION_CHECK_INTERVAL_MS).unref();
    stack.push('partition timer', () => clearInterval(partitionTimer));

    const scale = createScaleAdapters(config.redisUrl);
    stack.push('redis probe', () => scale.close());

    const metrics = createMetrics();
    // The game master (src/ai): the model when OPENAI_API_KEY is set, else the built-in narrator. Says which at boot.
    const gameMaster = createGameMaster({ config, log, usage: createPgUsageStore(orm), metrics: createLlmMetrics(metrics.registry) });
    stack.push('game master', () => gameMaster.close());

    // Jobs: BullMQ on Redis (workers: `npm run worker`) or on this PostgreSQL (workers in-process).
    const jobs = createJobs(config, { databaseUrl, log: log.child({ module: 'jobs' }), inProcessWorkers: jobsRunInProcess(config) });
    stack.push('job queue', () => jobs.queue.close());
    if (jobs.workers) {
      // In-process workers publish narration chunks through this process's presence: the rooms' own.
      const narration = { gameMaster, store: new NarrationStore(orm), content: loadContent(), publish: (channel: string, m: unknown) => scale.presence.publish(channel, m) };
      await jobs.workers.start(createProcessors({ maintenance: { db: orm }, narration }));
      stack.push('job workers', () => jobs.workers!.close());
    }
    // Narrations: limits, live chunks and finals routed to the room holding the character (rooms/narration.ts).
    const narrationHub = new NarrationHub({ presence: scale.presence, jobs: jobs.queue, log: log.child({ module: 'narration' }) });
    stack.push('narration hub', () => narrationHub.close());
    scheduleMaintenance(jobs.queue).catch((err: unknown) => log.warn({ err }, 'maintenance schedules not registered (will run on the next boot)'));

    const accounts = new AccountService(orm.em, new TokenService(jwtSecret, config.jwtTtlS), config.bcryptCost);
    const store = new WorldStore(orm.em);
    // Rooms check a token at every join, handoffs included: remembered for a while, forgotten at logout.
    const roomAuth = cachedAuthenticate(
      async (token) => {
        const who = await accounts.authenticate(token);
        return who && { userId: who.user.id, sessionId: who.sessionId };
      },
      { ttlMs: ROOM_AUTH_CACHE_MS, maxEntries: 50_000 },
    );
    const forgetLogout = (m: { sessionId?: unknown }) => roomAuth.forgetSession(String(m?.sessionId));
    await scale.presence.subscribe(LOGOUT_CHANNEL, forgetLogout);
    stack.push('logout subscription', () => void scale.presence.unsubscribe(LOGOUT_CHANNEL, forgetLogout));
    const roomDeps: RegionRoomDeps = {
      settings: config,
      log: log.child({ module: 'rooms' }),
      auth: roomAuth,
      loader: store,
      openWriter: (ctx) => new RegionWriter({ store, log: ctx.log, intervalMs: config.persistIntervalMs, metrics: metrics.writes }),
      metrics: {
        tickTimer: () => metrics.tickDuration.startTimer(),
        clientJoined: () => metrics.roomClients.inc(),
        clientLeft: () => metrics.roomClients.dec(),
      },
      jobs: jobs.queue,
      narration: narrationHub,
      newId: randomUUID,
    };
    const api = createApi({
      em: orm.em,
      accounts,
      log: log.child({ module: 'api' }),
      metrics,
      health: [
        { name: 'db', check: async () => ((await orm.checkConnection()).ok ? 'ok' : 'down') },
        scale.health,
        jobs.health,
        { name: 'llm', check: async () => gameMaster.health() },
      ],
      authRateLimitPerMin: config.authRateLimitPerMin,
      playRateLimit: { perUserPerMin: config.playRateLimitPerMin, perAddressPerMin: config.playRateLimitPerIpPerMin },
      metricsToken: config.metricsToken,
      play: createPlay(store, scale.presence, log.child({ module: 'play' })),
      onLogout: (sessionId) => scale.presence.publish(LOGOUT_CHANNEL, { sessionId }),
      // Live: held by a room, or on its way into one (a seat handed out and not used yet, e.g. mid-handoff).
      gameMaster,
      isLive: async (id) => (await liveCharacters(scale.presence).holders(id)).length > 0 || (await pendingSeats(scale.presence).get(id)) !== undefined,
    });

    const server = new Server({
      transport: new WebSocketTransport({ maxPayload: WS_MAX_PAYLOAD_BYTES }),
      presence: scale.presence,
      driver: scale.driver,
      publicAddress: config.publicAddress,
      gracefullyShutdown: false, // main.ts owns the signals and the order
      greet: false,
      logger: log.child({ module: 'colyseus' }),
      express: (app) => {
        opts.routes?.(app);
        app.use(api);
      },
    });
    // Colyseus' own HTTP routes (/matchmake: the SDK's reconnect) take JSON only. Its body parser answers a body that
    // is not what its content type says (multipart/form-data that is not) with a 500 and a stack trace on stderr.
    server.router = createRouter({}, { allowedMediaTypes: ['application/json'] });
    server.define(ROOM_NAME, regionRoom(roomDeps, opts.roomSeams)).filterBy(['worldId', 'rx', 'rz']);
    opts.defineRooms?.(server, roomDeps);
    await listenOrFail(server, config.port, config.host);
    stack.push('colyseus', () => server.gracefullyShutdown(false));
    const port = (server.transport.server!.address() as AddressInfo).port;
    log.info({ port, database: config.databaseUrl ? 'external' : 'embedded', presence: scale.kind }, 'leyline server listening');

    return {
      port,
      orm,
      databaseUrl,
      api,
      shutdown: async (reason = 'shutdown') => {
        log.info({ reason }, 'shutting down');
        await stack.runAll();
        log.info('shutdown complete');
      },
    };
  } catch (err) {
    await stack.runAll();
    throw err;
  }
}

/**
 * `server.listen`, failing when the port cannot be bound. Colyseus' own `listen` settles on 'listening' only and
 * attaches its error handler after that, so a taken port (EADDRINUSE) left the boot waiting forever, with one
 * log line and the embedded PostgreSQL running. The bind error now ends the boot (main.ts: "boot failed", exit
 * 1), after Colyseus' matchmaker is let go.
 */
async function listenOrFail(server: Server, port: number, host: string): Promise<void> {
  const http = server.transport.server;
  let onError: ((err: NodeJS.ErrnoException) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (err) => reject(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message} (PORT and HOST say where)`, { cause: err }));
    http?.once('error', onError);
  });
  try {
    await Promise.race([server.listen(port, host), failed]);
  } catch (err) {
    await server.gracefullyShutdown(false).catch(() => undefined);
    throw err;
  } finally {
    if (onError) http?.off('error', onError);
  }
}
