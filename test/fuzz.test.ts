/**
 * Fuzz suite: a real server, real clients joined through /api/play, and a
 * seeded stream of ≥ 10,000 room messages (every type, near-valid and
 * broken, plus unknown types) alongside seeded requests to every REST route.
 * Invariants, checked on every state patch and at the end: replies are
 * well-formed with documented codes; characters' positions are finite and
 * inside the world, 0 ≤ hp ≤ maxHp, 0 ≤ mana ≤ maxMana, level ≥ 1, every
 * wire number finite; inventories hold positive counts; no REST answer is a
 * 5xx and every error has the protocol's format; the server stays healthy;
 * nothing is logged at error level and no warning repeats.
 *
 * The seed is in the suite's title; `FUZZ_SEED=<n> npx mocha test/fuzz.test.ts`
 * replays the same choices (what they land on still depends on timing).
 * `FUZZ_MESSAGES` and `FUZZ_REST` change the volume, `FUZZ_VERBOSE=1` prints a summary.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type Room } from '@colyseus/sdk';
import { Character, User } from '../src/db/entities/index.js';
import { Rng } from '../src/game/random.js';
import { isValidBlockId, WORLD_HEIGHT } from '../src/world/index.js';
import { captureLog, LEVEL, type LogLine } from './support/capture-log.js';
import { mountedRoutes } from './support/routes.js';
import { bootTestServer, http, type TestServer } from './support/server.js';
import { borderCrossing, join, newPlayer, placeCharacter, until, type Player } from './support/game.js';
import { roomMessage, type RoomMessage, type RoomType, type RoomView } from './support/fuzz.js';
import { REST_ROUTES, restRequest, type Actor, type RestRequest, type RestWorld } from './support/fuzz-rest.js';

// A fixed default keeps CI deterministic; FUZZ_SEED explores (FUZZ_SEED=random picks one).
const DEFAULT_SEED = 20261130;
const SEED = process.env.FUZZ_SEED === 'random' ? randomInt(2 ** 31) : process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : DEFAULT_SEED;
if (!Number.isSafeInteger(SEED)) throw new Error(`FUZZ_SEED must be an integer, got ${process.env.FUZZ_SEED}`);
const TARGET_MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 10_000);
const REST_REQUESTS = Number(process.env.FUZZ_REST ?? 1_000);
const PLAYERS = 10;
/** Per client, under the room's budget (30/s after a burst of 60): nobody is kicked for flooding. */
const MESSAGES_PER_S = 24;
const CLASSES = ['mage', 'warlock', 'ranger', 'warrior', 'mage'];
/** Most warnings one (module, message) may log during the run. */
const MAX_SAME_WARNING = 3;

/** Reply codes each message type may answer with (docs/protocol.md). */
const CODES: Record<RoomType, ReadonlySet<string>> = {
  move: new Set(['INVALID_MOVE', 'BAD_MESSAGE', 'RATE_LIMITED', 'NOT_IN_REGION']),
  block: new Set(['OUT_OF_REACH', 'OUT_OF_REGION', 'INVALID_BLOCK', 'OCCUPIED', 'BAD_MESSAGE', 'RATE_LIMITED', 'NOT_IN_REGION', 'REGION_BUSY']),
  chat: new Set(['BAD_MESSAGE', 'RATE_LIMITED', 'NOT_IN_REGION']),
  cast: new Set([
    'CASTER_DEAD', 'UNKNOWN_SPELL', 'SPELL_NOT_KNOWN', 'ON_COOLDOWN', 'NOT_ENOUGH_MANA', 'OUT_OF_RANGE', 'INVALID_TARGET',
    'BAD_MESSAGE', 'RATE_LIMITED', 'NOT_IN_REGION',
  ]),
  act: new Set(['NARRATION_LIMIT', 'NARRATION_UNAVAILABLE', 'BAD_MESSAGE', 'RATE_LIMITED', 'NOT_IN_REGION']),
  talk: new Set(['NARRATION_LIMIT', 'NARRATION_UNAVAILABLE', 'UNKNOWN_NPC', 'OUT_OF_RANGE', 'BAD_MESSAGE', 'RATE_LIMITED', 'NOT_IN_REGION']),
};

