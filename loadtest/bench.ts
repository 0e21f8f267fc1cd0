// Issue-9 benchmark (a script, not a test): Leyline's region rooms against the naive peer, same bots, same run.
//
//   npm run bench [-- --scenarios crowd,gather,spawn,spread,border,corner2 --crowd 100,300,500 --gather 300,500 --spawn 500 --spread 100,300,500 --border 100 --corner2 300
//                     --capacity 200,400,700,900 --warmup 5 --duration 15 --bot-procs 2 --cpu-prof …]   (--help lists all)
//   BENCH_KEEP_PROF=1 keeps the --cpu-prof files (the path is printed) instead of removing them with the run.
//   --record DIR: every frame the bots' rooms receive, per run and bot process (DIR/<run>/<pid>/), for
//   loadtest/decode-replay.ts (what decoding a run's stream costs a client process).
//
// Bots (loadtest/walker.ts, written from docs/protocol.md) run in their own processes (loadtest/bot-proc.ts). They
// register, create a character, take a seat (POST /api/play; the naive peer: the bench route /bench/play), follow
// `handoff` messages, and walk at walking speed with 10 moves/s, each a legal step on the generated terrain.
// Scenarios, each run once against Leyline and once against the naive peer (loadtest/naive.ts: one room, a players
// map without @view, the same movement checks), each run on a fresh server child (loadtest/server.ts):
//   crowd  — everyone starts at (8.5, 8.5), by the corner of four regions (the world spawn before issue 9), and
//            wanders within --roam blocks of it;
//   gather — a crowd at the same corner that comes from all four regions: each bot starts at a random point within
//            --roam blocks of the corner point (0, 0), so /api/play seats it in the room of its own region, and
//            wanders there (Leyline's rooms then hand characters over until the crowd is in one: src/game/region/crowd.ts);
//   spawn  — the same crowd at the world spawn of today (src/game/character.ts defaultSpawn: the centre of region
//            (0,0)), --spawn sizes;
//   spread — players over 64 regions (8×8), each wandering around a spot near its region's centre;
//   border — walkers going back and forth across the border between regions (0,0) and (1,0), --border-reach blocks
//            each way (default: 8 past the handoff margin, src/game/region/borders.ts, so each crossing hands off);
//   corner2 — the crowd again, but Leyline on TWO server processes sharing one Redis (presence and driver, a Redis
//            database of the run's own) with the four corner regions two on each (the bench makes each region's
//            room in turn and reports where each landed); bots play through either process, alternately. The naive
//            peer is one room on one process: the crowd's naive run of the same size in this bench run is reused
//            when there is one, else it runs once here. Crowd gathering is off there (CROWD_GATHER_PER_S=0): it
//            would pull the anchors into the crowd's room, and the scenario measures sight across processes.
// The capacity curve is the crowd stepped up: its --crowd sizes always, the --capacity sizes in between and beyond
// only while the variant held 20 Hz at the size before.
// Figures: view completeness (of the other players within 32 blocks, by the bots' own authoritative positions, the
// share in each client's state, sampled every --sample-ms) and how far off their positions each client shows them
// (p50 / p99 by distance band: what the update rates cost in what a player sees), bytes/client/s read on the
// sockets, server CPU (the child's process.cpuUsage) and RSS, tick and patch p50/p99 (room seams), move → own
// position in a patch (and its part at the server: the move's arrival → its client's next frames written, room
// seams), handoffs.
// Writes loadtest/results.md, loadtest/bench-*.svg and one JSON line (prefix "BENCH ") on stdout.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { freePort } from '../src/net.js';
import { REGION_SIZE, regionOfBlock, spawnPoint } from '../src/world/index.js';
import { defaultSpawn } from '../src/game/character.js';
import { HANDOFF_MARGIN_BLOCKS } from '../src/game/region/index.js';
import type { ServerStats } from './server.js';
import type { BotReply, BotRequest, BotSpec, Collected, Judged } from './bot-proc.js';
import type { Account, Plan, Pos } from './walker.js';
import { barChart, lineChart } from './svg.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { ERROR_BIN, ERROR_BINS, ROOT, ServerChild, benchRun, serverNodeFlags, children, childEnv, collectLines, quantile, quantiles as q, rng, serverEnv, sleep, stopChild, type Quant } from './children.js';

/** Where the corner crowd gathers: (8.5, 8.5), 8.5 blocks from the corner of four regions. */
const CORNER = { x: 8.5, z: 8.5 };
const VIEW_RADIUS_BLOCKS = 32; // completeness: the other players within this horizontal distance
const BANDS = [8, 16, 32]; // completeness by distance band, blocks
const TICK_BUDGET_MS = 50; // 20 Hz
const execFileP = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'crowd,gather,spawn,decoding,spread,border,corner2' },
    crowd: { type: 'string', default: '100,300,500' },
    spread: { type: 'string', default: '100,300,500' },
    border: { type: 'string', default: '100' },
    corner2: { type: 'string', default: '300' }, // crowd sizes with Leyline on two processes
    gather: { type: 'string', default: '300,500' }, // crowd sizes gathering at the corner from all four regions
    spawn: { type: 'string', default: '500' }, // crowd sizes at the world spawn (a region's centre)
    // the same crowd with every bot decoding every patch, as SDK clients do (--observers does not apply): on this box
    // the bots saturate, so it measures the bots' decoding as much as the server (README "When every bot decodes")
    decoding: { type: 'string', default: '500' },
    redis: { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' }, // corner2; without a /db the run takes an empty database of 1..15
    capacity: { type: 'string', default: '200,400,700,900' }, // more crowd sizes, each run while the variant held 20 Hz at the size before ("" for none)
    variants: { type: 'string', default: 'leyline,naive' },
    warmup: { type: 'string', default: '5' },
    duration: { type: 'string', default: '15' },
    'sample-ms': { type: 'string', default: '1000' },
    speed: { type: 'string', default: '4.3' }, // blocks/s: walking (the server allows up to 7)
    'move-ms': { type: 'string', default: '100' },
    roam: { type: 'string', default: '24' },
    // border walkers turn this many blocks past the border: past the handoff margin, so every crossing is a handoff
    'border-reach': { type: 'string', default: String(HANDOFF_MARGIN_BLOCKS + 8) },
    'bot-procs': { type: 'string', default: '2' },
    // The bot processes' CPU priority (every thread of theirs): on this shared box the load generator runs below the
    // server under test, as if it were on other machines; the same for Leyline and the naive peer. `idle`: Linux
    // SCHED_IDLE (they run on what the server and the rest leave, and never hold a core the server wakes up for);
    // a number 0..19: a nice value (0: as the server)
    'bot-priority': { type: 'string', default: 'idle' },
    'join-concurrency': { type: 'string', default: '16' },
    observers: { type: 'string', default: '100' }, // bots per run that decode every patch (completeness, latency); the rest only count bytes
    probes: { type: 'string', default: '4' }, // observers per run that count decoded field changes (where the bytes go)
    'view-radius': { type: 'string' }, // VIEW_RADIUS_CHUNKS for the server (default: the server's default)
    quiet: { type: 'string', default: '30' }, // before each run, wait for other processes to use less than this % of a core …
    'quiet-wait': { type: 'string', default: '45' }, // … for at most this many seconds (then run anyway; the report flags it)
    'cpu-prof': { type: 'boolean', default: false },
    record: { type: 'string' }, // directory: each bot process keeps every frame its rooms receive, per run (loadtest/decode-replay.ts)
    'prof-top': { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  const src = await fs.readFile(fileURLToPath(import.meta.url), 'utf8');
  const lines = src.split('\n');
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
  console.log('\nOptions (defaults):\n' + src.slice(src.indexOf('options: {'), src.indexOf('help: {')).split('\n').slice(1).map((l) => '  ' + l.trim()).join('\n'));
  process.exit(0);
}
const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const ints = (name: string, s: string | undefined, min: number, max: number) =>
  list(s).map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: ${x} is not an integer in ${min}..${max}`);
    return n;
  });
const num = (name: keyof typeof args, min: number, max: number): number => {
  const n = Number(args[name]);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be in ${min}..${max}, got ${args[name]}`);
  return n;
};
type Scenario = 'crowd' | 'gather' | 'spawn' | 'decoding' | 'spread' | 'border' | 'corner2';
type VariantName = 'leyline' | 'naive';
const SCENARIOS = list(args.scenarios) as Scenario[];
for (const s of SCENARIOS) if (!['crowd', 'gather', 'spawn', 'decoding', 'spread', 'border', 'corner2'].includes(s)) throw new Error(`--scenarios: unknown ${s}`);
const VARIANTS = list(args.variants) as VariantName[];
for (const v of VARIANTS) if (!['leyline', 'naive'].includes(v)) throw new Error(`--variants: unknown ${v}`);
const P = {
  crowd: ints('crowd', args.crowd, 2, 3000),
  spread: ints('spread', args.spread, 2, 3000),
  border: ints('border', args.border, 2, 3000),
  corner2: ints('corner2', args.corner2, 4, 3000),
  gather: ints('gather', args.gather, 2, 3000),
  spawn: ints('spawn', args.spawn, 2, 3000),
  decoding: ints('decoding', args.decoding, 2, 3000),
  capacity: ints('capacity', args.capacity, 2, 3000),
  warmupS: num('warmup', 0, 120),
  durationS: num('duration', 2, 600),
  sampleMs: num('sample-ms', 100, 10_000),
  speed: num('speed', 0.5, 7),
  moveMs: num('move-ms', 20, 1000),
  roam: num('roam', 4, 60),
  borderReach: num('border-reach', 4, 60),
  botProcs: num('bot-procs', 1, 8),
  botPriority: args['bot-priority'] === 'idle' ? ('idle' as const) : num('bot-priority', 0, 19),
  joinConcurrency: num('join-concurrency', 1, 64),
  observers: num('observers', 1, 3000),
  probes: num('probes', 0, 50),
  profTop: num('prof-top', 5, 200),
  quietPct: num('quiet', 0, 200),
  quietWaitS: num('quiet-wait', 0, 3600),
  viewRadius: args['view-radius'] === undefined ? undefined : num('view-radius', 1, 5),
  cpuProf: args['cpu-prof']!,
  record: args.record ? path.resolve(args.record) : undefined,
  redisUrl: args.redis!,
};

