/**
 * A bot process of `npm run bench` (loadtest/bench.ts forks one or more):
 * runs its share of the bots (loadtest/walker.ts), away from the server's
 * process, and answers the bench over IPC. Each request carries a `seq`; the
 * answer repeats it.
 */
import './use-ws.js'; // first: the SDK must pick the `ws` package (bytes on the socket)
import { CODE_NAMES, Terrain, Walker, recordFrames, registerAccount, saveRecorded, type Account, type Plan, type Variant } from './walker.js';
import path from 'node:path';
import { ERROR_BIN, ERROR_BINS, pool } from './children.js';

export type BotSpec = { account: Account; plan: Plan; observer: boolean; probe: boolean };
export type BotRequest =
  | { cmd: 'register'; endpoint: string; tags: string[]; concurrency: number }
  | { cmd: 'join'; endpoint: string; variant: Variant; worldId: string; seed: number; speed: number; moveMs: number; bots: BotSpec[]; concurrency: number; record?: string }
  | { cmd: 'start' }
  | { cmd: 'window' }
  | { cmd: 'snap' }
  | { cmd: 'judge'; positions: [string, number, number][]; radius: number; bands: number[] }
  | { cmd: 'collect' }
  | { cmd: 'stop' };

export type Judged = {
  /** Observer bots with a known own position in this sample (whose states are judged). */
  observers: number;
  /** Other players within the radius of an observer, and how many of them were in its state; per distance band too. */
  expected: number;
  seen: number;
  bands: { expected: number; seen: number }[];
  /** Per observer with someone in range: seen ÷ expected. */
  shares: number[];
  /**
   * How far off its authoritative position each player seen was shown, per distance band: counts by ERROR_BIN-block
   * bins (the last one holds everything beyond).
   */
  errors: number[][];
};

export type Collected = {
  bots: number;
  connected: number;
  windowS: number;
  latenciesMs: number[];
  handoffMs: number[];
  socketBytes: number;
  frameBytes: number;
  framesByCode: Record<string, number>;
  /** Messages received by protocol code (framesByCode is bytes). */
  messagesByCode: Record<string, number>;
  moves: number;
  stuck: number;
  refusals: Record<string, number>;
  requestFailures: number;
  handoffs: number;
  handoffFailures: number;
  closes: Record<string, number>;
  rejoins: number;
  probes: number;
  fieldChanges: Record<string, number>;
  cpuUs: number;
};

export type BotReply = { seq: number; error?: string } & Record<string, unknown>;

if (!process.send) throw new Error('loadtest/bot-proc.ts is forked by loadtest/bench.ts (it needs an IPC channel)');

let walkers: Walker[] = [];
let terrain: Terrain | undefined;
let snaps = new Map<string, { x: number; z: number; visible: Map<string, [number, number]> }>();
let base = new Map<Walker, { socket: number; frames: Map<number, number>; counts: Map<number, number> }>();
let cpu0 = process.cpuUsage();
let t0 = performance.now();

const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
const merge = (into: Record<string, number>, m: Map<string | number, number>) => {
  for (const [k, v] of m) into[String(k)] = (into[String(k)] ?? 0) + v;
};

