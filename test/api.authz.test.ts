/**
 * Authorization matrix: every route of the side-API × (anonymous, player,
 * other player, admin) × (own resource, someone else's) → the expected
 * status, on a real server and PostgreSQL. The route list is read from the
 * server's own Express app (its router stack, and the monitor's endpoint
 * table), so a route added without a row here fails the first test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { User } from '../src/db/entities/index.js';
import { mountedRoutes } from './support/routes.js';
import { assertError, bootTestServer, http, type TestServer } from './support/server.js';

type Actor = 'anonymous' | 'player' | 'other' | 'admin';
type Member = Exclude<Actor, 'anonymous'>;
type Target = 'own' | 'others';
const ACTORS: Actor[] = ['anonymous', 'player', 'other', 'admin'];
const MEMBERS: Member[] = ['player', 'other', 'admin'];
const PASSWORD = 'a fine password';

type Account = { id: string; username: string; token: string; characterId: string };
type Res = { status: number; body: any; headers: Headers };

type Ctx = {
  t: TestServer;
  users: Record<Member, Account>;
  /** Whose resource `as` acts on: its own, or (for "others") someone else's. */
  ownerOf(as: Actor, target: Target): Member;
  /** A new session of the actor (for logout, which revokes it). */
  freshToken(as: Member): Promise<string>;
  /** A new character of `owner` (for delete). */
  freshCharacter(owner: Member): Promise<string>;
  /** A live region room's id (a play makes one). */
  liveRoomId(): Promise<string>;
};

type Call = { method: string; path: string; body?: unknown; auth: 'bearer' | 'basic' | 'none'; headers?: Record<string, string> };

type Row = {
  call(ctx: Ctx, as: Actor, target: Target): Promise<Call>;
  /** For routes on an owned resource: expected status per target; otherwise one status per actor. */
  expect: Record<Actor, number> | { own: Record<Member, number>; others: Record<Actor, number> };
  /** Extra checks on a success (what a list may contain, whose data comes back). */
  check?(res: Res, ctx: Ctx, as: Actor): void;
};

const all = (status: number): Record<Actor, number> => ({ anonymous: status, player: status, other: status, admin: status });
const membersOnly = (status: number): Record<Actor, number> => ({ anonymous: 401, player: status, other: status, admin: status });
const adminOnly = (status: number): Record<Actor, number> => ({ anonymous: 401, player: 403, other: 403, admin: status });
/** An owned resource: the owner gets `status`; anyone else 403, admins included; anonymous 401. */
const ownerOnly = (status: number) => ({ own: { player: status, other: status, admin: status }, others: { anonymous: 401, player: 403, other: 403, admin: 403 } });

const get = (p: string, auth: Call['auth'] = 'bearer'): Row['call'] => async () => ({ method: 'GET', path: p, auth });
const MONITOR_ASSET = fs.readdirSync(path.resolve('node_modules/@colyseus/monitor/build/static/assets')).find((f) => f.endsWith('.js'))!;
const monitorCall = (p: (ctx: Ctx) => Promise<string> | string): Row['call'] => async (ctx) => ({
  method: 'GET',
  path: await p(ctx),
  auth: 'basic',
  headers: { 'sec-fetch-site': 'same-origin' }, // the monitor page's own calls
});