/** Broken invariants, each reported once (a broken character would otherwise repeat on every patch). */
class Findings {
  private readonly seen = new Map<string, string>();
  fail(key: string, message: string): void {
    if (!this.seen.has(key) && this.seen.size < 100) this.seen.set(key, message);
  }
  get all(): string[] {
    return [...this.seen.values()];
  }
}

type Stats = {
  sent: number;
  requests: number;
  sends: number;
  byType: Record<string, { ok: number; codes: Record<string, number> }>;
  unknownRefused: number;
  closedInFlight: number;
  handoffs: number;
  rejoins: Record<string, number>;
  /** Server → client messages by type. */
  received: Record<string, number>;
  rest: Record<string, Record<number, number>>;
};

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** What is wrong with a character as a client sees it (`own`: the client's own character), if anything. */
function characterProblem(c: any, own: boolean): string | undefined {
  for (const k of ['x', 'y', 'z', 'yaw', 'hp', 'maxHp', 'corruption', 'level']) if (!finite(c[k])) return `${k} is ${c[k]}`;
  // Owner-only (docs/protocol.md): present on the own character, absent on the others.
  for (const k of ['mana', 'maxMana', 'xp']) if (own ? !finite(c[k]) : c[k] !== undefined) return `${k} is ${c[k]}${own ? ' on its own character' : ' on another character (owner-only)'}`;
  if (c.y < 0 || c.y > WORLD_HEIGHT) return `y ${c.y} outside 0..${WORLD_HEIGHT}`;
  if (Math.abs(c.x) >= 1e7 || Math.abs(c.z) >= 1e7) return `x,z ${c.x},${c.z} outside the world`;
  if (!(c.hp >= 0 && c.hp <= c.maxHp)) return `hp ${c.hp} outside 0..${c.maxHp}`;
  if (own && !(c.mana >= 0 && c.mana <= c.maxMana)) return `mana ${c.mana} outside 0..${c.maxMana}`;
  if (!(c.level >= 1)) return `level ${c.level}`;
  if (!(c.corruption >= 0 && c.corruption <= 100)) return `corruption ${c.corruption} outside 0..100`;
  if (c.xp !== undefined && !(finite(c.xp) && c.xp >= 0)) return `xp ${c.xp}`;
  for (const [spell, at] of c.cooldowns?.entries() ?? []) if (!finite(at)) return `cooldown of ${spell} is ${at}`;
  return undefined;
}

function npcProblem(n: any): string | undefined {
  for (const k of ['x', 'y', 'z', 'hp', 'maxHp']) if (!finite(n[k])) return `${k} is ${n[k]}`;
  if (n.y < 0 || n.y > WORLD_HEIGHT) return `y ${n.y} outside 0..${WORLD_HEIGHT}`;
  if (!(n.hp >= 0 && n.hp <= n.maxHp)) return `hp ${n.hp} outside 0..${n.maxHp}`;
  return undefined;
}

/** Checks what the client playing `who` holds in `room`. */
function checkState(room: Room<any, any>, who: string, f: Findings, withChunks = false): void {
  const s = room.state;
  s.characters?.forEach((c: any, id: string) => {
    const bad = characterProblem(c, id === who);
    if (bad) f.fail(`character ${id} ${bad.split(' ')[0]}`, `character ${id} (in room ${room.roomId}, seen by the client of ${who}): ${bad}; ${JSON.stringify(c.toJSON())}`);
  });
  s.npcs?.forEach((n: any, id: string) => {
    const bad = npcProblem(n);
    if (bad) f.fail(`npc ${id} ${bad.split(' ')[0]}`, `npc ${id} (in room ${room.roomId}): ${bad}; ${JSON.stringify(n.toJSON())}`);
  });
  if (!withChunks) return;
  s.chunks?.forEach((ch: any, key: string) => {
    if (`${ch.cx},${ch.cy},${ch.cz}` !== key || ch.cy < 0 || ch.cy >= WORLD_HEIGHT / 16) f.fail(`chunk ${key}`, `chunk ${key} has coordinates ${ch.cx},${ch.cy},${ch.cz}`);
    ch.edits.forEach((b: number, i: string) => {
      if (!isValidBlockId(b) || !(Number(i) >= 0 && Number(i) < 4096)) f.fail(`chunk ${key} edit`, `chunk ${key}: edit ${i} → ${b}`);
    });
  });
}

/** Checks a request's reply against the protocol: `{ok, code?, message?, data?}` with a documented code. */
function checkReply(m: RoomMessage, reply: any, f: Findings, stats: Stats): void {
  const what = `${JSON.stringify(m.type)} ${safeJson(m.payload)}`;
  if (!m.known) {
    // Only the wildcard has a handler (it charges the budget and answers nothing).
    if (m.type !== '*') f.fail(`unknown answered ${String(m.type)}`, `unknown type ${what} was answered: ${safeJson(reply)}`);
    return;
  }
  const t = (stats.byType[m.known] ??= { ok: 0, codes: {} });
  if (typeof reply !== 'object' || reply === null || typeof reply.ok !== 'boolean') return f.fail(`malformed ${m.known}`, `${what} → malformed reply ${safeJson(reply)}`);
  if (reply.ok) {
    t.ok += 1;
    if (m.known === 'move' && reply.data !== undefined) f.fail('move data', `${what} → ${safeJson(reply)} (an accepted move answers {ok:true} only)`);
    if (m.known === 'block' && !(typeof reply.data?.chunk === 'string' && Number.isInteger(reply.data?.index) && Number.isInteger(reply.data?.version))) f.fail('block data', `${what} → ${safeJson(reply)}`);
    if (m.known === 'cast' && !(finite(reply.data?.manaSpent) && reply.data.manaSpent >= 0)) f.fail('cast data', `${what} → ${safeJson(reply)}`);
    if ((m.known === 'act' || m.known === 'talk') && typeof reply.data?.narrationId !== 'string') f.fail(`${m.known} data`, `${what} → ${safeJson(reply)}`);
    return;
  }
  t.codes[reply.code] = (t.codes[reply.code] ?? 0) + 1;
  if (!CODES[m.known].has(reply.code) || typeof reply.message !== 'string') f.fail(`code ${m.known} ${reply.code}`, `${what} → undocumented refusal ${safeJson(reply)}`);
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
    return s === undefined ? 'undefined' : s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s;
  } catch (err) {
    return `(unprintable: ${(err as Error).message})`;
  }
}