async function handle(m: BotRequest): Promise<Record<string, unknown>> {
  switch (m.cmd) {
    case 'register': {
      const accounts: Account[] = new Array(m.tags.length);
      const idx = m.tags.map((_, i) => i);
      await pool(idx, m.concurrency, async (i) => {
        accounts[i] = await registerAccount(m.endpoint, m.tags[i]!);
      });
      return { accounts };
    }
    case 'join': {
      // Adds bots (a run joins the first bot of each room, then the rest); `stop` clears them.
      if (m.record) recordFrames(path.join(m.record, String(process.pid)));
      if (terrain?.world.seed !== m.seed) terrain = new Terrain(m.seed);
      const t = terrain;
      const added = m.bots.map((b) => new Walker(b.account, { endpoint: m.endpoint, variant: m.variant, worldId: m.worldId, speed: m.speed, moveMs: m.moveMs, plan: b.plan, observer: b.observer, probe: b.probe }, t));
      walkers.push(...added);
      const errors: string[] = [];
      await pool(added, m.concurrency, async (w) => {
        await w.join().catch((err: unknown) => void errors.push(String((err as Error)?.message ?? err)));
      });
      return { joined: added.filter((w) => w.room).length, errors: errors.slice(0, 5), failed: errors.length };
    }
    case 'start':
      for (const w of walkers) w.start();
      return {};
    case 'window':
      for (const w of walkers) {
        w.resetWindow();
        w.recording = true;
        base.set(w, { socket: w.socketBytes(), frames: w.frameBytes(), counts: w.frameCounts() });
      }
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      return {};
    case 'snap': {
      snaps = new Map();
      const positions: [string, number, number][] = [];
      // Every bot is a target at its authoritative position; observers also keep what their state holds now.
      for (const w of walkers) {
        if (!w.own) continue;
        if (w.opts.observer) snaps.set(w.id, { x: w.own.x, z: w.own.z, visible: w.visible() });
        positions.push([w.id, w.own.x, w.own.z]);
      }
      return { positions };
    }
    case 'judge': {
      const out: Judged = {
        observers: snaps.size, expected: 0, seen: 0, bands: m.bands.map(() => ({ expected: 0, seen: 0 })), shares: [],
        errors: m.bands.map(() => new Array<number>(ERROR_BINS).fill(0)),
      };
      for (const [id, me] of snaps) {
        let expected = 0, seen = 0;
        for (const [other, x, z] of m.positions) {
          if (other === id) continue;
          const d = Math.hypot(x - me.x, z - me.z);
          if (d > m.radius) continue;
          const shown = me.visible.get(other);
          const has = shown !== undefined;
          expected++;
          if (has) seen++;
          const b = m.bands.findIndex((upper) => d <= upper);
          if (b >= 0) {
            out.bands[b]!.expected++;
            if (has) {
              out.bands[b]!.seen++;
              const off = Math.hypot(shown[0] - x, shown[1] - z);
              out.errors[b]![Math.min(ERROR_BINS - 1, Math.floor(off / ERROR_BIN))]!++;
            }
          }
        }
        out.expected += expected;
        out.seen += seen;
        if (expected) out.shares.push(seen / expected);
      }
      return out;
    }
    case 'collect': {
      const windowS = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      for (const w of walkers) w.recording = false;
      const framesByCode: Record<string, number> = {}, messagesByCode: Record<string, number> = {};
      let socketBytes = 0, frameBytes = 0;
      /** Adds what `now` holds beyond `before` to `into`, by code name; returns the sum added. */
      const addSince = (into: Record<string, number>, now: Map<number, number>, before: Map<number, number>) => {
        let sum = 0;
        for (const [k, v] of now) {
          const d = v - (before.get(k) ?? 0);
          const name = CODE_NAMES[k] ?? String(k);
          into[name] = (into[name] ?? 0) + d;
          sum += d;
        }
        return sum;
      };
      for (const w of walkers) {
        const b = base.get(w) ?? { socket: 0, frames: new Map(), counts: new Map() };
        socketBytes += w.socketBytes() - b.socket;
        frameBytes += addSince(framesByCode, w.frameBytes(), b.frames);
        addSince(messagesByCode, w.frameCounts(), b.counts);
      }
      const refusals: Record<string, number> = {}, closes: Record<string, number> = {}, fieldChanges: Record<string, number> = {};
      for (const w of walkers) {
        merge(refusals, w.refusals);
        merge(closes, w.closes);
        merge(fieldChanges, w.fieldChanges);
      }
      const c: Collected = {
        bots: walkers.length,
        connected: walkers.filter((w) => w.room?.connection?.isOpen).length,
        windowS,
        latenciesMs: walkers.flatMap((w) => w.latenciesMs),
        handoffMs: walkers.flatMap((w) => w.handoffMs),
        socketBytes,
        frameBytes,
        framesByCode,
        messagesByCode,
        moves: sum(walkers, (w) => w.moves),
        stuck: sum(walkers, (w) => w.stuck),
        refusals,
        requestFailures: sum(walkers, (w) => w.requestFailures),
        handoffs: sum(walkers, (w) => w.handoffs),
        handoffFailures: sum(walkers, (w) => w.handoffFailures),
        closes,
        rejoins: sum(walkers, (w) => w.rejoins),
        probes: walkers.filter((w) => w.opts.probe).length,
        fieldChanges,
        cpuUs: cpu.user + cpu.system,
      };
      return c;
    }
    case 'stop':
      saveRecorded();
      await Promise.all(walkers.map((w) => w.stop()));
      walkers = [];
      base = new Map();
      snaps = new Map();
      return {};
  }
}

process.on('message', (m: BotRequest & { seq: number }) => {
  handle(m).then(
    (r) => process.send!({ ...r, seq: m.seq } satisfies BotReply),
    (err: unknown) => process.send!({ seq: m.seq, error: String((err as Error)?.stack ?? err) } satisfies BotReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ seq: 0, ready: true } satisfies BotReply);
