/**
 * Server entry for `npm run bench` (loadtest/bench.ts spawns it; not for
 * production): the normal server from the environment, plus the naive
 * baseline room (loadtest/baseline.ts), plus exact timings over IPC.
 *
 * Both rooms are timed through the region room's seams (rooms/ports.ts
 * RoomSeams hooks): tick duration, patch encode+send duration, and how long
 * after its tick a patch went out (patches go at the end of a tick).
 *
 * IPC: parent → {type:'reset'} | {type:'stats'}; child → {type:'ready', port} | {type:'stats', ...}.
 * SIGTERM or a lost parent → graceful shutdown (rooms save), then exit.
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import type { RoomSeams } from '../rooms/ports.js';
import express from 'express';
import { playRegion, ROOM_NAME } from '../rooms/registry.js';
import { BASELINE_ROOM_NAME, baselineRoom } from './baseline.js';

export type ServerStats = { type: 'stats'; tickMs: number[]; patchMs: number[]; phaseMs: number[] };

if (!process.send) throw new Error('loadtest/server.ts is started by loadtest/bench.ts (it needs an IPC channel)');

let tickMs: number[] = [];
let patchMs: number[] = [];
let phaseMs: number[] = [];

const hooks: RoomSeams['hooks'] = {
  tick: (ms) => tickMs.push(ms),
  patch: (ms, sinceTickMs) => {
    patchMs.push(ms);
    phaseMs.push(sinceTickMs);
  },
};

const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const server = await startServer(config, log, {
  roomSeams: { hooks },
  // Seats in either room for the bots, made by the server like /api/play's (clients cannot matchmake themselves).
  routes: (app) =>
    app.post('/bench/play', express.json(), async (req, res) => {
      const { room, worldId, rx, rz, characterId } = req.body ?? {};
      const token = (req.get('authorization') ?? '').replace(/^Bearer /, '');
      try {
        res.json({ reservation: await playRegion({ worldId, rx, rz, characterId }, token, room === BASELINE_ROOM_NAME ? BASELINE_ROOM_NAME : ROOM_NAME) });
      } catch (err) {
        res.status(400).json({ error: String((err as Error).message) });
      }
    }),
  defineRooms: (s, deps) => s.define(BASELINE_ROOM_NAME, baselineRoom(deps, hooks)).filterBy(['worldId', 'rx', 'rz']),
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