/** One player's connection: sends a paced, seeded stream, follows handoffs, rejoins through /api/play when the server closes it. */
class FuzzClient {
  room!: Room<any, any>;
  private ready: Promise<void> = Promise.resolve();
  private readonly retired = new WeakSet<Room<any, any>>();
  private readonly inflight = new Set<Promise<void>>();
  private stopping = false;
  /** A handoff or rejoin failed (a finding): this client sends no more. */
  private lost = false;

  constructor(
    private readonly t: TestServer,
    readonly p: Player,
    private readonly rng: Rng,
    private readonly allSpells: readonly string[],
    private readonly f: Findings,
    private readonly stats: Stats,
  ) {}

  async start(): Promise<void> {
    await this.enter(await join(this.t, this.p));
  }

  private async enter(room: Room<any, any>): Promise<void> {
    this.room = room;
    // chat, spell, correction, loot, ritual, worldEvent: counted, not needed
    room.onMessage('*', (type: string | number) => void (this.stats.received[type] = (this.stats.received[type] ?? 0) + 1));
    room.onMessage('handoff', (m: any) => this.handoff(room, m));
    room.onStateChange(() => checkState(room, this.p.characterId, this.f));
    room.onLeave((code: number) => this.left(room, code));
    await until(room, (s) => s.characters?.get(this.p.characterId), 'own character');
  }

