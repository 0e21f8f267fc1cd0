/**
 * What the benchmark scripts (loadtest/bench.ts, loadtest/bench-rooms.ts) share
 * to run server children: the environment they get, starting and stopping
 * them (loadtest/server.ts over IPC), the throw-away database they use, the
 * quantiles they report (and the bins of the position error histogram), a seeded PRNG, a JSON call to the side-API and a
 * bounded pool of async work (also used by loadtest/narration.ts,
 * loadtest/bot-proc.ts and loadtest/bench-patch.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const STOP_TIMEOUT_MS = 20_000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small deterministic PRNG (mulberry32): the same layouts and walks for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Quant = { p50: number; p99: number; n: number };
/** The bench's histogram of how far off a player was shown (loadtest/bot-proc.ts Judged.errors): ERROR_BINS bins of ERROR_BIN blocks. */
export const ERROR_BIN = 0.125;
export const ERROR_BINS = 512;
/** The q-quantile of an ascending array (nearest rank); NaN when empty. */
export const quantile = (sorted: ArrayLike<number>, q: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! : NaN;
export const quantiles = (xs: number[]): Quant => {
  const s = Float64Array.from(xs).sort();
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), n: xs.length };
};

/** Every child still running: a script's cleanup stops them (SIGINT too). */
export const children = new Set<{ stop(): Promise<void> }>();

// Variables from the developer's shell that would change what is measured.
const SCRUB = [
  'DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'PUBLIC_ADDRESS', 'PORT', 'HOST', 'DATA_DIR', 'LOG_LEVEL', 'VIEW_RADIUS_CHUNKS', 'TICK_RATE_HZ', 'PATCH_RATE_MS',
  'JOBS_PREFIX', 'JOBS_IN_PROCESS', 'JOBS_LOCK_MS', 'WORKER_CONCURRENCY', 'REGION_SEATS', 'NODE_OPTIONS',
];
export const childEnv = (env: Record<string, string>) => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUB.includes(k))), ...env });

/**
 * The environment every server child of a script shares: one database, one data directory, one JWT secret (tokens
 * outlive one child), production mode, warnings only, and limits that 127.0.0.1 playing hundreds of bots stays under.
 */
export function serverEnv(o: { databaseUrl: string; dataDir: string }): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: o.dataDir,
    DATABASE_URL: o.databaseUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    BCRYPT_COST: '4', // registering hundreds of bots; the login path is not what is measured
    AUTH_RATE_LIMIT_PER_MIN: '100000',
    PLAY_RATE_LIMIT_PER_MIN: '100000',
    PLAY_RATE_LIMIT_PER_IP_PER_MIN: '1000000', // every bot plays from 127.0.0.1
  };
}

