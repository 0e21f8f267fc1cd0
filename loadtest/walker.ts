/**
 * Bots of `npm run bench` (issue 9), written from docs/protocol.md and the
 * shared world module only (src/world: the terrain a client generates from
 * the world seed). They never import the server's rules or schema classes.
 *
 * A bot registers, creates a character, asks `POST /api/play` for a seat and
 * consumes it; when its region room sends `handoff {reservation}` it consumes
 * the new seat and then leaves the old room (docs/protocol.md, "Handoff"). It
 * walks at walking speed with 10 moves/s, each move a legal step (the
 * protocol's movement rule, checked against the generated terrain) from its
 * position as the server has it: predicted from its accepted moves, reset
 * from `correction` and from its own character in the state. Against the naive
 * peer the same bot takes its seat from the bench route and reads
 * `state.players` instead of `state.characters`.
 *
 * Measured per bot: bytes read on its sockets (every room connection it
 * ever had), the frames by protocol code, move → own position in a decoded
 * patch, handoffs, refusals, close codes; and at sample times its own
 * position and the ids in its state (view completeness, computed by the
 * bench across all bots).
 *
 * The process running these bots must make @colyseus/sdk use the `ws`
 * package (loadtest/use-ws.ts, imported first): its socket counts the bytes.
 */
import { Client, Protocol, Room } from '@colyseus/sdk';
import type net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { Stepper, type Plan, type Pos, type Terrain } from './steering.js';

export type Variant = 'leyline' | 'naive';
export type Account = { username: string; token: string; characterId: string };
export { Terrain, type Plan, type Pos, type XZ } from './steering.js';
/**
 * `observer`: decodes every patch (its state is judged for completeness, its moves timed to the patch that shows
 * them); other bots decode until they know their own position, then only count the patch frames (the server sends
 * them the same bytes) and follow their position from the move replies and corrections: decoding hundreds of
 * players' changes in hundreds of bots would take more CPU than this box has next to the server.
 * `probe`: an observer that also counts decoded changes by field.
 */
export type WalkerOptions = { endpoint: string; variant: Variant; worldId: string; speed: number; moveMs: number; plan: Plan; observer: boolean; probe: boolean };

/** Own position in a patch equals a move's target within this (the wire may round, e.g. to 1/32 block). */
const MATCH_EPS = 0.04;
const PENDING_MAX_MS = 3000;
const NAIVE_ROOM = 'naive'; // loadtest/naive.ts NAIVE_ROOM_NAME (not imported: server code)

/** PROTOCOL_CODE_MASK of @colyseus/shared-types: the high bits of a frame's first byte are modifiers. */
const CODE_MASK = 0x1f;
export const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Protocol as unknown as Record<string, number>).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]),
);

/** Frames received on one room connection, by protocol code (payload + WebSocket header). */
class Frames {
  readonly byCode = new Map<number, number>();
  /** Messages by protocol code. */
  readonly countByCode = new Map<number, number>();
  total = 0;
  add(data: unknown): void {
    const n = data instanceof ArrayBuffer ? data.byteLength : ArrayBuffer.isView(data) ? data.byteLength : Buffer.byteLength(String(data));
    const first = n > 0 ? (data instanceof ArrayBuffer ? new Uint8Array(data, 0, 1)[0]! : ArrayBuffer.isView(data) ? (data as Uint8Array)[0]! : -1) : -1;
    const wire = n + (n < 126 ? 2 : n < 65536 ? 4 : 10);
    this.total += wire;
    const code = first & CODE_MASK;
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + wire);
    this.countByCode.set(code, (this.countByCode.get(code) ?? 0) + 1);
  }
}
/**
 * Frames kept for loadtest/decode-replay.ts (`npm run bench -- --record DIR`): every message each room of this
 * process receives, from its handshake on, with its arrival time, written per room to `dir` (0.bin, 1.bin, …:
 * [float64 ms][uint32 length][bytes] each) when the run's bots stop.
 */
let recording: { dir: string; rooms: Map<object, Buffer[]> } | undefined;
export function recordFrames(dir: string): void {
  recording ??= { dir, rooms: new Map() };
}
export function saveRecorded(): void {
  if (!recording) return;
  fs.mkdirSync(recording.dir, { recursive: true });
  let i = 0;
  for (const parts of recording.rooms.values()) fs.writeFileSync(path.join(recording.dir, `${i++}.bin`), Buffer.concat(parts));
  recording = undefined;
}
function record(room: object, data: unknown): void {
  let parts = recording!.rooms.get(room);
  if (!parts) recording!.rooms.set(room, (parts = []));
  const bytes = data instanceof ArrayBuffer ? Buffer.from(data) : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(String(data));
  const head = Buffer.allocUnsafe(12);
  head.writeDoubleLE(performance.now(), 0);
  head.writeUInt32LE(bytes.length, 8);
  parts.push(head, Buffer.from(bytes)); // a copy
}

