/**
 * Bots for `npm run bench:rooms`: real @colyseus/sdk clients that walk and edit, a
 * per-connection byte meter, and a TCP proxy that checks the meter against the
 * bytes on the socket.
 */
import { Client, Protocol, Room } from '@colyseus/sdk';
import net from 'node:net';
import { Block, regionOfBlock, spawnPoint } from '../src/world/index.js';

/** PROTOCOL_CODE_MASK of @colyseus/shared-types: the high bits of the first byte are modifiers (TIMED, …). */
const CODE_MASK = 0x1f;

/**
 * Bytes received by one room connection, counted on every WebSocket message
 * before the SDK decodes it. `wire` adds the server→client frame header
 * (unmasked: 2 bytes, 4 from 126 B, 10 from 64 KiB), i.e. what TCP carries
 * apart from the HTTP upgrade and ping frames.
 */
export class Meter {
  payload = 0;
  wire = 0;
  /** ROOM_STATE + ROOM_STATE_PATCH payload: the state sync itself. */
  state = 0;
  readonly byCode = new Map<number, number>();

  add(data: unknown): void {
    const n = data instanceof ArrayBuffer ? data.byteLength : ArrayBuffer.isView(data) ? data.byteLength : Buffer.byteLength(String(data));
    this.payload += n;
    this.wire += n + (n < 126 ? 2 : n < 65536 ? 4 : 10);
    const first = data instanceof ArrayBuffer && n > 0 ? new Uint8Array(data, 0, 1)[0]! : ArrayBuffer.isView(data) && n > 0 ? (data as Uint8Array)[0]! : -1;
    const code = first & CODE_MASK;
    if (code === Protocol.ROOM_STATE || code === Protocol.ROOM_STATE_PATCH) this.state += n;
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + n);
  }

  snapshot(): { payload: number; wire: number; state: number } {
    return { payload: this.payload, wire: this.wire, state: this.state };
  }
}

const meters = new WeakMap<object, Meter>();
export const meterOf = (room: object): Meter => {
  let m = meters.get(room);
  if (!m) meters.set(room, (m = new Meter()));
  return m;
};

// The SDK binds `onMessageCallback` when a room connects, so wrapping the
// prototype once counts every frame of every room from the handshake on
// (the JOIN_ROOM and ROOM_STATE frames arrive before joinOrCreate resolves).
const proto = Room.prototype as unknown as { onMessageCallback?: (ev: { data: unknown }) => void };
const decode = proto.onMessageCallback;
if (typeof decode !== 'function') throw new Error('@colyseus/sdk Room has no onMessageCallback any more: the byte meter needs a new hook');
proto.onMessageCallback = function (this: object, ev: { data: unknown }) {
  meterOf(this).add(ev.data);
  decode.call(this, ev);
};

export type Pos = { x: number; y: number; z: number };
export type BotSpec = { token: string; characterId: string; worldId: string; seed: number; rx: number; rz: number; at: Pos };

/** A block a character at `at` can toggle: a free spot 2–3 columns away, in its region and in reach. */
export function editSpot(seed: number, at: Pos, rx: number, rz: number): Pos {
  const bx = Math.floor(at.x), bz = Math.floor(at.z);
  for (const [dx, dz] of [[2, 0], [0, 2], [-2, 0], [0, -2], [2, 2], [-2, -2], [2, -2], [-2, 2], [3, 0], [0, 3]] as const) {
    const x = bx + dx, z = bz + dz;
    const r = regionOfBlock(x, z);
    if (r.rx !== rx || r.rz !== rz) continue;
    const y = spawnPoint(seed, x, z); // air with air above (generated terrain): placing there blocks nobody's step
    if (Math.hypot(dx, y + 0.5 - (at.y + 1.6), dz) <= 5) return { x, y, z };
  }
  return { x: bx, y: Math.floor(at.y) + 2, z: bz }; // above the head: reachable, out of the body
}

