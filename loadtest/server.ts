/**
 * Server entry for `npm run bench` (loadtest/bench.ts spawns it; not for
 * production): the normal server from the environment, plus the benchmark-only
 * baseline room, plus exact timings over IPC.
 *
 * The tick timer is the one behind leyline_room_tick_seconds (its samples are
 * copied as they are observed), so interest and baseline rooms are timed by
 * the same code; the histogram's buckets alone are too coarse for a p50 of a
 * fraction of a millisecond. Patch encoding and sending happen outside the tick
 * (Colyseus' patch interval), so that is timed too: it is where StateView costs.
 *
 * IPC: parent → {type:'reset'} | {type:'stats'}; child → {type:'ready', port} | {type:'stats', ...}.
 * SIGTERM or a lost parent → graceful shutdown (rooms save), then exit.
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import { roomDeps } from '../rooms/deps.js';
import { RegionRoom } from '../rooms/RegionRoom.js';
import { BASELINE_ROOM_NAME, BaselineRoom } from '../rooms/BaselineRoom.js';

export type ServerStats = { type: 'stats'; tickMs: number[]; patchMs: number[]; phaseMs: number[] };

if (!process.send) throw new Error('loadtest/server.ts is started by loadtest/bench.ts (it needs an IPC channel)');

let tickMs: number[] = [];
let patchMs: number[] = [];
let phaseMs: number[] = [];

// BaselineRoom inherits these, so both rooms are timed by the same wrappers.
// Ticks and patches run on two independent 50 ms timers: how long a patch
// follows the tick before it (fixed per room, random at room creation) is
// most of the input-to-patch latency, so it is reported next to it.
const proto = RegionRoom.prototype as unknown as { tick(): void; broadcastPatch(): boolean };
const { tick, broadcastPatch } = proto;
if (typeof tick !== 'function') throw new Error('RegionRoom has no tick() any more: update loadtest/server.ts');
const lastTickAt = new WeakMap<object, number>();
proto.tick = function (this: object) {
  tick.call(this);
  lastTickAt.set(this, performance.now());
};
proto.broadcastPatch = function (this: object) {
  const t0 = performance.now();
  const r = broadcastPatch.call(this);
  patchMs.push(performance.now() - t0);
  const at = lastTickAt.get(this);
  if (at !== undefined) phaseMs.push(t0 - at);
  return r;
};

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const server = await startServer(config, log, {
  defineRooms: (s) => {
    s.define(BASELINE_ROOM_NAME, BaselineRoom).filterBy(['worldId', 'rx', 'rz']);
    const hist = roomDeps().metrics.tickDuration;
    const startTimer = hist.startTimer.bind(hist);
    hist.startTimer = (labels) => {
      const end = startTimer(labels);
      return (more) => {
        const s = end(more);
        tickMs.push(s * 1000);
        return s;
      };
    };
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

process.on('message', (m: { type?: string }) => {
  if (m?.type === 'reset') {
    tickMs = [];
    patchMs = [];
    phaseMs = [];
    process.send!({ type: 'reset-done' });
  } else if (m?.type === 'stats') {
    process.send!({ type: 'stats', tickMs, patchMs, phaseMs } satisfies ServerStats);
  }
});
process.send({ type: 'ready', port: server.port });