/** A fresh PostgreSQL database for one script run; `drop` removes it (connections or not). */
async function createBenchDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `leyline_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/**
 * One script run's throw-away database (and a client for it, not connected yet) and data directory, and its cleanup:
 * every child stopped, then what `onCleanup` registered (in order), the database dropped, the directory removed.
 * The cleanup runs once, on SIGINT too, and after `limitS` whatever happens (a hung join, a wedged child).
 */
export async function benchRun(limitS: number): Promise<{
  database: { name: string; url: string };
  dataDir: string;
  db: pg.Client;
  onCleanup(fn: () => Promise<unknown>): void;
  cleanup(): Promise<void>;
}> {
  const database = await createBenchDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-bench-'));
  const db = new pg.Client({ connectionString: database.url });
  const more: (() => Promise<unknown>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.all([...children].map((c) => c.stop().catch(() => undefined)));
      await db.end().catch(() => undefined);
      for (const fn of more) await fn().catch((err: unknown) => void process.stderr.write(`cleanup: ${(err as Error)?.message ?? err}\n`));
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    })());
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  setTimeout(() => {
    process.stderr.write(`bench: no result after ${limitS} s, giving up\n`);
    void cleanup().finally(() => process.exit(1));
  }, limitS * 1000).unref();
  return { database, dataDir, db, onCleanup: (fn) => void more.push(fn), cleanup };
}

/** SIGTERM (a child saves and closes), then SIGKILL if it hangs past STOP_TIMEOUT_MS. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(t);
}

/** Keeps a child's last 200 output lines, counts every line matching each of `watch`, and passes each line to `onLine`. */
export function collectLines(child: ChildProcess, watch: Record<string, RegExp> = {}, onLine?: (l: string) => void): { lines: string[]; hits: Record<string, number> } {
  const lines: string[] = [];
  const hits = Object.fromEntries(Object.keys(watch).map((k) => [k, 0]));
  for (const s of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: s }).on('line', (l) => {
      for (const [k, re] of Object.entries(watch)) if (re.test(l)) hits[k]!++;
      if (lines.push(l) > 200) lines.shift();
      onLine?.(l);
    });
  }
  return { lines, hits };
}

/** A pino line's message and error message, shortened: what groups warnings. */
function warningKey(line: string): string {
  try {
    const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    const err = (j.err?.message ?? '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…').slice(0, 120);
    return `${j.level === 40 ? 'warn' : j.level === 50 ? 'error' : 'fatal'}: ${j.msg ?? ''}${err ? ` (${err})` : ''}`;
  } catch {
    return line.slice(0, 160);
  }
}

/**
 * The Node flags `npm start` runs the server with (package.json "start", e.g. the young-generation size):
 * the bench's server child, Leyline's rooms and the naive peer alike, runs with the same ones.
 */
export async function serverNodeFlags(): Promise<string[]> {
  const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const start = pkg.scripts?.start ?? '';
  if (!/^node\b.*\bsrc\/main\.ts$/.test(start)) throw new Error(`package.json "start" is not "node … src/main.ts" any more: ${start}`);
  return start.split(/\s+/).filter((a) => a.startsWith('--') && a !== '--import');
}

/** A server child (loadtest/server.ts): ready once it answered `ready` over IPC; `reset` / `stats` through `call`. */
export class ServerChild {
  /** Output lines at warn level and above (pino: 40+), counted by phase of the run and message. */
  warnings = 0;
  phase = 'boot';
  readonly warningsByKey = new Map<string, number>();
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    /** Colyseus' id of the process (its entry in the Redis hash `roomcount`, its rooms' listings). */
    readonly processId: string,
    readonly lines: string[],
    /** Output lines matching each watched pattern, since the start. */
    readonly hits: Record<string, number>,
    private readonly exited: Promise<unknown>,
  ) {}

  static async start(env: Record<string, string>, o: { execArgv?: string[]; watch?: Record<string, RegExp> } = {}): Promise<ServerChild> {
    const child = spawn(process.execPath, [...(await serverNodeFlags()), ...(o.execArgv ?? []), '--import', 'tsx', path.join(ROOT, 'loadtest/server.ts')], {
      cwd: ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let self: ServerChild | undefined;
    const { lines, hits } = collectLines(child, o.watch, (l) => {
      if (!self || !/"level":(40|50|60)\b/.test(l)) return;
      self.warnings++;
      const k = `[${self.phase}] ${warningKey(l)}`;
      self.warningsByKey.set(k, (self.warningsByKey.get(k) ?? 0) + 1);
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const ready = await new Promise<{ port: number; processId: string }>((resolve, reject) => {
      child.on('message', (m: { type?: string; port?: number; processId?: string }) => m?.type === 'ready' && resolve({ port: m.port!, processId: m.processId! }));
      void exited.then(() => reject(new Error(`server child exited during boot:\n${lines.slice(-30).join('\n')}`)));
    }).catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    });
    self = new ServerChild(child, ready.port, ready.processId, lines, hits, exited);
    children.add(self);
    return self;
  }

  call<T>(type: string, reply: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const on = (m: { type?: string }) => {
        if (m?.type !== reply) return;
        this.child.off('message', on);
        resolve(m as T);
      };
      this.child.on('message', on);
      void this.exited.then(() => reject(new Error(`server child exited:\n${this.lines.slice(-30).join('\n')}`)));
      this.child.send({ type });
    });
  }

  /** SIGTERM (rooms save, the server closes: Colyseus removes its `roomcount` entry and room listings), then SIGKILL if it hangs. */
  async stop(): Promise<void> {
    await stopChild(this.child, this.exited);
    children.delete(this);
  }
}

/** A JSON request to the side-API; throws on a status other than 2xx. */
export async function api(base: string, method: string, pathname: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(base + pathname, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs `fn` over `items`, at most `n` at a time; the results in the items' order. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}
