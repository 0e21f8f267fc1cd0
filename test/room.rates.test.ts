/**
 * Update rate by distance with what is owed kept per entity (rooms/patches.ts CellSerializer.due, BANDS): no
 * server, the room's serializer and interest manager driven tick by tick, every client's patches decoded as the SDK
 * would. The rates go by the tile a client stands on (within NEAR_BLOCKS every tick, then by BANDS from its band
 * square, the last one through its cell): in band b at most every BANDS[b].every ticks, and a move only once it
 * is BANDS[b].moved blocks long (what three quarters of a walker's pace covers in `every`), the entity stands
 * still or twice `every` has passed; what an entity owes is
 * settled when it goes out, whichever cell a client is in.
 */
import assert from 'node:assert/strict';
import { ClientState, type Client } from '@colyseus/core';
import { Decoder } from '@colyseus/schema';
import { BANDS, CellSerializer, NEAR_BLOCKS, STILL_TICKS, TILE_BLOCKS, updateEvery } from '../rooms/patches.js';
import { EMPTY_CELL_TICKS, InterestManager, PREWARM_SHOWN } from '../rooms/interest.js';
import { payloadOf } from '../rooms/wsframes.js';
import { CharacterState, RegionState } from '../schema/index.js';

const RADIUS = 4;
/** The last band's interval: the longest. */
const LONGEST = BANDS[BANDS.length - 1]!.every;

function world() {
  const state = new RegionState();
  const interest = new InterestManager(state, RADIUS);
  const serializer = new CellSerializer(interest);
  serializer.reset(state);
  const clients: Client[] = [];
  /** Frames written to each client's socket, by character id. */
  const frames = new Map<string, number>();
  const character = (id: string, x: number, z: number) => {
    const c = Object.assign(new CharacterState(), { id, name: id, characterClass: 'mage', x, y: 70, z, hp: 20, maxHp: 20 });
    state.characters.set(id, c);
    return c;
  };
  /** A client playing `id`: its frames are decoded into its own copy of the state. */
  const join = (id: string) => {
    const copy = new RegionState();
    const decoder = new Decoder(copy);
    const socket = { write: (f: Buffer) => (frames.set(id, (frames.get(id) ?? 0) + 1), decoder.decode(payloadOf(f), { offset: 1 }), true) };
    const ref = { readyState: 1, _socket: socket, _sender: { _state: 0, _firstFragment: true } };
    const client = { sessionId: id, state: ClientState.JOINING, raw: (b: Uint8Array) => decoder.decode(b, { offset: 1 }), ref } as unknown as Client;
    interest.attach(client, id);
    decoder.decode(serializer.getFullState(client), { offset: 1 });
    (client as { state: ClientState }).state = ClientState.JOINED;
    clients.push(client);
    return copy;
  };
  let tick = 0;
  const step = () => {
    state.tick = ++tick;
    interest.update(tick);
    serializer.applyPatches(clients, state);
  };
  /** Steps until `seen` holds (at most two LONGEST periods); the ticks it took. */
  const stepUntil = (seen: () => boolean, what: string) => {
    for (let n = 1; n <= 2 * LONGEST; n++) {
      step();
      if (seen()) return n;
    }
    assert.fail(`never: ${what}`);
  };
  return { state, interest, serializer, frames, character, join, step, stepUntil, get tick() { return tick; } };
}

