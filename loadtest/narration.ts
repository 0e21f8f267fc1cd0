// Narration benchmark (a script, not a test): npm run bench:narration [-- --players 200 --latency-ms 200 --rounds 3 --fallback-rounds 6 --queue redis|postgres]
// Prints a table and one JSON line (prefix "BENCH "), and overwrites loadtest/results-narration.md.
//
// A real server child (src/main.ts) on a throw-away database on the local PostgreSQL, with its
// narration workers in-process: --queue redis (default; BENCH_REDIS_URL, a fresh JOBS_PREFIX, Redis
// presence) or --queue postgres (the embedded layout: BullMQ on PostgreSQL, LocalPresence); and N
// players as @colyseus/sdk clients in this process, all in one region room.
//   (1) model: the server's game master talks to an OpenAI-compatible stub in this process that
//       answers every request after --latency-ms, streamed. Each round, every player sends `act`
//       at the same moment (N concurrent narrations); a player's sample is `act` sent → its final
//       `narration` received, plus the reply (narration id) and the first `narration:chunk`.
//       Rounds are spaced so that no player passes the per-character limit (6 a minute).
//   (2) built-in narrator only (no OPENAI_API_KEY): every player acts --fallback-rounds times back to
//       back (each act as soon as its previous narration arrived, up to the limit of 6 a minute);
//       narrations/s = narrations ÷ (first act → last narration).
// WORKER_CONCURRENCY is raised to 64 (narration jobs mostly wait on the model) and the per-user
// model rate limit and budget out of the way; everything else runs on its defaults. A refused `act`
// (e.g. NARRATION_UNAVAILABLE when the queue cannot take a job within its 5 s) is counted, not retried.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, type Room } from '@colyseus/sdk';
import pg from 'pg';
import { freePort } from '../src/net.js';
import { BenchOpenAiStub } from './openai-stub.js';
import { deleteRedisPrefix, pingRedis } from './magic.js';
import { api, pool } from './children.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PER_MINUTE = 6; // src/game/narration.ts NARRATIONS_PER_MINUTE (not imported: keep the bots' process light)
const JOIN_CONCURRENCY = 20;
const ACT_TIMEOUT_MS = 60_000; // a narration that never comes is counted as lost, not waited for forever

const { values: args } = parseArgs({
  options: {
    players: { type: 'string', default: '200' },
    'latency-ms': { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    'fallback-rounds': { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '64' },
    queue: { type: 'string', default: 'redis' },
  },
});
const int = (name: keyof typeof args, min: number, max: number): number => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
  return n;
};
const P = {
  players: int('players', 1, 1000),
  latencyMs: int('latency-ms', 0, 10_000),
  rounds: int('rounds', 1, 20),
  fallbackRounds: int('fallback-rounds', 1, PER_MINUTE),
  concurrency: int('concurrency', 1, 64),
  queue: args.queue === 'postgres' ? ('postgres' as const) : ('redis' as const),
};

type Proc = { child: ChildProcess; port: number; lines: string[]; cpuMs(): Promise<number> };

async function spawnServer(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${lines.slice(-20).join('\n')}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (l.includes('leyline server listening')) resolve();
    });
  });
  const cpuMs = async () => {
    const stat = (await fs.readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return ((Number(stat[11]) + Number(stat[12])) * 1000) / 100; // utime + stime, in clock ticks (100/s)
  };
  return { child, port, lines, cpuMs };
}

