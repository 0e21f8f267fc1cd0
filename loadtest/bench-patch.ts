// The region room's patch path alone, in one process (a script, not a test):
//
//   npm run bench:patch [-- --clients 500 --ticks 600 --warmup 200 --roam 24 --seed 1 --runs 3]
//
// No network, no bots, no simulation: a RegionState with one character per client wandering around the spawn
// (the walkers' steering, loadtest/steering.ts, on flat ground, at walking speed, 10 moves/s: every character moves
// on every other tick), an InterestManager and the room's CellSerializer (rooms/patches.ts), fake clients whose
// socket (and `raw`) only counts payload bytes. Each tick: positions on the wire grid, `interest.update`, `applyPatches`. Reports the
// patch time per tick (p50, p99, mean), the cell changes per tick, the bytes per client per second, and then the
// time and size of a join's full state (rooms/fullstate.ts; every handoff is one) for each client of the crowd. Seeded
// and without other processes, so two versions of rooms/patches.ts can be compared run against run (the full
// bench, `npm run bench`, shares two cores with the bots and moves by ±15 % from run to run).
import type { Client } from '@colyseus/core';
import { CharacterState, RegionState } from '../schema/index.js';
import { InterestManager } from '../rooms/interest.js';
import { CellSerializer } from '../rooms/patches.js';
import { defaultSpawn, onGrid, POSITION_STEP } from '../src/game/character.js';
import { quantile, rng } from './children.js';
import { countingClient, offlineArgs, seat } from './offline.js';
import { wanderHeading } from './steering.js';

const { N, TICKS, WARMUP, ROAM, RADIUS, SEED, RUNS } = offlineArgs();
const SPEED = 4.3, MOVE_MS = 100, TICK_MS = 50;

function run(seed: number) {
  const random = rng(seed);
  const home = defaultSpawn(1337); // the seed of the bench's world (any seed: the spawn is a region's centre)
  const state = new RegionState();
  const interest = new InterestManager(state, RADIUS);
  const serializer = new CellSerializer(interest);
  serializer.reset(state);
  let bytes = 0;
  const clients: Client[] = [];
  const walkers: { c: CharacterState; heading: number; x: number; z: number }[] = [];
  for (let i = 0; i < N; i++) {
    const id = `c${i}`;
    const x = home.x + (random() - 0.5) * 10, z = home.z + (random() - 0.5) * 10;
    const c = Object.assign(new CharacterState(), { id, name: id, characterClass: 'mage', x: onGrid(x, POSITION_STEP), y: 70, z: onGrid(z, POSITION_STEP), hp: 20, maxHp: 20, mana: 10, maxMana: 10 });
    state.characters.set(id, c);
    walkers.push({ c, heading: random() * 2 * Math.PI, x, z });
    const client = countingClient(id, (n) => (bytes += n));
    clients.push(client);
    interest.attach(client, id);
  }
  seat(serializer, clients);
  const step = (SPEED * MOVE_MS) / 1000;
  const times: number[] = [];
  let cellChanges = 0;
  let measuredBytes = 0;
  for (let tick = 1; tick <= WARMUP + TICKS; tick++) {
    // Half the walkers move on each tick (10 moves/s at 20 ticks/s), as the bots' timers spread them.
    for (let i = tick % 2; i < N; i += 2) {
      const w = walkers[i]!;
      w.heading = wanderHeading(w.heading, w, home, ROAM, random);
      w.x += step * Math.cos(w.heading);
      w.z += step * Math.sin(w.heading);
      w.c.x = onGrid(w.x, POSITION_STEP);
      w.c.z = onGrid(w.z, POSITION_STEP);
      w.c.yaw = w.heading;
    }
    state.tick = tick;
    const t0 = performance.now();
    interest.update(tick);
    for (const client of clients) if (interest.watcherOf(client)?.next) cellChanges += tick > WARMUP ? 1 : 0;
    const before = bytes;
    serializer.applyPatches(clients, state);
    const ms = performance.now() - t0;
    if (tick > WARMUP) {
      times.push(ms);
      measuredBytes += bytes - before;
    }
  }
  times.sort((a, b) => a - b);
  // A join's full state (every handoff is one), for each client of the crowd as it stands now, three rounds.
  const fullTimes: number[] = [];
  let fullBytes = 0;
  for (let round = 0; round < 3; round++) {
    for (const client of clients) {
      const t0 = performance.now();
      fullBytes += serializer.getFullState(client).length;
      fullTimes.push(performance.now() - t0);
    }
  }
  fullTimes.sort((a, b) => a - b);
  return {
    fullStateMs: fullTimes.reduce((a, b) => a + b, 0) / fullTimes.length,
    fullStateP99Ms: quantile(fullTimes, 0.99),
    fullStateBytes: fullBytes / fullTimes.length,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    cellChangesPerTick: cellChanges / TICKS,
    bytesPerClientS: measuredBytes / N / ((TICKS * TICK_MS) / 1000),
  };
}

const results = [];
for (let r = 0; r < RUNS; r++) {
  const res = run(SEED + r);
  results.push(res);
  console.log(
    `run ${r + 1}: interest.update + applyPatches per tick p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms, mean ${res.mean.toFixed(2)} ms; ` +
      `${res.cellChangesPerTick.toFixed(1)} cell changes per tick; ${Math.round(res.bytesPerClientS)} B/client/s; ` +
      `a join's full state ${res.fullStateMs.toFixed(3)} ms mean, p99 ${res.fullStateP99Ms.toFixed(3)} ms, ${Math.round(res.fullStateBytes)} B`,
  );
}
const mean = results.reduce((a, r) => a + r.mean, 0) / results.length;
console.log(`BENCH ${JSON.stringify({ clients: N, ticks: TICKS, warmup: WARMUP, roam: ROAM, radius: RADIUS, meanMs: mean, runs: results })}`);
