/**
 * Boots a real Leyline server in this process against its own database on the
 * local PostgreSQL, on a free port. `stop()` shuts it down and drops the database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './pg.js';
import { deleteRedisPrefix } from './jobs.js';

export type TestServer = {
  url: string;
  config: Config;
  server: RunningServer;
  db: TestDatabase;
  stop(): Promise<void>;
};

export type BootOptions = {
  /** The server's logger (e.g. `captureLog()` from ./capture-log.js); default: pino at TEST_LOG_LEVEL, silent unless set. */
  log?: Logger;
};

export async function bootTestServer(env: Record<string, string> = {}, opts: BootOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    BCRYPT_COST: '4',
    AUTH_RATE_LIMIT_PER_MIN: '10000',
    PLAY_RATE_LIMIT_PER_MIN: '10000',
    PLAY_RATE_LIMIT_PER_IP_PER_MIN: '100000',
    JOBS_PREFIX: `test-${randomBytes(4).toString('hex')}`, // each test server owns its queue names
    ...env,
  });
  let server: RunningServer;
  try {
    server = await startServer(config, opts.log ?? createLogger(config.logLevel));
  } catch (err) {
    await db.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `http://127.0.0.1:${server.port}`,
    config,
    server,
    db,
    async stop() {
      await server.shutdown('test done');
      await db.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
      // With Redis, the job queues (and their maintenance schedules) live under this server's prefix.
      if (config.redisUrl) await deleteRedisPrefix(config.jobsPrefix!);
    },
  };
}

/** Every error response follows docs/protocol.md's format: status, code, message and a request id. */
export function assertError(res: { status: number; body: any }, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body?.error?.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(typeof res.body.requestId, 'string');
  assert.ok(res.body.requestId.length > 0);
}

/** JSON over fetch; returns status, parsed body (or text) and headers. */
export async function http(
  base: string,
  method: string,
  pathname: string,
  opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] ??= 'application/json';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + pathname, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