// ---- processes ----

/** The bot processes: requests by sequence number, answers as promises. */
class BotProc {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  private readonly exited: Promise<unknown>;
  private constructor(readonly child: ChildProcess, lines: string[]) {
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    child.on('message', (m: BotReply) => {
      const w = this.waiting.get(m.seq);
      if (!w) return;
      this.waiting.delete(m.seq);
      if (m.error) w.reject(new Error(`bot process: ${m.error}`));
      else w.resolve(m);
    });
    void this.exited.then(() => {
      for (const w of this.waiting.values()) w.reject(new Error(`bot process exited:\n${lines.slice(-20).join('\n')}`));
      this.waiting.clear();
    });
  }

  static async start(): Promise<BotProc> {
    const child = fork(path.join(ROOT, 'loadtest/bot-proc.ts'), [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: childEnv({ NODE_ENV: 'production' }),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const { lines } = collectLines(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', () => reject(new Error(`bot process exited during boot:\n${lines.join('\n')}`)));
    });
    await lowerPriority(child.pid!, P.botPriority);
    const p = new BotProc(child, lines);
    children.add(p);
    return p;
  }

  call<T = Record<string, unknown>>(req: BotRequest): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.child.send({ ...req, seq });
    });
  }

  async stop(): Promise<void> {
    this.child.disconnect();
    await stopChild(this.child, this.exited);
    children.delete(this);
  }
}

/**
 * Lowers the CPU priority of every thread of process `pid` (Linux scheduling attributes are per thread: a call on a
 * pid changes its main thread only, and V8's and libuv's threads exist by the time a child is up). `idle`: the
 * SCHED_IDLE policy through util-linux `chrt --all-tasks` (a woken thread of any normal policy preempts an idle one
 * at once, where a niced thread keeps its core until the scheduler's next tick, ~4 ms, docs/stack.md "Bench
 * priorities"); a number: that nice value (elsewhere, the process's).
 */
async function lowerPriority(pid: number, priority: number | 'idle'): Promise<void> {
  if (priority === 'idle') {
    await execFileP('chrt', ['--idle', '--all-tasks', '--pid', '0', String(pid)]);
    return;
  }
  if (priority === 0) return;
  const tids = await fs.readdir(`/proc/${pid}/task`).catch(() => [String(pid)]);
  for (const tid of tids) os.setPriority(Number(tid), priority);
}

/** CPU of the whole machine (all cores, jiffies) from /proc/stat: what others used during a window. */
async function machineBusyS(): Promise<number> {
  try {
    const f = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f as number[];
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / 100; // USER_HZ = 100
  } catch {
    return NaN;
  }
}

/** CPU seconds so far of the PostgreSQL backends serving `dbName` (their process titles name the database), by pid. */
async function dbBackendsCpuS(dbName: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = (await fs.readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  await Promise.all(pids.map(async (pid) => {
    try {
      const title = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (!title.startsWith('postgres:') || !title.includes(` ${dbName} `)) return;
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // gone meanwhile
    }
  }));
  return out;
}
const dbCpuSince = (a: Map<number, number>, b: Map<number, number>) => [...b].reduce((acc, [pid, s]) => acc + s - (a.get(pid) ?? 0), 0);

/**
 * Between runs nothing of the bench's runs (no server child; the bot processes hold no bots): whatever the machine
 * does is other work. Waits until it uses less than --quiet % of a core over 2 s, at most --quiet-wait s.
 */
async function waitQuiet(): Promise<number> {
  const until = Date.now() + P.quietWaitS * 1000;
  let announced = false;
  for (;;) {
    const b0 = await machineBusyS();
    await sleep(2000);
    const pct = ((await machineBusyS()) - b0) / 2 * 100;
    if (!(pct > P.quietPct) || Date.now() >= until) return pct;
    if (!announced) process.stderr.write(`  waiting for the machine to quieten (others use ${pct.toFixed(0)} % of a core) …\n`);
    announced = true;
  }
}

// ---- layouts ----

type RunSpec = BotSpec & { start: Pos; region: string };

const at = (seed: number, x: number, z: number): Pos => ({ x: Math.floor(x) + 0.5, y: spawnPoint(seed, Math.floor(x), Math.floor(z)), z: Math.floor(z) + 0.5 });
const regionKey = (p: Pos) => {
  const r = regionOfBlock(p.x, p.z);
  return `${r.rx},${r.rz}`;
};

function layout(scenario: Scenario, accounts: Account[], seed: number): RunSpec[] {
  const r = rng(accounts.length * 7919 + scenario.length);
  // Observers spread evenly over the bots (every k-th); the first few of them are probes. `decoding`: all of them.
  const n = accounts.length, obs = scenario === 'decoding' ? n : Math.min(P.observers, n);
  const observer = (i: number) => (i * obs) % n < obs;
  const probe = (i: number) => observer(i) && Math.floor((i * obs) / n) < P.probes;
  if (scenario === 'crowd' || scenario === 'corner2' || scenario === 'spawn' || scenario === 'decoding') {
    // The crowd gathers at the corner of regions (0,0), (-1,0), (0,-1), (-1,-1) (the world spawn before issue 9);
    // `spawn` at the world spawn of today (src/game/character.ts defaultSpawn: the centre of region (0,0)).
    const s = scenario === 'spawn' || scenario === 'decoding' ? defaultSpawn(seed) : at(seed, CORNER.x, CORNER.z);
    // corner2: the first four bots start one in each region around the corner (the spawn mirrored across its
    // borders), so that the bench can make the four rooms one by one, and stay within 2 blocks of their start (8
    // from the borders): each region keeps a client, so its room is not disposed and placed again elsewhere when the
    // crowd leaves it. Everyone else wanders around the spawn.
    const corner = [s, at(seed, -s.x, s.z), at(seed, s.x, -s.z), at(seed, -s.x, -s.z)];
    return accounts.map((account, i) => {
      const anchor = scenario === 'corner2' && i < corner.length;
      const start = anchor ? corner[i]! : s;
      const plan: Plan = anchor ? { kind: 'wander', home: { x: start.x, z: start.z }, roam: 2 } : { kind: 'wander', home: { x: s.x, z: s.z }, roam: P.roam };
      return { account, observer: observer(i), probe: probe(i), start, region: regionKey(start), plan };
    });
  }
  if (scenario === 'gather') {
    // From all four regions of the corner: a start anywhere within --roam blocks of (0, 0), seated where it stands.
    return accounts.map((account, i) => {
      const start = at(seed, (r() - 0.5) * 2 * P.roam, (r() - 0.5) * 2 * P.roam);
      const plan: Plan = { kind: 'wander', home: { x: 0.5, z: 0.5 }, roam: P.roam };
      return { account, observer: observer(i), probe: probe(i), start, region: regionKey(start), plan };
    });
  }
  if (scenario === 'spread') {
    // 8×8 regions, rx and rz in 0..7: bot i in region i mod 64, around a spot within 16 blocks of its centre.
    return accounts.map((account, i) => {
      const k = i % 64;
      const cx = (k % 8) * REGION_SIZE + REGION_SIZE / 2, cz = Math.floor(k / 8) * REGION_SIZE + REGION_SIZE / 2;
      const start = at(seed, cx + (r() - 0.5) * 32, cz + (r() - 0.5) * 32);
      const plan: Plan = { kind: 'wander', home: { x: start.x, z: start.z }, roam: P.roam };
      return { account, observer: observer(i), probe: probe(i), start, region: regionKey(start), plan };
    });
  }
  // Border walkers: along x = 128 (regions (0,0) | (1,0)), z spread over the border's length, each between
  // --border-reach blocks on either side, starting at a random point of its line.
  const bx = REGION_SIZE;
  return accounts.map((account, i) => {
    const z = 4 + ((i + r()) * (REGION_SIZE - 8)) / accounts.length;
    const start = at(seed, bx - P.borderReach + r() * 2 * P.borderReach, z);
    const plan: Plan = { kind: 'shuttle', a: { x: bx - P.borderReach, z: start.z }, b: { x: bx + P.borderReach, z: start.z } };
    return { account, observer: observer(i), probe: probe(i), start, region: regionKey(start), plan };
  });
}

// ---- one run ----

type Completeness = {
  /** Σ seen ÷ Σ expected over every observer and sample. */
  share: number;
  samples: number;
  /** Per observer and sample (observers with someone in range): share quantiles and how often it was 100 %. */
  clientP10: number;
  clientP50: number;
  allSeenShare: number;
  /** Mean per observer and sample: other players within the radius, and of them in its state. */
  expectedMean: number;
  seenMean: number;
  bands: { upTo: number; share: number; expected: number }[];
  /**
   * Per band, how far off its authoritative position (the last move the server accepted from it) each player seen
   * was shown, p50 / p99, blocks (to ERROR_BIN): what the rates by distance cost in what a client sees.
   */
  off: { upTo: number; p50: number; p99: number }[];
};

/** The q quantile of a histogram of ERROR_BIN-block bins, as the upper edge of its bin. */
function histQuantile(bins: number[], q: number): number {
  const total = bins.reduce((a, n) => a + n, 0);
  if (total === 0) return NaN;
  let cum = 0;
  for (let i = 0; i < bins.length; i++) if ((cum += bins[i]!) >= q * total) return (i + 1) * ERROR_BIN;
  return bins.length * ERROR_BIN;
}

type RunResult = {
  scenario: Scenario;
  variant: VariantName;
  bots: number;
  label: string;
  joined: number;
  joinFailed: number;
  joinErrors: string[];
  joinS: number;
  connected: number;
  serverClients: number;
  rooms: number;
  windowS: number;
  completeness: Completeness;
  bytesPerClientS: number;
  frameBytesPerClientS: number;
  framesPerClientS: Record<string, number>;
  /** Messages per client per second by protocol code (framesPerClientS is bytes). */
  messagesPerClientS?: Record<string, number>;
  moveToPatchMs: Quant;
  /** Of it, the server's part: a move's arrival → its client's next frames written (loadtest/server.ts). */
  moveToFrameMs: Quant;
  handoffMs: Quant;
  handoffs: number;
  handoffsPerS: number;
  handoffFailures: number;
  rejoins: number;
  closes: Record<string, number>;
  movesPerBotS: number;
  stuckPerBotS: number;
  refusals: Record<string, number>;
  requestFailures: number;
  serverCpuPct: number;
  serverRssMb: number;
  serverHeapMb: number;
  tickMs: Quant;
  /** The same ticks' CPU time (the server process's, over each tick; the rest of a tick's wall time is waiting for a CPU). */
  tickCpuMs: Quant;
  patchMs: Quant;
  /** Young-generation collections made in ticks' idle time (rooms/idle-gc.ts): per second (all processes), and their duration. */
  idleGcPerS: number;
  idleGcMs: Quant;
  ticksPerRoomS: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The share of the window a server's main thread was ready to run but waited for a CPU, % (the worst process; Linux only). */
  serverWaitPct?: number;
  holds20Hz: boolean;
  botsCpuPct: number;
  /** PostgreSQL backends serving the bench database (the server's reads and saves), % of one core. */
  dbCpuPct: number;
  othersCpuPct: number;
  /** Others' CPU over 2 s just before the run (after waiting for quiet). */
  othersBeforePct: number;
  loadAvg: number;
  probes: number;
  fieldChangesPerProbeS: Record<string, number>;
  /** Whole run: server log lines at warn and above, by message. */
  serverWarnings: number;
  serverWarningsByMessage: Record<string, number>;
  profile?: ProfileSummary;
  /** corner2 on two processes: the second process's profile, each process's figures, how the corner split, the run's Redis. */
  profileB?: ProfileSummary;
  processes?: ProcessFigures[];
  split?: string;
  redis?: RedisLeft;
  /** A result of another scenario's run shown here too (corner2's naive peer: the crowd's of the same size). */
  reusedFrom?: string;
};

type Ctx = { env: Record<string, string>; procs: BotProc[]; db: pg.Client; dbName: string; world: { id: string; seed: number }; profDir?: string };

async function resetPositions(db: pg.Client, specs: RunSpec[]): Promise<void> {
  await db.query(
    `update characters c set x = v.x, y = v.y, z = v.z, hp = c.max_hp, respawn_at = null
       from unnest($1::uuid[], $2::float8[], $3::float8[], $4::float8[]) as v(id, x, y, z) where c.id = v.id`,
    [specs.map((s) => s.account.characterId), specs.map((s) => s.start.x), specs.map((s) => s.start.y), specs.map((s) => s.start.z)],
  );
}

/** A Redis database of one run of its own (corner2): Colyseus' `roomcount` hash and room listings, the lease and
 * handoff keys, BullMQ's under JOBS_PREFIX. Without a /db in --redis, an empty database of 1..15 is claimed with a
 * marker key; at the end every key left in it is counted (what graceful shutdowns left behind) and removed. With a
 * /db given (shared, perhaps), only this run's keys are removed: JOBS_PREFIX's and its processes' `roomcount` fields. */
type RedisRun = { url: string; db: number; jobsPrefix: string; claimed: boolean };
type RedisLeft = { db: number; claimed: boolean; keysLeft: number; byKind: Record<string, number>; roomcountOurs: number; removed: number };
const CLAIM_KEY = 'leyline-bench:claim';
/** The Redis of the run under way (released by the run; by the cleanup when the bench is cut short). */
let liveRedis: { rr: RedisRun; processIds: string[] } | undefined;

async function claimRedis(): Promise<RedisRun> {
  const base = new URL(P.redisUrl);
  const jobsPrefix = `bench-${randomBytes(6).toString('hex')}`;
  const named = base.pathname.replace(/^\//, '');
  if (named) return { url: P.redisUrl, db: Number(named), jobsPrefix, claimed: false };
  const token = randomBytes(8).toString('hex');
  const start = 1 + Math.floor(Math.random() * 15);
  for (let k = 0; k < 15; k++) {
    const db = 1 + ((start - 1 + k) % 15);
    const r = new Redis(P.redisUrl, { db, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await r.connect();
      if ((await r.set(CLAIM_KEY, token, 'EX', 3600, 'NX')) !== 'OK') continue;
      if ((await r.dbsize()) === 1) {
        const url = new URL(P.redisUrl);
        url.pathname = `/${db}`;
        return { url: url.toString(), db, jobsPrefix, claimed: true };
      }
      await r.del(CLAIM_KEY); // not empty: someone else's
    } finally {
      r.disconnect();
    }
  }
  throw new Error(`corner2: no empty Redis database among 1..15 at ${P.redisUrl} (name one with --redis redis://…/N)`);
}

async function releaseRedis(rr: RedisRun, processIds: string[]): Promise<RedisLeft> {
  const r = new Redis(rr.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const keys: string[] = [];
    for await (const batch of r.scanStream({ match: rr.claimed ? '*' : `${rr.jobsPrefix}:*`, count: 500 })) keys.push(...(batch as string[]));
    const left = keys.filter((k) => k !== CLAIM_KEY);
    const byKind: Record<string, number> = {};
    for (const k of left) {
      const kind = k.startsWith(`${rr.jobsPrefix}:`) ? 'JOBS_PREFIX:*' : k.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|[A-Za-z0-9_-]{9}$/g, '…');
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    const counts = processIds.length ? await r.hmget('roomcount', ...processIds) : [];
    const roomcountOurs = counts.filter((c) => c !== null).length;
    if (roomcountOurs) await r.hdel('roomcount', ...processIds);
    for (let k = 0; k < keys.length; k += 500) await r.del(...keys.slice(k, k + 500));
    return { db: rr.db, claimed: rr.claimed, keysLeft: left.length, byKind, roomcountOurs, removed: keys.length };
  } finally {
    r.disconnect();
  }
}

/** Waits until the `roomcount` hash counts `n` rooms over these processes (Colyseus places a new room by it). */
async function roomsCounted(url: string, processIds: string[], n: number, timeoutMs = 10_000): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(100)) {
      const counts = await r.hmget('roomcount', ...processIds);
      if (counts.reduce((a, c) => a + Number((c ?? '0').split(',')[0]), 0) >= n) return true;
    }
    return false;
  } finally {
    r.disconnect();
  }
}

