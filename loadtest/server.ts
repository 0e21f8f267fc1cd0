/**
 * Server entry for the benchmarks (loadtest/bench.ts and loadtest/bench-rooms.ts
 * spawn it; not for production): the normal server from the environment, plus
 * the naive peer (loadtest/naive.ts: one room, everyone receives everything),
 * the per-region baseline room (loadtest/baseline.ts), and exact timings over IPC.
 *
 * Every room is timed through the region room's seams (rooms/ports.ts
 * RoomSeams hooks): tick duration, patch encode+send duration, how long
 * after its tick a patch went out, and each move at the server: from its
 * arrival to the write of the client's next tick frames (the part of the bots'
 * move → patch that is the server's; the rest is the network and the bots).
 *
 * IPC: parent → {type:'reset'} | {type:'stats'}; child → {type:'ready', port, processId} | {type:'reset-done', …} | {type:'stats', ...}.
 * `reset` starts a measuring window, `stats` reads it (it does not end it).
 * SIGTERM or a lost parent → graceful shutdown (rooms save), then exit.
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import type { RoomSeams } from '../rooms/ports.js';
import { createAuthContext, matchMaker } from '@colyseus/core';
import express from 'express';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { playRegion, ROOM_NAME } from '../rooms/registry.js';
import { BASELINE_ROOM_NAME, baselineRoom } from './baseline.js';
import { NAIVE_ROOM_NAME, naiveRoom } from './naive.js';

export type ServerStats = {
  type: 'stats';
  tickMs: number[];
  /** CPU time of a sample of those ticks (the process's over each; at most one tick per CPU_SAMPLE_MS), ms. */
  tickCpuMs: number[];
  patchMs: number[];
  phaseMs: number[];
  /** Young-generation collections made in ticks' idle time (rooms/idle-gc.ts), each one's duration, ms. */
  idleGcMs: number[];
  /** Each move of the window at the server: its arrival → its client's next frames written, ms. */
  moveToFrameMs: number[];
  /** Since the window started (reset): wall ms, CPU µs of this process (user + system), ticks run by all rooms. */
  wallMs: number;
  cpuUs: number;
  ticks: number;
  /** Now: resident set, heap used (bytes), rooms and clients of this process. */
  rssBytes: number;
  heapUsedBytes: number;
  rooms: number;
  ccu: number;
  /** Colyseus' id of this process, and the regions ("rx,rz") whose rooms it hosts now. */
  processId: string;
  regions: string[];
  /** Event-loop delay over the window, ms. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /**
   * Over the window, ms: how long the main thread was ready to run but waited for a CPU (Linux
   * /proc/thread-self/schedstat; undefined elsewhere). The wait is time the OS gave to other processes, the bots
   * above all on a shared box: a tick it falls into lasts that much longer.
   */
  mainWaitMs?: number;
  /** process.hrtime of the window's start and of this reading, µs (the clock of a .cpuprofile's timestamps). */
  windowStartUs: number;
  nowUs: number;
};

if (!process.send) throw new Error('loadtest/server.ts is started by loadtest/bench.ts (it needs an IPC channel)');

let tickMs: number[] = [];
let tickCpuMs: number[] = [];
const CPU_SAMPLE_MS = 20;
let lastCpuSampleAt = -Infinity;
let patchMs: number[] = [];
let phaseMs: number[] = [];
let idleGcMs: number[] = [];
let moveToFrameMs: number[] = [];
/** Arrival times of each client's moves not yet followed by a frame. */
const movesIn = new WeakMap<object, number[]>();
let t0 = performance.now();
let cpu0 = process.cpuUsage();
/** The main thread's wait for a CPU so far, ns (the second number of /proc/thread-self/schedstat), if readable. */
const cpuWaitNs = (): number | undefined => {
  try {
    const wait = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1]);
    return Number.isFinite(wait) ? wait : undefined;
  } catch {
    return undefined;
  }
};
let wait0 = cpuWaitNs();
let hr0 = process.hrtime.bigint();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

