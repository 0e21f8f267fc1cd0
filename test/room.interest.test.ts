/**
 * Interest with shared cell views (rooms/interest.ts, rooms/patches.ts): as a
 * player walks from chunk column to chunk column, every client's state holds
 * exactly the characters within VIEW_RADIUS chunk columns of its own, at
 * their current positions, and owner-only fields only for its own character.
 * Cell changes are where a shared view could leave a client with too much or
 * too little: the walker changes cells, and the observers' cells gain and lose
 * it.
 */
import assert from 'node:assert/strict';
import type { Room } from '@colyseus/sdk';
import { bootTestServer, type TestServer } from './support/server.js';
import { ClientState, matchMaker, type Client } from '@colyseus/core';
import { $changes, Encoder, StateView } from '@colyseus/schema';
import { BAND_BLOCKS, BANDS, NEAR_BLOCKS, personalPart, TILE_BLOCKS, updateEvery } from '../rooms/patches.js';
import { InterestManager } from '../rooms/interest.js';
import { CharacterState, NpcState, OWNER, RegionState } from '../schema/index.js';
import { me, newPlayer, placeCharacter, roomSession, ticks, until, walkableStrip, walkX, WIRE_EPS, type Player } from './support/game.js';

const R = 2; // VIEW_RADIUS_CHUNKS
const col = (x: number) => Math.floor(x / 16);