async function stopServer(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

type Player = { token: string; characterId: string; room?: Room<any, any> };

async function makePlayers(base: string, n: number): Promise<Player[]> {
  const players: Player[] = [];
  await pool(Array.from({ length: n }, (_, i) => i), JOIN_CONCURRENCY, async (i) => {
    const tag = `${randomBytes(3).toString('hex')}${i}`;
    const reg = await api(base, 'POST', '/api/auth/register', { username: `b_${tag}`, email: `${tag}@bench.example`, password: 'bench password' });
    const ch = await api(base, 'POST', '/api/characters', { name: `Bench ${tag}`, characterClass: 'mage' }, reg.token);
    players[i] = { token: reg.token, characterId: ch.id };
  });
  return players;
}

async function joinAll(base: string, players: Player[]): Promise<void> {
  await pool(players, JOIN_CONCURRENCY, async (p) => {
    const play = await api(base, 'POST', '/api/play', { characterId: p.characterId }, p.token);
    p.room = await new Client(base).consumeSeatReservation(play.reservation);
  });
}

async function leaveAll(players: Player[]): Promise<void> {
  await Promise.all(players.map((p) => p.room?.leave().catch(() => undefined)));
}

type Sample = { replyMs: number; firstChunkMs?: number; finalMs: number; source: string; refused?: string };

/** One act → its narration; resolves with the timings. */
function actOnce(p: Player, text: string): Promise<Sample> {
  const room = p.room!;
  const t0 = performance.now();
  let id: string | undefined;
  let firstChunkMs: number | undefined;
  const early: { id: string; at: number; source: string }[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      offChunk();
      offFinal();
      resolve({ replyMs: NaN, finalMs: NaN, source: 'lost', refused: 'NO_NARRATION_IN_60_S' });
    }, ACT_TIMEOUT_MS);
    const offChunk = room.onMessage('narration:chunk', (m: { narrationId: string }) => {
      if (firstChunkMs === undefined && (id === undefined || m.narrationId === id)) firstChunkMs = performance.now() - t0;
    });
    let replyMs = 0;
    const offFinal = room.onMessage('narration', (m: { narrationId: string; source: string }) => {
      if (id === undefined) return void early.push({ id: m.narrationId, at: performance.now() - t0, source: m.source });
      if (m.narrationId !== id) return;
      clearTimeout(timer);
      offChunk();
      offFinal();
      resolve({ replyMs, firstChunkMs, finalMs: performance.now() - t0, source: m.source });
    });
    room.request('act', { text }).then((r: any) => {
      replyMs = performance.now() - t0;
      if (!r.ok) {
        clearTimeout(timer);
        offChunk();
        offFinal();
        return resolve({ replyMs, finalMs: NaN, source: 'refused', refused: r.code });
      }
      id = r.data.narrationId;
      const e = early.find((x) => x.id === id);
      if (e) {
        clearTimeout(timer);
        offChunk();
        offFinal();
        resolve({ replyMs, firstChunkMs, finalMs: e.at, source: e.source });
      }
    }, reject);
  });
}

const countRefused = (xs: Sample[]) => Object.fromEntries([...new Set(xs.flatMap((s) => (s.refused ? [s.refused] : [])))].map((c) => [c, xs.filter((s) => s.refused === c).length]));
const pct = (xs: number[], q: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

/** The server's warn/error log lines (pino levels ≥ 40), counted by message. */
function problems(p: Proc): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of p.lines) {
    try {
      const rec = JSON.parse(l) as { level?: number; msg?: string };
      if ((rec.level ?? 0) >= 40) out[String(rec.msg).slice(0, 80)] = (out[String(rec.msg).slice(0, 80)] ?? 0) + 1;
    } catch {
      /* not JSON */
    }
  }
  return out;
}

/** Deletes the characters' narration rate counters (rooms/narration.ts keys them `leyline:narration-rate:<characterId>`). */
async function clearNarrationRates(characterIds: string[]): Promise<void> {
  const { Redis } = await import('ioredis');
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    if (characterIds.length) await r.del(...characterIds.map((id) => `leyline:narration-rate:${id}`));
  } finally {
    r.disconnect();
  }
}

