import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { assertError, bootTestServer, http, type TestServer } from './support/server.js';


describe('auth API', () => {
  let t: TestServer;
  let n = 0;
  const fresh = () => {
    n += 1;
    return { username: `Player_${n}_${process.pid}`, email: `p${n}.${process.pid}@example.com`, password: 'correct horse battery' };
  };
  const register = (body: unknown) => http(t.url, 'POST', '/api/auth/register', { body });
  const login = (body: unknown) => http(t.url, 'POST', '/api/auth/login', { body });

  before(async () => {
    t = await bootTestServer();
  });
  after(async () => {
    await t?.stop();
  });

  describe('register', () => {
    it('creates an account and returns a working token', async () => {
      const u = fresh();
      const res = await register(u);
      assert.equal(res.status, 201);
      assert.deepEqual(Object.keys(res.body.user).sort(), ['email', 'id', 'username']);
      assert.equal(res.body.user.username, u.username.toLowerCase());
      assert.equal(res.body.user.email, u.email);
      const me = await http(t.url, 'GET', '/api/me', { token: res.body.token });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body, res.body.user);
    });

    it('refuses a taken username (case-insensitive) with 409 USERNAME_TAKEN', async () => {
      const u = fresh();
      assert.equal((await register(u)).status, 201);
      assertError(await register({ ...fresh(), username: u.username.toUpperCase() }), 409, 'USERNAME_TAKEN');
    });

    it('refuses a taken email with 409 EMAIL_TAKEN', async () => {
      const u = fresh();
      assert.equal((await register(u)).status, 201);
      assertError(await register({ ...fresh(), email: u.email.toUpperCase() }), 409, 'EMAIL_TAKEN');
    });

    it('one of two concurrent registrations of a name wins, the other gets 409', async () => {
      const u = fresh();
      const [a, b] = await Promise.all([register(u), register({ ...u, email: 'other.' + u.email })]);
      assert.deepEqual([a.status, b.status].sort(), [201, 409]);
    });

    const badBodies: [string, unknown][] = [
      ['missing fields', {}],
      ['short password', { username: 'valid_name', email: 'a@b.co', password: 'short' }],
      ['password over 72 bytes', { username: 'valid_name', email: 'a@b.co', password: 'é'.repeat(40) }],
      ['bad email', { username: 'valid_name', email: 'not-an-email', password: 'long enough pw' }],
      ['bad username chars', { username: 'bad name!', email: 'a@b.co', password: 'long enough pw' }],
      ['wrong types', { username: 42, email: ['x'], password: { $ne: null } }],
      ['unknown field', { username: 'valid_name', email: 'a@b.co', password: 'long enough pw', role: 'admin' }],
      ['array body', [1, 2, 3]],
    ];
    for (const [label, body] of badBodies) {
      it(`answers 400 VALIDATION_FAILED for ${label}`, async () => {
        assertError(await register(body), 400, 'VALIDATION_FAILED');
      });
    }

    it('answers 400 for malformed JSON and 413 for an oversized body', async () => {
      assertError(await http(t.url, 'POST', '/api/auth/register', { raw: '{"username": "x",' }), 400, 'VALIDATION_FAILED');
      const big = JSON.stringify({ username: 'x'.repeat(100_000), email: 'a@b.co', password: 'long enough pw' });
      assertError(await http(t.url, 'POST', '/api/auth/register', { raw: big }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 400 for a non-JSON content type', async () => {
      const res = await http(t.url, 'POST', '/api/auth/register', { raw: 'username=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assertError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('login', () => {
    it('logs in with the right password, 401 INVALID_CREDENTIALS otherwise', async () => {
      const u = fresh();
      await register(u);
      const ok = await login({ username: u.username, password: u.password });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.user.username, u.username.toLowerCase());
      assert.equal(typeof ok.body.token, 'string');
      assertError(await login({ username: u.username, password: 'wrong password' }), 401, 'INVALID_CREDENTIALS');
      assertError(await login({ username: 'nobody_here', password: 'whatever1' }), 401, 'INVALID_CREDENTIALS');
      // PostgreSQL text cannot hold NUL: such a name is nobody's, not a 500.
      assertError(await login({ username: `${u.username}\u0000`, password: u.password }), 401, 'INVALID_CREDENTIALS');
    });

    it('locks the account for an address after 5 failures in a row from it: 423 ACCOUNT_LOCKED even with the right password', async () => {
      const u = fresh();
      await register(u);
      for (let i = 0; i < 4; i++) assertError(await login({ username: u.username, password: 'nope nope' }), 401, 'INVALID_CREDENTIALS');
      const fifth = await login({ username: u.username, password: 'nope nope' });
      assertError(fifth, 423, 'ACCOUNT_LOCKED');
      assert.ok(fifth.body.error.details.retryAfterS > 14 * 60 && fifth.body.error.details.retryAfterS <= 15 * 60);
      assertError(await login({ username: u.username, password: u.password }), 423, 'ACCOUNT_LOCKED');
      assert.ok(Number(fifth.headers.get('retry-after')) > 14 * 60);
    });

    // The server trusts X-Forwarded-For from a loopback proxy, which is what lets one test client act from many addresses.
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

    it("an attacker's failures lock only the attacker's address: the owner logs in from home and from a new address", async () => {
      const u = fresh();
      assert.equal((await http(t.url, 'POST', '/api/auth/register', { body: u, ...from('198.51.100.10') })).status, 201);
      const guess = (ip: string, password: string) => http(t.url, 'POST', '/api/auth/login', { body: { username: u.username, password }, ...from(ip) });
      for (let i = 0; i < 4; i++) assertError(await guess('203.0.113.9', 'nope nope'), 401, 'INVALID_CREDENTIALS');
      assertError(await guess('203.0.113.9', 'nope nope'), 423, 'ACCOUNT_LOCKED');
      assertError(await guess('203.0.113.9', u.password), 423, 'ACCOUNT_LOCKED');
      assert.equal((await guess('198.51.100.10', u.password)).status, 200);
      assert.equal((await guess('192.0.2.77', u.password)).status, 200);
    });

    it('a guesser spread over many addresses gets 429 RATE_LIMITED for the account; the owner at home still logs in', async () => {
      const u = fresh();
      assert.equal((await http(t.url, 'POST', '/api/auth/register', { body: u, ...from('198.51.100.11') })).status, 201);
      const guess = (ip: string, password: string) => http(t.url, 'POST', '/api/auth/login', { body: { username: u.username, password }, ...from(ip) });
      for (let i = 1; i <= 11; i++) assertError(await guess(`203.0.113.${i}`, 'nope nope'), 401, 'INVALID_CREDENTIALS');
      // The 11th set a 1 s wait (then 2 s, 4 s …): the next guess, from yet another address, is refused.
      let slowed = await guess('203.0.113.12', 'nope nope');
      for (let i = 13; slowed.status === 401 && i < 16; i++) slowed = await guess(`203.0.113.${i}`, 'nope nope'); // only on a very slow machine
      assertError(slowed, 429, 'RATE_LIMITED');
      assert.equal(slowed.body.error.details.scope, 'account');
      assert.ok(slowed.body.error.details.retryAfterS >= 1);
      assert.equal(slowed.headers.get('retry-after'), String(slowed.body.error.details.retryAfterS));
      assert.equal((await guess('198.51.100.11', u.password)).status, 200);
    });

    it('a success resets the failure count', async () => {
      const u = fresh();
      await register(u);
      for (let i = 0; i < 4; i++) await login({ username: u.username, password: 'nope nope' });
      assert.equal((await login({ username: u.username, password: u.password })).status, 200);
      for (let i = 0; i < 4; i++) assertError(await login({ username: u.username, password: 'nope nope' }), 401, 'INVALID_CREDENTIALS');
      assert.equal((await login({ username: u.username, password: u.password })).status, 200);
    });

    it('answers 400 for bad login bodies', async () => {
      assertError(await login({ username: 'a' }), 400, 'VALIDATION_FAILED');
      assertError(await login({ username: { $gt: '' }, password: 'x' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('tokens and logout', () => {
    let token: string;
    let userId: string;
    before(async () => {
      const res = await register(fresh());
      token = res.body.token;
      userId = res.body.user.id;
    });

    it('GET /api/me needs a token', async () => {
      assertError(await http(t.url, 'GET', '/api/me'), 401, 'UNAUTHORIZED');
      assertError(await http(t.url, 'GET', '/api/me', { headers: { authorization: 'Basic abc' } }), 401, 'UNAUTHORIZED');
      assertError(await http(t.url, 'GET', '/api/me', { token: 'not.a.jwt' }), 401, 'UNAUTHORIZED');
    });

    it('refuses a token signed with another secret', async () => {
      const sid = (jwt.decode(token) as { sid: string }).sid;
      const forged = jwt.sign({ sid }, 'x'.repeat(48), { algorithm: 'HS256', subject: userId, issuer: 'leyline', expiresIn: 600 });
      assertError(await http(t.url, 'GET', '/api/me', { token: forged }), 401, 'UNAUTHORIZED');
    });

    it('refuses an alg:none token', async () => {
      const sid = (jwt.decode(token) as { sid: string }).sid;
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: userId, sid, iss: 'leyline', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
      assertError(await http(t.url, 'GET', '/api/me', { token: none }), 401, 'UNAUTHORIZED');
    });

    it('refuses an expired token', async () => {
      const sid = (jwt.decode(token) as { sid: string }).sid;
      const expired = jwt.sign({ sid, exp: Math.floor(Date.now() / 1000) - 10 }, t.config.jwtSecret!, { algorithm: 'HS256', subject: userId, issuer: 'leyline' });
      assertError(await http(t.url, 'GET', '/api/me', { token: expired }), 401, 'UNAUTHORIZED');
    });

    it('refuses a validly signed token for someone else’s session', async () => {
      const sid = (jwt.decode(token) as { sid: string }).sid;
      const other = (await register(fresh())).body.user.id;
      const mixed = jwt.sign({ sid }, t.config.jwtSecret!, { algorithm: 'HS256', subject: other, issuer: 'leyline', expiresIn: 600 });
      assertError(await http(t.url, 'GET', '/api/me', { token: mixed }), 401, 'UNAUTHORIZED');
    });

    it('logout revokes the token (204, then 401) and leaves other sessions working', async () => {
      const u = fresh();
      const a = (await register(u)).body.token;
      const b = (await login({ username: u.username, password: u.password })).body.token;
      assert.equal((await http(t.url, 'POST', '/api/auth/logout', { token: a })).status, 204);
      assertError(await http(t.url, 'GET', '/api/me', { token: a }), 401, 'UNAUTHORIZED');
      assertError(await http(t.url, 'POST', '/api/auth/logout', { token: a }), 401, 'UNAUTHORIZED');
      assert.equal((await http(t.url, 'GET', '/api/me', { token: b })).status, 200);
    });
  });

  describe('errors everywhere', () => {
    it('an unknown API route is 404 NOT_FOUND in the protocol format', async () => {
      assertError(await http(t.url, 'GET', '/api/nope'), 404, 'NOT_FOUND');
    });

    it('echoes a sane incoming request id and replaces a hostile one', async () => {
      const ok = await http(t.url, 'GET', '/api/nope', { headers: { 'x-request-id': 'abc-123' } });
      assert.equal(ok.body.requestId, 'abc-123');
      assert.equal(ok.headers.get('x-request-id'), 'abc-123');
      const bad = await http(t.url, 'GET', '/api/nope', { headers: { 'x-request-id': '<script>'.repeat(20) } });
      assert.notEqual(bad.body.requestId, '<script>'.repeat(20));
    });
  });
});
