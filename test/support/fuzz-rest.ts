/**
 * Seeded requests for the side-API fuzz (test/fuzz.test.ts): every route of
 * the Express app (the suite checks REST_ROUTES against the app's own router
 * stack), with near-valid and junk bodies, path ids and query strings, bad
 * JSON, bodies around the 16 KB limit, odd content types, and the callers a
 * server meets: anonymous, the owner, another player, an admin, and forged
 * tokens.
 */
import type { Rng } from '../../src/game/random.js';
import { edgeNumber, edgeString, junkValue, mutate } from './fuzz.js';

export type Actor = {
  name: string;
  /** Bearer token (undefined: anonymous). */
  token?: string;
  username?: string;
  password?: string;
  userId?: string;
  /** Character ids this actor owns (live ones are in `RestWorld.live`). */
  own: string[];
};

export type RestWorld = {
  anon: Actor;
  /** Two players whose characters stay in play all along (idle in the rooms), and a REST-only player whose session is logged out and in again. */
  alice: Actor;
  bob: Actor;
  carol: Actor;
  admin: Actor;
  /** Characters live in rooms right now: never to be deleted. */
  live: Set<string>;
  deleted: string[];
  worldId: string;
  classIds: string[];
  spellIds: string[];
};

export type RestRequest = {
  route: string;
  actor: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
};

