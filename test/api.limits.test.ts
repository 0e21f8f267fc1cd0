/** `/api/play` rate limits (per user, per address) and the optional `/metrics` token, on a real server. */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { assertError, bootTestServer, http, type TestServer } from './support/server.js';

describe('API limits: /api/play and /metrics', () => {
  let t: TestServer;
  const METRICS_TOKEN = randomBytes(24).toString('hex');

  before(async () => {
    t = await bootTestServer({ PLAY_RATE_LIMIT_PER_MIN: '3', PLAY_RATE_LIMIT_PER_IP_PER_MIN: '8', METRICS_TOKEN });
  });
  after(async () => {
    await t?.stop();
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  async function player(ip: string): Promise<string> {
    const tag = randomBytes(4).toString('hex');
    const res = await http(t.url, 'POST', '/api/auth/register', {
      body: { username: `lim_${tag}`, email: `${tag}@example.com`, password: 'a fine password' },
      headers: from(ip),
    });
    assert.equal(res.status, 201);
    return res.body.token;
  }
  // An unknown character: the play is refused by the handler (404), which still spends the budgets.
  const play = (token: string | undefined, ip: string) =>
    http(t.url, 'POST', '/api/play', { token, body: { characterId: randomUUID() }, headers: from(ip) });

  it('/api/play: the 4th call a minute from one user is 429 RATE_LIMITED (scope user), from any address', async () => {
    const token = await player('198.51.100.20');
    for (const ip of ['198.51.100.20', '198.51.100.21', '198.51.100.22']) assertError(await play(token, ip), 404, 'NOT_FOUND');
    const limited = await play(token, '198.51.100.23');
    assertError(limited, 429, 'RATE_LIMITED');
    assert.equal(limited.body.error.details.scope, 'user');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1 && Number(limited.headers.get('retry-after')) <= 60);
    // Another player is not affected.
    assertError(await play(await player('198.51.100.24'), '198.51.100.24'), 404, 'NOT_FOUND');
  });

  it('/api/play: the 9th call a minute from one address is 429 (scope address), whoever calls, before the token is looked at', async () => {
    const ip = '203.0.113.30';
    const tokens = await Promise.all([player(ip), player(ip), player(ip)]);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await play(tokens[i % 3], ip)).status);
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 404, 404, 404]);
    const limited = await play(tokens[0], ip);
    assertError(limited, 429, 'RATE_LIMITED');
    assert.equal(limited.body.error.details.scope, 'address');
    assertError(await play(undefined, ip), 429, 'RATE_LIMITED');
    assertError(await play(undefined, '203.0.113.31'), 401, 'UNAUTHORIZED');
  });

  it('/metrics with METRICS_TOKEN set: 401 without the bearer token or with a wrong one, Prometheus text with it', async () => {
    const none = await http(t.url, 'GET', '/metrics');
    assertError(none, 401, 'UNAUTHORIZED');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assertError(await http(t.url, 'GET', '/metrics', { token: 'x' + METRICS_TOKEN.slice(1) }), 401, 'UNAUTHORIZED');
    assertError(await http(t.url, 'GET', '/metrics', { headers: { authorization: `Basic ${METRICS_TOKEN}` } }), 401, 'UNAUTHORIZED');
    const ok = await http(t.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^leyline_process_cpu_user_seconds_total \d/m);
  });
});