describe('update rate by distance, owed per entity (rooms/patches.ts)', () => {
  // A watcher at (8, 8) stands on tile (2, 2), x and z 8..12 (TILE_BLOCKS 4), which is also its band square
  // (BAND_BLOCKS 4): NEAR_BLOCKS (3) of the tile reach x 15; band b of the square reaches x 12 + BANDS[b].blocks.
  // Within RADIUS columns of column 0: x below 80.
  const TILE = Math.floor(8 / TILE_BLOCKS);
  /** An x in the middle of band b for that watcher (z 8). */
  const bandX = (b: number) => 12 + ((BANDS[b - 1]?.blocks ?? NEAR_BLOCKS) + Math.min(BANDS[b]!.blocks, 44)) / 2;
  const FAR_X = 78; // beyond the last tile band for watchers at x 8 and at x 40 (x 40..44: 34 blocks off), in view of both

  it('an entity within NEAR_BLOCKS of a client\'s tile reaches it in the patch of every tick it changes in', () => {
    const w = world();
    w.character('watcher', 8, 8);
    // Others on every phase, so that every tick is some entity's due tick in some band, the last one included.
    for (let i = 0; i < 12; i++) w.character(`o${i}`, 30 + i * 3, 40);
    const e = w.character('e', 8 + TILE_BLOCKS + NEAR_BLOCKS - 1, 8);
    const view = w.join('watcher');
    for (let t = 0; t < 2 * LONGEST; t++) {
      e.z = 8 + (t % 2) / 2;
      for (const [i, o] of [...w.state.characters.values()].entries()) if (o.id.startsWith('o')) o.z = 40 + ((t + i) % 3) / 4;
      w.step();
      assert.equal(view.characters.get('e')!.z, e.z, `tick ${w.tick}`);
    }
  });

  it('entities spread far apart in one state (the near indexes coarsen) still reach the clients near them every tick', () => {
    const w = world();
    const spots = [[8, 8], [200_000, 200_000], [-150_000, 90_000]] as const;
    const walkers = spots.map(([x, z], i) => (w.character(`watcher${i}`, x, z), w.character(`walker${i}`, x + 2, z)));
    const pairs = walkers.map((e, i) => ({ e, view: w.join(`watcher${i}`) }));
    for (let t = 0; t < 2 * BANDS[0]!.every; t++) {
      for (const { e } of pairs) e.z += 0.25;
      w.step();
      for (const { e, view } of pairs) assert.equal(view.characters.get(e.id)?.z, e.z, `${e.id}, tick ${w.tick}`);
    }
  });

  /**
   * Band b's entity walking along z by `step` blocks a tick (from where its walk stays in the band) while a watcher at
   * (8, 8) looks: the ticks between the patches that showed it moved, after the first (the first interval is
   * staggered by its reference id), and how far behind its copy was at most.
   */
  function walk(b: number, step: number, intervals: number) {
    const w = world();
    w.character('watcher', 8, 8);
    const span = step * (intervals + 2) * Math.max(BANDS[b]!.every, BANDS[b]!.moved / step);
    // Just past the band's inner edge, where a walk along z stays in it longest.
    const x = b === 0 ? 8 + TILE_BLOCKS + NEAR_BLOCKS + 0.5 : 12 + BANDS[b - 1]!.blocks + 0.5;
    const e = w.character('e', x, 10 - span / 2);
    const view = w.join('watcher');
    w.step();
    const shown = () => view.characters.get('e')!.z;
    let last = shown(), at = -1, behind = 0;
    const gaps: number[] = [];
    while (gaps.length < intervals) {
      e.z += step;
      assert.equal(updateEvery(TILE, TILE, e.x, e.z), BANDS[b]!.every, `still in band ${b} at z ${e.z}`);
      behind = Math.max(behind, e.z - shown());
      w.step();
      if (shown() === last) continue;
      last = shown();
      assert.equal(last, e.z, 'what went out is where it is');
      if (at >= 0) gaps.push(w.tick - at);
      at = w.tick;
    }
    return { gaps, behind };
  }

  /**
   * Every gap is `every`, but for the ones cut short by the entity going out in the last band (through the cells,
   * to every client that shows it: once per LONGEST ticks).
   */
  function assertGaps(gaps: number[], every: number, b: number) {
    assert.ok(gaps.every((g) => g <= every), `band ${b}: ${gaps} at most ${every} apart`);
    const total = gaps.reduce((a, g) => a + g, 0);
    const cut = b === BANDS.length - 1 ? 0 : Math.ceil(total / LONGEST);
    assert.ok(gaps.filter((g) => g < every).length <= cut, `band ${b}: ${gaps} ${every} apart but for the last band's`);
  }

  it('an entity in band b of a client moving at three quarters of a walker\'s pace or faster reaches it every BANDS[b].every ticks', () => {
    for (const [b, band] of BANDS.entries()) {
      const step = 0.25; // 5 blocks/s: more than `moved` in every band's `every`
      assert.ok(step * band.every >= band.moved);
      const { gaps, behind } = walk(b, step, 3);
      assertGaps(gaps, band.every, b);
      assert.ok(behind <= step * band.every, `band ${b}: at most ${band.every} ticks of walking behind (${behind})`);
    }
  });

  it('one slower reaches it once it has moved BANDS[b].moved blocks: never farther behind than that', () => {
    for (const [b, band] of BANDS.entries()) {
      const step = 0.125; // 2.5 blocks/s (a walker slowed to 58 %)
      const ticks = Math.ceil(band.moved / step);
      assert.ok(ticks > band.every && ticks < 2 * band.every, 'between its interval and twice it');
      const { gaps, behind } = walk(b, step, 3);
      assertGaps(gaps, ticks, b);
      // `moved` (1.6 · 2^b) is no multiple of the step: it goes out at the first step past it.
      assert.ok(behind <= ticks * step, `band ${b}: at most ${ticks} steps behind, ${band.moved} blocks and less than a step (${behind})`);
    }
  });

  it('standing still, an entity reaches it exactly within STILL_TICKS or its interval; turning on the spot, every twice its interval', () => {
    const w = world();
    w.character('watcher', 8, 8);
    const es = BANDS.map((_, b) => w.character(`b${b}`, bandX(b), 8));
    const view = w.join('watcher');
    for (let i = 0; i < LONGEST; i++) w.step();
    for (const [b, band] of BANDS.entries()) {
      const e = es[b]!;
      // Half a block: less than any band's `moved`. It stops at once: out as soon as it is still and its interval is over.
      e.z = 8.5;
      const took = w.stepUntil(() => view.characters.get(e.id)!.z === 8.5, `${e.id} stopped`);
      assert.ok(took <= Math.max(STILL_TICKS, band.every), `band ${b}: ${took} ticks`);
      // Turning a little every tick: its facing goes out every twice its interval.
      const seen: number[] = [];
      let yaw = view.characters.get(e.id)!.yaw;
      for (let t = 0; t < 4 * band.every + 1; t++) {
        e.yaw += 1 / 64;
        w.step();
        if (view.characters.get(e.id)!.yaw !== yaw) (yaw = view.characters.get(e.id)!.yaw), seen.push(w.tick);
      }
      assert.ok(seen.length >= 2, `band ${b}: its facing went out`);
      assert.equal(seen[1]! - seen[0]!, 2 * band.every, `band ${b}: every ${2 * band.every} ticks`);
      e.yaw = 0;
      w.stepUntil(() => view.characters.get(e.id)!.yaw === 0, 'still again');
    }
  });

  it('a change other than a move goes out at its interval; one made while an entity was far reaches a client whatever cell it walked to', () => {
    const w = world();
    w.character('stayer', 40, 8);
    const mover = w.character('mover', 8, 8);
    const e = w.character('e', FAR_X, 8);
    const seenByMover = w.join('mover');
    const seenByStayer = w.join('stayer');
    for (let i = 0; i < LONGEST; i++) w.step();
    // In the last band for both: a change goes out at once (its interval is over), the next one an interval later.
    assert.equal(updateEvery(Math.floor(40 / TILE_BLOCKS), TILE, e.x, e.z), LONGEST);
    e.hp = 9;
    assert.equal(w.stepUntil(() => seenByStayer.characters.get('e')!.hp === 9, 'hp 9'), 1);
    e.hp = 7;
    w.step();
    assert.equal(seenByStayer.characters.get('e')!.hp, 9, 'not yet: in the last band for the stayer');
    assert.equal(seenByMover.characters.get('e')!.hp, 9);
    // The mover walks into the stayer's column before e goes out again.
    mover.x = 40;
    const took = 1 + w.stepUntil(() => seenByStayer.characters.get('e')!.hp === 7, 'hp 7');
    assert.equal(took, LONGEST, 'an interval after the first');
    assert.equal(seenByMover.characters.get('e')!.hp, 7, 'its new cell sent what e owed');
  });

  it('a tick on which nothing a client sees changed sends it no frame; a change goes out when due, `tick` with it', () => {
    const w = world();
    w.character('watcher', 8, 8);
    const e = w.character('e', FAR_X, 8);
    const view = w.join('watcher');
    for (let i = 0; i < LONGEST; i++) w.step(); // the view filled
    const sent = () => w.frames.get('watcher') ?? 0;
    const quiet0 = w.serializer.quietSkipped;
    const before = sent();
    for (let i = 0; i < 2 * LONGEST; i++) w.step();
    assert.equal(sent(), before, 'nothing changed: no frame at all');
    assert.equal(w.serializer.quietSkipped - quiet0, 2 * LONGEST);
    assert.ok(view.tick < w.tick, 'its tick is that of its last patch');
    // Two far changes an interval apart: a frame for each, none between.
    e.hp = 3;
    const at = sent();
    w.stepUntil(() => view.characters.get('e')!.hp === 3, 'hp 3');
    e.hp = 4;
    for (let i = 0; i < LONGEST; i++) w.step();
    assert.equal(sent(), at + 2, 'one frame for each');
    assert.equal(view.characters.get('e')!.hp, 4);
    assert.ok(view.tick > w.tick - LONGEST, 'tick came with it');
  });

  it('every view ends with every entity’s last values, whatever the rates (a crowd walking in and out of range)', () => {
    const w = world();
    const watchers = [w.character('a', 8, 8), w.character('b', 40, 8), w.character('c', 8, 72)];
    const views = watchers.map((c) => w.join(c.id));
    const crowd = Array.from({ length: 30 }, (_, i) => w.character(`n${i}`, (i * 7) % 90, (i * 13) % 90));
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let t = 0; t < 3 * LONGEST; t++) {
      for (const c of crowd) {
        // On the wire's 1/32-block grid, as the room's positions are.
        if (random() < 0.5) c.x = Math.round(Math.max(0, Math.min(100, c.x + (random() - 0.5) * 6)) * 32) / 32;
        if (random() < 0.5) c.z = Math.round(Math.max(0, Math.min(100, c.z + (random() - 0.5) * 6)) * 32) / 32;
        if (random() < 0.05) c.hp = Math.round(random() * 20);
      }
      if (t % 17 === 0) watchers[0]!.x = watchers[0]!.x < 50 ? 60 : 8; // a watcher changing cells now and then
      if (t % 7 === 0) watchers[1]!.z = watchers[1]!.z < 12 ? 13.5 : 8; // one changing tiles and band squares
      w.step();
    }
    for (let t = 0; t < 2 * LONGEST; t++) w.step(); // everything owed has gone out: all stand still
    for (const [i, view] of views.entries()) {
      const me = watchers[i]!;
      for (const c of crowd) {
        const shown = view.characters.get(c.id);
        const inRange = Math.max(Math.abs(Math.floor(c.x / 16) - Math.floor(me.x / 16)), Math.abs(Math.floor(c.z / 16) - Math.floor(me.z / 16))) <= RADIUS;
        assert.equal(!!shown, inRange, `${me.id} shows ${c.id} iff in range`);
        if (shown) assert.deepEqual([shown.x, shown.z, shown.hp], [c.x, c.z, c.hp], `${me.id}'s copy of ${c.id}`);
      }
    }
  });
});

