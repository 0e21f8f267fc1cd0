/**
 * Play that can be checked against the database afterwards, for the fault suite
 * (test/faults.test.ts): real `@colyseus/sdk` clients joined through /api/play that
 * walk a flat strip in +x (so a saved x tells which acknowledged move it was) and
 * place stone at cells that are never touched again (so a saved cell tells whether
 * that acknowledged edit survived). Every reply is recorded with the time it arrived.
 */
import { Client, type Room } from '@colyseus/sdk';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Block, chunkKey, blockToChunk } from '../../src/world/index.js';
import { until, walkableStrip } from './game.js';
import { http } from './server.js';

export type Account = { token: string; characterId: string; worldId: string; seed: number };

/** A registered user with one character (any class), through the API. */
export async function newAccount(base: string, characterClass = 'warrior'): Promise<Account> {
  const tag = randomBytes(4).toString('hex');
  const reg = await http(base, 'POST', '/api/auth/register', { body: { username: `f_${tag}`, email: `${tag}@example.com`, password: 'a fine password' } });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const ch = await http(base, 'POST', '/api/characters', { token: reg.body.token, body: { name: `Hero ${tag}`, characterClass } });
  if (ch.status !== 201) throw new Error(`create character: ${ch.status} ${JSON.stringify(ch.body)}`);
  const worlds = await http(base, 'GET', '/api/worlds');
  const world = worlds.body.find((w: { id: string }) => w.id === ch.body.worldId) ?? worlds.body[0];
  return { token: reg.body.token, characterId: ch.body.id, worldId: world.id, seed: world.seed };
}

/** Runs `sql` on `url` once (fixtures and checks: a fresh connection each time, as the database may have been away). */
export async function query<R = any>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as R[];
  } finally {
    await c.end();
  }
}

