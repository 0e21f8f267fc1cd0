// Region room benchmark (a script, not a test): npm run bench:rooms [-- --bots 40 --regions 4 --duration 20 --warmup 5 --joiners 3 --only a|b|m]
// Prints a table per scenario and one JSON line (prefix "BENCH "), and overwrites loadtest/results-rooms.md.
// (The issue-9 benchmark against the naive peer is loadtest/bench.ts, `npm run bench`.)
//
// Interest-managed region room vs the naive baseline room (loadtest/baseline.ts: whole region to everyone), same bots:
//   (a) one region, N bots on a grid over its 128×128 blocks;  (b) R regions × N/R bots.
// Every bot walks in small legal steps (10/s) and toggles a block near itself (1/s), from its
// authoritative position (the room's NPCs kill bots now and then; they respawn and carry on).
// Each (scenario, room) pair runs against a fresh server child (loadtest/server.ts) on one
// throw-away database, reset between runs, so runs do not share heap, JIT or persisted edits.
// After scenario (a), fresh clients join the loaded region, which also holds 64 pre-edited
// chunks, and the bytes they receive until their view is complete are counted (join cost,
// including any first-patch duplication of the full state).
//
// Scenario m (magic): R regions × N/R mage bots in the interest room, with Redis (BENCH_REDIS_URL, a
// fresh JOBS_PREFIX) behind the server child and one separate worker process (src/worker.ts) that
// computes rituals. Bots cast every --cast-ms and step a little; --ritualists per region also know
// rituals (a DB fixture) and cast each once (their cooldowns are minutes). Reported: tick, cast reply
// latency, ritual round trip beyond the cast time, ritual outcomes, magic_events rows appended by the
// rooms, and a direct micro-benchmark of WorldStore.appendMagicEvents on the bench database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CHUNKS_Y, CHUNK_SIZE, REGION_CHUNKS, REGION_SIZE, chunkKey, spawnPoint, Block } from '../src/world/index.js';
import { freePort } from '../src/net.js';
import { Bot, CountingProxy, editSpot, meterOf, measureJoin, type BotSpec, type JoinBytes } from './bot.js';
import type { ServerStats } from './server.js';
import { ROOT, ServerChild, api, benchRun, pool, children, childEnv, collectLines, quantiles as q, serverEnv, sleep, stopChild, type Quant } from './children.js';
import { MagicBot, RITUALS, RITUALIST_MANA, benchAppendMagicEvents, deleteRedisPrefix, pingRedis, type AppendBench, type RitualRecord } from './magic.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Room names as registered: rooms/registry.ts (ROOM_NAME) and loadtest/baseline.ts. Not imported:
// that would load the server's schema classes into the bots' process.
const ROOMS = { interest: 'region', baseline: 'region_baseline' } as const;
type Variant = keyof typeof ROOMS;
const MOVE_MS = 100; // 10 moves/s per bot
const EDIT_MS = 1000; // 1 block edit/s per bot
const SEEDED_EDITS = 32; // per pre-edited chunk (join measurement)
const SEEDED_CY = CHUNKS_Y - 1; // the top layer: nobody walks there, so seeded edits change no bot's moves
const JOIN_CONCURRENCY = 10;
// Scenario m.
const MAGIC_MOVE_MS = 500; // a small step every half second: mostly standing and casting
const APPEND_BATCH_ROWS = 500;
/** The room computes a ritual itself 30 s after completesAt without a result (rooms/RegionRoom.ts): wait a little past that. */
const RITUAL_DRAIN_GRACE_MS = 35_000;
const IN_ROOM_RITUAL = /computing the ritual in the room/;