const column = (v: number) => Math.floor(v / 16);
const inRangeOf = (me: { x: number; z: number }, c: { x: number; z: number }) =>
  Math.max(Math.abs(column(c.x) - column(me.x)), Math.abs(column(c.z) - column(me.z))) <= RADIUS;
/** `view` (me's decoded state) shows every other character iff it is within RADIUS columns of me, with its current values. */
function holdsInRange(w: ReturnType<typeof world>, view: RegionState, me: CharacterState): void {
  for (const c of w.state.characters.values()) {
    if (c.id === me.id) continue;
    const shown = view.characters.get(c.id);
    assert.equal(!!shown, inRangeOf(me, c), `shows ${c.id} iff in range`);
    if (shown) assert.deepEqual([shown.x, shown.z, shown.hp], [c.x, c.z, c.hp], `its copy of ${c.id}`);
  }
}

describe('cells kept while nobody is in them (rooms/interest.ts EMPTY_CELL_TICKS)', () => {

  it('a client back in a column it left holds what is in range there now, current; the column goes EMPTY_CELL_TICKS after', () => {
    const w = world();
    const me = w.character('me', 8, 8); // column (0, 0)
    const crowd = Array.from({ length: 24 }, (_, i) => w.character(`n${i}`, 4 + ((i * 11) % 150), 4 + ((i * 5) % 40)));
    const view = w.join('me');
    for (let t = 0; t < 5; t++) w.step();
    const cells = w.interest.cellCount;
    me.x = 160; // column 10: column 0 is out of its range
    for (let t = 0; t < 3; t++) w.step();
    assert.equal(w.interest.cellCount, cells + 1, 'the column it left is kept');
    // Meanwhile: some walk into column 0's range and some out of it, one leaves the region, one arrives, one is hurt.
    for (const [i, c] of crowd.entries()) if (i % 3 === 0) c.x = c.x < 80 ? c.x + 90 : c.x - 90;
    const near = crowd.find((c) => inRangeOf({ x: 8, z: 8 }, c) && c.id !== 'n0')!;
    near.hp = 3;
    w.state.characters.delete('n0');
    w.character('late', 30, 20);
    for (let t = 0; t < 30; t++) w.step(); // more than VIEW_REFRESH_TICKS: the kept cell is stale
    me.x = 8;
    w.step(); // the patch that takes it back in: its view is as current as one that never left
    holdsInRange(w, view, me);
    assert.ok(!view.characters.has('n0'), 'what left the region while it was away is gone');
    me.x = 160;
    for (let t = 0; t < EMPTY_CELL_TICKS + 2; t++) w.step();
    assert.equal(w.interest.cellCount, cells, 'column 0 dropped after EMPTY_CELL_TICKS empty');
  });
});