const MATRIX: Record<string, Row> = {
  'GET /metrics': { call: get('/metrics', 'none'), expect: all(200) },
  'GET /api/health': { call: get('/api/health'), expect: all(200) },
  'POST /api/auth/register': {
    call: async () => {
      const tag = randomBytes(4).toString('hex');
      return { method: 'POST', path: '/api/auth/register', auth: 'bearer', body: { username: `z_${tag}`, email: `${tag}@example.com`, password: PASSWORD } };
    },
    expect: all(201),
  },
  'POST /api/auth/login': {
    call: async (ctx, as) => ({
      method: 'POST',
      path: '/api/auth/login',
      auth: 'bearer',
      body: { username: ctx.users[as === 'anonymous' ? 'player' : as].username, password: PASSWORD },
    }),
    expect: all(200),
  },
  'POST /api/auth/logout': {
    call: async (ctx, as) => ({
      method: 'POST',
      path: '/api/auth/logout',
      auth: 'bearer',
      headers: as === 'anonymous' ? {} : ({ authorization: `Bearer ${await ctx.freshToken(as)}` } as Record<string, string>),
    }),
    expect: membersOnly(204),
  },
  'GET /api/me': {
    call: get('/api/me'),
    expect: membersOnly(200),
    check: (res, ctx, as) => assert.equal(res.body.id, ctx.users[as as Member].id),
  },
  'GET /api/worlds': { call: get('/api/worlds'), expect: all(200) },
  'GET /api/config/models': { call: get('/api/config/models'), expect: all(200) },
  'GET /api/content/classes': { call: get('/api/content/classes'), expect: all(200) },
  'GET /api/content/spells': { call: get('/api/content/spells'), expect: all(200) },
  'GET /api/content/items': { call: get('/api/content/items'), expect: all(200) },
  'GET /api/content/recipes': { call: get('/api/content/recipes'), expect: all(200) },
  'POST /api/characters': {
    call: async () => ({ method: 'POST', path: '/api/characters', auth: 'bearer', body: { name: `Made ${randomBytes(3).toString('hex')}`, characterClass: 'mage' } }),
    expect: membersOnly(201),
  },
  'GET /api/characters': {
    call: get('/api/characters'),
    expect: membersOnly(200),
    check: (res, ctx, as) => {
      const ids: string[] = res.body.map((c: { id: string }) => c.id);
      assert.ok(ids.includes(ctx.users[as as Member].characterId), 'lists the caller’s character');
      for (const m of MEMBERS) if (m !== as) assert.ok(!ids.includes(ctx.users[m].characterId), `does not list ${m}'s character`);
    },
  },
  'GET /api/characters/:id': {
    call: async (ctx, as, target) => ({ method: 'GET', path: `/api/characters/${ctx.users[ctx.ownerOf(as, target)].characterId}`, auth: 'bearer' }),
    expect: ownerOnly(200),
  },
  'GET /api/characters/:id/relationships': {
    call: async (ctx, as, target) => ({ method: 'GET', path: `/api/characters/${ctx.users[ctx.ownerOf(as, target)].characterId}/relationships`, auth: 'bearer' }),
    expect: ownerOnly(200),
  },
  'DELETE /api/characters/:id': {
    call: async (ctx, as, target) => {
      const owner = ctx.ownerOf(as, target);
      // The owner deletes a character made for the purpose; others aim at the owner's long-lived one (and must fail).
      const id = target === 'own' ? await ctx.freshCharacter(owner) : ctx.users[owner].characterId;
      return { method: 'DELETE', path: `/api/characters/${id}`, auth: 'bearer' };
    },
    expect: ownerOnly(204),
  },
  'POST /api/play': {
    call: async (ctx, as, target) => ({ method: 'POST', path: '/api/play', auth: 'bearer', body: { characterId: ctx.users[ctx.ownerOf(as, target)].characterId } }),
    expect: ownerOnly(200),
    check: (res) => assert.ok(res.body.reservation),
  },
  'GET /api/analytics/spells': { call: get('/api/analytics/spells'), expect: adminOnly(200) },
  // The Colyseus monitor, behind HTTP Basic auth of an admin account (src/api/admin-door.ts).
  'GET /admin/monitor/': { call: monitorCall(() => '/admin/monitor/'), expect: adminOnly(200) },
  'GET /admin/monitor/**:splat': { call: monitorCall(() => `/admin/monitor/assets/${MONITOR_ASSET}`), expect: adminOnly(200) },
  'GET /admin/monitor/api': { call: monitorCall(() => '/admin/monitor/api'), expect: adminOnly(200) },
  'GET /admin/monitor/api/room': { call: monitorCall(async (ctx) => `/admin/monitor/api/room?roomId=${await ctx.liveRoomId()}`), expect: adminOnly(200) },
  'GET /admin/monitor/api/room/call': {
    call: monitorCall(async (ctx) => `/admin/monitor/api/room/call?roomId=${await ctx.liveRoomId()}&method=_forceClientDisconnect&args=${encodeURIComponent('["nobody"]')}`),
    expect: adminOnly(200),
  },
};

