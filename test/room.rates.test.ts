/**
 * Update rate by distance with what is owed kept per entity (rooms/patches.ts CellSerializer.due, updateEvery): no
 * server, the room's serializer and interest manager driven tick by tick, every client's patches decoded as the SDK
 * would. The rates go by the tile a client stands on (within NEAR_BLOCKS every tick, then by BANDS from its band
 * square, the last one through its cell); what an entity owes is settled on its own due ticks, whichever cell a
 * client is in.
 */
import assert from 'node:assert/strict';
import { ClientState, type Client } from '@colyseus/core';
import { Decoder } from '@colyseus/schema';
import { BANDS, CELL_EVERY, CellSerializer, isDue, NEAR_BLOCKS, TILE_BLOCKS, updateEvery } from '../rooms/patches.js';
import { EMPTY_CELL_TICKS, InterestManager, PREWARM_SHOWN } from '../rooms/interest.js';
import { payloadOf } from '../rooms/wsframes.js';
import { refIdOf } from '../rooms/fullstate.js';
import { CharacterState, RegionState } from '../schema/index.js';

const RADIUS = 4;

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
  /** Steps until the next tick for which `due` holds (at most two CELL_EVERY periods). */
  const stepTo = (due: (t: number) => boolean) => {
    for (let n = 0; n < 2 * CELL_EVERY && !due(tick + 1); n++) step();
    assert.ok(due(tick + 1));
  };
  return { state, interest, serializer, frames, character, join, step, stepTo, get tick() { return tick; } };
}

describe('update rate by distance, owed per entity (rooms/patches.ts)', () => {
  // A watcher at (8, 8) stands on tile (4, 4), x and z 8..10 (TILE_BLOCKS 2), in band square (2, 2), x and z 8..12
  // (BAND_BLOCKS 4): NEAR_BLOCKS (4) of the tile reach x 14; band b of the square reaches x 12 + BANDS[b].blocks.
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
    for (let t = 0; t < 2 * CELL_EVERY; t++) {
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

  it('an entity in band b of a client reaches it every BANDS[b].every ticks, and not on the due ticks of nearer bands', () => {
    const w = world();
    w.character('watcher', 8, 8);
    const es = BANDS.map((_, b) => w.character(`b${b}`, bandX(b), 8));
    const view = w.join('watcher');
    for (let i = 0; i < CELL_EVERY; i++) w.step();
    for (const [b, e] of es.entries()) {
      const every = BANDS[b]!.every;
      assert.equal(updateEvery(TILE, TILE, e.x, e.z), every, `${e.id} at x ${e.x} is in band ${b}`);
      const refId = refIdOf(e);
      // Right after a due tick at its rate, it moves a little: the client has it on the next one, not before.
      w.stepTo((t) => isDue(t, refId, every));
      w.step();
      e.z = 8.5;
      const from = w.tick;
      w.stepTo((t) => isDue(t, refId, every));
      assert.equal(view.characters.get(e.id)!.z, 8, `${e.id}: held back until it is due`);
      w.step();
      assert.equal(view.characters.get(e.id)!.z, 8.5, `${e.id}: there on its due tick`);
      assert.ok(w.tick - from <= every, `${e.id}: within ${every} ticks`);
      if (b > 0) {
        // Its due ticks in the nearer band that are not its own band's send this client nothing of it.
        const nearer = BANDS[b - 1]!.every;
        e.z = 9;
        w.stepTo((t) => isDue(t, refId, nearer) && !isDue(t, refId, every));
        w.step();
        assert.equal(view.characters.get(e.id)!.z, 8.5, `${e.id}: not on a due tick of band ${b - 1}`);
        w.stepTo((t) => isDue(t, refId, every));
        w.step();
        assert.equal(view.characters.get(e.id)!.z, 9, `${e.id}: on its own`);
      }
    }
  });

  it('a change made while an entity was far reaches a client on its CELL_EVERY due tick, whatever cell the client walked to', () => {
    const w = world();
    w.character('stayer', 40, 8);
    const mover = w.character('mover', 8, 8);
    const e = w.character('e', FAR_X, 8);
    const seenByMover = w.join('mover');
    const seenByStayer = w.join('stayer');
    for (let i = 0; i < CELL_EVERY; i++) w.step();
    const refId = refIdOf(e);
    const nearer = BANDS[BANDS.length - 2]!.every;
    w.stepTo((t) => isDue(t, refId, CELL_EVERY));
    w.step();
    e.hp = 7;
    w.stepTo((t) => isDue(t, refId, nearer) && !isDue(t, refId, CELL_EVERY));
    w.step();
    assert.equal(seenByStayer.characters.get('e')!.hp, 20, 'not yet: in the last band for the stayer too');
    assert.equal(seenByMover.characters.get('e')!.hp, 20);
    // The mover walks into the stayer's column before e's next CELL_EVERY due tick.
    mover.x = 40;
    w.step();
    w.stepTo((t) => isDue(t, refId, CELL_EVERY));
    w.step();
    assert.equal(seenByMover.characters.get('e')!.hp, 7, 'its new cell sent what e owed, on e\'s due tick');
    assert.equal(seenByStayer.characters.get('e')!.hp, 7);
  });

  it('a tick on which nothing a client sees changed sends it no frame; a change goes out when due, `tick` with it', () => {
    const w = world();
    w.character('watcher', 8, 8);
    const e = w.character('e', FAR_X, 8);
    const view = w.join('watcher');
    for (let i = 0; i < CELL_EVERY; i++) w.step(); // the view filled
    const sent = () => w.frames.get('watcher') ?? 0;
    const quiet0 = w.serializer.quietSkipped;
    const before = sent();
    for (let i = 0; i < 2 * CELL_EVERY; i++) w.step();
    assert.equal(sent(), before, 'nothing changed: no frame at all');
    assert.equal(w.serializer.quietSkipped - quiet0, 2 * CELL_EVERY);
    assert.ok(view.tick < w.tick, 'its tick is that of its last patch');
    // A far change waits for the entity's due tick, and only that tick sends a frame.
    w.stepTo((t) => isDue(t, refIdOf(e), CELL_EVERY));
    w.step();
    e.hp = 3;
    const at = sent();
    for (let i = 0; i < CELL_EVERY; i++) w.step();
    assert.equal(sent(), at + 1, 'one frame, on the due tick');
    assert.equal(view.characters.get('e')!.hp, 3);
    assert.ok(view.tick > w.tick - CELL_EVERY, 'tick came with it');
  });

  it('every view ends with every entity’s last values, whatever the rates (a crowd walking in and out of range)', () => {
    const w = world();
    const watchers = [w.character('a', 8, 8), w.character('b', 40, 8), w.character('c', 8, 72)];
    const views = watchers.map((c) => w.join(c.id));
    const crowd = Array.from({ length: 30 }, (_, i) => w.character(`n${i}`, (i * 7) % 90, (i * 13) % 90));
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let t = 0; t < 3 * CELL_EVERY; t++) {
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
    for (let t = 0; t < CELL_EVERY; t++) w.step(); // everything owed is due at least once
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