describe('interest with shared cell views', function () {
  this.timeout(90_000);
  let t: TestServer;
  const rooms = roomSession(() => t);

  before(async () => {
    t = await bootTestServer({ VIEW_RADIUS_CHUNKS: String(R), PERSIST_INTERVAL_MS: '1000' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('a walker across chunk columns: every client holds exactly what is in range, current, with owner-only fields only for itself', async () => {
    const players = await Promise.all(Array.from({ length: 5 }, () => newPlayer(t)));
    const [walker, ...observers] = players as [Player, ...Player[]];
    let strip: ReturnType<typeof walkableStrip> | undefined;
    for (let rx = 70; !strip && rx < 120; rx++) {
      try {
        strip = walkableStrip(walker.seed, rx, 16 * (R + 3) + 2, 1, { chunkAligned: true });
      } catch {
        /* next region */
      }
    }
    assert.ok(strip, 'a walkable strip exists');
    const s = strip;
    const where = new Map<string, number>(); // characterId → x (all on the strip's z)
    for (const [i, o] of observers.entries()) {
      const x = s.x + 20 * i + 3;
      await placeCharacter(t, o, x, s.z, s.yAt(x));
      where.set(o.characterId, x);
    }
    await placeCharacter(t, walker, s.x + 1, s.z, s.yAt(s.x + 1));
    where.set(walker.characterId, s.x + 1);
    const joined = new Map<Player, Room<any, any>>();
    for (const p of players) joined.set(p, await rooms.enter(p));
    const roomIds = new Set([...joined.values()].map((r) => r.roomId));
    assert.equal(roomIds.size, 1, 'one region room');

    const expected = (p: Player) =>
      [...where].filter(([id, x]) => id !== p.characterId && Math.abs(col(x) - col(where.get(p.characterId)!)) <= R).map(([id]) => id).sort();
    const holds = async (label: string) => {
      for (const [p, room] of joined) {
        const want = expected(p);
        await until(
          room,
          (st) => {
            const ids = [...st.characters.keys()].filter((id: string) => id !== p.characterId).sort();
            if (JSON.stringify(ids) !== JSON.stringify(want)) return false;
            return want.every((id) => Math.abs(st.characters.get(id).x - where.get(id)!) <= WIRE_EPS);
          },
          `${label}: client at column ${col(where.get(p.characterId)!)} holds ${want.length} others`,
        );
        assert.ok(me(room, p).knownSpells?.length > 0, 'own owner-only fields');
        for (const id of want) assert.ok(!room.state.characters.get(id).knownSpells?.length, 'no one else\'s owner-only fields');
      }
    };
    await holds('at the start');

    const rw = joined.get(walker)!;
    const feet = (x: number) => Math.max(s.yAt(x - 0.3), s.yAt(x), s.yAt(x + 0.29));
    const step = async (to: { x: number; y: number; z: number }) => {
      const r = await rw.request('move', to);
      assert.equal(r.ok, true, `step to ${JSON.stringify(to)}: ${JSON.stringify(r)}`);
    };
    let lastCol = col(s.x + 1);
    for (let x = s.x + 1.3; x < s.x + 16 * (R + 3); x += 0.3) {
      const cur = me(rw, walker);
      const y = feet(x);
      if (y > cur.y) await step({ x: cur.x, y, z: s.z });
      await step({ x, y: Math.max(y, cur.y), z: s.z });
      if (y < cur.y) await step({ x, y, z: s.z });
      await until(rw, () => Math.abs(me(rw, walker).x - x) <= WIRE_EPS, 'own move applied');
      where.set(walker.characterId, x);
      if (col(x) !== lastCol) {
        lastCol = col(x);
        await holds(`walker entered column ${lastCol}`);
      }
    }
    assert.ok(lastCol - col(s.x) >= R + 2, 'the walker crossed the whole view');
  });

  it(`a client within NEAR_BLOCKS (${NEAR_BLOCKS}) of a walker gets every step in the patch of its tick; one farther ends at the last step`, async () => {
    const [walker, nearBy, farther] = (await Promise.all([newPlayer(t), newPlayer(t), newPlayer(t)])) as [Player, Player, Player];
    let strip: ReturnType<typeof walkableStrip> | undefined;
    for (let rx = 130; !strip && rx < 180; rx++) {
      try {
        strip = walkableStrip(walker.seed, rx, 40, 0, { chunkAligned: true });
      } catch {
        /* next region */
      }
    }
    assert.ok(strip, 'a flat strip exists');
    const s = strip;
    await placeCharacter(t, walker, s.x + 1, s.z, s.y);
    await placeCharacter(t, nearBy, s.x + 5, s.z, s.y);
    await placeCharacter(t, farther, s.x + 30, s.z, s.y);
    const rw = await rooms.enter(walker);
    const rn = await rooms.enter(nearBy);
    const rf = await rooms.enter(farther);
    await until(rf, (st) => st.characters.get(walker.characterId), 'the farther client shows the walker');
    const seen: number[] = [];
    rn.onStateChange((st: any) => {
      const x = st.characters.get(walker.characterId)?.x;
      if (x !== undefined && seen.at(-1) !== x) seen.push(x);
    });
    const end = await walkX(rw, { x: s.x + 1, y: s.y, z: s.z }, s.x + 8);
    const steps = Array.from({ length: Math.round((end.x - (s.x + 1)) / 0.3) }, (_, i) => s.x + 1 + 0.3 * (i + 1));
    assert.ok(steps.length >= 20, `${steps.length} steps`);
    const arrived = (st: any) => Math.abs(st.characters.get(walker.characterId)?.x - end.x) <= WIRE_EPS;
    await until(rn, arrived, 'the near client has the last step');
    await until(rf, arrived, 'the farther client has the last step');
    const missed = steps.filter((x) => !seen.some((v) => Math.abs(v - x) <= WIRE_EPS));
    assert.deepEqual(missed, [], `the near client saw ${seen.length} positions`);
  });

  it('a character that respawns far off keeps its own object on its client, and the clients there see it at once', async () => {
    const [dying, there] = (await Promise.all([newPlayer(t), newPlayer(t)])) as [Player, Player];
    const rx = 60, rz = 3; // the region's spawn is its centre (src/game/region/sim.ts)
    const spawn = { x: rx * 128 + 64.5, z: rz * 128 + 64.5 };
    await placeCharacter(t, dying, spawn.x - 50, spawn.z); // 3+ chunk columns away: outside the spawn's cells (R = 2)
    await placeCharacter(t, there, spawn.x + 1, spawn.z);
    const rd = await rooms.enter(dying);
    const rt = await rooms.enter(there);
    assert.equal(rd.roomId, rt.roomId, 'one region room');
    await ticks(rt, 2);
    assert.equal(rt.state.characters.get(dying.characterId), undefined, 'out of view before');
    const own = me(rd, dying);
    assert.ok(own.xp !== undefined && own.knownSpells?.length > 0, 'own owner-only fields');
    const removed: string[] = [];
    const seen = (st: any) => {
      if (!st.characters.get(dying.characterId)) removed.push(`tick ${st.tick}`);
    };
    rd.onStateChange(seen);
    // Dead, respawn due at once: the next tick puts it at the spawn (src/game/region/vitals.ts).
    const live = (matchMaker.getLocalRoomById(rd.roomId) as any).sim.characters.get(dying.characterId);
    Object.assign(live, { hp: 0, respawnAt: 0 });
    const atSpawn = (st: any) => Math.abs(st.characters.get(dying.characterId)?.x - spawn.x) <= WIRE_EPS;
    await until(rt, atSpawn, 'the client at the spawn sees it');
    await until(rd, atSpawn, 'its own client has it at the spawn');
    await ticks(rd, 2 * 4); // past the cells' refreshes (VIEW_REFRESH_TICKS)
    assert.deepEqual(removed, [], 'never gone from its own client');
    assert.equal(me(rd, dying), own, 'the same object');
    assert.ok(own.xp !== undefined && own.knownSpells?.length > 0 && own.mana !== undefined, 'owner-only fields kept');
  });
});

describe('update rate by distance (rooms/patches.ts updateEvery)', () => {
  it('every tick within NEAR_BLOCKS of the tile, then by BANDS from the band square', () => {
    // Tile (2, 3) spans x 8..12, z 12..16 (TILE_BLOCKS 4), and so does its band square (BAND_BLOCKS 4).
    assert.deepEqual([TILE_BLOCKS, BAND_BLOCKS], [4, 4], 'the geometry below');
    const last = BANDS[BANDS.length - 1]!.every;
    assert.equal(updateEvery(2, 3, 11, 13), 1, 'on the tile');
    assert.equal(updateEvery(2, 3, 12 + NEAR_BLOCKS, 13), 1, `${NEAR_BLOCKS} blocks east of it`);
    assert.equal(updateEvery(2, 3, 8 - NEAR_BLOCKS, 13), 1, `${NEAR_BLOCKS} blocks west of it`);
    assert.equal(updateEvery(2, 3, 12 + 2, 16 + 2), 1, 'diagonal, 2.8 blocks off it');
    assert.equal(updateEvery(2, 3, 12 + NEAR_BLOCKS + 0.5, 13), BANDS[0]!.every);
    assert.equal(updateEvery(2, 3, 8 - NEAR_BLOCKS - 0.5, 13), BANDS[0]!.every);
    assert.equal(updateEvery(2, 3, 12 + 2.5, 16 + 2.5), BANDS[0]!.every, 'diagonal, 3.5 blocks off it');
    for (const [b, band] of BANDS.entries()) {
      if (band.blocks === Infinity) break;
      assert.equal(updateEvery(2, 3, 12 + band.blocks, 13), band.every, `${band.blocks} blocks east of the square`);
      assert.equal(updateEvery(2, 3, 8 - band.blocks, 13), band.every, `${band.blocks} blocks west of it`);
      assert.equal(updateEvery(2, 3, 12 + band.blocks + 0.5, 13), BANDS[b + 1]!.every);
    }
    assert.equal(updateEvery(2, 3, 12 + 6, 16 + 6), BANDS[1]!.every, 'diagonal, 8.5 blocks off the square');
    assert.equal(updateEvery(2, 3, 500, 13), last);
  });
});

describe('personal views reused after a leave (rooms/interest.ts detach)', () => {
  type T = { forEachChild(cb: (child: T | undefined) => void): void };
  /** Every change tree of the state. */
  function trees(state: RegionState): T[] {
    const out: T[] = [];
    const walk = (t: T) => {
      out.push(t);
      t.forEachChild((c) => c && walk(c));
    };
    walk((state as unknown as Record<symbol, T>)[$changes]!);
    return out;
  }
  const hero = (id: string) => {
    const c = Object.assign(new CharacterState(), { id, name: id, characterClass: 'mage', x: 10, y: 70, z: 10, hp: 9, maxHp: 9, mana: 5, maxMana: 9, xp: 1 });
    c.knownSpells.push('spark');
    c.cooldowns.set('spark', 100);
    return c;
  };

  it('a reused view holds exactly what a new one would: no trace of the character it held before', () => {
    const state = new RegionState();
    const x = hero('x'), y = hero('y');
    state.characters.set('x', x);
    state.characters.set('y', y);
    state.npcs.set('n', Object.assign(new NpcState(), { id: 'n', kind: 'wolf', x: 1, y: 70, z: 1, hp: 3, maxHp: 3 }));
    const encoder = new Encoder(state);
    const buffer = new Uint8Array(64 * 1024);
    const patch = (view: StateView) => {
      const it = { offset: 0 };
      encoder.encode(it, undefined, buffer);
      const shared = it.offset;
      return encoder.encodeView(view, shared, it, buffer).subarray(shared);
    };
    const interest = new InterestManager(state, 4);
    const client = (sessionId: string) => ({ sessionId, state: ClientState.JOINED }) as unknown as Client & { view: StateView };

    const a = client('a');
    interest.attach(a, 'x');
    x.mana = 3;
    x.cooldowns.set('ward', 7);
    x.knownSpells.push('ward');
    patch(a.view);
    encoder.discardChanges();
    interest.detach('a');

    const b = client('b');
    interest.attach(b, 'y');
    assert.equal(b.view, a.view, 'the view of the client that left is reused');
    const fresh = new StateView();
    fresh.add(y);
    fresh.add(y, OWNER);
    for (const t of trees(state)) {
      const tree = t as unknown as Parameters<StateView['isVisible']>[0];
      assert.equal(b.view.isVisible(tree), fresh.isVisible(tree), 'visible to the reused view iff to a new one');
      assert.equal(b.view.hasTagOnTree(tree, OWNER), fresh.hasTagOnTree(tree, OWNER), 'OWNER tag on the reused view iff on a new one');
    }
    // The character it held before changes its owner-only fields: the reused view's patch is a new view's, byte for byte.
    x.mana = 1;
    x.cooldowns.set('spark', 200);
    y.mana = 2;
    const reused = Buffer.from(patch(b.view));
    const expected = Buffer.from(patch(fresh));
    assert.ok(reused.length > 0);
    assert.deepEqual(reused, expected);
    interest.detach('b');
    fresh.dispose();
  });

  it('a personal part walks only the own character and its ancestors, and is what encodeView makes, byte for byte (rooms/patches.ts personalPart)', () => {
    const state = new RegionState();
    const x = hero('x'), y = hero('y');
    state.characters.set('x', x);
    state.characters.set('y', y);
    const encoder = new Encoder(state);
    const buffer = new Uint8Array(64 * 1024);
    const view = new StateView();
    view.add(x);
    view.add(x, OWNER);
    const both = () => {
      const it = { offset: 1 };
      encoder.encode(it);
      const shared = it.offset;
      const mine = Buffer.from(personalPart(encoder, view, x, shared, it));
      const theirs = Buffer.from(encoder.encodeView(view, shared, it, encoder.sharedBuffer).subarray(shared));
      encoder.discardChanges();
      return { mine, theirs };
    };
    encoder.encode({ offset: 0 }, undefined, buffer); // the join's patch (a queued view goes through encodeView)
    view.changes.clear();
    encoder.discardChanges();
    const ticks: (() => void)[] = [
      () => ((x.mana = 2), (x.x = 11), (state.tick = 1)), // owner-only and public fields
      () => (x.cooldowns.set('ward', 9), x.knownSpells.push('ward'), (y.mana = 1), (y.z = 12)), // its collections; another's fields
      () => state.characters.set('z', hero('z')), // someone else joins: nothing for this view
      () => ((y.hp = 4), (state.timeOfDay = 3)), // nothing of its own
      () => (state.characters.delete('y'), (x.xp = 5)),
    ];
    let nonEmpty = 0;
    for (const change of ticks) {
      change();
      const { mine, theirs } = both();
      assert.deepEqual(mine, theirs);
      if (mine.length > 0) nonEmpty++;
    }
    assert.equal(nonEmpty, 3, 'the own character changed on three of the five ticks');
    view.dispose();
  });
});