describe('authorization matrix (every route × caller × whose resource)', function () {
  this.timeout(120_000);
  let t: TestServer;
  let ctx: Ctx;

  before(async () => {
    t = await bootTestServer();
    const users = {} as Record<Member, Account>;
    for (const who of MEMBERS) {
      const tag = randomBytes(4).toString('hex');
      const reg = await http(t.url, 'POST', '/api/auth/register', { body: { username: `${who}_${tag}`, email: `${who}.${tag}@example.com`, password: PASSWORD } });
      assert.equal(reg.status, 201);
      const ch = await http(t.url, 'POST', '/api/characters', { token: reg.body.token, body: { name: `${who} ${tag}`, characterClass: 'warrior' } });
      assert.equal(ch.status, 201);
      users[who] = { id: reg.body.user.id, username: reg.body.user.username, token: reg.body.token, characterId: ch.body.id };
    }
    await t.server.orm.em.fork().nativeUpdate(User, { id: users.admin.id }, { role: 'admin' });
    const basic = (who: Member) => ({ authorization: 'Basic ' + Buffer.from(`${users[who].username}:${PASSWORD}`).toString('base64') });
    ctx = {
      t,
      users,
      ownerOf: (as, target) => {
        if (target === 'own') return as as Member;
        return as === 'player' ? 'other' : 'player';
      },
      async freshToken(as) {
        const res = await http(t.url, 'POST', '/api/auth/login', { body: { username: users[as].username, password: PASSWORD } });
        assert.equal(res.status, 200);
        return res.body.token;
      },
      async freshCharacter(owner) {
        const res = await http(t.url, 'POST', '/api/characters', { token: users[owner].token, body: { name: `Spare ${randomBytes(3).toString('hex')}`, characterClass: 'mage' } });
        assert.equal(res.status, 201);
        return res.body.id;
      },
      async liveRoomId() {
        const play = await http(t.url, 'POST', '/api/play', { token: users.admin.token, body: { characterId: users.admin.characterId } });
        assert.equal(play.status, 200);
        const rooms = await http(t.url, 'GET', '/admin/monitor/api', { headers: { ...basic('admin'), 'sec-fetch-site': 'same-origin' } });
        assert.equal(rooms.status, 200);
        assert.ok(rooms.body.rooms.length > 0);
        return rooms.body.rooms[0].roomId;
      },
    };
  });
  after(async () => {
    await t?.stop();
  });

  it('every mounted route has a row, and every row is a mounted route', () => {
    const { routes, opaque } = mountedRoutes(t.server.api as any);
    const rows = Object.keys(MATRIX);
    assert.deepEqual(routes.filter((r) => !rows.includes(r)), [], 'routes without a row in MATRIX: add one');
    assert.deepEqual(rows.filter((r) => !routes.includes(r)), [], 'rows for routes that are not mounted');
    for (const mount of opaque) assert.ok(rows.some((r) => r.split(' ')[1]!.startsWith(mount + '/')), `mount ${mount} lists no routes and has no rows`);
  });

  for (const [route, row] of Object.entries(MATRIX)) {
    it(route, async () => {
      const cases: { as: Actor; target: Target; expected: number }[] = [];
      if ('own' in row.expect) {
        for (const as of MEMBERS) cases.push({ as, target: 'own', expected: row.expect.own[as] });
        for (const as of ACTORS) cases.push({ as, target: 'others', expected: row.expect.others[as] });
      } else {
        for (const as of ACTORS) cases.push({ as, target: 'own', expected: row.expect[as] });
      }
      const wrong: string[] = [];
      for (const c of cases) {
        const call = await row.call(ctx, c.as, c.target);
        const headers: Record<string, string> = { ...call.headers };
        if (c.as !== 'anonymous' && !headers.authorization) {
          if (call.auth === 'bearer') headers.authorization = `Bearer ${ctx.users[c.as].token}`;
          if (call.auth === 'basic') headers.authorization = 'Basic ' + Buffer.from(`${ctx.users[c.as].username}:${PASSWORD}`).toString('base64');
        }
        const res = await http(t.url, call.method, call.path, { body: call.body, headers });
        const label = `${c.as} on ${c.target === 'own' ? 'own' : "someone else's"}`;
        if (res.status !== c.expected) {
          wrong.push(`${label}: ${res.status} (expected ${c.expected}) ${JSON.stringify(res.body).slice(0, 160)}`);
          continue;
        }
        if (res.status === 401) assertError(res, 401, 'UNAUTHORIZED');
        else if (res.status === 403) assertError(res, 403, 'FORBIDDEN');
        else if (row.check) row.check(res, ctx, c.as);
      }
      assert.deepEqual(wrong, []);
    });
  }
});