  private handoff(room: Room<any, any>, m: any): void {
    if (room !== this.room || !m?.reservation) return; // a failed handoff closes the connection (4103): left() reports it
    this.stats.handoffs += 1;
    this.ready = (async () => {
      const next = await new Client(this.t.url).consumeSeatReservation(m.reservation);
      this.retired.add(room);
      await room.leave().catch(() => undefined);
      await this.enter(next);
    })().catch((err) => {
      this.lost = true;
      this.f.fail(`handoff ${this.p.characterId}`, `handoff of ${this.p.characterId} failed: ${err?.stack ?? err}`);
    });
  }

  private left(room: Room<any, any>, code: number): void {
    if (this.retired.has(room) || this.stopping) return;
    this.stats.rejoins[code] = (this.stats.rejoins[code] ?? 0) + 1;
    // Paced under the budget, a flooding kick (4102) can still follow a long stall of the server's event loop:
    // rejoin. Any other close (handoff failed, taken over, logged out, shutdown) has no cause in this run.
    if (code !== 4102) this.f.fail(`closed ${this.p.characterId} ${code}`, `${this.p.characterId}: the server closed the connection with ${code}`);
    this.ready = this.rejoin().catch((err) => {
      this.lost = true;
      this.f.fail(`rejoin ${this.p.characterId}`, `rejoin of ${this.p.characterId} after close ${code} failed: ${err?.stack ?? err}`);
    });
  }

