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
import { FAR_EVERY, MID_EVERY, updateEvery } from '../rooms/patches.js';
import { me, newPlayer, placeCharacter, roomSession, until, walkableStrip, WIRE_EPS, type Player } from './support/game.js';

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
});

describe('update rate by distance (rooms/patches.ts updateEvery)', () => {
  it('every patch near a chunk column, every MID_EVERY ticks within 16 blocks of it, every FAR_EVERY beyond', () => {
    // Column (2, 3) spans x 32..48, z 48..64.
    assert.equal(updateEvery(2, 3, 40, 56), 1, 'inside the column');
    assert.equal(updateEvery(2, 3, 48 + 4, 56), 1, '4 blocks east of it');
    assert.equal(updateEvery(2, 3, 48 + 5, 56), MID_EVERY);
    assert.equal(updateEvery(2, 3, 32 - 16, 56), MID_EVERY, '16 blocks west');
    assert.equal(updateEvery(2, 3, 48 + 12, 64 + 12), FAR_EVERY, 'diagonal, 17 blocks');
    assert.equal(updateEvery(2, 3, 200, 56), FAR_EVERY);
  });
});