async function main(): Promise<void> {
  const dbName = `leyline_bench_narr_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = '/' + dbName;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-bench-narr-'));
  const stub = await BenchOpenAiStub.start(P.latencyMs);
  const prefix = `bench-narr-${randomBytes(4).toString('hex')}`;
  if (P.queue === 'redis') await pingRedis(REDIS_URL);
  const common = {
    DATABASE_URL: dbUrl.toString(), DATA_DIR: dataDir, JWT_SECRET: randomBytes(32).toString('hex'), BCRYPT_COST: '4',
    AUTH_RATE_LIMIT_PER_MIN: '100000', PLAY_RATE_LIMIT_PER_MIN: '100000', PLAY_RATE_LIMIT_PER_IP_PER_MIN: '1000000',
    WORKER_CONCURRENCY: String(P.concurrency), REGION_SEATS: String(Math.max(1000, P.players)),
    ...(P.queue === 'redis' ? { REDIS_URL, JOBS_PREFIX: prefix, JOBS_IN_PROCESS: 'true' } : {}),
  };
  let server: Proc | undefined;
  const out: Record<string, unknown> = { players: P.players, latencyMs: P.latencyMs, concurrency: P.concurrency, queue: P.queue };
  try {
    // (1) the model behind the stub.
    server = await spawnServer({
      ...common, OPENAI_BASE_URL: stub.baseUrl, OPENAI_API_KEY: 'bench', OPENAI_MODEL: 'bench-model', LLM_TIMEOUT_MS: '8000',
      LLM_RATE_PER_MIN: '100000', LLM_DAILY_TOKENS_PER_USER: '100000000', LLM_CACHE_TTL_S: '0',
    });
    let base = `http://127.0.0.1:${server.port}`;
    const players = await makePlayers(base, P.players);
    await joinAll(base, players);
    const samples: Sample[] = [];
    const roundMs: number[] = [];
    const cpu0 = await server.cpuMs();
    const wall0 = performance.now();
    for (let round = 0; round < P.rounds; round++) {
      const started = performance.now();
      const got = await Promise.all(players.map((p, i) => actOnce(p, `I listen to the leyline (${round}.${i})`)));
      samples.push(...got);
      roundMs.push(performance.now() - started);
      console.error(`model round ${round + 1}/${P.rounds}: ${Math.round(performance.now() - started)} ms`);
      // The per-character limit: at most 6 a minute, so at least 10 s from one round's start to the next.
      const wait = 60_000 / PER_MINUTE + 50 - (performance.now() - started);
      if (round < P.rounds - 1 && wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const cpuModel = (await server.cpuMs()) - cpu0;
    const wallModel = performance.now() - wall0;
    const ok = samples.filter((s) => !s.refused);
    const finals = ok.map((s) => s.finalMs);
    out.model = {
      narrations: ok.length,
      refused: countRefused(samples),
      llm: samples.filter((s) => s.source === 'llm').length,
      fallback: samples.filter((s) => s.source !== 'llm').length,
      stubRequests: stub.requests,
      actToNarrationP50Ms: r1(pct(finals, 0.5)),
      actToNarrationP99Ms: r1(pct(finals, 0.99)),
      actToNarrationMaxMs: r1(Math.max(...finals)),
      replyP50Ms: r1(pct(samples.map((s) => s.replyMs), 0.5)),
      replyP99Ms: r1(pct(samples.map((s) => s.replyMs), 0.99)),
      firstChunkP50Ms: r1(pct(ok.flatMap((s) => (s.firstChunkMs === undefined ? [] : [s.firstChunkMs])), 0.5)),
      firstChunkP99Ms: r1(pct(ok.flatMap((s) => (s.firstChunkMs === undefined ? [] : [s.firstChunkMs])), 0.99)),
      roundMs: roundMs.map(r1),
      serverCpuPct: r1((cpuModel / wallModel) * 100),
    };
    await leaveAll(players);
    out.modelServerProblems = problems(server);
    await stopServer(server);

    // (2) the built-in narrator only. The per-minute counts live in presence (Redis: they outlive the
    // server child): start the phase with fresh ones.
    if (P.queue === 'redis') await clearNarrationRates(players.map((p) => p.characterId));
    server = await spawnServer(common);
    base = `http://127.0.0.1:${server.port}`;
    await joinAll(base, players);
    const all: Sample[] = [];
    const cpu1 = await server.cpuMs();
    const t0 = performance.now();
    await Promise.all(players.map(async (p, i) => {
      for (let k = 0; k < P.fallbackRounds; k++) all.push(await actOnce(p, `I look around (${k}.${i})`));
    }));
    const spanMs = performance.now() - t0;
    const cpuFb = (await server.cpuMs()) - cpu1;
    const fb = all.filter((s) => !s.refused);
    out.builtInServerProblems = problems(server);
    out.builtIn = {
      narrations: fb.length,
      refused: countRefused(all),
      fallback: fb.filter((s) => s.source === 'fallback').length,
      spanMs: Math.round(spanMs),
      narrationsPerS: r1(fb.length / (spanMs / 1000)),
      actToNarrationP50Ms: r1(pct(fb.map((s) => s.finalMs), 0.5)),
      actToNarrationP99Ms: r1(pct(fb.map((s) => s.finalMs), 0.99)),
      serverCpuPct: r1((cpuFb / spanMs) * 100),
    };
    await leaveAll(players);
  } finally {
    if (server) await stopServer(server).catch(() => undefined);
    await stub.close();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await fs.rm(dataDir, { recursive: true, force: true });
    if (P.queue === 'redis') await deleteRedisPrefix(REDIS_URL, prefix).catch(() => undefined);
  }
  report(out);
}

function report(out: Record<string, any>): void {
  const m = out.model, b = out.builtIn;
  const cpus = os.cpus();
  const lines = [
    '# Narration benchmark (`npm run bench:narration`)',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus.length}× ${cpus[0]?.model ?? '?'}, Node ${process.version}; one server`,
    `child (${out.queue === 'redis' ? 'BullMQ on Redis and Redis presence' : 'embedded layout: BullMQ on PostgreSQL, LocalPresence'}; narration workers in-process, WORKER_CONCURRENCY=${out.concurrency}), ${out.players} players in one region room,`,
    `bots and the model stub in the benchmark process. Method: loadtest/narration.ts (header comment).`,
    '',
    `## Model (OpenAI-compatible stub, ${out.latencyMs} ms latency, streamed) — ${out.players} concurrent \`act\`s per round, ${m.roundMs.length} rounds`,
    '',
    '| | p50 | p99 |',
    '| --- | ---: | ---: |',
    `| \`act\` → final \`narration\` | ${m.actToNarrationP50Ms} ms | ${m.actToNarrationP99Ms} ms (max ${m.actToNarrationMaxMs}) |`,
    `| \`act\` → first \`narration:chunk\` | ${m.firstChunkP50Ms} ms | ${m.firstChunkP99Ms} ms |`,
    `| \`act\` → reply \`{narrationId}\` | ${m.replyP50Ms} ms | ${m.replyP99Ms} ms |`,
    '',
    `${m.narrations} narrations (${m.llm} from the model, ${m.fallback} fallback), refused: ${JSON.stringify(m.refused)}, ${m.stubRequests} model requests; a round of ${out.players} took ${m.roundMs.join(' / ')} ms;`,
    `server CPU ${m.serverCpuPct} % of one core over the phase (including the 10 s pauses between rounds).`,
    '',
    `## Built-in narrator only (no model) — ${out.players} players × ${P.fallbackRounds} back-to-back \`act\`s`,
    '',
    `**${b.narrationsPerS} narrations/s** (${b.narrations} in ${b.spanMs} ms; ${b.fallback} from the built-in narrator; refused: ${JSON.stringify(b.refused)}); \`act\` → \`narration\` p50 ${b.actToNarrationP50Ms} ms,`,
    `p99 ${b.actToNarrationP99Ms} ms; server CPU ${b.serverCpuPct} % of one core.`,
    `Server warnings/errors: model phase ${JSON.stringify(out.modelServerProblems ?? {})}, built-in phase ${JSON.stringify(out.builtInServerProblems ?? {})}.`,
    '',
  ];
  const md = lines.join('\n');
  console.log(md);
  console.log('BENCH ' + JSON.stringify(out));
  void fs.writeFile(path.join(ROOT, 'loadtest', 'results-narration.md'), md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
