// The region room's whole tick, in one process, without the network (a script, not a test):
//
//   npm run bench:tick [-- --clients 500 --ticks 600 --warmup 200 --roam 24 --seed 1 --runs 3 --home x,z --move-every 2]
//
// What the room does on each tick (rooms/RegionRoom.ts `tick`), phase by phase, over a crowd wandering from the world
// spawn: the simulation with the content catalogue and the region's NPCs (src/game/region), fed each character's
// move (10 moves/s, so half of them on each 20 Hz tick) as the room's `move` handler submits it; the sync step
// (rooms/sync.ts); interest (rooms/interest.ts); the patch (rooms/patches.ts CellSerializer) to fake clients whose
// sockets count payload bytes. The moves are the bots' own (loadtest/steering.ts Stepper: legal steps of walking
// speed on the generated terrain, hopping up where the ground rises), seeded, on a clock that advances 50 ms per
// tick, so two versions of the room's code can be compared run against run. Reports p50 / p99 / mean per phase and
// for the whole tick, the moves refused, and the bytes per client per second. Without ghosts (one region) and
// without the frames' writes (loadtest/bench.ts measures those, with bots).
import type { Client } from '@colyseus/core';
import { CharacterState, RegionState } from '../schema/index.js';
import { InterestManager } from '../rooms/interest.js';
import { CellSerializer } from '../rooms/patches.js';
import { WireSync } from '../rooms/sync.js';
import { content } from '../rooms/content.js';
import { loadContent } from '../src/content/index.js';
import { defaultSpawn, newCharacterFor, type CharacterRecord } from '../src/game/character.js';
import { RegionSim } from '../src/game/region/index.js';
import { regionOfBlock, spawnPoint } from '../src/world/index.js';
import { quantile, rng } from './children.js';
import { countingClient, offlineArgs, seat } from './offline.js';
import { Stepper, Terrain, type Pos } from './steering.js';

const { N, TICKS, WARMUP, ROAM, RADIUS, SEED, RUNS, HOME, MOVE_EVERY } = offlineArgs();
if (!Number.isInteger(MOVE_EVERY) || MOVE_EVERY < 1) throw new Error('--move-every must be a whole number of ticks, at least 1');
const WORLD_SEED = 1337; // the bench's world (loadtest/bench.ts)
const SPEED = 4.3, MOVE_MS = 100, TICK_MS = 50, DAY_MS = 20 * 60_000;
const PHASES = ['step', 'sync', 'interest', 'patch'] as const;
type Phase = (typeof PHASES)[number];

const terrain = new Terrain(WORLD_SEED);
const catalogue = loadContent();
const mage = catalogue.classById.get('mage')!;

function run(seed: number) {
  const random = rng(seed);
  const home = HOME ? { ...HOME, y: spawnPoint(WORLD_SEED, Math.floor(HOME.x), Math.floor(HOME.z)) } : defaultSpawn(WORLD_SEED);
  const { rx, rz } = regionOfBlock(home.x, home.z);
  let now = 1_700_000_000_000;
  const sim = new RegionSim(WORLD_SEED, rx, rz, { catalogue: content(), now, dayLengthMs: DAY_MS });
  const state = new RegionState();
  const wire = new WireSync(state, () => new CharacterState());
  const interest = new InterestManager(state, RADIUS);
  const serializer = new CellSerializer(interest, () => wire.ownerChanged);
  serializer.reset(state);
  wire.init(sim, 'bench-world');
  let bytes = 0;
  const clients: Client[] = [];
  const walkers: { id: string; stepper: Stepper; pos: Pos }[] = [];
  for (let i = 0; i < N; i++) {
    const id = `c${i}`;
    const fresh = newCharacterFor(mage, catalogue, { name: id, spawn: home });
    const record: CharacterRecord = {
      id, userId: `u${i}`, worldId: 'bench-world', ...fresh,
      cooldowns: new Map(), respawnAt: undefined, handoffs: 0, mastery: new Map(),
    } as CharacterRecord;
    const c = sim.enter(record, now);
    wire.addCharacter(c);
    walkers.push({ id, stepper: new Stepper(terrain, { kind: 'wander', home, roam: ROAM }, (SPEED * MOVE_MS) / 1000, random), pos: { x: c.x, y: c.y, z: c.z } });
    const client = countingClient(id, (n) => (bytes += n));
    clients.push(client);
    interest.attach(client, id);
  }
  seat(serializer, clients);
  const times: Record<Phase | 'tick', number[]> = { step: [], sync: [], interest: [], patch: [], tick: [] };
  let refused = 0, moves = 0, measuredBytes = 0;
  for (let tick = 1; tick <= WARMUP + TICKS; tick++) {
    const measured = tick > WARMUP;
    now += TICK_MS;
    // A walker moves every MOVE_EVERY ticks (by default half of them on each tick: 10 moves/s at 20 ticks/s), each
    // from where it last asked to be.
    for (let i = tick % MOVE_EVERY; i < N; i += MOVE_EVERY) {
      const w = walkers[i]!;
      const to = w.stepper.next(w.pos, now);
      if (!to) continue;
      w.pos = { x: to.x, y: to.y, z: to.z };
      if (measured) moves++;
      sim.submit({ kind: 'move', characterId: w.id, to }, (r) => {
        if (r.ok) return;
        if (measured) refused++;
        const c = sim.characters.get(w.id)!; // refused: the next step starts from where the server has it (a correction)
        w.pos = { x: c.x, y: c.y, z: c.z };
      });
    }
    const t0 = performance.now();
    const ev = sim.step(now, TICK_MS);
    const t1 = performance.now();
    wire.tick(sim, ev);
    const t2 = performance.now();
    interest.update(state.tick);
    const t3 = performance.now();
    const before = bytes;
    serializer.applyPatches(clients, state);
    const t4 = performance.now();
    if (measured) {
      times.step.push(t1 - t0);
      times.sync.push(t2 - t1);
      times.interest.push(t3 - t2);
      times.patch.push(t4 - t3);
      times.tick.push(t4 - t0);
      measuredBytes += bytes - before;
    }
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
  };
  return {
    phases: Object.fromEntries([...PHASES, 'tick'].map((p) => [p, stats(times[p as Phase | 'tick'])])) as Record<Phase | 'tick', ReturnType<typeof stats>>,
    refusedShare: refused / Math.max(1, moves),
    movesPerTick: moves / TICKS,
    bytesPerClientS: measuredBytes / N / ((TICKS * TICK_MS) / 1000),
  };
}

const results: ReturnType<typeof run>[] = [];
for (let r = 0; r < RUNS; r++) {
  const res = run(SEED + r);
  results.push(res);
  const f = (p: Phase | 'tick') => `${p} ${res.phases[p].p50.toFixed(2)} / ${res.phases[p].p99.toFixed(2)} / ${res.phases[p].mean.toFixed(2)}`;
  console.log(
    `run ${r + 1} (ms per tick, p50 / p99 / mean): ${[...PHASES, 'tick' as const].map(f).join('; ')}; ` +
      `${res.movesPerTick.toFixed(0)} moves per tick, ${(res.refusedShare * 100).toFixed(1)} % refused; ${Math.round(res.bytesPerClientS)} B/client/s`,
  );
}
const mean = (p: Phase | 'tick') => results.reduce((a, r) => a + r.phases[p].mean, 0) / results.length;
console.log(`BENCH ${JSON.stringify({ clients: N, ticks: TICKS, warmup: WARMUP, roam: ROAM, radius: RADIUS, meanMs: Object.fromEntries([...PHASES, 'tick'].map((p) => [p, mean(p as Phase)])), runs: results })}`);