  private async rejoin(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.enter(await join(this.t, this.p));
      } catch (err) {
        // 503 REGION_BUSY while the region's previous room finishes saving: the protocol says retry.
        if (attempt >= 10 || !String(err).includes('503')) throw err;
        await sleep(500);
      }
    }
  }

  private view(room: Room<any, any>): RoomView {
    const s = room.state;
    const me = s.characters?.get(this.p.characterId);
    const points = (m: any) => (m ? [...m.values()].map((e: any) => ({ id: e.id, x: e.x, y: e.y, z: e.z })) : []);
    return { seed: this.p.seed, me, knownSpells: me?.knownSpells ? [...me.knownSpells] : [], allSpells: this.allSpells, npcs: points(s.npcs), characters: points(s.characters) };
  }

  /** Sends `count` messages at MESSAGES_PER_S (a late timer does not make up lost time in a burst). */
  async run(count: number): Promise<void> {
    const interval = 1000 / MESSAGES_PER_S;
    let due = performance.now();
    for (let sent = 0; sent < count && !this.stopping && !this.lost; ) {
      due += interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -interval) due = performance.now();
      await this.ready;
      if (!this.room.connection.isOpen) continue; // closed just now: left() is rejoining
      this.fire(this.room);
      sent += 1;
    }
    await Promise.all(this.inflight);
  }

  private fire(room: Room<any, any>): void {
    const m = roomMessage(this.rng, this.view(room));
    this.stats.sent += 1;
    if (!m.request) {
      this.stats.sends += 1;
      room.send(m.type as never, m.payload as never);
      return;
    }
    this.stats.requests += 1;
    const p: Promise<void> = room.request(m.type as never, m.payload as never).then(
      (reply) => checkReply(m, reply, this.f, this.stats),
      (err: Error) => {
        if (/timed out/i.test(err.message)) {
          this.f.fail(`timeout ${String(m.type)}`, `${JSON.stringify(m.type)} ${safeJson(m.payload)} → no reply: ${err.message}`);
        } else if (room !== this.room || !room.connection.isOpen || /connection|closed|left/i.test(err.message)) {
          this.stats.closedInFlight += 1; // the room was left (handoff, rejoin) before it answered
        } else if (!m.known && /no onMessage|no_handler/i.test(`${err.name} ${err.message}`)) {
          this.stats.unknownRefused += 1; // Colyseus' own answer to a request type without a handler
        } else {
          this.f.fail(`rejected ${String(m.type)} ${err.message.slice(0, 40)}`, `${JSON.stringify(m.type)} ${safeJson(m.payload)} → rejected: ${err.name}: ${err.message}`);
        }
      },
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Resolves once a handoff or rejoin under way is done. */
  async settled(): Promise<boolean> {
    await this.ready;
    return !this.lost;
  }

  /**
   * Settled, and its room has ticked twice since: the final state to check. A handoff that a last move set off can
   * still arrive meanwhile (its reservation is made after the reply); then the same in the room it moved to.
   */
  async quiet(): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!(await this.settled())) return false;
      const room = this.room;
      const tick = room.state.tick;
      try {
        await until(room, (s) => s.tick > tick + 1, 'two more ticks');
        if (room === this.room) return true;
      } catch (err) {
        if (!this.retired.has(room)) throw err; // left for another reason than a handoff
      }
    }
    throw new Error(`${this.p.characterId} still handing off after five tries`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.ready;
    if (this.room.connection.isOpen) await this.room.leave().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// REST

type RestAnswer = { status: number; body: any; headers: Headers; text: string };

async function sendRest(base: string, r: RestRequest): Promise<RestAnswer> {
  const res = await fetch(base + r.path, { method: r.method, headers: r.headers, body: r.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers, text };
}

/**
 * Colyseus answers its own /matchmake routes' refusals with its protocol's codes as HTTP statuses
 * (520 no handler, 521 invalid criteria, 522 invalid room id, 524 expired, 525 auth failed):
 * client errors in its protocol, not failures. 523 (unhandled) and 526 (application error) are failures.
 */
const COLYSEUS_REFUSALS = new Set([520, 521, 522, 524, 525]);

/** Documented 5xx answers: /api/play while a region is full, changing hands or unreachable; Colyseus' matchmaking refusals. */
function allowed5xx(pathname: string, a: RestAnswer): boolean {
  if (pathname === '/api/play') return a.status === 503 && ['REGION_FULL', 'REGION_BUSY', 'UNAVAILABLE'].includes(a.body?.error?.code);
  return pathname.startsWith('/matchmake/') && COLYSEUS_REFUSALS.has(a.status);
}

function checkRest(base: string, r: RestRequest, a: RestAnswer, f: Findings): void {
  const what = `${r.method} ${r.path.slice(0, 120)} as ${r.actor} (${r.body === undefined ? 'no body' : `${r.body.length} bytes: ${r.body.slice(0, 80)}`}, headers ${safeJson(r.headers)})`;
  const pathname = new URL(base + r.path).pathname; // as fetch sent it (dot segments resolved)
  if (a.status >= 500 && !allowed5xx(pathname, a)) f.fail(`5xx ${r.route} ${a.status}`, `${what} → ${a.status} ${a.text.slice(0, 300)}`);
  // The transport answers every CORS preflight itself (204, before Express): no request id there.
  if (r.method === 'OPTIONS') return;
  const api = pathname === '/api' || pathname.startsWith('/api/');
  const gate = pathname.startsWith('/admin/monitor') && (a.status === 401 || a.status === 403); // our admin gate, not the monitor's own pages
  // Express' default answers for paths outside /api (the Colyseus app's fallback) and Colyseus' /matchmake: only "no 5xx".
  if (!api && !gate && pathname !== '/metrics' && !pathname.startsWith('/admin/monitor')) return;
  const requestId = a.headers.get('x-request-id');
  if (!requestId) f.fail(`no request id ${r.route}`, `${what} → ${a.status} without x-request-id`);
  const incoming = r.headers['x-request-id'];
  if (incoming && /^[\w.:-]{1,64}$/.test(incoming) && requestId !== incoming) f.fail(`request id kept ${r.route}`, `${what} → x-request-id ${requestId}, not the sane incoming ${incoming}`);
  if (a.status < 400 || r.method === 'HEAD' || !(api || gate)) return;
  const e = a.body?.error;
  const formatted =
    typeof e?.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code) && typeof e?.message === 'string' && typeof a.body?.requestId === 'string' && a.body.requestId === requestId;
  if (!formatted) f.fail(`format ${r.route} ${a.status}`, `${what} → ${a.status} not in the error format: ${a.text.slice(0, 300)}`);
}

/** Keeps the generator's picture of the world true: new and deleted characters, Carol's session. */
function learn(r: RestRequest, a: RestAnswer, w: RestWorld, f: Findings): void {
  const actor = [w.alice, w.bob, w.carol, w.admin].find((x) => x.name === r.actor);
  if (r.route === 'POST /api/auth/login' && a.status === 200 && a.body?.user?.username === w.carol.username) w.carol.token = a.body.token;
  if (r.route === 'POST /api/characters' && a.status === 201 && actor) actor.own.push(a.body.id);
  if (r.method === 'DELETE' && a.status === 204) {
    const id = decodeURIComponent(r.path.split('/')[3]!.split('?')[0]!); // a 204 came for a well-formed id
    const owner = [w.alice, w.bob, w.carol, w.admin].find((x) => x.own.some((o) => o.toLowerCase() === id.toLowerCase()));
    if (owner) owner.own = owner.own.filter((o) => o.toLowerCase() !== id.toLowerCase());
    w.deleted.push(id);
    if ([...w.live].some((l) => l.toLowerCase() === id.toLowerCase())) f.fail(`deleted live ${id}`, `${r.method} ${r.path} as ${r.actor} → 204: a character in play was deleted`);
  }
}

async function restFuzz(base: string, rng: Rng, w: RestWorld, n: number, f: Findings, stats: Stats): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = restRequest(rng, w);
    let a: RestAnswer;
    try {
      a = await sendRest(base, r);
    } catch (err) {
      f.fail(`fetch ${r.route}`, `${r.method} ${r.path.slice(0, 120)} as ${r.actor} (${r.body?.length ?? 0} bytes) → no answer: ${(err as Error).message} ${(err as { cause?: Error }).cause?.message ?? ''}`);
      continue;
    }
    const byStatus = (stats.rest[r.route] ??= {});
    byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    checkRest(base, r, a, f);
    learn(r, a, w, f);
  }
}