/** One server process of a run: where it listens, the regions it hosted, its own figures over the window. */
type ProcessFigures = { name: string; address: string; processId: string; regionsAtStart: string[]; regionsAtEnd: string[]; cpuPct: number; rssMb: number; rooms: number; clients: number; tickP99Ms: number; patchP99Ms: number; loopDelayP99Ms: number };

async function run(scenario: Scenario, variant: VariantName, specs: RunSpec[], ctx: Ctx): Promise<RunResult> {
  const label = `${scenario}-${specs.length}-${variant}`;
  const othersBefore = await waitQuiet();
  const two = scenario === 'corner2' && variant === 'leyline';
  process.stderr.write(`running ${label}${two ? ' on two processes' : ''}: ${P.warmupS} s warm-up + ${P.durationS} s … (load ${os.loadavg()[0]!.toFixed(2)})\n`);
  await resetPositions(ctx.db, specs);
  const names = two ? ['A', 'B'] : [''];
  const execArgv = (name: string) => (ctx.profDir ? ['--cpu-prof', '--cpu-prof-dir', ctx.profDir, '--cpu-prof-name', `${label}${name}.cpuprofile`] : []);
  let redis: RedisRun | undefined;
  let redisLeft: RedisLeft | undefined;
  const srvs: ServerChild[] = [];
  const procs = ctx.procs;
  try {
    if (two) {
      // Two processes on one Redis: each its own port and PUBLIC_ADDRESS (seats name the process that holds the room).
      redis = await claimRedis();
      liveRedis = { rr: redis, processIds: [] };
      const ports: number[] = [];
      while (ports.length < 2) {
        const port = await freePort();
        if (!ports.includes(port)) ports.push(port);
      }
      srvs.push(...(await Promise.all(ports.map((port, k) =>
        ServerChild.start({ ...ctx.env, CROWD_GATHER_PER_S: '0', REDIS_URL: redis!.url, JOBS_PREFIX: redis!.jobsPrefix, PORT: String(port), PUBLIC_ADDRESS: `127.0.0.1:${port}` }, { execArgv: execArgv(names[k]!) })))));
    } else {
      srvs.push(await ServerChild.start(ctx.env, { execArgv: execArgv('') }));
    }
    const endpoints = srvs.map((srv) => `http://127.0.0.1:${srv.port}`);
    if (liveRedis) liveRedis.processIds = srvs.map((srv) => srv.processId);
    const setPhase = (phase: string) => srvs.forEach((srv) => (srv.phase = phase));
    const share = (xs: RunSpec[]) => procs.map((_, j) => xs.filter((_, i) => i % procs.length === j));
    const joinReq = (bots: RunSpec[], concurrency: number, endpoint = endpoints[0]!): BotRequest => ({
      cmd: 'join', endpoint, variant, worldId: ctx.world.id, seed: ctx.world.seed, speed: P.speed, moveMs: P.moveMs,
      bots: bots.map(({ account, plan, observer, probe }) => ({ account, plan, observer, probe })), concurrency,
      ...(P.record ? { record: path.join(P.record, label) } : {}),
    });
    type Joined = { joined: number; failed: number; errors: string[] };

    // The first bot of each room creates it; the rest then join concurrently.
    const t0 = performance.now();
    setPhase('join');
    const firstOf = new Map<string, RunSpec>();
    for (const s of specs) if (!firstOf.has(variant === 'naive' ? '' : s.region)) firstOf.set(variant === 'naive' ? '' : s.region, s);
    const firsts = [...firstOf.values()];
    const rest = specs.filter((s) => !firsts.includes(s));
    const joins: Joined[] = [];
    let regionsAtStart: string[][] = [];
    if (two) {
      // One room at a time, each after the ones before are counted in `roomcount`: Colyseus creates a room on the
      // process with the fewest, so the four corner regions go two and two. Then where each landed, as hosted.
      for (const [k, first] of firsts.entries()) {
        joins.push(await procs[k % procs.length]!.call<Joined>(joinReq([first], 1, endpoints[k % endpoints.length])));
        if (!(await roomsCounted(redis!.url, srvs.map((srv) => srv.processId), k + 1))) process.stderr.write(`  room ${k + 1} not counted in roomcount after 10 s\n`);
      }
      regionsAtStart = (await Promise.all(srvs.map((srv) => srv.call<ServerStats>('stats', 'stats')))).map((st) => st.regions);
      process.stderr.write(`  regions by process: ${regionsAtStart.map((r, k) => `${names[k]} ${r.join(' ') || 'none'}`).join(', ')}\n`);
      // The rest play through either process, alternately (a seat names the process holding the room).
      const parts = share(rest).flatMap((part, j) => endpoints.map((endpoint, k) => ({ j, endpoint, bots: part.filter((_, i) => i % endpoints.length === k) })));
      const per = Math.max(1, Math.round(P.joinConcurrency / parts.length));
      joins.push(...(await Promise.all(parts.filter((x) => x.bots.length).map((x) => procs[x.j]!.call<Joined>(joinReq(x.bots, per, x.endpoint))))));
    } else {
      for (const [j, part] of share(firsts).entries()) if (part.length) joins.push(await procs[j]!.call(joinReq(part, 4)));
      joins.push(...(await Promise.all(share(rest).map((part, j) => procs[j]!.call<Joined>(joinReq(part, Math.max(1, Math.round(P.joinConcurrency / procs.length))))))));
    }
    const joinS = (performance.now() - t0) / 1000;
    const joined = joins.reduce((a, j) => a + j.joined, 0);
    const joinFailed = joins.reduce((a, j) => a + j.failed, 0);
    if (joinFailed) process.stderr.write(`  ${joinFailed} joins failed: ${joins.flatMap((j) => j.errors).slice(0, 3).join('; ')}\n`);

    await Promise.all(procs.map((p) => p.call({ cmd: 'start' })));
    setPhase('warm-up');
    await sleep(P.warmupS * 1000);
    setPhase('window');

    // ---- the window ----
    const load0 = os.loadavg()[0]!;
    const busy0 = await machineBusyS();
    const pg0 = await dbBackendsCpuS(ctx.dbName);
    const self0 = process.cpuUsage();
    await Promise.all([...srvs.map((srv) => srv.call('reset', 'reset-done')), ...procs.map((p) => p.call({ cmd: 'window' }))]);
    const w0 = performance.now();
    const judged: Judged[] = [];
    for (let k = 1; ; k++) {
      const due = w0 + k * P.sampleMs;
      if (due > w0 + P.durationS * 1000) break;
      await sleep(Math.max(0, due - performance.now()));
      const snaps = await Promise.all(procs.map((p) => p.call<{ positions: [string, number, number][] }>({ cmd: 'snap' })));
      const positions = snaps.flatMap((s) => s.positions);
      judged.push(...(await Promise.all(procs.map((p) => p.call<Judged>({ cmd: 'judge', positions, radius: VIEW_RADIUS_BLOCKS, bands: BANDS })))));
    }
    await sleep(Math.max(0, w0 + P.durationS * 1000 - performance.now()));
    const [collected, all] = await Promise.all([
      Promise.all(procs.map((p) => p.call<Collected>({ cmd: 'collect' }))),
      Promise.all(srvs.map((srv) => srv.call<ServerStats>('stats', 'stats'))),
    ]);
    const windowS = (performance.now() - w0) / 1000;
    const busy1 = await machineBusyS();
    const pgCpuS = dbCpuSince(pg0, await dbBackendsCpuS(ctx.dbName));
    const selfCpu = process.cpuUsage(self0);
    const botsCpuS = collected.reduce((a, c) => a + c.cpuUs, 0) / 1e6;
    const serversCpuS = all.reduce((a, st) => a + st.cpuUs, 0) / 1e6;
    const othersCpuPct = ((busy1 - busy0 - serversCpuS - botsCpuS - pgCpuS - (selfCpu.user + selfCpu.system) / 1e6) / windowS) * 100;

    // ---- figures ----
    const sumJ = (f: (j: Judged) => number) => judged.reduce((a, j) => a + f(j), 0);
    const shares = Float64Array.from(judged.flatMap((j) => j.shares)).sort();
    const observers = sumJ((j) => j.observers);
    const completeness: Completeness = {
      share: sumJ((j) => j.seen) / sumJ((j) => j.expected),
      samples: judged.length / procs.length,
      clientP10: quantile(shares, 0.1),
      clientP50: quantile(shares, 0.5),
      allSeenShare: shares.filter((s) => s >= 1).length / shares.length,
      expectedMean: sumJ((j) => j.expected) / observers,
      seenMean: sumJ((j) => j.seen) / observers,
      bands: BANDS.map((upTo, b) => {
        const e = sumJ((j) => j.bands[b]!.expected);
        return { upTo, expected: e, share: sumJ((j) => j.bands[b]!.seen) / e };
      }),
      off: BANDS.map((upTo, b) => {
        const bins = new Array<number>(ERROR_BINS).fill(0);
        for (const j of judged) j.errors[b]!.forEach((n, i) => (bins[i]! += n));
        return { upTo, p50: histQuantile(bins, 0.5), p99: histQuantile(bins, 0.99) };
      }),
    };
    const total = <K extends keyof Collected>(k: K) => collected.reduce((a, c) => a + (c[k] as number), 0);
    const merged = (k: 'framesByCode' | 'messagesByCode' | 'refusals' | 'closes' | 'fieldChanges') => {
      const out: Record<string, number> = {};
      for (const c of collected) for (const [key, v] of Object.entries(c[k])) out[key] = (out[key] ?? 0) + v;
      return out;
    };
    const sumS = (fn: (st: ServerStats) => number) => all.reduce((a, st) => a + fn(st), 0);
    const bots = specs.length;
    const probes = total('probes');
    const tickMs = q(all.flatMap((st) => st.tickMs)), patchMs = q(all.flatMap((st) => st.patchMs));
    const loopDelayP99Ms = Math.max(...all.map((st) => st.loopDelayP99Ms));
    const rooms = sumS((st) => st.rooms);
    const ticksPerRoomS = sumS((st) => st.ticks / (st.wallMs / 1000)) / Math.max(1, rooms);
    const result: RunResult = {
      scenario, variant, bots, label, joined, joinFailed, joinErrors: joins.flatMap((j) => j.errors).slice(0, 5), joinS,
      connected: total('connected'),
      serverClients: sumS((st) => st.ccu),
      rooms,
      windowS,
      completeness,
      bytesPerClientS: total('socketBytes') / windowS / bots,
      frameBytesPerClientS: total('frameBytes') / windowS / bots,
      framesPerClientS: Object.fromEntries(Object.entries(merged('framesByCode')).map(([k, v]) => [k, v / windowS / bots])),
      messagesPerClientS: Object.fromEntries(Object.entries(merged('messagesByCode')).map(([k, v]) => [k, v / windowS / bots])),
      moveToPatchMs: q(collected.flatMap((c) => c.latenciesMs)),
      moveToFrameMs: q(all.flatMap((st) => st.moveToFrameMs)),
      handoffMs: q(collected.flatMap((c) => c.handoffMs)),
      handoffs: total('handoffs'),
      handoffsPerS: total('handoffs') / windowS,
      handoffFailures: total('handoffFailures'),
      rejoins: total('rejoins'),
      closes: merged('closes'),
      movesPerBotS: total('moves') / windowS / bots,
      stuckPerBotS: total('stuck') / windowS / bots,
      refusals: merged('refusals'),
      requestFailures: total('requestFailures'),
      serverCpuPct: sumS((st) => (st.cpuUs / 1000 / st.wallMs) * 100),
      serverRssMb: sumS((st) => st.rssBytes) / 2 ** 20,
      serverHeapMb: sumS((st) => st.heapUsedBytes) / 2 ** 20,
      tickMs,
      tickCpuMs: q(all.flatMap((st) => st.tickCpuMs)),
      patchMs,
      idleGcPerS: sumS((st) => st.idleGcMs.length / (st.wallMs / 1000)),
      idleGcMs: q(all.flatMap((st) => st.idleGcMs)),
      ticksPerRoomS,
      loopDelayP99Ms,
      loopDelayMaxMs: Math.max(...all.map((st) => st.loopDelayMaxMs)),
      serverWaitPct: all.every((st) => st.mainWaitMs !== undefined) ? Math.max(...all.map((st) => (st.mainWaitMs! / st.wallMs) * 100)) : undefined,
      // …and its rooms tick at 20 Hz: a saturated process delays every room's timer (64 rooms at 15 ticks a second
      // kept their loop delay and tick p99 within 50 ms).
      holds20Hz: loopDelayP99Ms <= TICK_BUDGET_MS && tickMs.p99 + patchMs.p99 <= TICK_BUDGET_MS && ticksPerRoomS >= 0.95 * (1000 / TICK_BUDGET_MS),
      botsCpuPct: (botsCpuS / windowS) * 100,
      dbCpuPct: (pgCpuS / windowS) * 100,
      othersCpuPct,
      othersBeforePct: othersBefore,
      loadAvg: load0,
      probes,
      fieldChangesPerProbeS: Object.fromEntries(Object.entries(merged('fieldChanges')).map(([k, v]) => [k, probes ? v / windowS / probes : NaN])),
      serverWarnings: 0,
      serverWarningsByMessage: {},
    };
    if (two) {
      result.processes = all.map((st, k): ProcessFigures => ({
        name: names[k]!, address: `127.0.0.1:${srvs[k]!.port}`, processId: st.processId, regionsAtStart: regionsAtStart[k] ?? [], regionsAtEnd: st.regions,
        cpuPct: (st.cpuUs / 1000 / st.wallMs) * 100, rssMb: st.rssBytes / 2 ** 20, rooms: st.rooms, clients: st.ccu,
        tickP99Ms: q(st.tickMs).p99, patchP99Ms: q(st.patchMs).p99, loopDelayP99Ms: st.loopDelayP99Ms,
      }));
      result.split = regionsAtStart.every((r) => r.length === 2) ? 'two and two' : regionsAtStart.map((r) => r.length).join(' + ');
    }
    setPhase('bots leave');
    await Promise.all(procs.map((p) => p.call({ cmd: 'stop' })));
    setPhase('shutdown');
    await Promise.all(srvs.map((srv) => srv.stop()));
    if (redis) redisLeft = result.redis = await releaseRedis(redis, srvs.map((srv) => srv.processId));
    liveRedis = undefined;
    result.serverWarnings = srvs.reduce((a, srv) => a + srv.warnings, 0);
    result.serverWarningsByMessage = Object.fromEntries(srvs.flatMap((srv, k) => [...srv.warningsByKey].map(([key, v]) => [two ? `${names[k]} ${key}` : key, v])));
    if (ctx.profDir) {
      const summaries = await Promise.all(names.map((name, k) =>
        summarizeProfile(path.join(ctx.profDir!, `${label}${name}.cpuprofile`), ROOT, { fromUs: all[k]!.windowStartUs, toUs: all[k]!.nowUs }, P.profTop).catch((err: unknown) => {
          process.stderr.write(`  no profile for ${label}${name}: ${(err as Error).message}\n`);
          return undefined;
        })));
      [result.profile, result.profileB] = summaries;
    }
    const c = result.completeness;
    const perProc = result.processes ? ` (${result.processes.map((x) => `${x.name} ${f(x.cpuPct, 0)} %`).join(' + ')})` : '';
    process.stderr.write(
      `  sees ${pct(c.share)} (shown off p99 ${offs(result)} blocks within 8 / 16 / 32), ${f(result.bytesPerClientS)} B/client/s, move→patch ${pair(result.moveToPatchMs, 0)} ms (at the server ${pair(result.moveToFrameMs, 0)}), server CPU ${f(result.serverCpuPct, 0)} %${perProc}${result.serverWaitPct !== undefined ? ` (waited for a CPU ${f(result.serverWaitPct, 0)} % of the time)` : ''}, tick p50 / p99 ${pair(tickMs, 1)} ms (CPU time ${pair(result.tickCpuMs, 1)}), ${f(result.handoffsPerS, 1)} handoffs/s (${result.handoffFailures} failed), bots CPU ${f(result.botsCpuPct, 0)} %, others ${f(othersCpuPct, 0)} %${result.redis ? `; Redis db ${result.redis.db}: ${result.redis.keysLeft} keys left after shutdown, removed` : ''}\n`,
    );
    return result;
  } finally {
    await Promise.all(procs.map((p) => p.call({ cmd: 'stop' }).catch(() => undefined)));
    await Promise.all(srvs.map((srv) => srv.stop()));
    if (redis && !redisLeft) await releaseRedis(redis, srvs.map((srv) => srv.processId)).catch((err: unknown) => void process.stderr.write(`  Redis cleanup failed: ${(err as Error).message}\n`));
    liveRedis = undefined;
  }
}