const hooks: RoomSeams['hooks'] = {
  tick: (ms, cpuMs) => {
    tickMs.push(ms);
    if (cpuMs !== undefined) tickCpuMs.push(cpuMs);
  },
  // At most one tick's CPU time per CPU_SAMPLE_MS in the process: every tick of one room at 20 Hz, a sample of
  // the ticks of many (reading it costs a system call on each side of the tick).
  sampleTickCpu: () => {
    const now = performance.now();
    if (now - lastCpuSampleAt < CPU_SAMPLE_MS) return false;
    lastCpuSampleAt = now;
    return true;
  },
  patch: (ms, sinceTickMs) => {
    patchMs.push(ms);
    phaseMs.push(sinceTickMs);
  },
  idleGc: (ms) => {
    idleGcMs.push(ms);
  },
  input: (client, at) => {
    const list = movesIn.get(client);
    if (list) list.push(at);
    else movesIn.set(client, [at]);
  },
  sent: (client, at) => {
    const list = movesIn.get(client);
    if (!list?.length) return;
    for (const t of list) moveToFrameMs.push(at - t);
    list.length = 0;
  },
};

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const server = await startServer(config, log, {
  roomSeams: { hooks },
  // Seats in the bench-only rooms for the bots, made by the server like /api/play's (clients cannot matchmake
  // themselves). The naive peer is one room for the whole world: every bot gets a seat in it, no regions.
  routes: (app) =>
    app.post('/bench/play', express.json(), async (req, res) => {
      const { room, worldId, rx, rz, characterId } = req.body ?? {};
      const token = (req.get('authorization') ?? '').replace(/^Bearer /, '');
      try {
        const reservation =
          room === NAIVE_ROOM_NAME
            ? await matchMaker.joinOrCreate(NAIVE_ROOM_NAME, { worldId, characterId }, createAuthContext({ headers: {}, token }))
            : await playRegion({ worldId, rx, rz, characterId }, token, room === BASELINE_ROOM_NAME ? BASELINE_ROOM_NAME : ROOM_NAME);
        res.json({ reservation });
      } catch (err) {
        res.status(400).json({ error: String((err as Error).message) });
      }
    }),
  defineRooms: (s, deps) => {
    s.define(BASELINE_ROOM_NAME, baselineRoom(deps, hooks)).filterBy(['worldId', 'rx', 'rz']);
    s.define(NAIVE_ROOM_NAME, naiveRoom(deps, hooks));
  },
});

let stopping: Promise<void> | undefined;
const stop = (reason: string) =>
  (stopping ??= server.shutdown(reason).then(
    () => process.exit(0),
    (err: unknown) => {
      log.fatal({ err }, 'shutdown failed');
      process.exit(1);
    },
  ));
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('disconnect', () => void stop('bench parent gone'));

process.on('message', async (m: { type?: string }) => {
  if (m?.type === 'reset') {
    tickMs = [];
    tickCpuMs = [];
    patchMs = [];
    phaseMs = [];
    idleGcMs = [];
    moveToFrameMs = [];
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    wait0 = cpuWaitNs();
    hr0 = process.hrtime.bigint();
    loop.reset();
    process.send!({ type: 'reset-done' });
  } else if (m?.type === 'stats') {
    // The room listings first (a round trip to Redis with REDIS_URL): CPU and wall time are read together after it.
    const listings = await matchMaker.query({ name: ROOM_NAME }).catch(() => []);
    // filterBy(['worldId', 'rx', 'rz']): those options are the listing's metadata.
    const regions = listings.filter((l) => l.processId === matchMaker.processId).map((l) => `${l.metadata?.rx},${l.metadata?.rz}`).sort();
    const cpu = process.cpuUsage(cpu0);
    const wait = cpuWaitNs();
    const mem = process.memoryUsage();
    const ms = (ns: number) => ns / 1e6;
    process.send!({
      type: 'stats', tickMs, tickCpuMs, patchMs, phaseMs, idleGcMs, moveToFrameMs,
      wallMs: performance.now() - t0,
      cpuUs: cpu.user + cpu.system,
      ticks: tickMs.length,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      rooms: matchMaker.stats.local.roomCount,
      ccu: matchMaker.stats.local.ccu,
      processId: matchMaker.processId,
      regions,
      loopDelayP50Ms: ms(loop.percentile(50)),
      loopDelayP99Ms: ms(loop.percentile(99)),
      loopDelayMaxMs: ms(loop.max),
      mainWaitMs: wait !== undefined && wait0 !== undefined ? ms(wait - wait0) : undefined,
      windowStartUs: Number(hr0 / 1000n),
      nowUs: Number(process.hrtime.bigint() / 1000n),
    } satisfies ServerStats);
  }
});
process.send({ type: 'ready', port: server.port, processId: matchMaker.processId });