/** A seat from the bench server's /bench/play (clients cannot matchmake themselves), consumed like /api/play's. */
export async function joinRoom(endpoint: string, roomName: string, spec: BotSpec): Promise<Room> {
  const res = await fetch(`${endpoint}/bench/play`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${spec.token}` },
    body: JSON.stringify({ room: roomName, worldId: spec.worldId, rx: spec.rx, rz: spec.rz, characterId: spec.characterId }),
  });
  const body = (await res.json()) as { reservation?: unknown; error?: string };
  if (!res.ok || !body.reservation) throw new Error(`bench play: ${res.status} ${body.error ?? ''}`);
  return new Client(endpoint).consumeSeatReservation(body.reservation as Parameters<Client['consumeSeatReservation']>[0]);
}

// Offsets inside the current column: the body (half-width 0.3) stays in it,
// so a step is legal whatever the terrain around; successive targets differ,
// so the position in state identifies the move. Steps start from the
// authoritative position, so a bot follows whatever the server did to it
// (NPC kills and respawns, corrections).
const STEP_OFFSETS = [0.35, 0.45, 0.55, 0.65, 0.55, 0.45];
/** Targets differ by 0.1; the wire rounds positions to 1/32 block (docs/protocol.md). */
const POS_EPS = 1 / 64 + 1e-9;

export class Bot {
  room!: Room;
  readonly latenciesMs: number[] = [];
  recording = false;
  moves = 0;
  movesRefused = 0;
  edits = 0;
  editsRefused = 0;
  failures = 0;
  /** Refusal code → count, moves and edits together. */
  readonly refusals = new Map<string, number>();
  leftWith: number | undefined;
  private pending: { x: number; t: number }[] = [];
  private step = 0;
  private placed = false;
  private editAt: (Pos & { col: string }) | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(readonly spec: BotSpec) {}

  async join(endpoint: string, roomName: string): Promise<void> {
    this.room = await joinRoom(endpoint, roomName, this.spec);
    this.room.onStateChange(() => this.onState());
    this.room.onMessage('*', () => undefined); // corrections, spells, loot …: the state is what the bot follows
    this.room.onLeave((code: number) => {
      this.leftWith = code;
    });
  }

  get connected(): boolean {
    return this.leftWith === undefined && this.room?.connection.isOpen === true;
  }

  /** Moves every `moveMs`, edits every `editMs` (0: never), each with a random phase so bots do not fire in lockstep. */
  start(moveMs: number, editMs: number): void {
    this.every(moveMs, () => this.move());
    if (editMs > 0) this.every(editMs, () => this.edit());
  }

  /** Runs `fn` every `ms` from a random phase in [0, ms); `stop()` ends it. */
  protected every(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(() => this.timers.push(setInterval(fn, ms)), Math.random() * ms));
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private move(): void {
    const me = this.me();
    if (!this.connected || !me) return;
    const x = Math.floor(me.x) + STEP_OFFSETS[this.step++ % STEP_OFFSETS.length]!;
    const p = { x, t: performance.now() };
    this.pending.push(p);
    this.moves++;
    this.room.request('move', { x, y: me.y, z: me.z }).then(
      (r: { ok: boolean; code?: string; message?: string }) => {
        if (r.ok) return;
        this.movesRefused++;
        this.refused(/dead/.test(r.message ?? '') ? 'DEAD' : r.code); // killed by an NPC: waits for its respawn
        this.pending = this.pending.filter((q) => q !== p);
      },
      () => this.failures++,
    );
  }

  private edit(): void {
    const me = this.me();
    if (!this.connected || !me) return;
    const col = `${Math.floor(me.x)},${Math.floor(me.z)}`;
    if (this.editAt?.col !== col) {
      this.editAt = { ...editSpot(this.spec.seed, me, this.spec.rx, this.spec.rz), col };
      this.placed = false;
    }
    const { x, y, z } = this.editAt;
    const action = this.placed ? 'break' : 'place';
    this.edits++;
    this.room.request('block', { action, x, y, z, ...(action === 'place' ? { block: Block.STONE } : {}) }).then(
      (r: { ok: boolean; code?: string }) => {
        if (!r.ok) {
          this.editsRefused++;
          this.refused(r.code);
        }
        // INVALID_BLOCK means the spot is already in the other state: flip anyway, it self-heals.
        if (r.ok || r.code === 'INVALID_BLOCK') this.placed = !this.placed;
      },
      () => this.failures++,
    );
  }

  protected me(): Pos | undefined {
    return this.room?.state?.characters?.get(this.spec.characterId);
  }

  private refused(code = '?'): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  /** Input-to-patch latency: a move counts once the own position in the decoded state shows its target. */
  private onState(): void {
    const me = this.me();
    if (!this.pending.length || !me) return;
    const i = this.pending.findIndex((p) => Math.abs(p.x - me.x) < POS_EPS);
    if (i < 0) return;
    if (this.recording) this.latenciesMs.push(performance.now() - this.pending[i]!.t);
    this.pending.splice(0, i + 1); // older ones were overtaken within the same patch
  }
}

/**
 * A TCP proxy in front of the server that counts server→client bytes on
 * WebSocket connections (the response starts with "HTTP/1.1 101"): the ground
 * truth the meter is checked against.
 */
export class CountingProxy {
  wsBytes = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((down) => {
    const up = net.connect(this.targetPort, '127.0.0.1');
    this.sockets.add(up).add(down);
    let ws: boolean | undefined;
    up.on('data', (d: Buffer) => {
      ws ??= d.subarray(0, 12).toString('latin1') === 'HTTP/1.1 101';
      if (ws) this.wsBytes += d.length;
    });
    down.pipe(up).pipe(down);
    const close = () => {
      up.destroy();
      down.destroy();
      this.sockets.delete(up);
      this.sockets.delete(down);
    };
    up.on('error', close);
    down.on('error', close);
    up.on('close', close);
    down.on('close', close);
  });

  constructor(private readonly targetPort: number) {}

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port));
    });
  }

  /** Also cuts idle keep-alive HTTP connections, which would otherwise hold close() for seconds. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    return closed;
  }
}

export type JoinBytes = { handshake: number; fullState: number; patches: number; other: number; total: number; ms: number };

/**
 * Joins and counts every byte received until the decoded state holds the own
 * character and every `expected` chunk with at least `minEdits` edits (the
 * client's view is complete), then leaves.
 */
export async function measureJoin(endpoint: string, roomName: string, spec: BotSpec, expected: string[], minEdits: number, timeoutMs = 15_000): Promise<JoinBytes> {
  const t0 = performance.now();
  const room = await joinRoom(endpoint, roomName, spec);
  room.onMessage('*', () => undefined);
  try {
    const complete = (): boolean => {
      const s = room.state;
      return !!s?.characters?.get(spec.characterId) && expected.every((k) => (s.chunks?.get(k)?.edits?.size ?? 0) >= minEdits);
    };
    // Checked inside the frame's dispatch, right after the meter counted that frame.
    const doneAt = await new Promise<{ ms: number; byCode: Map<number, number> }>((resolve, reject) => {
      let done = false;
      const check = () => {
        if (done || !complete()) return;
        done = true;
        clearTimeout(timer);
        resolve({ ms: performance.now() - t0, byCode: new Map(meterOf(room).byCode) });
      };
      const timer = setTimeout(() => reject(new Error(`view incomplete after ${timeoutMs} ms`)), timeoutMs);
      room.onStateChange(check);
      check();
    });
    const b = (code: number) => doneAt.byCode.get(code) ?? 0;
    const total = [...doneAt.byCode.values()].reduce((a, v) => a + v, 0);
    const handshake = b(Protocol.JOIN_ROOM), fullState = b(Protocol.ROOM_STATE), patches = b(Protocol.ROOM_STATE_PATCH);
    return { handshake, fullState, patches, other: total - handshake - fullState - patches, total, ms: doneAt.ms };
  } finally {
    await room.leave().catch(() => undefined);
  }
}
