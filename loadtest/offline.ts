/**
 * What the offline benches of the region room (loadtest/bench-patch.ts, loadtest/bench-tick.ts) share: their
 * options, and clients without a network whose frames are only counted.
 */
import { parseArgs } from 'node:util';
import { ClientState, type Client } from '@colyseus/core';
import type { CellSerializer } from '../rooms/patches.js';
import { payloadOf } from '../rooms/wsframes.js';

/** `--clients 500 --ticks 600 --warmup 200 --roam 24 --radius 4 --seed 1 --runs 3`, as numbers. */
export function offlineArgs() {
  const { values: args } = parseArgs({
    options: {
      clients: { type: 'string', default: '500' },
      ticks: { type: 'string', default: '600' },
      warmup: { type: 'string', default: '200' },
      roam: { type: 'string', default: '24' },
      radius: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
      runs: { type: 'string', default: '3' },
      // Ticks between a walker's moves (bench-tick): 2 is 10 moves/s at 20 Hz (walking speed); 3 or 4 are the 6.7
      // or 5 moves/s of bots short of CPU (their steps stay as long, so they walk slower).
      'move-every': { type: 'string', default: '2' },
      // Where the crowd wanders, "x,z" in blocks (default: the world spawn, a region's centre); e.g. "0.5,0.5" for a
      // crowd at a four-region corner held by region (0,0)'s room, as after it gathered (src/game/region/crowd.ts).
      home: { type: 'string' },
    },
  });
  const home = args.home?.split(',').map(Number);
  if (home && (home.length !== 2 || !home.every(Number.isFinite))) throw new Error(`--home must be "x,z", got ${args.home}`);
  return {
    N: Number(args.clients), TICKS: Number(args.ticks), WARMUP: Number(args.warmup), ROAM: Number(args.roam),
    RADIUS: Number(args.radius), SEED: Number(args.seed), RUNS: Number(args.runs), MOVE_EVERY: Number(args['move-every']), HOME: home && { x: home[0]!, z: home[1]! },
  };
}

/**
 * A client whose frames go to `count` as payload bytes: those the room writes to its socket itself (rooms/wsframes.ts
 * writes the patch frames straight to it) and those Colyseus sends through `raw`.
 */
export function countingClient(sessionId: string, count: (bytes: number) => void): Client {
  const socket = { write: (f: Buffer) => (count(payloadOf(f).length), true) };
  const ref = { readyState: 1, _socket: socket, _sender: { _state: 0, _firstFragment: true } };
  return { sessionId, state: ClientState.JOINING, raw: (b: Uint8Array) => count(b.length), ref } as unknown as Client;
}

/** Sends each client its full state, which places it in its cell (rooms/patches.ts getFullState → cellForJoin), and marks it joined. */
export function seat(serializer: CellSerializer, clients: Iterable<Client>): void {
  for (const client of clients) {
    serializer.getFullState(client);
    (client as { state: ClientState }).state = ClientState.JOINED;
  }
}