const hex = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
const uuid = (rng: Rng) => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-8${hex(rng, 3)}-${hex(rng, 12)}`;
const b64url = (s: string) => Buffer.from(s).toString('base64url');
/** Percent-encodes any string, lone surrogates included (as UTF-8 would carry them: U+FFFD). */
const pathSegment = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[\w.~-]/.test(String.fromCharCode(b)) && b < 0x80 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

const BAD_JSON = [
  '{', '{"a":', '[', 'nul', 'tru', '"unterminated', '{"a":1}{"b":2}', '{a:1}', "{'a':1}", '\u0000', ' ', '{"a":1,}', '[1,2,]',
  '{"__proto__":{"role":"admin"}}', '{"constructor":{"prototype":{"role":"admin"}}}', '0', '-0', '1e999', '"just a string"', 'null',
  '['.repeat(20000) + ']'.repeat(20000), '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), '\ufeff{}', '{"username":"\ud800"}',
];
const CONTENT_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/json; charset=latin1',
  'application/json; charset=nope', 'application/vnd.api+json', 'multipart/form-data; boundary=x', 'application/json, text/plain', 'application/xml',
];
const REQUEST_IDS = ['abc', 'x'.repeat(64), 'x'.repeat(65), 'a b', '../..', 'é', '', 'req:1.2-3_4', '<script>'];
const QUERIES = ['?a=1&a=2', '?characterId=' + 'x'.repeat(70), '?characterId[$gt]=', '?__proto__[role]=admin', '?k=1e308&target=', '?%', '?' + 'q='.repeat(500)];

/** Bodies around express.json's 16 KB limit (16384 bytes), as JSON objects the route would refuse or take. */
function sizedBody(rng: Rng): string {
  const size = rng.pick([16_000, 16_383, 16_384, 16_385, 17_000, 100_000, 1_000_000])!;
  const prefix = '{"username":"';
  return prefix + 'a'.repeat(Math.max(0, size - prefix.length - 2)) + '"}';
}

function forgedToken(rng: Rng, w: RestWorld): string {
  const header = b64url(JSON.stringify({ alg: rng.pick(['none', 'HS256', 'RS256', 'HS512'])!, typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: w.bob.userId, sid: uuid(rng), iss: 'leyline', exp: 4_000_000_000 }));
  const real = w.alice.token ?? 'a.b.c';
  switch (rng.int(0, 5)) {
    case 0: return `${header}.${payload}.`;
    case 1: return `${header}.${payload}.${b64url('not a signature')}`;
    // Alice's signature on a payload claiming to be Bob.
    case 2: return `${real.split('.')[0]}.${payload}.${real.split('.')[2]}`;
    case 3: return real.slice(0, -2) + (real.endsWith('A') ? 'B' : 'A') + real.slice(-1);
    case 4: return 'a.b.c';
    default: return 'x'.repeat(rng.pick([10, 500, 8000])!);
  }
}

function authHeader(rng: Rng, actor: Actor, w: RestWorld): string | undefined {
  if (rng.chance(0.85)) return actor.token ? `Bearer ${actor.token}` : undefined;
  switch (rng.int(0, 6)) {
    case 0: return 'Bearer';
    case 1: return 'Bearer ';
    case 2: return `bearer ${actor.token ?? ''}`;
    case 3: return `Basic ${Buffer.from(`${w.alice.username}:${w.alice.password}`).toString('base64')}`;
    case 4: return `Bearer ${actor.token ?? ''} trailing`;
    default: return `Bearer ${forgedToken(rng, w)}`;
  }
}

/** An id for `/characters/:id` or `/play`: own, live, someone else's, deleted, unknown, or junk. */
function characterId(rng: Rng, actor: Actor, w: RestWorld): string {
  const others = [w.alice, w.bob, w.carol].filter((a) => a !== actor).flatMap((a) => a.own);
  switch (rng.int(0, 6)) {
    case 0: return rng.pick(actor.own) ?? uuid(rng);
    case 1: return rng.pick(actor.own) ?? uuid(rng);
    case 2: return rng.pick(others) ?? uuid(rng);
    case 3: return rng.pick(w.deleted) ?? uuid(rng);
    case 4: return uuid(rng);
    case 5: return (rng.pick(actor.own) ?? uuid(rng)).toUpperCase();
    default: return edgeString(rng);
  }
}

const NAME_PARTS = ['Ari', 'Bo', 'Élowen', 'Kai', 'Mira', 'Zed', 'Ōta', 'Lúthien', 'Ravn', 'Sol'];

/** The near-valid JSON body of a route, before any mutation. */
function validBody(rng: Rng, route: string, actor: Actor, w: RestWorld): Record<string, unknown> | undefined {
  switch (route) {
    case 'POST /api/auth/register': {
      const tag = hex(rng, 8);
      const username = rng.chance(0.8) ? `f_${tag}` : (w.alice.username ?? 'alice');
      return { username, email: rng.chance(0.9) ? `${tag}@example.com` : `${w.alice.username}@example.com`, password: 'a fine password' };
    }
    case 'POST /api/auth/login':
      // Carol always with her password (her session cycles through logout); wrong passwords only ever for Alice.
      if (rng.chance(0.5)) return { username: w.carol.username, password: w.carol.password };
      return { username: rng.chance(0.7) ? w.alice.username : `nobody_${hex(rng, 6)}`, password: rng.chance(0.3) ? w.alice.password : 'wrong password' };
    case 'POST /api/characters':
      return {
        name: `${rng.pick(NAME_PARTS)} ${hex(rng, 4)}`,
        characterClass: rng.chance(0.9) ? rng.pick(w.classIds)! : 'necromancer',
        ...(rng.chance(0.5) ? { worldId: rng.chance(0.8) ? w.worldId : uuid(rng) } : {}),
      };
    case 'POST /api/play':
      return { characterId: characterId(rng, actor, w) };
    default:
      return rng.chance(0.5) ? {} : undefined;
  }
}

/** The route templates the generator covers, with how often each is picked. */
export const REST_ROUTES: Record<string, number> = {
  'GET /metrics': 1,
  'GET /api/health': 1,
  'POST /api/auth/register': 2,
  'POST /api/auth/login': 3,
  'POST /api/auth/logout': 1,
  'GET /api/me': 2,
  'GET /api/worlds': 1,
  'GET /api/config/models': 1,
  'POST /api/play': 3,
  'GET /api/content/classes': 1,
  'GET /api/content/spells': 1,
  'GET /api/content/items': 1,
  'GET /api/content/recipes': 1,
  'POST /api/characters': 3,
  'GET /api/characters': 2,
  'GET /api/characters/:id': 3,
  'DELETE /api/characters/:id': 3,
  'GET /api/characters/:id/relationships': 2,
  'GET /api/analytics/spells': 2,
  // The Colyseus monitor behind the admin door (src/api/admin-door.ts).
  'GET /admin/monitor/': 1,
  'GET /admin/monitor/**:splat': 1,
  'GET /admin/monitor/api': 1,
  'GET /admin/monitor/api/room': 1,
  'GET /admin/monitor/api/room/call': 1,
  /** Not routes of ours: unknown paths and methods, and Colyseus' own matchmaking routes (refused for clients). */
  'UNKNOWN': 2,
  'MATCHMAKE': 1,
};

const UNKNOWN_REQUESTS = [
  'GET /api/nope', 'GET /api', 'GET /api/', 'PUT /api/me', 'PATCH /api/characters/:id', 'POST /api/characters/:id', 'GET /api/characters/:id/inventory',
  'PUT /api/characters', 'GET /api/auth/login', 'DELETE /api/characters', 'GET /api/content/quests', 'GET /api/content/%', 'GET /api/characters/%E0%A4%A',
  'OPTIONS /api/characters', 'HEAD /api/worlds', 'HEAD /api/characters/:id', 'GET /api/content/../me', 'GET /api//characters', 'GET /api/CHARACTERS',
  'POST /api/health', 'GET /metrics/x', 'GET /api/recommendations/spells', 'GET /api/spells/arcane_bolt/similar', 'GET /api/learning-path',
];

/** Paths per monitor route. An admin's own credentials go only with the page and the room list: the other endpoints act on rooms. */
const MONITOR_PATHS: Record<string, string[]> = {
  'GET /admin/monitor/': ['/admin/monitor/', '/admin/monitor'],
  'GET /admin/monitor/**:splat': ['/admin/monitor/assets/nope.js', '/admin/monitor/%2e%2e/api/me', '/admin/monitor/static/../../package.json', '/admin/monitor/' + 'a/'.repeat(200)],
  'GET /admin/monitor/api': ['/admin/monitor/api', '/admin/monitor/api?x=1'],
  'GET /admin/monitor/api/room': ['/admin/monitor/api/room', '/admin/monitor/api/room?roomId=', '/admin/monitor/api/room?roomId=x&roomId=y'],
  'GET /admin/monitor/api/room/call': [
    '/admin/monitor/api/room/call?roomId=x&method=disconnect&args=[]', '/admin/monitor/api/room/call?roomId=x&method=evict&args=%5B%5D',
    '/admin/monitor/api/room/call?roomId=x&method=_forceClientDisconnect&args=not-json', '/admin/monitor/api/room/call',
  ],
};
const ADMIN_READS = ['GET /admin/monitor/', 'GET /admin/monitor/api'];
const FETCH_SITES = [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }, { referer: 'https://evil.example/x' }, { origin: 'null' }];

/** One seeded request. */
export function restRequest(rng: Rng, w: RestWorld): RestRequest {
  const names = Object.keys(REST_ROUTES);
  const route = names[rng.weightedIndex(names.map((n) => REST_ROUTES[n]!))]!;
  let actor = rng.pick([w.anon, w.alice, w.bob, w.carol, w.carol, w.admin])!;
  // Only Carol's session (or none) logs out: the others' tokens must keep working for the rest of the run.
  if (route === 'POST /api/auth/logout' && actor !== w.anon) actor = w.carol;
  const headers: Record<string, string> = {};
  const auth = authHeader(rng, actor, w);
  if (auth) headers.authorization = auth;
  if (rng.chance(0.1)) headers['x-request-id'] = rng.pick(REQUEST_IDS)!;

  let method: string;
  let path: string;
  if (route in MONITOR_PATHS) {
    const adminReads = actor === w.admin && ADMIN_READS.includes(route) && rng.chance(0.7);
    method = adminReads || rng.chance(0.7) ? 'GET' : rng.pick(['POST', 'DELETE', 'PUT'])!;
    path = rng.pick(MONITOR_PATHS[route]!)!;
    if (rng.chance(0.4)) Object.assign(headers, rng.pick(FETCH_SITES)!);
    // Basic auth: the admin's own password (reads only), a player's right or wrong one, junk, or none (the bearer above).
    const creds = rng.int(0, 4);
    if (adminReads) headers.authorization = `Basic ${Buffer.from(`${w.admin.username}:${w.admin.password}`).toString('base64')}`;
    else if (creds <= 1) headers.authorization = `Basic ${Buffer.from(`${w.alice.username}:${rng.chance(0.5) ? w.alice.password : 'wrong'}`).toString('base64')}`;
    else if (creds === 2) headers.authorization = `Basic ${rng.pick(['', '!!!', 'Og==', Buffer.from(':').toString('base64'), Buffer.from('\u0000:\u0000').toString('base64'), 'A'.repeat(2000)])}`;
    return { route, actor: actor.name, method, path, headers };
  }
  if (route === 'UNKNOWN') {
    const [m, p] = rng.pick(UNKNOWN_REQUESTS)!.split(' ') as [string, string];
    method = m;
    path = p.replace(':id', pathSegment(characterId(rng, actor, w)));
  } else if (route === 'MATCHMAKE') {
    method = 'POST';
    path = `/matchmake/${rng.pick(['joinOrCreate', 'create', 'join', 'joinById', 'reconnect', 'nope'])}/${rng.pick(['region', 'nope', '', '..'])}`;
  } else {
    [method, path] = route.split(' ') as [string, string];
    if (path.includes(':id')) path = path.replace(':id', pathSegment(characterId(rng, actor, w)));
  }
  if (rng.chance(0.1)) path += rng.pick(QUERIES)!;
  if (rng.chance(0.05)) method = rng.pick(['PUT', 'PATCH', 'OPTIONS', 'HEAD', 'POST', 'GET'])!;

  if (method === 'GET' || method === 'HEAD') return { route, actor: actor.name, method, path, headers };
  const valid = validBody(rng, route, actor, w);
  let body: string | undefined;
  switch (rng.weightedIndex([50, 18, 8, 8, 6, 5, 5])) {
    case 0: body = valid ? JSON.stringify(valid) : undefined; break;
    case 1: body = JSON.stringify(mutate(rng, valid ?? { characterId: uuid(rng) }, { nonJson: false })); break;
    case 2: body = JSON.stringify(junkValue(rng, { nonJson: false })) ?? 'null'; break;
    case 3: body = rng.pick(BAD_JSON)!; break;
    case 4: body = sizedBody(rng); break;
    case 5: body = valid ? JSON.stringify(valid) : '{}'; headers['content-type'] = rng.pick(CONTENT_TYPES)!; break;
    default: body = valid ? JSON.stringify({ ...valid, [rng.pick(['extra', 'role', 'userId', 'id', 'isAdmin'])!]: rng.chance(0.5) ? edgeNumber(rng, { nonJson: false }) : 'admin' }) : '{}';
  }
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    if (rng.chance(0.03)) headers['content-encoding'] = rng.pick(['gzip', 'deflate', 'br', 'x-nope', 'identity'])!;
  }
  return { route, actor: actor.name, method, path, headers, body };
}