/** Seats a character through /api/play and waits for its own character in the state. */
export async function enter(base: string, a: Account): Promise<Room<any, any>> {
  const res = await http(base, 'POST', '/api/play', { token: a.token, body: { characterId: a.characterId } });
  if (res.status !== 200) throw new Error(`play: ${res.status} ${JSON.stringify(res.body)}`);
  const room: Room<any, any> = await new Client(base).consumeSeatReservation(res.body.reservation);
  room.reconnection.enabled = false; // a killed server is not coming back under the same room id
  await until(room, (s) => s.characters?.get(a.characterId), 'own character');
  return room;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type MoveAck = { at: number; x: number };
export type PlacedAck = { at: number; x: number; y: number; z: number; chunk: string; index: number; version: number };
type Tally = { sent: number; ok: number; refused: Record<string, number>; noReply: number };

/** Moves +0.01 blocks every 100 ms and places one stone every 250 ms, recording every reply. */
export class Bot {
  readonly moves: Tally & { acks: MoveAck[] } = { sent: 0, ok: 0, refused: {}, noReply: 0, acks: [] };
  readonly edits: Tally & { placed: PlacedAck[] } = { sent: 0, ok: 0, refused: {}, noReply: 0, placed: [] };
  /** Arrival times of state patches that advanced `tick`, with the tick. */
  readonly ticks: { at: number; tick: number }[] = [];
  /** Longest wait for a move's reply (ms) and when it was asked. */
  slowestReply = { ms: 0, at: 0 };
  room!: Room<any, any>;
  private x = 0;
  private readonly strip: ReturnType<typeof walkableStrip>;
  private readonly tried = new Set<string>();
  private running: Promise<unknown> | undefined;
  private stopping = false;

  constructor(
    readonly account: Account,
    readonly rx: number,
    /** Height above the strip's feet level of this bot's stones (3..6): bots sharing a strip never compete for a cell. */
    readonly level: number,
  ) {
    this.strip = walkableStrip(account.seed, rx, 12);
  }

  /** Where the bot starts (a fixture written to the database before it plays). */
  get start(): { x: number; y: number; z: number } {
    return { x: this.strip.x, y: this.strip.y, z: this.strip.z };
  }

  async place(dbUrl: string): Promise<void> {
    const s = this.start;
    await query(dbUrl, 'UPDATE characters SET x = $2, y = $3, z = $4 WHERE id = $1', [this.account.characterId, s.x, s.y, s.z]);
  }

  async join(base: string): Promise<void> {
    this.room = await enter(base, this.account);
    this.x = this.room.state.characters.get(this.account.characterId).x;
    this.room.onStateChange((s: any) => {
      const last = this.ticks[this.ticks.length - 1];
      if (!last || s.tick > last.tick) this.ticks.push({ at: Date.now(), tick: s.tick });
    });
  }

  play(): void {
    this.stopping = false;
    this.running = Promise.all([this.moveLoop(), this.editLoop()]);
  }

  /** Stops sending and waits for the replies still due. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Forgets what was recorded so far (a new phase of a test); cells already tried stay used. */
  reset(): void {
    for (const t of [this.moves, this.edits]) Object.assign(t, { sent: 0, ok: 0, refused: {}, noReply: 0 });
    this.moves.acks.length = 0;
    this.edits.placed.length = 0;
    this.ticks.length = 0;
    this.slowestReply = { ms: 0, at: 0 };
  }

  get lastAckedX(): number | undefined {
    return this.moves.acks[this.moves.acks.length - 1]?.x;
  }

  private async moveLoop(): Promise<void> {
    while (!this.stopping) {
      const t0 = Date.now();
      const x = Math.round((this.x + 0.01) * 1e6) / 1e6;
      this.moves.sent++;
      const r = await this.request('move', { x, y: this.strip.y, z: this.strip.z });
      const ms = Date.now() - t0;
      if (ms > this.slowestReply.ms) this.slowestReply = { ms, at: t0 };
      if (r === undefined) this.moves.noReply++;
      else if (r.ok) {
        this.x = x;
        this.moves.ok++;
        this.moves.acks.push({ at: Date.now(), x });
      } else this.moves.refused[r.code ?? '?'] = (this.moves.refused[r.code ?? '?'] ?? 0) + 1;
      if (r === undefined && !this.room.connection.isOpen) return;
      await sleep(Math.max(0, 100 - (Date.now() - t0)));
    }
  }

  private async editLoop(): Promise<void> {
    while (!this.stopping) {
      const t0 = Date.now();
      const cell = this.nextCell();
      if (cell) {
        this.edits.sent++;
        const r = await this.request('block', { action: 'place', ...cell, block: Block.STONE });
        if (r === undefined) this.edits.noReply++;
        else if (r.ok) this.edits.placed.push({ at: Date.now(), ...cell, chunk: r.data.chunk, index: r.data.index, version: r.data.version });
        else this.edits.refused[r.code ?? '?'] = (this.edits.refused[r.code ?? '?'] ?? 0) + 1;
        if (r === undefined && !this.room.connection.isOpen) return;
      }
      await sleep(Math.max(0, 250 - (Date.now() - t0)));
    }
  }

  /** A cell this bot never tried, at its level, within reach of where it stands. */
  private nextCell(): { x: number; y: number; z: number } | undefined {
    const y = this.strip.y + this.level;
    const px = this.x;
    const pz = this.strip.z;
    for (let dx = -2; dx <= 3; dx++) {
      for (let dz = -2; dz <= 2; dz++) {
        const x = Math.floor(px) + dx;
        const z = Math.floor(pz) + dz;
        const key = `${x},${z}`;
        if (this.tried.has(key)) continue;
        if (Math.hypot(x + 0.5 - px, y + 0.5 - (this.strip.y + 1.6), z + 0.5 - pz) > 5.8) continue;
        this.tried.add(key);
        return { x, y, z };
      }
    }
    return undefined;
  }

  private async request(type: string, payload: unknown): Promise<{ ok: boolean; code?: string; data?: any } | undefined> {
    try {
      return await this.room.request(type, payload, { timeout: 5000 });
    } catch {
      return undefined;
    }
  }
}

/** The largest gap (ms) between patches that advanced the tick, within [from, to]. */
export function longestTickGap(bots: Bot[], from: number, to: number): number {
  let worst = 0;
  for (const b of bots) {
    const seen = b.ticks.filter((t) => t.at >= from && t.at <= to);
    for (let i = 1; i < seen.length; i++) worst = Math.max(worst, seen[i]!.at - seen[i - 1]!.at);
    if (seen.length === 0) worst = Math.max(worst, to - from);
  }
  return worst;
}

/** Ticks advanced per client between two times (the server's tick counter as the client saw it). */
export function ticksBetween(bot: Bot, from: number, to: number): number {
  const before = [...bot.ticks].reverse().find((t) => t.at <= from)?.tick ?? bot.ticks[0]?.tick ?? 0;
  const after = [...bot.ticks].reverse().find((t) => t.at <= to)?.tick ?? before;
  return after - before;
}

export type Saved = {
  /** Saved x per character id. */
  x: Map<string, number>;
  /** Saved chunks by `cx,cy,cz`: version and edits. */
  chunks: Map<string, { version: number; edits: Record<string, number> }>;
};

export async function saved(dbUrl: string, worldId: string, characterIds: string[]): Promise<Saved> {
  const chars = await query<{ id: string; x: number }>(dbUrl, 'SELECT id, x FROM characters WHERE id = ANY($1::uuid[])', [characterIds]);
  const chunks = await query<{ chunk_x: number; chunk_y: number; chunk_z: number; version: number; data: Record<string, number> }>(
    dbUrl,
    'SELECT chunk_x, chunk_y, chunk_z, version, data FROM world_chunks WHERE world_id = $1',
    [worldId],
  );
  return {
    x: new Map(chars.map((c) => [c.id, c.x])),
    chunks: new Map(chunks.map((c) => [chunkKey(c.chunk_x, c.chunk_y, c.chunk_z), { version: c.version, edits: c.data }])),
  };
}

export type Loss = {
  /** Acknowledged moves whose position is not saved (the saved x is behind them). */
  moves: MoveAck[];
  /** Acknowledged stones not in the saved chunks. */
  edits: PlacedAck[];
  /** Of all lost writes, the earliest acknowledgement time (undefined: nothing lost). */
  oldestAt: number | undefined;
  acked: { moves: number; edits: number };
};

/** Which acknowledged writes (of those acknowledged up to `until`, default all) are not in the database. */
export function lost(bots: Bot[], db: Saved, until = Infinity): Loss {
  const out: Loss = { moves: [], edits: [], oldestAt: undefined, acked: { moves: 0, edits: 0 } };
  for (const b of bots) {
    const x = db.x.get(b.account.characterId) ?? -Infinity;
    for (const m of b.moves.acks) {
      if (m.at > until) continue;
      out.acked.moves++;
      if (m.x > x + 1e-9) out.moves.push(m);
    }
    for (const e of b.edits.placed) {
      if (e.at > until) continue;
      out.acked.edits++;
      const c = blockToChunk(e.x, e.y, e.z);
      const row = db.chunks.get(chunkKey(c.cx, c.cy, c.cz));
      if (row?.edits[String(c.index)] !== Block.STONE) out.edits.push(e);
    }
  }
  const times = [...out.moves, ...out.edits].map((w) => w.at);
  out.oldestAt = times.length ? Math.min(...times) : undefined;
  return out;
}

/** Re-reads the database until `check` holds (the persister has no event a test can see from outside the process). */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