// ---- report ----

const f = (v: number, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a');
const pct = (v: number, d = 1) => (Number.isFinite(v) ? `${(v * 100).toFixed(d)} %` : 'n/a');
const pair = (x: Quant, d = 1) => `${f(x.p50, d)} / ${f(x.p99, d)}`;
const ratio = (a: number, b: number) => (Number.isFinite(a / b) && b !== 0 ? `×${(a / b).toFixed(2)}` : '');
const codes = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
const mdTable = (head: string[], body: string[][]) => [head, head.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
function textTable(head: string[], body: string[][]): string {
  const all = [head, ...body];
  const w = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ').trimEnd()).join('\n');
}
const TITLES: Record<Scenario, string> = { crowd: 'crowd at the four-region corner', gather: 'crowd gathering at the corner from all four regions', spawn: 'crowd at the world spawn (a region centre)', decoding: 'the spawn crowd, every bot decoding', spread: 'spread over 64 regions', border: 'border walkers', corner2: 'crowd at the corner, regions on two processes' };
const neighbourBytes = (r: RunResult) => r.bytesPerClientS / r.completeness.seenMean;
/** How far off the players seen were shown, p99 per distance band (blocks). */
const offs = (r: RunResult) => r.completeness.off?.map((o) => f(o.p99, 1)).join(' / ') ?? 'n/a';

/** leyline | naive, and how: on two processes (A + B CPU), or another scenario's run reused. */
const variantName = (r: RunResult) =>
  r.processes ? `${r.variant}, ${r.processes.length} processes (${r.processes.map((x) => `${x.name} ${f(x.cpuPct, 0)} %`).join(' + ')})` : r.reusedFrom ? `${r.variant} (run ${r.reusedFrom})` : r.variant;
const regionList = (rs: string[]) => rs.map((x) => `(${x})`).join(' ') || 'none';

/** A run during which other work used more than --quiet % of a core: its figures are suspect. */
const disturbed = (r: RunResult) => r.othersCpuPct > P.quietPct;
function summaryRows(rs: RunResult[]): string[][] {
  return rs.map((r) => [
    `${TITLES[r.scenario]}`, String(r.bots), `${variantName(r)}${disturbed(r) ? ` ⚠ others ${f(r.othersCpuPct, 0)} %` : ''}`,
    pct(r.completeness.share), f(r.bytesPerClientS), `${pair(r.moveToPatchMs, 0)} ms`, `${f(r.serverCpuPct, 0)} %`,
    `${pair(r.tickMs, 2)} ms (CPU ${pair(r.tickCpuMs, 2)})`, f(r.handoffsPerS, 1),
  ]);
}
const SUMMARY_HEAD = ['scenario', 'bots', '', 'sees (of players within 32 blocks)', 'bytes/client/s', 'move→patch p50 / p99', 'server CPU', 'tick p50 / p99 (its CPU time p50 / p99)', 'handoffs/s'];

function ratioRows(pairs: [RunResult, RunResult][]): string[][] {
  return pairs.map(([l, n]) => [
    TITLES[l.scenario], String(l.bots),
    `${pct(l.completeness.share)} vs ${pct(n.completeness.share)}`,
    `${offs(l)} vs ${offs(n)}`,
    ratio(l.bytesPerClientS, n.bytesPerClientS),
    ratio(neighbourBytes(l), neighbourBytes(n)),
    ratio(bytesPerMove(l), bytesPerMove(n)),
    ratio(l.serverCpuPct, n.serverCpuPct),
    ratio(cpuPerMove(l), cpuPerMove(n)),
    `${ratio(l.moveToPatchMs.p50, n.moveToPatchMs.p50)} / ${ratio(l.moveToPatchMs.p99, n.moveToPatchMs.p99)}`,
    ratio(l.tickMs.p99 + l.patchMs.p99, n.tickMs.p99 + n.patchMs.p99),
    ratio(l.serverRssMb, n.serverRssMb),
  ]);
}
/**
 * Server CPU per move its bots made: where the bots saturate the box (every bot decoding) they walk at different
 * rates for the two peers, and a server's CPU follows the moves it gets.
 */
const cpuPerMove = (r: RunResult) => r.serverCpuPct / Math.max(1e-9, r.movesPerBotS * r.bots);
/** The same for bytes: a client's bytes per second follow how often the others move (moves per bot per second). */
const bytesPerMove = (r: RunResult) => r.bytesPerClientS / Math.max(1e-9, r.movesPerBotS);
const RATIO_HEAD = ['scenario', 'bots', 'sees: Leyline vs naive', 'shown off p99 within 8 / 16 / 32 blocks: Leyline vs naive', 'bytes/client/s', 'bytes per neighbour shown', 'bytes per move', 'server CPU', 'CPU per move', 'move→patch p50 / p99', 'tick + patch p99', 'RSS'];

function detailRows(l: RunResult | undefined, n: RunResult | undefined): string[][] {
  const rs = [l, n];
  const cell = (fn: (r: RunResult) => string) => rs.map((r) => (r ? fn(r) : ''));
  const rat = (fn: (r: RunResult) => number) => (l && n ? ratio(fn(l), fn(n)) : '');
  return [
    ['clients joined / connected at the end (server count)', ...cell((r) => `${r.joined}/${r.bots} / ${r.connected} (${r.serverClients})`), ''],
    ['rooms in the server process', ...cell((r) => (r.processes ? `${r.rooms}: ${r.processes.map((x) => `${x.name} ${x.rooms}`).join(', ')}` : String(r.rooms))), ''],
    ...(rs.some((r) => r?.processes)
      ? [
          ['regions by process at the start → at the end', ...cell((r) => r.processes?.map((x) => `${x.name}: ${regionList(x.regionsAtStart)} → ${regionList(x.regionsAtEnd)}`).join('; ') ?? ''), ''],
          ['CPU by process, % of one core', ...cell((r) => r.processes?.map((x) => `${x.name} ${f(x.cpuPct, 1)}`).join(' + ') ?? ''), ''],
          ['Redis database of the run: keys left after the graceful shutdowns (removed)', ...cell((r) => (r.redis ? `db ${r.redis.db}: ${r.redis.keysLeft}${r.redis.keysLeft ? ` (${codes(r.redis.byKind)})` : ''}; own roomcount entries left ${r.redis.roomcountOurs}` : '')), ''],
        ]
      : []),
    ['join time for all bots, s', ...cell((r) => f(r.joinS, 1)), ''],
    ['sees: share of the players within 32 blocks in the state', ...cell((r) => pct(r.completeness.share)), ''],
    ['  within 8 / 16 / 32 blocks', ...cell((r) => r.completeness.bands.map((b) => pct(b.share, 0)).join(' / ')), ''],
    ['  per client and sample: p10 / p50 share, all seen', ...cell((r) => `${pct(r.completeness.clientP10, 0)} / ${pct(r.completeness.clientP50, 0)}, ${pct(r.completeness.allSeenShare, 0)}`), ''],
    ['  players within 32 blocks / of them shown, mean per client', ...cell((r) => `${f(r.completeness.expectedMean, 1)} / ${f(r.completeness.seenMean, 1)}`), ''],
    ['  shown off their accepted position, p50 / p99 within 8, 16, 32 blocks (blocks)', ...cell((r) => r.completeness.off?.map((o) => `${f(o.p50, 1)} / ${f(o.p99, 1)}`).join(', ') ?? 'n/a'), ''],
    ['bytes / client / s (read on the sockets)', ...cell((r) => f(r.bytesPerClientS)), rat((r) => r.bytesPerClientS)],
    ['  of which frames (WebSocket payload + header)', ...cell((r) => f(r.frameBytesPerClientS)), ''],
    ['bytes / s per neighbour shown', ...cell((r) => f(neighbourBytes(r))), rat(neighbourBytes)],
    ['bytes / client / s per move / bot / s (at equal walking rates)', ...cell((r) => f(bytesPerMove(r))), rat(bytesPerMove)],
    ['move → own position in a patch p50 / p99, ms', ...cell((r) => pair(r.moveToPatchMs, 1)), l && n ? `${ratio(l.moveToPatchMs.p50, n.moveToPatchMs.p50)} / ${ratio(l.moveToPatchMs.p99, n.moveToPatchMs.p99)}` : ''],
    ['  at the server: move in → its client\'s next frames written, p50 / p99, ms', ...cell((r) => pair(r.moveToFrameMs, 1)), l && n ? `${ratio(l.moveToFrameMs.p50, n.moveToFrameMs.p50)} / ${ratio(l.moveToFrameMs.p99, n.moveToFrameMs.p99)}` : ''],
    ['server CPU, % of one core (all server processes)', ...cell((r) => f(r.serverCpuPct, 1)), rat((r) => r.serverCpuPct)],
    ['PostgreSQL CPU for the bench database, % of one core', ...cell((r) => f(r.dbCpuPct, 1)), rat((r) => r.dbCpuPct)],
    ['server RSS / heap used, MB', ...cell((r) => `${f(r.serverRssMb)} / ${f(r.serverHeapMb)}`), rat((r) => r.serverRssMb)],
    ['tick p50 / p99, ms', ...cell((r) => pair(r.tickMs, 2)), l && n ? ratio(l.tickMs.p99, n.tickMs.p99) : ''],
    ['  the same ticks\' CPU time p50 / p99 (the rest: waiting for a CPU), ms', ...cell((r) => pair(r.tickCpuMs, 2)), l && n ? ratio(l.tickCpuMs.p99, n.tickCpuMs.p99) : ''],
    ['patch encode+send p50 / p99, ms', ...cell((r) => pair(r.patchMs, 2)), l && n ? ratio(l.patchMs.p99, n.patchMs.p99) : ''],
    ['server main thread ready but waiting for a CPU, % of the window (worst process)', ...cell((r) => (r.serverWaitPct === undefined ? '–' : f(r.serverWaitPct, 1))), ''],
    ['ticks per room per s; event-loop delay p99 (max), ms', ...cell((r) => `${f(r.ticksPerRoomS, 1)}; ${f(r.loopDelayP99Ms, 1)} (${f(r.loopDelayMaxMs, 0)})`), ''],
    ['young-generation collections in ticks\' idle time per s; their p50 / p99, ms', ...cell((r) => (r.idleGcPerS > 0 ? `${f(r.idleGcPerS, 2)}; ${pair(r.idleGcMs, 2)}` : 'none')), ''],
    ['holds 20 Hz', ...cell((r) => (r.holds20Hz ? 'yes' : '**no**')), ''],
    ['handoffs / s; handoff → own character in the new room p50 / p99, ms', ...cell((r) => `${f(r.handoffsPerS, 1)}; ${r.handoffMs.n ? pair(r.handoffMs, 0) : '–'}`), ''],
    ['whole run: failed handoffs; closes by the server, by code; rejoins through /api/play', ...cell((r) => `${r.handoffFailures}; ${codes(r.closes)}; ${r.rejoins}`), ''],
    ['moves sent / bot / s; boxed in / bot / s', ...cell((r) => `${f(r.movesPerBotS, 2)}; ${f(r.stuckPerBotS, 2)}`), ''],
    ['refusals by code; request failures', ...cell((r) => `${codes(r.refusals)}; ${r.requestFailures}`), ''],
    ['bot processes CPU, % of one core; others on the machine', ...cell((r) => `${f(r.botsCpuPct, 0)}; ${f(r.othersCpuPct, 0)}`), ''],
    ['server log lines at warn or above, whole run', ...cell((r) => String(r.serverWarnings)), ''],
  ];
}

function profileSection(r: RunResult): string[] {
  if (r.reusedFrom) return [];
  return [[r.profile, r.processes ? ' process A' : ''] as const, [r.profileB, ' process B'] as const].flatMap(([p, who]) => (p ? profileTable(`${r.label}${who}`, p) : []));
}

function profileTable(label: string, p: ProfileSummary): string[] {
  return [
    `#### ${label}: ${f(p.totalMs / 1000, 1)} s sampled in the window${p.wholeProfile ? ' (window not found in the profile: whole run)' : ''}, ${pct(p.idleMs / p.totalMs, 0)} idle`,
    '',
    mdTable(['self time (function, script:line)', 'ms', '% of busy'], p.top.map((e) => [`\`${e.name}\` ${e.where}`, f(e.ms), f(e.busyPct, 1)])),
    '',
    'By package: ' + p.packages.slice(0, 12).map((x) => `${x.name} ${f(x.busyPct, 1)} %`).join(', ') + '.',
    '',
  ];
}

// ---- main ----

/**
 * The crowd sizes a scenario runs at. The crowd is also the capacity curve: its --crowd sizes always run, the
 * --capacity sizes in between and beyond only while the variant held 20 Hz at its last size.
 */
function sizesOf(scenario: Scenario): number[] {
  if (scenario === 'crowd') return [...new Set([...P.crowd, ...P.capacity])].sort((a, b) => a - b);
  const sizes: Record<Exclude<Scenario, 'crowd'>, number[]> = { gather: P.gather, spawn: P.spawn, decoding: P.decoding, spread: P.spread, border: P.border, corner2: P.corner2 };
  return sizes[scenario];
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const maxBots = Math.max(2, ...SCENARIOS.flatMap(sizesOf));
  // Bounded whatever happens (a hung join, a wedged child): generous next to the planned time.
  const planned = VARIANTS.length * SCENARIOS.reduce((sum, s) => sum + sizesOf(s).length, 0);
  const { database, dataDir, db, onCleanup, cleanup } = await benchRun(300 + planned * (P.warmupS + P.durationS + 180));
  const dbName = database.name;
  const profDir = P.cpuProf ? await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-prof-')) : undefined;
  if (profDir && process.env.BENCH_KEEP_PROF) console.log(`profiles kept in ${profDir}`);
  else if (profDir) onCleanup(() => fs.rm(profDir, { recursive: true, force: true }));
  onCleanup(async () => liveRedis && (await releaseRedis(liveRedis.rr, liveRedis.processIds))); // a run cut short (SIGINT, the deadline)
  const env: Record<string, string> = {
    ...serverEnv({ databaseUrl: database.url, dataDir }),
    ...(maxBots > 1000 ? { REGION_SEATS: String(maxBots + 100) } : {}),
    ...(P.viewRadius !== undefined ? { VIEW_RADIUS_CHUNKS: String(P.viewRadius) } : {}),
  };
  const procs: BotProc[] = [];

  const loadStart = os.loadavg();
  try {
    procs.push(...(await Promise.all(Array.from({ length: P.botProcs }, () => BotProc.start()))));
    // Accounts and characters, once, through the real API (the first child also migrates the database).
    const first = await ServerChild.start(env);
    const endpoint = `http://127.0.0.1:${first.port}`;
    const world = ((await (await fetch(`${endpoint}/api/worlds`)).json()) as { id: string; seed: number }[])[0]!;
    process.stderr.write(`registering ${maxBots} bots …\n`);
    const tags = Array.from({ length: maxBots }, () => randomBytes(5).toString('hex'));
    const parts = procs.map((_, j) => tags.filter((_, i) => i % procs.length === j));
    const accounts = (await Promise.all(parts.map((p, j) => procs[j]!.call<{ accounts: Account[] }>({ cmd: 'register', endpoint, tags: p, concurrency: 8 })))).flatMap((r) => r.accounts);
    await first.stop();
    await db.connect();
    const ctx: Ctx = { env, procs, db, dbName, world, profDir };

    const results: RunResult[] = [];
    for (const scenario of SCENARIOS) {
      const steps = sizesOf(scenario);
      const always = scenario === 'crowd' ? P.crowd : steps; // the capacity sizes run only while 20 Hz held
      for (const n of steps) {
        const specs = layout(scenario, accounts.slice(0, n), world.seed);
        for (const v of VARIANTS) {
          // corner2's naive peer (one room, one process): the crowd's run of the same size in this bench, if any.
          const crowdNaive = scenario === 'corner2' && v === 'naive' ? results.find((r) => r.scenario === 'crowd' && r.bots === n && r.variant === 'naive') : undefined;
          if (crowdNaive) {
            results.push({ ...crowdNaive, scenario, label: `${scenario}-${n}-naive`, reusedFrom: crowdNaive.label });
            continue;
          }
          const last = results.filter((r) => r.scenario === scenario && r.variant === v).at(-1);
          if (!always.includes(n) && last && !last.holds20Hz) continue;
          results.push(await run(scenario, v, specs, ctx));
        }
      }
    }
    await report(results, { loadStart, t0, world });
  } finally {
    await cleanup();
  }
}

async function report(results: RunResult[], o: { loadStart: number[]; t0: number; world: { id: string; seed: number } }): Promise<void> {
  const machine = {
    nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? '?', memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version,
    date: new Date().toISOString(), loadStart: o.loadStart[0]!, loadEnd: os.loadavg()[0]!,
  };
  const find = (s: Scenario, n: number, v: VariantName) => results.find((r) => r.scenario === s && r.bots === n && r.variant === v);
  const keys = [...new Set(results.map((r) => `${r.scenario}:${r.bots}`))].map((k) => {
    const [s, n] = k.split(':');
    return { scenario: s as Scenario, bots: Number(n) };
  });
  const pairs = keys.map((k) => [find(k.scenario, k.bots, 'leyline'), find(k.scenario, k.bots, 'naive')] as const).filter((p): p is readonly [RunResult, RunResult] => !!p[0] && !!p[1]);
  const othersMax = Math.max(...results.map((r) => r.othersCpuPct).filter(Number.isFinite));
  const setup = `bots walk at ${P.speed} blocks/s with a move every ${P.moveMs} ms (legal steps on the generated terrain), ${P.botProcs} bot processes${P.botPriority ? `${P.botPriority === 'idle' ? ' under SCHED_IDLE' : ` at nice ${P.botPriority}`} (below the server, as if on other machines)` : ''}; ${P.warmupS} s warm-up + ${P.durationS} s measured per run; completeness sampled every ${P.sampleMs} ms; crowd roams ${P.roam} blocks around the spawn, border walkers turn ${P.borderReach} blocks past the border; view radius ${P.viewRadius ?? 'the server default'}; server child runs with the Node flags of \`npm start\` (${(await serverNodeFlags()).join(' ') || 'none'})${P.cpuProf ? '; **server under --cpu-prof** (sampling slows it a little)' : ''}`;

  // ---- plots ----
  const plots: { file: string; alt: string; svg: string }[] = [];
  const groups = pairs.map(([l]) => `${l.scenario} ${l.bots}`);
  const series = ['Leyline', 'naive peer'];
  const bars = (file: string, title: string, yLabel: string, fn: (r: RunResult) => number, yMax?: number) =>
    plots.push({ file, alt: title, svg: barChart({ title, yLabel, groups, series, values: pairs.map(([l, n]) => [fn(l), fn(n)]), yMax }) });
  if (pairs.length) {
    bars('bench-completeness.svg', 'View completeness: share of the players within 32 blocks in the client state', '%', (r) => r.completeness.share * 100, 100);
    bars('bench-bytes.svg', 'Bytes per client per second (read on the sockets)', 'B/client/s', (r) => r.bytesPerClientS);
    bars('bench-cpu.svg', 'Server CPU, % of one core', '% of a core', (r) => r.serverCpuPct);
    bars('bench-latency.svg', 'Move → own position in a patch, p99', 'ms', (r) => r.moveToPatchMs.p99);
  }
  const crowd = (v: VariantName) => results.filter((r) => r.scenario === 'crowd' && r.variant === v).sort((a, b) => a.bots - b.bots);
  if (results.some((r) => r.scenario === 'crowd')) {
    const curve = (fn: (r: RunResult) => number) => VARIANTS.map((v) => ({ name: v === 'leyline' ? 'Leyline' : 'naive peer', points: crowd(v).map((r) => [r.bots, fn(r)] as [number, number]) }));
    plots.push({ file: 'bench-capacity-tick.svg', alt: 'Capacity: clients vs tick + patch p99', svg: lineChart({ title: 'Capacity (crowd): clients vs tick + patch p99', xLabel: 'clients', yLabel: 'ms', series: curve((r) => r.tickMs.p99 + r.patchMs.p99), limit: { y: TICK_BUDGET_MS, label: '50 ms: one tick at 20 Hz' } }) });
    plots.push({ file: 'bench-capacity-cpu.svg', alt: 'Capacity: clients vs server CPU', svg: lineChart({ title: 'Capacity (crowd): clients vs server CPU', xLabel: 'clients', yLabel: '% of one core', series: curve((r) => r.serverCpuPct), limit: { y: 100, label: 'one core' } }) });
  }
  // This run's plots replace every earlier bench-*.svg (a plot this run does not make would be stale).
  for (const old of (await fs.readdir(path.join(ROOT, 'loadtest'))).filter((n) => /^bench-[a-z-]+\.svg$/.test(n))) await fs.rm(path.join(ROOT, 'loadtest', old));
  for (const p of plots) await fs.writeFile(path.join(ROOT, 'loadtest', p.file), p.svg + '\n');

  // ---- tables ----
  const md: string[] = [
    '# Seamless-world benchmark (issue 9): Leyline vs the naive peer',
    '',
    `Generated by \`npm run bench\` (loadtest/bench.ts) on ${machine.date}: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memGb} GB, Node ${machine.node}; load average ${machine.loadStart.toFixed(2)} at the start, ${machine.loadEnd.toFixed(2)} at the end; other processes used at most ${f(othersMax, 0)} % of a core during a window. Server, bots and bench share the machine. Overwritten by every run.`,
    '',
    `Setup: ${setup}. Every run boots its own server child on one throw-away database; Leyline and the naive peer run back to back with the same bots, accounts and start positions. Before each run the bench waits (at most ${P.quietWaitS} s) for other processes to use less than ${P.quietPct} % of a core; ⚠ marks a run during which they used more.`,
    '',
    ...plots.map((p) => `![${p.alt}](${p.file})`),
    '',
    '## Summary',
    '',
    mdTable(SUMMARY_HEAD, summaryRows(pairs.flatMap(([l, n]) => [l, n]))),
    '',
    '## Leyline ÷ naive peer, same run',
    '',
    mdTable(RATIO_HEAD, ratioRows(pairs.map(([l, n]) => [l, n]))),
    '',
  ];
  console.log(`\n${setup}\n\n${textTable(SUMMARY_HEAD, summaryRows(pairs.flatMap(([l, n]) => [l, n])))}\n\n${textTable(RATIO_HEAD, ratioRows(pairs.map(([l, n]) => [l, n])))}`);
  if (results.some((r) => r.scenario === 'crowd')) {
    const sizes = [...new Set(results.filter((r) => r.scenario === 'crowd').map((r) => r.bots))].sort((a, b) => a - b);
    const cap = (r: RunResult | undefined) => (r ? [`${f(r.tickMs.p99, 2)} + ${f(r.patchMs.p99, 2)}`, f(r.serverCpuPct, 0), `${f(r.loopDelayP99Ms, 1)}`, r.holds20Hz ? 'yes' : '**no**'] : ['not run', '', '', '']);
    const head = ['clients', 'Leyline tick + patch p99, ms', 'CPU %', 'loop delay p99, ms', 'holds 20 Hz', 'naive tick + patch p99, ms', 'CPU %', 'loop delay p99, ms', 'holds 20 Hz'];
    const rows = sizes.map((n) => [String(n), ...cap(find('crowd', n, 'leyline')), ...cap(find('crowd', n, 'naive'))]);
    md.push('## Capacity (crowd at the corner)', '', `A variant holds 20 Hz when its event-loop delay p99 and its tick p99 + patch p99 both stay within ${TICK_BUDGET_MS} ms and its rooms tick at least 19 times a second; the curve steps up while it holds (bots share the machine: their CPU is in the details).`, '', mdTable(head, rows), '');
    console.log(`\n${textTable(head, rows)}`);
  }
  const two = results.filter((r) => r.processes);
  if (two.length) {
    const head = ['run', 'process', 'regions at the start', 'at the end', 'CPU, % of a core', 'RSS, MB', 'clients', 'rooms', 'tick + patch p99, ms', 'loop delay p99, ms'];
    const rows = two.flatMap((r) => r.processes!.map((x) => [r.label, `${x.name} ${x.address}`, regionList(x.regionsAtStart), regionList(x.regionsAtEnd), f(x.cpuPct, 1), f(x.rssMb), String(x.clients), String(x.rooms), `${f(x.tickP99Ms, 2)} + ${f(x.patchP99Ms, 2)}`, f(x.loopDelayP99Ms, 1)]));
    const verdict = two.map((r) => `${r.label}: ${pct(r.completeness.share)} (within 8 / 16 / 32 blocks ${r.completeness.bands.map((b) => pct(b.share, 1)).join(' / ')}), corner split ${r.split}: target ≥ 99 % ${r.completeness.share >= 0.99 ? 'met' : '**not met**'}`);
    md.push(
      '## Two processes on one Redis (corner2)',
      '',
      `The crowd at the corner with Leyline on two server processes sharing one Redis (presence and driver) and the database; the bench makes the four corner regions' rooms one by one, each after the last is counted in Colyseus' \`roomcount\`, so they land two on each process (rooms of a region that empties and refills are placed again by Colyseus: "at the end"). Bots play through the two processes alternately; the naive peer is one room on one process${two.some((r) => find('corner2', r.bots, 'naive')?.reusedFrom) ? ' (its figures: the crowd run of the same size)' : ''}. Issue 9's target: ≥ 99 % of the players within 32 blocks seen at the corner across processes.`,
      '',
      mdTable(head, rows),
      '',
      ...verdict.map((v) => `- ${v}`),
      '',
    );
    console.log(`
${textTable(head, rows)}
${verdict.join('\n')}`);
  }
  md.push('## Details per scenario', '');
  for (const k of keys) {
    const l = find(k.scenario, k.bots, 'leyline'), n = find(k.scenario, k.bots, 'naive');
    md.push(`### ${TITLES[k.scenario]}, ${k.bots} bots`, '', mdTable(['', 'Leyline', 'naive peer', 'Leyline ÷ naive'], detailRows(l, n)), '');
    const warn = [l, n].filter((r): r is RunResult => !!r && r.serverWarnings > 0);
    for (const r of warn) md.push(`Server log lines at warn or above (${r.label}, whole run, by phase and message):`, '', ...Object.entries(r.serverWarningsByMessage).sort((a, b) => b[1] - a[1]).map(([k, v]) => `- ${v} × \`${k.replace(/`/g, "'")}\``), '');
  }
  // Where the bytes go.
  const byteRows = results.filter((r) => !r.reusedFrom).map((r) => [
    r.label,
    f(r.bytesPerClientS),
    Object.entries(r.framesPerClientS).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f(v)}`).join(', '),
    // A patch goes out when something changed: the naive peer's stop when its bots stop sending (they stall when the machine is saturated).
    r.messagesPerClientS ? Object.entries(r.messagesPerClientS).filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f(v, 1)}`).join(', ') : '',
  ]);
  const fieldRows = results.filter((r) => r.probes > 0 && !r.reusedFrom).map((r) => [r.label, Object.entries(r.fieldChangesPerProbeS).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k} ${f(v, 0)}`).join(', ')]);
  md.push(
    '## Where the bytes go',
    '',
    'Frames received per client per second by Colyseus protocol code (payload + WebSocket header):',
    '',
    mdTable(['run', 'socket B/client/s', 'frames by code, B/client/s', 'messages by code, per client per s'], byteRows),
    '',
    `Decoded state changes per client per second by field (${P.probes} probe bots per run; \`entry add/delete\` = a player entering or leaving the client's map):`,
    '',
    mdTable(['run', 'changes/s by field'], fieldRows),
    '',
  );
  if (results.some((r) => r.profile)) {
    md.push('## CPU profile of the server (--cpu-prof)', '', 'Self time by function over the measuring window (samples of the server child\'s `--cpu-prof`, aggregated by function name + script + line); "% of busy" leaves the idle samples out.', '');
    for (const r of results) md.push(...profileSection(r));
  }
  md.push(
    '## How it is measured',
    '',
    '- **Bots** (loadtest/walker.ts, in `--bot-procs` processes of their own, loadtest/bot-proc.ts) know docs/protocol.md and the shared world generator (src/world), nothing of the server: they register, create a character, take a seat with `POST /api/play` (the naive peer: the bench-only `POST /bench/play`), consume it with @colyseus/sdk, and on `handoff {reservation}` consume the new seat and then leave the old room (`handoff {error}` or an unexpected close: `POST /api/play` again). Each move is a legal step by the protocol\'s movement rule (body box swept clear of solid blocks, feet at most 1.3 above the support, a hop straight up before a step up, a step and then a drop for a step down) from the position the server has: predicted from the bot\'s accepted moves, reset from `correction` and from its own character in the state. A bot with no legal step that move turns and counts as "boxed in".',
    `- **Observers**: ${P.observers} bots per run (every k-th, or all of them in smaller runs) decode every patch; the others decode until they know their own position, then count their patch frames without decoding them (the server sends them the same bytes) and follow their position from the move replies (an accepted move puts the bot where it asked) and corrections. Decoding every player's changes in every one of 500 bots takes more CPU than this machine has beside the server (≈ 0.5 µs a change, 3–4 M changes/s for the naive peer at 500). The \`decoding\` scenario is the spawn crowd with every bot decoding, as SDK clients do: there the bots saturate this machine and walk fewer than 10 moves/s, so its move→patch is mostly the bots' own queueing.`,
    '- **View completeness**: every `--sample-ms`, every bot records at once its authoritative position (the server\'s, as it last heard it: its own character in a decoded patch, a move\'s reply or a correction), and every observer the set of character ids in its current room\'s state. The bench gathers all positions; for every observer it counts the other bots within 32 blocks (horizontal distance) and how many of them are in its set. The share is Σ seen ÷ Σ within 32 over all observers and samples; bands split it by distance. An observer in the middle of a handoff judges from the room it is leaving (what its client shows), and a bot in a handoff counts as a target at its last known position.',
    '- **Bytes**: bytes read on each bot\'s TCP sockets (`ws` under the SDK: `socket.bytesRead`), all its room connections (a handoff opens one more, and its upgrade counts), over the window, divided by bots × seconds. The frame meter (every WebSocket message the SDK receives, by protocol code, + header) is shown beside it as a check and for the breakdown.',
    '- **Server CPU** (% of one core) from the server child\'s `process.cpuUsage()` over the window, read over IPC; RSS and heap at the end. **Tick** and **patch**: the rooms\' seams (rooms/ports.ts hooks); the naive peer\'s tick is its 20 Hz simulation interval (gravity), its patches go on Colyseus\' own 50 ms timer. Ticks per room per second use the room count at the end of the window. Event-loop delay: `monitorEventLoopDelay` in the server child. Leyline\'s rooms start young-generation collections in the idle part of a tick (rooms/idle-gc.ts, `--expose-gc` as `npm start` runs the server): their count and duration are shown; they are in the server CPU, not in the tick or the patch.',
    `- **Priorities**: server, bots, PostgreSQL and the bench share two cores. Every thread of the bot processes runs ${P.botPriority === 'idle' ? 'under the SCHED_IDLE policy' : `at nice ${P.botPriority}`} (\`--bot-priority\`, \`idle\` unless given), for Leyline and the naive peer alike: the load generator yields to the server under test, as it would on machines of its own, so a tick's time is less the time it waited for a core the bots held (still shown: "waiting for a CPU"). Under SCHED_IDLE a server thread that wakes takes a core from a bot at once; a niced bot keeps it until the scheduler's next tick, ~4 ms (docs/stack.md "Bench priorities"). The bots get the CPU the rest leave (their CPU is in each run's details), so a server that works more leaves its bots less: that is in their move → patch.`,
    '- **Move → patch** (observers): from sending a `move` to the first decoded patch in which the bot\'s own position equals the target (within 0.04 blocks); a move overtaken in the same patch by a later one is not counted. **At the server** (every bot\'s moves): from the `move` reaching the room\'s handler to the write of that client\'s next tick frames (Leyline: its socket let go after the tick, rooms/frames.ts; the naive peer: the middle of its patch broadcast, every client\'s frame being written within it). The rest of move → patch is the network and the bots (their event loop, decoding).',
    '- **Handoffs/s**: handoffs completed by the bots during the window (seat consumed) ÷ seconds; the handoff time (observers) runs from the `handoff` message to the own character in the new room\'s state. Failed handoffs, closes and rejoins count over the whole run, warm-up included.',
    '- **PostgreSQL CPU**: the database backends serving the bench\'s database (process titles in /proc), over the window: the server\'s reads and saves (handoffs save and load a character).',
    '- **Others**: CPU the machine spent outside the server child, the bot processes, the bench process and those database backends during the window (/proc/stat), to show when other work disturbed a run.',
    '- **corner2** (two processes): the first four bots are anchors, one in each corner region, wandering within 2 blocks of their start (the spawn mirrored across the borders) so that no corner room empties and is placed again; the others are the crowd. Both server children get REDIS_URL (a Redis database of the run\'s own: an empty one of 1..15 claimed with a marker key, unless `--redis` names one), a fresh JOBS_PREFIX, their own port and PUBLIC_ADDRESS, the same database. The four corner rooms are made one at a time (the first bot of each region, through alternate processes), each after the bench saw the one before counted in Colyseus\' `roomcount` hash: Colyseus creates a room on the process with the fewest rooms, so they go two and two; the regions each process hosts are read from the room listings (its own processId) before the rest join and at the end of the window. The rest play through the two processes alternately. Server CPU, RSS and rooms are summed over the processes, ticks and patches pooled, event-loop delay the worse of the two. After the children shut down gracefully (which removes their `roomcount` entries and listings) the keys left in the run\'s Redis database are counted by kind and removed.',
    '- **corner2** runs Leyline with crowd gathering off (`CROWD_GATHER_PER_S=0`): on, it would hand the anchors to the crowd\'s room, and this scenario measures sight across processes.',
    '- **gather**: each bot starts at a random point within `--roam` blocks of the corner point (0, 0), so `/api/play` seats it in the room of the region it stands in (about a quarter in each); all wander within `--roam` of the corner. Leyline\'s rooms then hand characters to the room that holds more of the crowd around them (src/game/region/crowd.ts, at most `CROWD_GATHER_PER_S` a room a second), so the handoffs of the warm-up and the window are that gathering; "rooms" at the end says where the crowd ended.',
    '- NPCs roam Leyline\'s regions and sometimes kill a bot (its moves are refused while dead; it respawns at the region\'s centre and walks back); the naive peer has no NPCs, no mana, no persistence but a save on leave: it is the plain room a studio would start from.',
    '',
  );
  await fs.writeFile(path.join(ROOT, 'loadtest/results.md'), md.join('\n'));
  const cut = (p: ProfileSummary | undefined) => p && { ...p, top: p.top.slice(0, 10), packages: p.packages.slice(0, 10) };
  const slim = results.map(({ profile, profileB, ...r }) => ({ ...r, profile: cut(profile), profileB: cut(profileB) }));
  const params = { ...P, viewRadiusBlocks: VIEW_RADIUS_BLOCKS, scenarios: SCENARIOS, variants: VARIANTS };
  console.log(`\nBENCH ${JSON.stringify({ machine, params, world: o.world, results: slim, elapsedS: Math.round((Date.now() - o.t0) / 1000) })}`);
}

await main();
