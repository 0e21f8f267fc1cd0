/**
 * The admin door in front of the Colyseus monitor (src/api/admin-door.ts):
 * cross-site refusal, the room-action allow-list, budgets before bcrypt, and
 * no lockout bookkeeping. On the real server, then on the door alone with a
 * real AccountService and database and small budgets.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type Server } from 'node:http';
import express from 'express';
import { ADMIN_DOOR_LIMITS, requireAdminBasic, type AdminDoorLimits } from '../src/api/admin-door.js';
import { errorHandler, requestId } from '../src/api/errors.js';
import { AccountService } from '../src/auth/accounts.js';
import { TokenService } from '../src/auth/tokens.js';
import { User } from '../src/db/entities/index.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { createLogger } from '../src/log.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { assertError, bootTestServer, http, type TestServer } from './support/server.js';

const PASSWORD = 'a fine password';

/** A GET through node:http, for headers fetch replaces (it always sends `sec-fetch-mode: cors`). */
function rawStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}
const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

describe('admin door (/admin/monitor)', () => {
  describe('on the real server', () => {
    let t: TestServer;
    let admin: string;
    let player: string;

    before(async () => {
      t = await bootTestServer();
      const reg = async (ip: string) => {
        const name = `door_${randomBytes(4).toString('hex')}`;
        const res = await http(t.url, 'POST', '/api/auth/register', {
          body: { username: name, email: `${name}@example.com`, password: PASSWORD },
          headers: { 'x-forwarded-for': ip },
        });
        assert.equal(res.status, 201);
        return res.body.user as { id: string; username: string };
      };
      const a = await reg('198.51.100.50');
      admin = a.username;
      player = (await reg('198.51.100.51')).username;
      await t.server.orm.em.fork().nativeUpdate(User, { id: a.id }, { role: 'admin' });
    });
    after(async () => {
      await t?.stop();
    });

    const monitor = (path: string, headers: Record<string, string>, method = 'GET') => http(t.url, method, `/admin/monitor${path}`, { headers });
    const asAdmin = (extra: Record<string, string> = {}) => ({ authorization: basic(admin, PASSWORD), 'x-forwarded-for': '198.51.100.50', ...extra });
    const call = (method: string) => `/api/room/call?roomId=nope&method=${method}&args=%5B%5D`;

    it('401 with a Basic challenge, 403 for a player, 200 for an admin; never framed', async () => {
      const none = await monitor('/', {});
      assertError(none, 401, 'UNAUTHORIZED');
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic/);
      assertError(await monitor('/', { authorization: basic(player, PASSWORD) }), 403, 'FORBIDDEN');
      assertError(await monitor('/', { authorization: basic('\u0000', '\u0000') }), 401, 'UNAUTHORIZED'); // NUL: nobody's name, not a 500
      const ok = await monitor('/', asAdmin());
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('x-frame-options'), 'DENY');
      assert.match(ok.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    });

    it('refuses cross-site requests, also with the right credentials', async () => {
      const evil = 'https://evil.example';
      // The room action (a GET that changes rooms) needs positive same-origin evidence.
      const variants: Record<string, string>[] = [
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
        { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
        { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' },
        { origin: evil },
        { origin: 'null' },
        { referer: `${evil}/page` },
        {}, // no evidence at all: not the monitor page's own call
      ];
      for (const headers of variants) {
        assertError(await monitor(call('disconnect'), asAdmin(headers)), 403, 'CROSS_SITE');
      }
      // Reading the monitor's data cross-site, or any non-GET from another origin.
      assertError(await monitor('/api', asAdmin({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' })), 403, 'CROSS_SITE');
      assertError(await monitor('/api', asAdmin({ origin: evil }), 'POST'), 403, 'CROSS_SITE');
      assertError(await monitor('/api', asAdmin(), 'POST'), 403, 'CROSS_SITE');
      // A link from another site to the monitor page itself is fine (fetch cannot send a navigation's headers).
      const navigation = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
      assert.equal(await rawStatus(`${t.url}/admin/monitor/`, asAdmin(navigation)), 200);
      assert.equal(await rawStatus(`${t.url}/admin/monitor${call('disconnect')}`, asAdmin(navigation)), 403, 'but not to a room action');
    });

    it("passes the monitor page's own calls (same origin) and only its room actions", async () => {
      const res = await monitor(call('_forceClientDisconnect'), asAdmin({ 'sec-fetch-site': 'same-origin' }));
      // Through the door, the monitor itself answers: there is no room "nope".
      assert.equal(res.status, 500, JSON.stringify(res.body));
      assert.match(res.body.message, /not available/);
      assertError(await monitor(call('onDispose'), asAdmin({ 'sec-fetch-site': 'same-origin' })), 403, 'FORBIDDEN');
      const data = await monitor('/api', asAdmin({ 'sec-fetch-site': 'same-origin' }));
      assert.equal(data.status, 200);
      assert.ok(Array.isArray(data.body.rooms));
    });

    it('10 wrong guesses per address per 15 min, then 429 before bcrypt; guesses never lock or slow the admin', async () => {
      const guess = (ip: string, password: string) => monitor('/', { authorization: basic(admin, password), 'x-forwarded-for': ip });
      for (let i = 0; i < ADMIN_DOOR_LIMITS.perAddress; i++) assertError(await guess('203.0.113.40', `guess ${i}`), 401, 'UNAUTHORIZED');
      const limited = await guess('203.0.113.40', 'guess 11');
      assertError(limited, 429, 'RATE_LIMITED');
      assert.equal(limited.body.error.details.scope, 'address');
      assert.ok(Number(limited.headers.get('retry-after')) > 14 * 60);
      // The admin from another address gets in, and the admin's logins are neither locked nor slowed.
      assert.equal((await guess('203.0.113.41', PASSWORD)).status, 200);
      const login = await http(t.url, 'POST', '/api/auth/login', { body: { username: admin, password: PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.40' } });
      assert.equal(login.status, 200);
    });
  });

  describe('the door alone (real accounts and database, small budgets)', () => {
    let db: TestDatabase;
    let orm: Orm;
    let server: Server | undefined;
    let url: string;
    let adminA: string;
    let adminB: string;

    /** checkPassword held at a gate, to see the in-flight budget without racing the clock. */
    class GatedAccounts extends AccountService {
      gate: Promise<void> = Promise.resolve();
      entered = 0;
      onEnter: (() => void) | undefined;
      override async checkPassword(input: { username: string; password: string }) {
        this.entered += 1;
        this.onEnter?.();
        await this.gate;
        return super.checkPassword(input);
      }
    }
    let accounts: GatedAccounts;

    before(async () => {
      db = await createTestDatabase();
      orm = await openOrm(db.url, createLogger('silent'));
      await migrate(orm);
      accounts = new GatedAccounts(orm.em, new TokenService(randomBytes(32).toString('hex'), 600), 4);
      const mk = async () => {
        const name = `adm_${randomBytes(4).toString('hex')}`;
        const r = await accounts.register({ username: name, email: `${name}@example.com`, password: PASSWORD });
        await orm.em.fork().nativeUpdate(User, { id: r.user.id }, { role: 'admin' });
        return name;
      };
      adminA = await mk();
      adminB = await mk();
    });
    afterEach(async () => {
      accounts.gate = Promise.resolve();
      accounts.onEnter = undefined;
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });
    after(async () => {
      await orm?.close();
      await db?.drop();
    });

    async function serve(limits: Partial<AdminDoorLimits>): Promise<void> {
      const app = express();
      app.set('trust proxy', 'loopback');
      app.use(requestId);
      app.use('/door', requireAdminBasic(accounts, { ...ADMIN_DOOR_LIMITS, ...limits }), (_req, res) => {
        res.json({ in: true });
      });
      app.use(errorHandler(createLogger('silent')));
      await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
      url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    }
    const knock = (user: string, password: string, ip: string) =>
      http(url, 'GET', '/door', { headers: { authorization: basic(user, password), 'x-forwarded-for': ip } });

    it('a room action passes only with same-origin evidence (Sec-Fetch-Site, Origin or Referer naming this host)', async () => {
      await serve({});
      const action = (headers: Record<string, string>) =>
        http(url, 'GET', '/door/api/room/call?roomId=r&method=disconnect&args=%5B%5D', {
          headers: { authorization: basic(adminA, PASSWORD), ...headers },
        });
      const host = new URL(url).host;
      const sameOrigin: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin' }, { origin: `http://${host}` }, { referer: `http://${host}/door/` }];
      for (const headers of sameOrigin) {
        const res = await action(headers);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      assertError(await action({ referer: `http://${host}.evil.example/` }), 403, 'CROSS_SITE');
      assertError(await action({ 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }), 403, 'CROSS_SITE');
      assertError(await action({}), 403, 'CROSS_SITE');
    });

    it('at most 2 credential checks run at once; the 3rd is 429 at once, without bcrypt', async () => {
      await serve({});
      let open!: () => void;
      accounts.gate = new Promise((r) => (open = r));
      accounts.entered = 0;
      const twoIn = new Promise<void>((r) => (accounts.onEnter = () => accounts.entered === 2 && r()));
      const first = [knock(adminA, 'wrong 1', '203.0.113.60'), knock(adminA, 'wrong 2', '203.0.113.61')];
      await twoIn;
      const third = await knock(adminA, 'wrong 3', '203.0.113.62');
      assertError(third, 429, 'RATE_LIMITED');
      assert.equal(third.body.error.details.scope, 'process');
      assert.equal(accounts.entered, 2, 'the third never reached the password check');
      open();
      for (const r of await Promise.all(first)) assertError(r, 401, 'UNAUTHORIZED');
      accounts.onEnter = undefined;
    });

    it('concurrent requests with one header share one check', async () => {
      await serve({});
      let open!: () => void;
      accounts.gate = new Promise((r) => (open = r));
      accounts.entered = 0;
      const entered = new Promise<void>((r) => (accounts.onEnter = r));
      const polls = Array.from({ length: 5 }, () => knock(adminA, PASSWORD, '203.0.113.63'));
      await entered;
      open();
      assert.deepEqual((await Promise.all(polls)).map((r) => r.status), [200, 200, 200, 200, 200]);
      assert.equal(accounts.entered, 1);
      accounts.onEnter = undefined;
    });

    it('the process budget stops a guesser spread over many addresses; an admin verified before is still let in', async () => {
      accounts.gate = Promise.resolve();
      await serve({ perProcess: 3, cacheMs: 0 }); // cacheMs 0: every request is checked again
      assert.equal((await knock(adminA, PASSWORD, '198.51.100.70')).status, 200, 'a success gives its unit back');
      for (let i = 0; i < 3; i++) assertError(await knock(adminA, `guess ${i}`, `203.0.113.${70 + i}`), 401, 'UNAUTHORIZED');
      const limited = await knock(adminA, 'guess 4', '203.0.113.80');
      assertError(limited, 429, 'RATE_LIMITED');
      assert.equal(limited.body.error.details.scope, 'process');
      // Known-good credentials are re-checked outside the budget; new ones wait like everyone else.
      assert.equal((await knock(adminA, PASSWORD, '198.51.100.71')).status, 200);
      assertError(await knock(adminB, PASSWORD, '198.51.100.72'), 429, 'RATE_LIMITED');
    });
  });
});