const frames = new WeakMap<object, Frames>();
/** Rooms whose patch frames are counted but not decoded (non-observer bots that know their position). */
const skipPatches = new WeakMap<object, () => boolean>();
const framesOf = (room: object): Frames => {
  let f = frames.get(room);
  if (!f) frames.set(room, (f = new Frames()));
  return f;
};
// The SDK binds onMessageCallback when a room connects: wrapping the prototype counts every frame from the handshake on.
const proto = Room.prototype as unknown as { onMessageCallback?: (ev: { data: unknown }) => void };
const dispatch = proto.onMessageCallback;
if (typeof dispatch !== 'function') throw new Error('@colyseus/sdk Room has no onMessageCallback any more: the frame meter needs a new hook');
if (!(proto as { __benchMetered?: boolean }).__benchMetered) {
  (proto as { __benchMetered?: boolean }).__benchMetered = true;
  proto.onMessageCallback = function (this: object, ev: { data: unknown }) {
    framesOf(this).add(ev.data);
    if (recording) record(this, ev.data);
    const d = ev.data;
    const first = d instanceof ArrayBuffer && d.byteLength ? new Uint8Array(d, 0, 1)[0]! : ArrayBuffer.isView(d) && d.byteLength ? (d as Uint8Array)[0]! : -1;
    if ((first & CODE_MASK) === Protocol.ROOM_STATE_PATCH && skipPatches.get(this)?.()) return;
    dispatch.call(this, ev);
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(endpoint: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(endpoint + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

/** A new account with one character (POST /api/auth/register, POST /api/characters). */
export async function registerAccount(endpoint: string, tag: string): Promise<Account> {
  const username = `b_${tag}`;
  const reg = await api(endpoint, 'POST', '/api/auth/register', { username, email: `${tag}@bench.invalid`, password: 'bench password' });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.json)}`);
  const ch = await api(endpoint, 'POST', '/api/characters', { name: `Bot ${tag}`, characterClass: 'mage' }, reg.json.token);
  if (ch.status !== 201) throw new Error(`create character: ${ch.status} ${JSON.stringify(ch.json)}`);
  return { username, token: reg.json.token, characterId: ch.json.id };
}



type Pending = { x: number; y: number; z: number; t: number };
type StateLike = { characters?: Map<string, Pos & { hp?: number }>; players?: Map<string, Pos> };

export class Walker {
  room: Room | undefined;
  private readonly client: Client;
  /** Every room connection this bot had: bytes are read from their sockets. */
  private readonly sockets: net.Socket[] = [];
  private readonly rooms: Room[] = [];
  /** Predicted position (last sent target), the next step starts here. */
  private pos: Pos | undefined;
  /**
   * The bot's authoritative position: the server's, as last heard (own character in a decoded patch, a move's
   * reply, a correction). The ground truth of completeness.
   */
  own: Pos | undefined;
  private deadUntil = 0;
  private readonly stepper: Stepper;
  private resync = true;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private handingOff = false;
  private handoffAt = 0;
  private rejoining = false;
  recording = false;

  // Counters (reset by resetWindow, except the whole-run ones).
  latenciesMs: number[] = [];
  moves = 0;
  stuck = 0;
  refusals = new Map<string, number>();
  requestFailures = 0;
  handoffs = 0;
  /** Whole run (warm-up included, not reset with the window): failed handoffs, server-side closes, rejoins. */
  handoffFailures = 0;
  /** `handoff` message → own character in the new room's state, ms. */
  handoffMs: number[] = [];
  /** Closes of the bot's current room by the server (not its own leaves), by code. */
  closes = new Map<number, number>();
  rejoins = 0;
  fieldChanges = new Map<string, number>();

  constructor(
    readonly account: Account,
    readonly opts: WalkerOptions,
    terrain: Terrain,
  ) {
    this.client = new Client(opts.endpoint);
    this.stepper = new Stepper(terrain, opts.plan, (opts.speed * opts.moveMs) / 1000);
  }

  get id(): string {
    return this.account.characterId;
  }

  /** Bytes read so far on every socket this bot had (TCP payload: WebSocket frames, the HTTP upgrade, pings). */
  socketBytes(): number {
    return this.sockets.reduce((a, s) => a + s.bytesRead, 0);
  }

  /** Frame bytes received, by protocol code. */
  frameBytes(): Map<number, number> {
    return this.byCode((f) => f.byCode);
  }

  /** Messages received, by protocol code. */
  frameCounts(): Map<number, number> {
    return this.byCode((f) => f.countByCode);
  }

  /** One of the Frames tallies summed over every room this bot had. */
  private byCode(tally: (f: Frames) => Map<number, number>): Map<number, number> {
    const out = new Map<number, number>();
    for (const r of this.rooms) for (const [k, v] of tally(framesOf(r))) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  }

  resetWindow(): void {
    this.latenciesMs = [];
    this.moves = 0;
    this.stuck = 0;
    this.refusals = new Map();
    this.requestFailures = 0;
    this.handoffs = 0;
    this.handoffMs = [];
    this.fieldChanges = new Map();
  }

  /** A seat (POST /api/play, or the bench route for the naive peer), consumed; retried while the server says busy. */
  async join(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const r =
        this.opts.variant === 'naive'
          ? await api(this.opts.endpoint, 'POST', '/bench/play', { room: NAIVE_ROOM, worldId: this.opts.worldId, characterId: this.id }, this.account.token)
          : await api(this.opts.endpoint, 'POST', '/api/play', { characterId: this.id }, this.account.token);
      if (r.status === 200 && r.json?.reservation) {
        this.attach(await this.client.consumeSeatReservation(r.json.reservation));
        return;
      }
      const code = r.json?.error?.code;
      if (attempt < 20 && (r.status === 503 || r.status === 429)) {
        await sleep(500 + 500 * Math.random());
        continue;
      }
      throw new Error(`play: ${r.status} ${code ?? JSON.stringify(r.json)}`);
    }
  }

  private attach(room: Room): void {
    this.room = room;
    this.rooms.push(room);
    const ws = (room.connection.transport as unknown as { ws?: { _socket?: net.Socket } }).ws;
    if (ws?._socket) this.sockets.push(ws._socket);
    else throw new Error('no socket under the room connection: is loadtest/use-ws.ts imported first?');
    room.onStateChange(() => this.onState(room));
    room.onMessage('correction', (m: Pos) => {
      if (room !== this.room) return;
      this.own = { x: m.x, y: m.y, z: m.z };
      this.pos = { ...this.own };
      this.pending = [];
    });
    if (!this.opts.observer) skipPatches.set(room, () => this.own !== undefined);
    room.onMessage('handoff', (m: { reservation?: unknown; error?: string }) => void this.handoff(room, m));
    room.onMessage('*', () => undefined); // chat, spells, world events …: not this bot's business
    room.onLeave((code: number) => {
      if (room !== this.room || this.stopped) return; // leaving the old room after a handoff, or the end of the run
      this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
      if (!this.handingOff) void this.rejoin();
    });
    if (this.opts.probe) this.countFields(room);
  }

  /** `handoff {reservation}`: consume the new seat, then leave this room. `handoff {error}`: the room closes us; play again. */
  private async handoff(from: Room, m: { reservation?: unknown; error?: string }): Promise<void> {
    if (from !== this.room) return;
    if (!m.reservation) {
      this.handoffFailures++;
      return; // the close (4103) follows: onLeave rejoins through /api/play
    }
    this.handingOff = true;
    this.handoffAt = performance.now();
    this.pending = [];
    try {
      this.attach(await this.client.consumeSeatReservation(m.reservation as Parameters<Client['consumeSeatReservation']>[0]));
      this.handoffs++;
      if (this.opts.observer) this.resync = true;
      else this.handingOff = false; // the character is in the new room (onJoin entered it): walk on from where it was
    } catch {
      this.handoffFailures++;
      this.handingOff = false;
      void this.rejoin();
      return;
    } finally {
      await from.leave().catch(() => undefined);
    }
  }

  private async rejoin(): Promise<void> {
    if (this.rejoining || this.stopped) return;
    this.rejoining = true;
    try {
      for (let i = 0; i < 10 && !this.stopped; i++) {
        await sleep(1000);
        try {
          await this.join();
          this.rejoins++;
          this.resync = true;
          return;
        } catch {
          // try again
        }
      }
    } finally {
      this.rejoining = false;
    }
  }

  private map(room: Room | undefined): Map<string, Pos & { hp?: number }> | undefined {
    const s = room?.state as StateLike | undefined;
    return this.opts.variant === 'naive' ? s?.players : s?.characters;
  }

  private me(): (Pos & { hp?: number }) | undefined {
    return this.map(this.room)?.get(this.id);
  }

  /** After each decoded patch: the own position, move → patch latency, the end of a handoff. */
  private onState(room: Room): void {
    if (room !== this.room) return;
    const me = this.map(room)?.get(this.id);
    if (!me) return;
    if (!this.opts.observer) {
      this.own ??= { x: me.x, y: me.y, z: me.z }; // from now on its patches are only counted
      return;
    }
    const now = performance.now();
    if (this.handingOff) {
      this.handingOff = false;
      if (this.recording) this.handoffMs.push(now - this.handoffAt);
    }
    this.own = { x: me.x, y: me.y, z: me.z };
    if (!this.pending.length) return;
    const i = this.pending.findIndex((p) => Math.abs(p.x - me.x) < MATCH_EPS && Math.abs(p.z - me.z) < MATCH_EPS && Math.abs(p.y - me.y) < MATCH_EPS);
    if (i < 0) return;
    if (this.recording) this.latenciesMs.push(now - this.pending[i]!.t);
    this.pending.splice(0, i + 1); // older ones were overtaken within the same patch
  }

  /** Moves every moveMs from a random phase. */
  start(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopped = false;
    const first = setTimeout(() => {
      this.timer = setInterval(() => this.step(), this.opts.moveMs);
    }, Math.random() * this.opts.moveMs);
    this.timer = first;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.rooms.filter((r) => r.connection?.isOpen).map((r) => Promise.race([r.leave().catch(() => undefined), sleep(5000)])));
  }

  /** What a completeness sample needs from this bot: the other players its state holds now, where it shows them (x, z). */
  visible(): Map<string, [number, number]> {
    const out = new Map<string, [number, number]>();
    for (const [id, p] of this.map(this.room) ?? []) if (id !== this.id) out.set(id, [p.x, p.z]);
    return out;
  }

  private refused(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  /** One move: a legal step along the plan's heading from the predicted position. */
  private step(): void {
    const room = this.room;
    const now = performance.now();
    if (this.handingOff && now - this.handoffAt > 5000) this.handingOff = false; // never saw itself arrive: go on
    if (!room || this.handingOff || !room.connection?.isOpen) return;
    let truth: Pos | undefined;
    if (this.opts.observer) {
      const me = this.me();
      if (!me) return;
      if (me.hp !== undefined && me.hp <= 0) {
        this.resync = true; // dead: respawns at the region's centre
        return;
      }
      truth = me;
    } else {
      if (now < this.deadUntil) return; // dead (a refusal said so): after the respawn a correction tells where
      truth = this.own;
      if (!truth) return;
    }
    this.pending = this.pending.filter((p) => now - p.t < PENDING_MAX_MS);
    if (this.resync || !this.pos || Math.hypot(truth.x - this.pos.x, truth.z - this.pos.z) > 4) {
      this.pos = { x: truth.x, y: truth.y, z: truth.z };
      this.pending = [];
      this.resync = false;
    }
    const to = this.stepper.next(this.pos, now);
    if (!to) {
      this.stuck++;
      return;
    }
    const p: Pending = { ...to, t: now };
    this.pending.push(p);
    this.pos = { x: to.x, y: to.y, z: to.z };
    this.moves++;
    room.request('move', { x: to.x, y: to.y, z: to.z, yaw: to.yaw }).then(
      (r: { ok: boolean; code?: string; message?: string }) => {
        if (r.ok) {
          // Accepted: the server's position is now exactly the one sent (docs/protocol.md).
          if (room === this.room) this.own = { x: to.x, y: to.y, z: to.z };
          return;
        }
        const dead = /dead/i.test(r.message ?? '');
        this.refused(dead ? 'DEAD' : r.code === 'INVALID_MOVE' ? `INVALID_MOVE (${r.message ?? '?'})` : (r.code ?? '?'));
        if (dead) this.deadUntil = performance.now() + 1000;
        this.pending = this.pending.filter((q) => q !== p);
        this.resync = true;
      },
      () => {
        this.requestFailures++;
        this.resync = true;
      },
    );
  }


  /**
   * Probe bots count the state changes they decode, by field (where the
   * bytes go). Colyseus' decoder calls `triggerChanges` with every change of a
   * patch when it is set; the bots set no other callbacks.
   */
  private countFields(room: Room): void {
    const decoder = (room as unknown as { serializer?: { decoder?: { triggerChanges?: (c: unknown[]) => void } } }).serializer?.decoder;
    if (!decoder) return;
    const prev = decoder.triggerChanges;
    decoder.triggerChanges = (changes: unknown[]) => {
      if (this.recording && room === this.room) {
        for (const c of changes as { field?: string; dynamicIndex?: unknown; op?: number }[]) {
          // Schema fields carry `field`; collection entries (a map's players coming and going) a `dynamicIndex`.
          const name = c.field ?? `entry ${c.op === 64 ? 'delete' : c.op === 128 ? 'add' : 'replace'}`;
          this.fieldChanges.set(name, (this.fieldChanges.get(name) ?? 0) + 1);
        }
      }
      prev?.(changes);
    };
  }
}