// ---------------------------------------------------------------------------

describe(`fuzz: room messages and REST routes (FUZZ_SEED=${SEED})`, function () {
  this.timeout(150_000);
  const logs = captureLog('warn');
  const findings = new Findings();
  const stats: Stats = { sent: 0, requests: 0, sends: 0, byType: {}, unknownRefused: 0, closedInFlight: 0, handoffs: 0, rejoins: {}, received: {}, rest: {} };
  const rng = new Rng(SEED);
  let t: TestServer | undefined;
  let clients: FuzzClient[] = [];
  let players: Player[] = [];
  let bystanders: Player[] = [];
  let world: RestWorld;
  let maxStack: Map<string, number>;

  before(async () => {
    t = await bootTestServer({ PERSIST_INTERVAL_MS: '500' }, { log: logs.log });
    const server = t;
    const spells: { id: string }[] = (await http(server.url, 'GET', '/api/content/spells')).body;
    const items: { id: string; maxStack: number }[] = (await http(server.url, 'GET', '/api/content/items')).body;
    const classes: { id: string }[] = (await http(server.url, 'GET', '/api/content/classes')).body;
    maxStack = new Map(items.map((i) => [i.id, i.maxStack]));

    // Ten fuzzing players on both sides of a region border, a few blocks apart; two of them know every spell.
    players = [];
    for (let i = 0; i < PLAYERS; i++) players.push(await newPlayer(server, CLASSES[i % CLASSES.length]));
    const seed = players[0]!.seed;
    let spot: { x: number; y: number; z: number } | undefined;
    for (let rx = 30; !spot && rx < 60; rx++) {
      try {
        spot = borderCrossing(seed, rx);
      } catch {
        /* next border */
      }
    }
    assert.ok(spot, 'a flat region border');
    const border = Math.floor(spot.x) + 1;
    for (const [i, p] of players.entries()) {
      // The first two of each side stand on the flat crossing (some walk across at once), the others a block or two apart.
      const west = i < PLAYERS / 2;
      const k = i % (PLAYERS / 2);
      if (k < 2) await placeCharacter(server, p, spot.x + (west ? -k : k + 1), spot.z, spot.y);
      else await placeCharacter(server, p, west ? border - 1.5 - 1.3 * k : border + 0.5 + 1.3 * k, spot.z + (k % 2 ? 1.3 : -1.3) * Math.ceil(k / 2));
    }
    for (const p of [players[0]!, players[PLAYERS / 2]!]) {
      await server.server.orm.em.fork().nativeUpdate(Character, { id: p.characterId }, { knownSpells: spells.map((s) => s.id), mana: 400, maxMana: 400 });
    }

    // REST callers: two players whose characters stay in play all along (each idle in one of the two rooms, far
    // enough from the border never to be handed off: REST must never delete them), calling with sessions of
    // their own; a REST-only player whose session cycles through logout; an admin.
    bystanders = [await newPlayer(server, 'mage'), await newPlayer(server, 'warrior')];
    await placeCharacter(server, bystanders[0]!, border - 40.5, spot.z);
    await placeCharacter(server, bystanders[1]!, border + 40.5, spot.z);
    const login = async (username: string, password = 'a fine password') => {
      const res = await http(server.url, 'POST', '/api/auth/login', { body: { username, password } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { token: string; user: { id: string; username: string } };
    };
    const restActor = async (name: string, p: Player): Promise<Actor> => {
      const me = await http(server.url, 'GET', '/api/me', { token: p.token });
      const s = await login(me.body.username);
      return { name, token: s.token, username: me.body.username, password: 'a fine password', userId: p.userId, own: [p.characterId] };
    };
    const registered = async (name: string): Promise<Actor> => {
      const tag = new Rng(SEED).fork(name).nextU32().toString(16);
      const res = await http(server.url, 'POST', '/api/auth/register', { body: { username: `${name}_${tag}`, email: `${name}_${tag}@example.com`, password: 'a fine password' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { name, token: res.body.token, username: res.body.user.username, password: 'a fine password', userId: res.body.user.id, own: [] };
    };
    const admin = await registered('admin');
    await server.server.orm.em.fork().nativeUpdate(User, { id: admin.userId! }, { role: 'admin' });
    world = {
      anon: { name: 'anon', own: [] },
      alice: await restActor('alice', bystanders[0]!),
      bob: await restActor('bob', bystanders[1]!),
      carol: await registered('carol'),
      admin,
      live: new Set(bystanders.map((p) => p.characterId)),
      deleted: [],
      worldId: players[0]!.worldId,
      classIds: classes.map((c) => c.id),
      spellIds: spells.map((s) => s.id),
    };

    clients = [...players, ...bystanders].map((p, i) => new FuzzClient(server, p, rng.fork(`client ${i}`), world.spellIds, findings, stats));
    await Promise.all(clients.map((c) => c.start()));
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await t?.stop();
    t = undefined;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`    reproduce with FUZZ_SEED=${SEED} npx mocha test/fuzz.test.ts`);
  });

  it('covers every route of the side-API', () => {
    const { routes, opaque } = mountedRoutes(t!.server.api as any);
    assert.ok(routes.includes('POST /api/play'), `the app's routes are read: ${routes.join(', ')}`);
    // A mount that lists no routes (the admin door in front of the monitor) is covered by the routes under it.
    for (const mount of opaque) assert.ok(Object.keys(REST_ROUTES).some((r) => r.split(' ')[1]!.startsWith(mount + '/')), `mount ${mount} lists no routes and none under it is fuzzed`);
    const covered = new Set(Object.keys(REST_ROUTES));
    assert.deepEqual(routes.filter((r) => !covered.has(r)), [], 'routes the fuzzer does not know: add them to REST_ROUTES in test/support/fuzz-rest.ts');
    const gone = [...covered].filter((r) => r !== 'UNKNOWN' && r !== 'MATCHMAKE' && !routes.includes(r));
    assert.deepEqual(gone, [], 'routes the fuzzer requests that the app no longer has');
  });

  it(`survives ≥ ${TARGET_MESSAGES} seeded room messages from ${PLAYERS} clients and ${REST_REQUESTS} seeded REST requests`, async () => {
    const server = t!;
    const perClient = Math.ceil(TARGET_MESSAGES / PLAYERS);
    const t0 = performance.now();
    await Promise.all([...clients.slice(0, PLAYERS).map((c) => c.run(perClient)), restFuzz(server.url, rng.fork('rest'), world, REST_REQUESTS, findings, stats)]);
    const seconds = (performance.now() - t0) / 1000;

    // Final state, after the last replies: every client's view, chunks included.
    for (const c of clients) {
      if (!(await c.quiet())) continue;
      checkState(c.room, c.p.characterId, findings, true);
    }
    // Saved characters: still there (never deleted while in play), sane, positive inventory counts.
    for (const p of [...players, ...bystanders]) {
      const res = await http(server.url, 'GET', `/api/characters/${p.characterId}`, { token: p.token });
      if (res.status !== 200) {
        findings.fail(`saved ${p.characterId}`, `GET /api/characters/${p.characterId} → ${res.status} ${JSON.stringify(res.body)}`);
        continue;
      }
      const c = res.body;
      const pos = c.position;
      if (!(finite(pos?.x) && finite(pos?.y) && finite(pos?.z) && pos.y >= 0 && pos.y <= WORLD_HEIGHT)) findings.fail(`saved pos ${c.id}`, `saved position of ${c.id}: ${JSON.stringify(pos)}`);
      if (!(c.level >= 1 && c.xp >= 0)) findings.fail(`saved level ${c.id}`, `saved level/xp of ${c.id}: ${c.level}/${c.xp}`);
      const slots = new Set<number>();
      for (const s of c.inventory) {
        const cap = maxStack.get(s.itemId);
        if (!(Number.isInteger(s.quantity) && s.quantity >= 1 && cap !== undefined && s.quantity <= cap)) findings.fail(`stack ${c.id} ${s.slot}`, `inventory of ${c.id}: ${JSON.stringify(s)} (max stack ${cap})`);
        if (!(Number.isInteger(s.slot) && s.slot >= 0 && s.slot < 36) || slots.has(s.slot)) findings.fail(`slot ${c.id} ${s.slot}`, `inventory of ${c.id}: slot ${s.slot} invalid or taken twice`);
        slots.add(s.slot);
      }
    }
    const health = await http(server.url, 'GET', '/api/health');
    if (health.status !== 200 || health.body?.status !== 'ok') findings.fail('health', `/api/health → ${health.status} ${JSON.stringify(health.body)}`);

    const summary = { seed: SEED, seconds: Math.round(seconds), ...stats };
    if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify(summary, null, 1));
    assert.deepEqual(findings.all, [], `broken invariants (FUZZ_SEED=${SEED}); run summary: ${JSON.stringify(summary)}`);

    // The run reached what it claims: the volume, and past validation for every message type.
    assert.ok(stats.sent >= TARGET_MESSAGES, `${stats.sent} messages sent`);
    for (const type of ['move', 'block', 'chat', 'cast'] as const) {
      const seen = stats.byType[type];
      assert.ok(seen && seen.ok > 0, `some ${type} succeeded: ${JSON.stringify(seen)}`);
      assert.ok(seen && Object.values(seen.codes).reduce((a, b) => a + b, 0) > 0, `some ${type} were refused`);
    }
    assert.ok(stats.unknownRefused > 0, 'unknown request types were sent');
    for (const route of Object.keys(REST_ROUTES)) assert.ok(stats.rest[route], `${route} was requested`);
  });

  it('leaves cleanly, and logged no error and no warning more than a few times', async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await t?.stop();
    t = undefined;
    const errors = logs.lines.filter((l) => l.level >= LEVEL.error);
    assert.deepEqual(errors.map(brief), [], 'error-level log lines');
    const warnings = new Map<string, LogLine[]>();
    for (const r of logs.at('warn')) {
      const key = `${r.module ?? ''}|${r.msg ?? ''}`;
      warnings.set(key, [...(warnings.get(key) ?? []), r]);
    }
    if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify(Object.fromEntries([...warnings].map(([key, rs]) => [key, rs.length]))));
    const repeated = [...warnings.entries()].filter(([, rs]) => rs.length > MAX_SAME_WARNING).map(([key, rs]) => `${rs.length} × ${key}: ${brief(rs[0]!)}`);
    assert.deepEqual(repeated, [], 'warnings repeated');
  });
});

function brief(r: LogLine): string {
  const { time: _time, pid: _pid, hostname: _hostname, name: _name, ...rest } = r;
  return safeJson(rest);
}