const { values: args } = parseArgs({
  options: {
    bots: { type: 'string', default: '40' },
    regions: { type: 'string', default: '4' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    joiners: { type: 'string', default: '3' },
    'view-radius': { type: 'string', default: '4' },
    ritualists: { type: 'string', default: '2' }, // scenario m: ritual casters per region
    'cast-ms': { type: 'string', default: '2000' }, // scenario m: one cast per bot this often
    'append-batches': { type: 'string', default: '40' }, // scenario m: appendMagicEvents micro-benchmark, batches of 500 rows
    only: { type: 'string' }, // "a", "b" or "m"
  },
});
const int = (name: keyof typeof args, min: number, max: number): number => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got ${args[name]}`);
  return n;
};
const P = {
  bots: int('bots', 1, 400),
  regions: int('regions', 1, 16),
  durationS: int('duration', 1, 300),
  warmupS: int('warmup', 0, 60),
  joiners: int('joiners', 0, 20),
  viewRadius: int('view-radius', 1, 5),
  ritualists: int('ritualists', 0, 50),
  castMs: int('cast-ms', 100, 60_000),
  appendBatches: int('append-batches', 1, 10_000),
};
if (args.only && !['a', 'b', 'm'].includes(args.only)) throw new Error('--only is "a", "b" or "m"');

// ---- children ----

/** A job worker process (`src/worker.ts`, what `npm run worker` runs), ready once it logged "worker ready". */
class WorkerChild {
  private constructor(
    readonly child: ChildProcess,
    readonly lines: string[],
    private readonly exited: Promise<unknown>,
  ) {}

  static async start(env: Record<string, string>): Promise<WorkerChild> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/worker.ts')], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const { lines } = collectLines(child, {});
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const w = new WorkerChild(child, lines, exited);
    children.add(w);
    const deadline = Date.now() + 60_000;
    while (!lines.some((l) => l.includes('"msg":"worker ready"'))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        await w.stop();
        throw new Error(`worker child not ready:\n${lines.slice(-30).join('\n')}`);
      }
      await sleep(50);
    }
    return w;
  }

  async stop(): Promise<void> {
    await stopChild(this.child, this.exited);
    children.delete(this);
  }
}

/** CPU seconds (user + system) and RSS of a child process, from /proc (Linux); NaN elsewhere. */
async function procUsage(pid: number | undefined): Promise<{ cpuS: number; rssMb: number }> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
    return { cpuS: (Number(f[11]) + Number(f[12])) / 100, rssMb: rssKb / 1024 }; // USER_HZ is 100 on Linux
  } catch {
    return { cpuS: NaN, rssMb: NaN };
  }
}

async function metrics(base: string): Promise<(name: string) => number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return (name) => {
    const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'));
    return m ? Number(m[1]) : NaN;
  };
}

/**
 * Warm-up, then the measuring window, the server's counters reset at its start: the server's metrics, the bots'
 * meters and this process's CPU on both edges, `edge()` (a scenario's own figures) just inside them; the bots
 * record in between and are stopped at the end.
 */
async function measuringWindow<E>(srv: ServerChild, base: string, bots: Bot[], edge: () => E | Promise<E>) {
  await sleep(P.warmupS * 1000);
  await srv.call('reset', 'reset-done');
  const m0 = await metrics(base);
  const before = bots.map((b) => meterOf(b.room).snapshot());
  const e0 = await edge();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const b of bots) b.recording = true;
  await sleep(P.durationS * 1000);
  for (const b of bots) b.recording = false;
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = bots.map((b) => meterOf(b.room).snapshot());
  const e1 = await edge();
  const m1 = await metrics(base);
  const stats = await srv.call<ServerStats>('stats', 'stats');
  for (const b of bots) b.stop();
  return { m0, m1, before, after, edges: [e0, e1] as const, cpu, elapsedS, stats };
}

// ---- world layout (pure: the generator is shared with the server) ----

type Player = { token: string; characterId: string; worldId: string };

/** `n` bots on a grid over region (rx, rz), at column centres on the surface. */
function gridSpecs(players: Player[], seed: number, rx: number, rz: number): BotSpec[] {
  const g = Math.ceil(Math.sqrt(players.length));
  const spacing = REGION_SIZE / g;
  return players.map((p, i) => {
    const x = rx * REGION_SIZE + Math.floor(((i % g) + 0.5) * spacing);
    const z = rz * REGION_SIZE + Math.floor((Math.floor(i / g) + 0.5) * spacing);
    const at = { x: x + 0.5, y: spawnPoint(seed, x, z), z: z + 0.5 };
    return { ...p, seed, rx, rz, at };
  });
}

/**
 * Joiners stand in the region's centre chunk column (its view covers the whole
 * region at radius ≥ 4), on the column farthest from any bot and edited block.
 * They join one at a time, so they share the spot.
 */
function joinerSpecs(players: Player[], seed: number, rx: number, rz: number, bots: BotSpec[]): BotSpec[] {
  const c0 = REGION_SIZE / 2; // first block of chunk column 4 of 8
  let best = { x: 0, z: 0, d: -1 };
  for (let x = c0 + 1; x < c0 + CHUNK_SIZE - 1; x++) {
    for (let z = c0 + 1; z < c0 + CHUNK_SIZE - 1; z++) {
      const X = rx * REGION_SIZE + x, Z = rz * REGION_SIZE + z;
      const d = Math.min(Infinity, ...bots.flatMap((b) => [b.at, editSpot(seed, b.at, rx, rz)]).map((p) => Math.max(Math.abs(Math.floor(p.x) - X), Math.abs(Math.floor(p.z) - Z))));
      if (d > best.d) best = { x: X, z: Z, d };
    }
  }
  const at = { x: best.x + 0.5, y: spawnPoint(seed, best.x, best.z), z: best.z + 0.5 };
  return players.map((p) => ({ ...p, seed, rx, rz, at }));
}

// ---- one run ----

type RunResult = {
  scenario: 'a' | 'b';
  variant: Variant;
  regions: number;
  bots: number;
  held: number;
  serverClients: number;
  tickMs: Quant;
  patchMs: Quant;
  /** Time from a room's tick to its next patch (independent timers). */
  tickToPatchMs: Quant;
  stateBytesPerClientS: number;
  wireBytesPerClientS: number;
  inputToPatchMs: Quant;
  serverCpuPct: number;
  serverRssMb: number;
  serverHeapMb: number;
  loopLagP99Ms: number;
  moves: number;
  movesRefused: number;
  edits: number;
  editsRefused: number;
  failures: number;
  refusals: Record<string, number>;
  botsCpuPct: number;
  /** Probe bot behind the TCP proxy: TCP bytes ÷ metered wire bytes over the window (1 = the meter is exact). */
  wireCheck: number;
  join?: JoinBytes[];
};

async function run(
  scenario: 'a' | 'b',
  variant: Variant,
  specs: BotSpec[],
  joiners: BotSpec[],
  expectedChunks: string[],
  env: Record<string, string>,
  reset: () => Promise<void>,
): Promise<RunResult> {
  await reset();
  const srv = await ServerChild.start(env);
  const base = `http://127.0.0.1:${srv.port}`;
  const proxy = new CountingProxy(srv.port);
  const bots = specs.map((s) => new Bot(s));
  try {
    const proxied = `http://127.0.0.1:${await proxy.listen()}`;
    // The first bot of a region creates its room; the rest then join it concurrently.
    const firsts = new Map<string, Bot>();
    for (const b of bots) if (!firsts.has(`${b.spec.rx},${b.spec.rz}`)) firsts.set(`${b.spec.rx},${b.spec.rz}`, b);
    for (const b of firsts.values()) await b.join(b === bots[0] ? proxied : base, ROOMS[variant]);
    await pool(bots.filter((b) => !b.room), JOIN_CONCURRENCY, (b) => b.join(b === bots[0] ? proxied : base, ROOMS[variant]));
    for (const b of bots) {
      const first = firsts.get(`${b.spec.rx},${b.spec.rz}`)!;
      if (b.room.roomId !== first.room.roomId) throw new Error(`bots of region ${b.spec.rx},${b.spec.rz} landed in different rooms`);
    }

    for (const b of bots) b.start(MOVE_MS, EDIT_MS);
    const probe = () => ({ tcp: proxy.wsBytes, wire: meterOf(bots[0]!.room).wire });
    const { m0, m1, before, after, edges, cpu, elapsedS, stats } = await measuringWindow(srv, base, bots, probe);
    const probeWire = edges[1].wire - edges[0].wire, probeTcp = edges[1].tcp - edges[0].tcp;

    const sum = (k: 'state' | 'wire') => after.reduce((a, s, i) => a + s[k] - before[i]![k], 0);
    const result: RunResult = {
      scenario,
      variant,
      regions: new Set(specs.map((s) => `${s.rx},${s.rz}`)).size,
      bots: bots.length,
      held: bots.filter((b) => b.connected).length,
      serverClients: m1('leyline_room_clients'),
      tickMs: q(stats.tickMs),
      patchMs: q(stats.patchMs),
      tickToPatchMs: q(stats.phaseMs),
      stateBytesPerClientS: sum('state') / elapsedS / bots.length,
      wireBytesPerClientS: sum('wire') / elapsedS / bots.length,
      inputToPatchMs: q(bots.flatMap((b) => b.latenciesMs)),
      serverCpuPct: ((m1('leyline_process_cpu_seconds_total') - m0('leyline_process_cpu_seconds_total')) / elapsedS) * 100,
      serverRssMb: m1('leyline_process_resident_memory_bytes') / 2 ** 20,
      serverHeapMb: m1('leyline_nodejs_heap_size_used_bytes') / 2 ** 20,
      loopLagP99Ms: m1('leyline_nodejs_eventloop_lag_p99_seconds') * 1000,
      moves: bots.reduce((a, b) => a + b.moves, 0),
      movesRefused: bots.reduce((a, b) => a + b.movesRefused, 0),
      edits: bots.reduce((a, b) => a + b.edits, 0),
      editsRefused: bots.reduce((a, b) => a + b.editsRefused, 0),
      failures: bots.reduce((a, b) => a + b.failures, 0),
      refusals: bots.reduce<Record<string, number>>((acc, b) => {
        for (const [k, v] of b.refusals) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {}),
      botsCpuPct: ((cpu.user + cpu.system) / 1e6 / elapsedS) * 100,
      wireCheck: probeTcp / probeWire,
    };

    if (joiners.length) {
      await sleep(500); // let the last moves and edits settle: the region is loaded but quiet
      result.join = [];
      for (const j of joiners) result.join.push(await measureJoin(base, ROOMS[variant], j, expectedChunks, SEEDED_EDITS));
    }
    return result;
  } finally {
    for (const b of bots) b.stop();
    await Promise.all(bots.map((b) => (b.connected ? Promise.race([b.room.leave(), sleep(5000)]) : undefined)));
    await proxy.close();
    await srv.stop();
    const warnings = srv.lines.filter((l) => /"level":(40|50|60)\b/.test(l));
    if (warnings.length) process.stderr.write(`server warnings (${scenario}/${variant}):\n${warnings.slice(-10).join('\n')}\n`);
  }
}

// ---- scenario m: magic ----

type MagicResult = {
  scenario: 'm';
  regions: number;
  bots: number;
  ritualists: number;
  held: number;
  serverClients: number;
  tickMs: Quant;
  patchMs: Quant;
  /** Request → reply of casts sent in the window (every spell, refusals included). */
  castReplyMs: Quant;
  castsAnsweredPerS: number;
  /** Whole run (warm-up, window). */
  casts: { sent: number; ok: number; refused: number; failures: number; refusals: Record<string, number> };
  rituals: {
    started: number;
    completed: number;
    cancelled: number;
    failed: number;
    /** No outcome by the end of the drain. */
    unresolved: number;
    /** `ritual` message arrival − completesAt of the reply, completed rituals. */
    roundTripMs: Quant;
    roundTripMaxMs: number;
    /** Server log lines "computing the ritual in the room" (queue unreachable, or no result 30 s after completesAt). */
    computedInRoom: number;
    /** Waited after the window for outstanding outcomes. */
    drainS: number;
    /** Cancellations that arrived after the window (bots stand still then, NPCs still attack). */
    cancelledAfterWindow: number;
    bySpell: Record<string, { started: number; completed: number; cancelled: number; failed: number }>;
  };
  /** Own hp seen at 0, whole run: all bots / ritualists. */
  deaths: number;
  ritualistDeaths: number;
  magicEvents: {
    /** Rows the rooms appended to magic_events during the run (counted after the server stopped: its last flush included). */
    rows: number;
    successes: number;
    /** Over the casting time (warm-up + window). */
    rowsPerS: number;
    castingS: number;
    append: AppendBench;
  };
  serverCpuPct: number;
  serverRssMb: number;
  serverHeapMb: number;
  loopLagP99Ms: number;
  workerCpuPct: number;
  workerRssMb: number;
  wireBytesPerClientS: number;
  moves: number;
  movesRefused: number;
  moveRefusals: Record<string, number>;
  botsCpuPct: number;
  redisKeysRemoved: number;
};

async function runMagic(
  specs: BotSpec[],
  ritualistIds: Set<string>,
  env: Record<string, string>,
  db: pg.Client,
  reset: () => Promise<void>,
): Promise<MagicResult> {
  await reset();
  const worldId = specs[0]!.worldId;
  const rowsBefore = Number((await db.query('select count(*) as n from magic_events where world_id = $1', [worldId])).rows[0].n);
  const prefix = `bench-${randomBytes(6).toString('hex')}`; // this run's BullMQ keys on the shared Redis
  const port = await freePort();
  const jobsEnv = { REDIS_URL, JOBS_PREFIX: prefix };
  let srv: ServerChild | undefined;
  let worker: WorkerChild | undefined;
  const bots = specs.map((s) => new MagicBot(s, ritualistIds.has(s.characterId)));
  let partial: Omit<MagicResult, 'magicEvents' | 'redisKeysRemoved' | 'rituals'> & { rituals: Omit<MagicResult['rituals'], 'computedInRoom'> };
  let castingS: number;
  let redisKeysRemoved = NaN;
  try {
    srv = await ServerChild.start({ ...env, ...jobsEnv, PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}` }, { watch: { inRoom: IN_ROOM_RITUAL } });
    worker = await WorkerChild.start({ ...env, ...jobsEnv, LOG_LEVEL: 'info' });
    const base = `http://127.0.0.1:${srv.port}`;
    const firsts = new Map<string, MagicBot>();
    for (const b of bots) if (!firsts.has(`${b.spec.rx},${b.spec.rz}`)) firsts.set(`${b.spec.rx},${b.spec.rz}`, b);
    for (const b of firsts.values()) await b.join(base, ROOMS.interest);
    await pool(bots.filter((b) => !b.room), JOIN_CONCURRENCY, (b) => b.join(base, ROOMS.interest));
    for (const b of bots) {
      const first = firsts.get(`${b.spec.rx},${b.spec.rz}`)!;
      if (b.room.roomId !== first.room.roomId) throw new Error(`bots of region ${b.spec.rx},${b.spec.rz} landed in different rooms`);
    }

    const tCast = performance.now();
    for (const b of bots) b.startMagic(MAGIC_MOVE_MS, P.castMs);
    const { m0, m1, before, after, edges, cpu, elapsedS, stats } = await measuringWindow(srv, base, bots, () => procUsage(worker!.child.pid));
    const [w0, w1] = edges;
    castingS = (performance.now() - tCast) / 1000;
    const windowEndAt = Date.now();

    // Rituals still running: wait for their outcomes (bounded: the room's own fallback fires 30 s after completesAt).
    const tDrain = performance.now();
    const open = () => bots.flatMap((b) => [...b.rituals.values()].filter((r) => !r.status));
    const until = Math.max(0, ...open().map((r) => r.completesAt)) + RITUAL_DRAIN_GRACE_MS;
    while (open().length && Date.now() < until && bots.some((b) => b.connected)) await sleep(100);
    const drainS = (performance.now() - tDrain) / 1000;

    const all: RitualRecord[] = bots.flatMap((b) => [...b.rituals.values()]);
    const done = all.filter((r) => r.status === 'completed');
    const rt = done.map((r) => r.arrivedAt! - r.completesAt);
    const tally = (m: (b: MagicBot) => Map<string, number>) =>
      bots.reduce<Record<string, number>>((acc, b) => {
        for (const [k, v] of m(b)) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {});
    const castRefusals = tally((b) => b.castRefusals);
    const latencies = bots.flatMap((b) => b.castLatencyMs);
    partial = {
      scenario: 'm',
      regions: new Set(specs.map((s) => `${s.rx},${s.rz}`)).size,
      bots: bots.length,
      ritualists: bots.filter((b) => b.ritualist).length,
      held: bots.filter((b) => b.connected).length,
      serverClients: m1('leyline_room_clients'),
      tickMs: q(stats.tickMs),
      patchMs: q(stats.patchMs),
      castReplyMs: q(latencies),
      castsAnsweredPerS: latencies.length / elapsedS,
      casts: {
        sent: bots.reduce((a, b) => a + b.casts, 0),
        ok: bots.reduce((a, b) => a + b.castsOk, 0),
        refused: Object.values(castRefusals).reduce((a, v) => a + v, 0),
        failures: bots.reduce((a, b) => a + b.castFailures, 0),
        refusals: castRefusals,
      },
      rituals: {
        started: all.length,
        completed: done.length,
        cancelled: all.filter((r) => r.status === 'cancelled').length,
        failed: all.filter((r) => r.status === 'failed').length,
        unresolved: all.filter((r) => !r.status).length,
        roundTripMs: q(rt),
        roundTripMaxMs: rt.length ? Math.max(...rt) : NaN,
        drainS,
        cancelledAfterWindow: all.filter((r) => r.status === 'cancelled' && r.arrivedAt! > windowEndAt).length,
        bySpell: Object.fromEntries(
          RITUALS.map(({ spellId }) => {
            const of = all.filter((r) => r.spellId === spellId);
            const n = (st: string) => of.filter((r) => r.status === st).length;
            return [spellId, { started: of.length, completed: n('completed'), cancelled: n('cancelled'), failed: n('failed') }];
          }),
        ),
      },
      deaths: bots.reduce((a, b) => a + b.deaths, 0),
      ritualistDeaths: bots.filter((b) => b.ritualist).reduce((a, b) => a + b.deaths, 0),
      serverCpuPct: ((m1('leyline_process_cpu_seconds_total') - m0('leyline_process_cpu_seconds_total')) / elapsedS) * 100,
      serverRssMb: m1('leyline_process_resident_memory_bytes') / 2 ** 20,
      serverHeapMb: m1('leyline_nodejs_heap_size_used_bytes') / 2 ** 20,
      loopLagP99Ms: m1('leyline_nodejs_eventloop_lag_p99_seconds') * 1000,
      workerCpuPct: ((w1.cpuS - w0.cpuS) / elapsedS) * 100,
      workerRssMb: w1.rssMb,
      wireBytesPerClientS: after.reduce((a, s, i) => a + s.wire - before[i]!.wire, 0) / elapsedS / bots.length,
      moves: bots.reduce((a, b) => a + b.moves, 0),
      movesRefused: bots.reduce((a, b) => a + b.movesRefused, 0),
      moveRefusals: tally((b) => b.refusals),
      botsCpuPct: ((cpu.user + cpu.system) / 1e6 / elapsedS) * 100,
    };
  } finally {
    for (const b of bots) b.stop();
    await Promise.all(bots.map((b) => (b.connected ? Promise.race([b.room.leave(), sleep(5000)]) : undefined)));
    await srv?.stop(); // rooms dispose: their last magic_events flush
    await worker?.stop();
    redisKeysRemoved = await deleteRedisPrefix(REDIS_URL, prefix);
    if (srv) {
      const warnings = srv.lines.filter((l) => /"level":(40|50|60)\b/.test(l) && !IN_ROOM_RITUAL.test(l));
      if (warnings.length) process.stderr.write(`server warnings (m):\n${warnings.slice(-10).join('\n')}\n`);
    }
    const wWarnings = worker?.lines.filter((l) => /"level":(40|50|60)\b/.test(l)) ?? [];
    if (wWarnings.length) process.stderr.write(`worker warnings (m):\n${wWarnings.slice(-10).join('\n')}\n`);
  }

  const counted = (await db.query('select count(*) as n, count(*) filter (where success) as ok from magic_events where world_id = $1', [worldId])).rows[0];
  const rows = Number(counted.n) - rowsBefore;
  process.stderr.write(`appendMagicEvents micro-benchmark: ${P.appendBatches} × ${APPEND_BATCH_ROWS} rows …\n`);
  const append = await benchAppendMagicEvents(env.DATABASE_URL!, worldId, specs.map((s) => s.characterId), P.appendBatches, APPEND_BATCH_ROWS, q);
  return {
    ...partial,
    rituals: { ...partial.rituals, computedInRoom: srv!.hits.inRoom! },
    magicEvents: { rows, successes: Number(counted.ok), rowsPerS: rows / castingS, castingS, append },
    redisKeysRemoved,
  };
}

// ---- report ----

const f = (v: number, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a');
const pair = (x: Quant, d = 2) => `${f(x.p50, d)} / ${f(x.p99, d)}`;
const ratio = (b: number, i: number) => (Number.isFinite(b / i) && i !== 0 ? `×${f(b / i, 2)}` : '');

const codes = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

function rows(i: RunResult, b: RunResult): string[][] {
  return [
    ['clients held (bots / server gauge)', `${i.held}/${i.bots} (${i.serverClients})`, `${b.held}/${b.bots} (${b.serverClients})`, ''],
    ['tick p50 / p99, ms', pair(i.tickMs, 3), pair(b.tickMs, 3), `${ratio(b.tickMs.p50, i.tickMs.p50)} / ${ratio(b.tickMs.p99, i.tickMs.p99)}`],
    ['patch encode+send p50 / p99, ms', pair(i.patchMs, 3), pair(b.patchMs, 3), `${ratio(b.patchMs.p50, i.patchMs.p50)} / ${ratio(b.patchMs.p99, i.patchMs.p99)}`],
    ['state bytes / client / s', f(i.stateBytesPerClientS), f(b.stateBytesPerClientS), ratio(b.stateBytesPerClientS, i.stateBytesPerClientS)],
    ['all bytes on the wire / client / s', f(i.wireBytesPerClientS), f(b.wireBytesPerClientS), ratio(b.wireBytesPerClientS, i.wireBytesPerClientS)],
    ['input→patch p50 / p99, ms', pair(i.inputToPatchMs, 1), pair(b.inputToPatchMs, 1), `${ratio(b.inputToPatchMs.p50, i.inputToPatchMs.p50)} / ${ratio(b.inputToPatchMs.p99, i.inputToPatchMs.p99)}`],
    ['  of which patch waits after tick p50 / p99, ms', pair(i.tickToPatchMs, 1), pair(b.tickToPatchMs, 1), ''],
    ['server CPU, % of one core', f(i.serverCpuPct, 1), f(b.serverCpuPct, 1), ratio(b.serverCpuPct, i.serverCpuPct)],
    ['server RSS / heap used, MB', `${f(i.serverRssMb)} / ${f(i.serverHeapMb)}`, `${f(b.serverRssMb)} / ${f(b.serverHeapMb)}`, ratio(b.serverRssMb, i.serverRssMb)],
    ['server event-loop lag p99, ms', f(i.loopLagP99Ms, 1), f(b.loopLagP99Ms, 1), ''],
    ['moves (refused) / edits (refused), whole run', `${i.moves} (${i.movesRefused}) / ${i.edits} (${i.editsRefused})`, `${b.moves} (${b.movesRefused}) / ${b.edits} (${b.editsRefused})`, ''],
    ['refusals by code, whole run', codes(i.refusals), codes(b.refusals), ''],
    ['request failures (timeouts, closed)', String(i.failures), String(b.failures), ''],
    ['bots process CPU, % of one core', f(i.botsCpuPct, 1), f(b.botsCpuPct, 1), ''],
    ['meter check: TCP ÷ metered bytes (probe bot)', f(i.wireCheck, 4), f(b.wireCheck, 4), ''],
  ];
}

function joinRows(i: RunResult, b: RunResult): string[][] {
  const mean = (js: JoinBytes[] | undefined, k: keyof JoinBytes) => (js?.length ? js.reduce((a, j) => a + j[k], 0) / js.length : NaN);
  const row = (name: string, r: RunResult) => [name, ...(['handshake', 'fullState', 'patches', 'other', 'total'] as const).map((k) => f(mean(r.join, k))), f(mean(r.join, 'ms'))];
  return [row('interest', i), row('baseline', b), ['ratio baseline ÷ interest', '', '', '', '', ratio(mean(b.join, 'total'), mean(i.join, 'total')), '']];
}

const JOIN_HEAD = ['', 'handshake B', 'full state B', 'patches until view B', 'other B', 'total B', 'ms to view'];

function textTable(head: string[], body: string[][], alignLeft = false): string {
  const all = [head, ...body];
  const w = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => r.map((cell, c) => (c === 0 || alignLeft ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ').trimEnd()).join('\n');
}
const mdTable = (head: string[], body: string[][]) =>
  [head, head.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');

function magicRows(m: MagicResult): string[][] {
  const r = m.rituals, e = m.magicEvents, a = e.append;
  return [
    ['clients held (bots / server gauge)', `${m.held}/${m.bots} (${m.serverClients})`],
    ['tick p50 / p99, ms', pair(m.tickMs, 3)],
    ['patch encode+send p50 / p99, ms', pair(m.patchMs, 3)],
    ['cast request→reply p50 / p99, ms', `${pair(m.castReplyMs, 1)} (n ${m.castReplyMs.n}, ${f(m.castsAnsweredPerS, 1)}/s)`],
    ['casts sent / ok / refused / failed, whole run', `${m.casts.sent} / ${m.casts.ok} / ${m.casts.refused} / ${m.casts.failures}`],
    ['cast refusals by code, whole run', codes(m.casts.refusals)],
    ['rituals started / completed / cancelled / failed / no outcome', `${r.started} / ${r.completed} / ${r.cancelled} (${r.cancelledAfterWindow} after the window) / ${r.failed} / ${r.unresolved}`],
    ['  by ritual: started (completed)', Object.entries(r.bySpell).map(([k, v]) => `${k} ${v.started} (${v.completed})`).join(', ')],
    ['deaths seen by the bots (of ritualists), whole run', `${m.deaths} (${m.ritualistDeaths})`],
    ['ritual round trip beyond cast time p50 / p99 (max), ms', `${pair(r.roundTripMs, 1)} (${f(r.roundTripMaxMs, 1)}), n ${r.roundTripMs.n}`],
    ['rituals computed in the room (server log)', String(r.computedInRoom)],
    ['waited after the window for ritual outcomes, s', f(r.drainS, 1)],
    ['magic_events rows appended by the rooms (successes), whole run', `${e.rows} (${e.successes}), ${f(e.rowsPerS, 1)} rows/s over ${f(e.castingS, 0)} s`],
    [`appendMagicEvents direct: ${a.batches} × ${a.batchRows} rows`, `${f(a.rowsPerS)} rows/s; batch p50 / p99 ${pair(a.batchMs, 1)} ms`],
    ['server CPU, % of one core', f(m.serverCpuPct, 1)],
    ['server RSS / heap used, MB', `${f(m.serverRssMb)} / ${f(m.serverHeapMb)}`],
    ['server event-loop lag p99, ms', f(m.loopLagP99Ms, 1)],
    ['worker CPU, % of one core / RSS, MB', `${f(m.workerCpuPct, 1)} / ${f(m.workerRssMb)}`],
    ['all bytes on the wire / client / s', f(m.wireBytesPerClientS)],
    ['moves (refused), whole run', `${m.moves} (${m.movesRefused}): ${codes(m.moveRefusals)}`],
    ['bots process CPU, % of one core', f(m.botsCpuPct, 1)],
    ['Redis keys removed under the run\'s JOBS_PREFIX', f(m.redisKeysRemoved)],
  ];
}

function title(r: RunResult): string {
  return r.scenario === 'a'
    ? `Scenario a: 1 region × ${r.bots} bots`
    : `Scenario b: ${r.regions} regions × ${Math.round(r.bots / r.regions)} bots`;
}

// ---- main ----

async function main(): Promise<void> {
  const t0 = Date.now();
  // Bounded whatever happens (a hung join, a wedged child): generous next to the planned time.
  const { database, dataDir, db, cleanup } = await benchRun(120 + 4 * (P.warmupS + P.durationS + 60) + (P.warmupS + P.durationS + 150));
  const dbUrl = database.url;
  const env = { ...serverEnv({ databaseUrl: dbUrl, dataDir }), VIEW_RADIUS_CHUNKS: String(P.viewRadius) };

  try {
    const magicPlanned = !args.only || args.only === 'm';
    if (magicPlanned) await pingRedis(REDIS_URL); // before minutes of scenarios a and b
    // Accounts and characters, once, through the real API (the first child also migrates the database).
    const first = await ServerChild.start(env);
    const base = `http://127.0.0.1:${first.port}`;
    const world = (await api(base, 'GET', '/api/worlds'))[0] as { id: string; seed: number };
    const players = await pool(Array.from({ length: P.bots + P.joiners }), 8, async (): Promise<Player> => {
      const tag = randomBytes(5).toString('hex');
      const reg = await api(base, 'POST', '/api/auth/register', { username: `b_${tag}`, email: `${tag}@bench.invalid`, password: 'bench password' });
      const ch = await api(base, 'POST', '/api/characters', { name: `Bot ${tag}`, characterClass: 'mage' }, reg.token);
      return { token: reg.token, characterId: ch.id, worldId: world.id }; // new characters start in the (only) default world
    });
    await first.stop();
    await db.connect();

    const regionA = { rx: 1, rz: 1 };
    const regionsB = Array.from({ length: P.regions }, (_, i) => ({ rx: 1 + (i % 4), rz: 1 + Math.floor(i / 4) }));
    const botPlayers = players.slice(0, P.bots), joinPlayers = players.slice(P.bots);
    const specsA = gridSpecs(botPlayers, world.seed, regionA.rx, regionA.rz);
    const specsB = regionsB.flatMap((r, k) => gridSpecs(botPlayers.filter((_, i) => i % P.regions === k), world.seed, r.rx, r.rz));
    const joiners = joinerSpecs(joinPlayers, world.seed, regionA.rx, regionA.rz, specsA);
    const seeded: { cx: number; cz: number }[] = [];
    for (let i = 0; i < REGION_CHUNKS * REGION_CHUNKS; i++) seeded.push({ cx: regionA.rx * REGION_CHUNKS + (i % REGION_CHUNKS), cz: regionA.rz * REGION_CHUNKS + Math.floor(i / REGION_CHUNKS) });
    // What a joiner must have received for its view to be complete: the seeded chunks in its view radius (the
    // baseline sends them all; joiners stand near the centre, where the radius covers the region anyway).
    const jc = joiners[0] ? { cx: Math.floor(joiners[0].at.x / CHUNK_SIZE), cz: Math.floor(joiners[0].at.z / CHUNK_SIZE) } : { cx: 0, cz: 0 };
    const expected = (v: Variant) =>
      seeded.filter((c) => v === 'baseline' || Math.max(Math.abs(c.cx - jc.cx), Math.abs(c.cz - jc.cz)) <= P.viewRadius).map((c) => chunkKey(c.cx, SEEDED_CY, c.cz));
    const edits = JSON.stringify(Object.fromEntries(Array.from({ length: SEEDED_EDITS }, (_, i) => [String((15 * CHUNK_SIZE * CHUNK_SIZE) + i * 7), Block.STONE])));

    // Database fixture between runs: no edits but the seeded ones, every character back at its start.
    const reset = (specs: BotSpec[], seed: boolean) => async () => {
      await db.query('delete from world_chunks where world_id = $1', [world.id]);
      if (seed) {
        for (const c of seeded) {
          await db.query(
            `insert into world_chunks (id, world_id, chunk_x, chunk_y, chunk_z, version, data, updated_at) values ($1, $2, $3, $4, $5, 1, $6, now())`,
            [randomUUID(), world.id, c.cx, SEEDED_CY, c.cz, edits],
          );
        }
      }
      for (const s of [...specs, ...joiners]) await db.query('update characters set x = $2, y = $3, z = $4 where id = $1', [s.characterId, s.at.x, s.at.y, s.at.z]);
    };

    const results: RunResult[] = [];
    const plan: ['a' | 'b', BotSpec[]][] = [['a', specsA], ['b', specsB]];
    for (const [scenario, specs] of plan) {
      if (args.only && args.only !== scenario) continue;
      for (const variant of ['interest', 'baseline'] as const) {
        process.stderr.write(`running ${scenario}/${variant}: ${specs.length} bots, ${P.warmupS} s warm-up + ${P.durationS} s …\n`);
        results.push(await run(scenario, variant, specs, scenario === 'a' ? joiners : [], expected(variant), env, reset(specs, scenario === 'a')));
      }
    }

    // Scenario m: scenario b's layout; the first --ritualists bots of every region know the rituals.
    let magic: MagicResult | undefined;
    const ritualistIds = new Set(regionsB.flatMap((r) => specsB.filter((s) => s.rx === r.rx && s.rz === r.rz).slice(0, P.ritualists).map((s) => s.characterId)));
    if (magicPlanned) {
      const resetMagic = async () => {
        await reset(specsB, false)();
        // Everyone alive with full mana (earlier runs' NPCs left some dead or hurt); the ritualists' fixture.
        await db.query('update characters set hp = max_hp, mana = max_mana, corruption = 0 where id = any($1::uuid[])', [specsB.map((s) => s.characterId)]);
        await db.query(
          `update characters set known_spells = array(select distinct unnest(known_spells || $2::text[])), max_mana = $3, mana = $3 where id = any($1::uuid[])`,
          [[...ritualistIds], RITUALS.map((r) => r.spellId), RITUALIST_MANA],
        );
      };
      process.stderr.write(`running m: ${specsB.length} mage bots (${ritualistIds.size} with rituals) in ${regionsB.length} regions, Redis + 1 worker, ${P.warmupS} s warm-up + ${P.durationS} s …\n`);
      magic = await runMagic(specsB, ritualistIds, env, db, resetMagic);
    }

    // ---- output ----
    const machine = { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? '?', memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString(), loadAvg: os.loadavg()[0]! };
    const setup = `view radius ${P.viewRadius} chunks, ${P.warmupS} s warm-up + ${P.durationS} s measured, moves every ${MOVE_MS} ms, edits every ${EDIT_MS} ms per bot`;
    const head = ['', 'interest', 'baseline', 'baseline ÷ interest'];
    const md: string[] = [
      '# Region room benchmark',
      '',
      `Generated by \`npm run bench:rooms\` (loadtest/bench-rooms.ts) on ${machine.date}: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memGb} GB, Node ${machine.node}, load average ${machine.loadAvg.toFixed(2)} at the end.`,
      `Server and bots share this machine. ${setup}. Overwritten by every run.`,
      '',
    ];
    console.log(`\n${setup}; ${machine.nproc} CPUs, node ${machine.node}`);
    const magicSetup = `mage bots in the interest room, a cast every ${P.castMs} ms and a step every ${MAGIC_MOVE_MS} ms per bot (no edits), ${P.ritualists} ritualists per region (${RITUALS.map((r) => r.spellId).join(', ')}: each once, their cooldowns are minutes), Redis ${REDIS_URL} with a fresh JOBS_PREFIX, one worker process`;
    for (const scenario of ['a', 'b'] as const) {
      const i = results.find((r) => r.scenario === scenario && r.variant === 'interest');
      const b = results.find((r) => r.scenario === scenario && r.variant === 'baseline');
      if (!i || !b) continue;
      console.log(`\n${title(i)}\n${textTable(head, rows(i, b))}`);
      md.push(`## ${title(i)}`, '', mdTable(head, rows(i, b)), '');
      if (i.join && b.join) {
        const jt = `Join into scenario a's region (${b.bots} bots, ${seeded.length} pre-edited chunks × ${SEEDED_EDITS} edits, ${expected('interest').length} of them in the joiner's view), mean of ${i.join.length} joins`;
        console.log(`\n${jt}\n${textTable(JOIN_HEAD, joinRows(i, b))}`);
        md.push(`### ${jt}`, '', mdTable(JOIN_HEAD, joinRows(i, b)), '');
      }
    }
    if (magic) {
      const mt = `Scenario m: magic, ${magic.regions} regions × ${Math.round(magic.bots / magic.regions)} mage bots, ${magic.ritualists} of them casting rituals`;
      console.log(`\n${mt}\n(${magicSetup})\n${textTable(['', 'value'], magicRows(magic), true)}`);
      md.push(`## ${mt}`, '', `${magicSetup[0]!.toUpperCase()}${magicSetup.slice(1)}.`, '', mdTable(['', 'value'], magicRows(magic)), '');
    }
    md.push(
      '## How it is measured',
      '',
      '- Tick: the timer behind `leyline_room_tick_seconds` (simulation, state mirroring, interest update), every sample. Patch: `broadcastPatch` (encoding per view + sending), timed in the server child; it runs outside the tick.',
      '- Bytes: every WebSocket message each bot receives, counted before the SDK decodes it; "wire" adds the frame header. One bot per run goes through a TCP proxy as a check of the meter (TCP ÷ metered ≈ 1; the residue is ping frames and frames in flight at the window edges).',
      '- Input→patch: from sending a `move` request to the first decoded state in which the bot\'s own position equals the target.',
      '- Bots step from their authoritative position, so they follow what the room does to them: its NPCs attack, and a killed bot\'s moves are refused (DEAD) until it respawns at the region\'s centre. Deaths differ from run to run.',
      '- Every run boots its own server child from the working tree: figures from one run are comparable; across commits, re-run both sides.',
      '- CPU, RSS, heap, event-loop lag: the server\'s `GET /metrics` (prom-client process metrics), CPU as a delta over the window.',
      '- Join: bytes from connecting until the state holds the own character and every expected seeded chunk with all its edits; the interest room fills the view after the join (rooms/interest.ts), so its full state is small and the view arrives in the first patch.',
      '- Magic (scenario m): the server child runs with REDIS_URL (Redis presence, driver and BullMQ jobs under a fresh JOBS_PREFIX) and a separate `src/worker.ts` child computes the rituals. Ordinary casts alternate mana_shield and an attack (frost_shard, arcane_bolt) at the nearest living NPC in view within range, else at a point (refused INVALID_TARGET: counted). Cast latency: `room.request(\'cast\')` → reply, casts sent in the window; it includes the wait for the next tick (commands run in the tick).',
      '- Ritual round trip: arrival of the `ritual` message at the caster − `completesAt` of the cast reply (same machine, same clock): queue delay past the due time, the worker, the result back through Redis, the next tick. Rituals started in warm-up or window; after the window the bench waits for outstanding outcomes (bounded by the room\'s own 30 s fallback). Cancelled: the caster died (NPCs) before completion. "Computed in the room" counts the server\'s log lines of its fallback.',
      '- magic_events: rows of the run counted after the server stopped (the rooms append once a second and on dispose). The direct figure times `WorldStore.appendMagicEvents` in the bench process against the same database (sequential batches, after the children stopped).',
      '',
    );
    await fs.writeFile(path.join(ROOT, 'loadtest/results-rooms.md'), md.join('\n'));
    const params = { ...P, moveMs: MOVE_MS, editMs: EDIT_MS, seededChunks: seeded.length, seededEdits: SEEDED_EDITS, magicMoveMs: MAGIC_MOVE_MS, appendBatchRows: APPEND_BATCH_ROWS, rituals: RITUALS.map((r) => r.spellId) };
    console.log(`\nBENCH ${JSON.stringify({ machine, params, results, magic, elapsedS: Math.round((Date.now() - t0) / 1000) })}`);
  } finally {
    await cleanup();
  }
}

await main();