describe('cells made ahead of need (rooms/interest.ts prewarm)', () => {
  /** What the room does after each patch: idle-time work until there is none (bounded). */
  const idle = (w: ReturnType<typeof world>) => {
    let n = 0;
    while (w.interest.prewarm()) assert.ok(++n < 100, 'prewarm runs out of work');
    return n;
  };

  it('around a crowd the empty neighbour columns are made in idle time; a client stepping into one holds exactly what is in range, current', () => {
    const w = world();
    const me = w.character('me', 8, 8); // column (0, 0)
    const crowd = Array.from({ length: PREWARM_SHOWN + 8 }, (_, i) => w.character(`c${i}`, 1 + ((i * 7) % 30), 1 + ((i * 13) % 30)));
    const view = w.join('me');
    w.step();
    const before = w.interest.cellCount;
    assert.equal(idle(w) >= 8, true, 'the eight columns around the occupied one are made');
    assert.equal(w.interest.cellCount, before + 8);
    assert.equal(idle(w), 0, 'nothing more to do while nothing changed');
    // Meanwhile: some walk out of reach of column (1, 0) and some into it, one leaves, one arrives, one is hurt.
    for (const [i, c] of crowd.entries()) if (i % 4 === 0) c.x += 80;
    crowd[1]!.hp = 5;
    w.state.characters.delete('c2');
    w.character('late', 70, 10);
    // Ahead-made cells nobody is in are brought up to date in idle time (WARM_REFRESH_TICKS) and go stale between.
    for (let t = 0; t < 30; t++) {
      w.step();
      if (t < 25) idle(w);
    }
    const made = w.interest.cellsMade;
    me.x = 20; // column (1, 0): made ahead
    w.step();
    assert.equal(w.interest.cellsMade, made, 'stepping in made no cell inside the tick');
    for (let t = 0; t < 3; t++) w.step();
    holdsInRange(w, view, me);
    assert.ok(!view.characters.has('c2'), 'what left the region is gone');
  });

  it('what left the state after the tick (a handoff) is not shown by a column made ahead in its idle time', () => {
    const w = world();
    w.character('me', 8, 8);
    for (let i = 0; i < PREWARM_SHOWN + 4; i++) w.character(`c${i}`, 1 + ((i * 7) % 30), 1 + ((i * 13) % 30));
    w.join('me');
    w.step(); // the tick's grid holds every character
    w.state.characters.delete('c0');
    w.state.characters.delete('c1');
    assert.ok(idle(w) >= 8);
    w.character('next', 20, 8); // column (1, 0)
    const view = w.join('next'); // its cell was made ahead: its full state is what that cell shows
    assert.ok(!view.characters.has('c0') && !view.characters.has('c1'), 'no entity that left the state');
    assert.equal(view.characters.size, 1 + (PREWARM_SHOWN + 2) + 1, 'me, the crowd less the two that left, and itself');
  });

  it('a column made ahead lives while a neighbour is occupied and is dropped EMPTY_CELL_TICKS after; none around a few', () => {
    const w = world();
    const me = w.character('me', 8, 8);
    for (let i = 0; i < PREWARM_SHOWN; i++) w.character(`c${i}`, 1 + ((i * 7) % 30), 1 + ((i * 13) % 30));
    w.join('me');
    w.step();
    idle(w);
    const ring = w.interest.cellCount, made = w.interest.cellsMade;
    for (let t = 0; t < EMPTY_CELL_TICKS + 2; t++) {
      w.step();
      idle(w);
    }
    assert.equal(w.interest.cellCount, ring, 'kept next to the occupied column');
    assert.equal(w.interest.cellsMade, made, 'none dropped and made again');
    me.x = 16 * (2 * RADIUS + 4); // far from the crowd: fewer than PREWARM_SHOWN in view there
    for (let t = 0; t < EMPTY_CELL_TICKS + 2; t++) {
      w.step();
      idle(w);
    }
    assert.equal(w.interest.cellCount, 1, 'only the column it stands in is left; nothing is made around a client alone');
  });
});
