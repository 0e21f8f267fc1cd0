import assert from 'node:assert/strict';
import { bootTestServer, http, type TestServer } from './support/server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('health, worlds and metrics', () => {
  describe('local presence', () => {
    let t: TestServer;
    before(async () => {
      t = await bootTestServer();
    });
    after(async () => {
      await t?.stop();
    });

    it('GET /api/health reports each part', async () => {
      const res = await http(t.url, 'GET', '/api/health');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok', db: 'ok', redis: 'disabled', queue: 'ok', llm: 'disabled' });
    });

    it('GET /api/worlds lists the seeded default world', async () => {
      const res = await http(t.url, 'GET', '/api/worlds');
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body) && res.body.length >= 1);
      for (const w of res.body) {
        assert.deepEqual(Object.keys(w).sort(), ['id', 'name', 'seed', 'worldType']);
        assert.equal(typeof w.seed, 'number');
      }
    });

    it('GET /metrics serves Prometheus text with process metrics and the HTTP histogram', async () => {
      await http(t.url, 'GET', '/api/worlds');
      const res = await http(t.url, 'GET', '/metrics');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(res.body, /^leyline_process_cpu_user_seconds_total \d/m);
      assert.match(res.body, /^leyline_http_request_duration_seconds_bucket\{.*route="\/api\/worlds".*\} \d+/m);
    });
  });

  describe('with REDIS_URL', () => {
    let t: TestServer;
    before(async () => {
      t = await bootTestServer({ REDIS_URL, AUTH_RATE_LIMIT_PER_MIN: '3' });
    });
    after(async () => {
      await t?.stop();
    });

    it('uses Redis and reports it healthy', async () => {
      const res = await http(t.url, 'GET', '/api/health');
      assert.equal(res.status, 200);
      assert.equal(res.body.redis, 'ok');
      assert.equal(res.body.db, 'ok');
      assert.equal(res.body.queue, 'ok', 'BullMQ on Redis');
    });

    it('rate-limits the auth routes with 429 RATE_LIMITED', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await http(t.url, 'POST', '/api/auth/login', { body: { username: 'nobody', password: 'whatever' } });
        statuses.push(res.status);
        if (res.status === 429) {
          assert.equal(res.body.error.code, 'RATE_LIMITED');
          assert.equal(typeof res.body.requestId, 'string');
        }
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      // other routes are not limited
      assert.equal((await http(t.url, 'GET', '/api/worlds')).status, 200);
    });
  });
});
