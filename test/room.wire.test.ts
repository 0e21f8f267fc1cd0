/**
 * What goes on the wire from a region room, and how (issue 9): frames per
 * socket write, the move reply, owner-only fields, the root fields' rate.
 * Real server, real PostgreSQL, real @colyseus/sdk clients through /api/play.
 */
import assert from 'node:assert/strict';
import { matchMaker, type Client as ServerClient } from '@colyseus/core';
import { bootTestServer, type TestServer } from './support/server.js';
import { me, newPlayer, placeCharacter, roomSession, ticks, until, walkableStrip, type Player } from './support/game.js';

/** A whole WebSocket frame in one buffer (a region patch, rooms/wsframes.ts), not ws' header-then-payload writes. */
function wholeFrame(b: Uint8Array): boolean {
  if (b.length < 2 || b[0] !== 0x82) return false;
  const n = b[1]! & 0x7f;
  const head = n < 126 ? 2 : n === 126 ? 4 : 10;
  const len = n < 126 ? n : n === 126 ? (b[2]! << 8) | b[3]! : Number(Buffer.from(b).readBigUInt64BE(2));
  return b.length === head + len;
}

/**
 * Counts, on the server side of one client's connection, the frames it is sent (given to ws, or written whole to
 * the socket by the room: its patches, rooms/wsframes.ts) and the writes its socket makes.
 */
function meter(roomId: string, sessionId: string) {
  const room = matchMaker.getLocalRoomById(roomId);
  const client = room.clients.find((c: ServerClient) => c.sessionId === sessionId) as unknown as { ref: any };
  const ws = client.ref;
  const socket = ws._socket;
  const counts = { frames: 0, writes: 0, log: [] as string[] };
  const send = ws.send.bind(ws);
  ws.send = (...args: unknown[]) => {
    counts.frames++;
    counts.log.push('f' + (args[0] as Uint8Array)[0]);
    return send(...args);
  };
  const write = socket.write.bind(socket);
  socket.write = (chunk: Uint8Array, ...rest: unknown[]) => {
    if (wholeFrame(chunk)) {
      counts.frames++;
      counts.log.push('p');
    }
    return write(chunk, ...rest);
  };
  for (const m of ['_write', '_writev'] as const) {
    const orig = socket[m].bind(socket);
    socket[m] = (...args: unknown[]) => {
      counts.writes++;
      counts.log.push('W');
      return orig(...args);
    };
  }
  return counts;
}

describe('region room: the wire', function () {
  this.timeout(30_000);
  let t: TestServer;
  const rooms = roomSession(() => t);
  const enter = (p: Player) => rooms.enter(p);

  before(async () => {
    t = await bootTestServer({ VIEW_RADIUS_CHUNKS: '2' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('a move is answered {ok:true} and nothing more, in the same socket write as the patch that shows it', async () => {
    const p = await newPlayer(t);
    const strip = walkableStrip(p.seed, 30, 8);
    await placeCharacter(t, p, strip.x, strip.z, strip.y);
    const room = await enter(p);
    await ticks(room, 2);
    const counts = meter(room.roomId, room.sessionId);
    const moves = 10;
    for (let i = 1; i <= moves; i++) {
      const to = { x: strip.x + 0.25 * i, y: strip.y, z: strip.z };
      const r = await room.request('move', to);
      assert.deepEqual(r, { ok: true }, 'the reply carries no position: the client sent it');
      await until(room, () => Math.abs(me(room, p).x - to.x) < 1e-9, 'the move in a patch');
    }
    const minutes = room.state.timeOfDay * 60;
    assert.ok(Math.abs(minutes - Math.round(minutes)) < 1e-3, `timeOfDay ${room.state.timeOfDay} is in whole minutes`);
    // Every frame of a tick (patch, replies) leaves in one write: a reply costs no write of its own (without
    // holding the socket, writes = frames). Slack of 2: on a busy machine a tick may fire too early for a patch.
    assert.ok(counts.frames >= moves * 2, `frames ${counts.frames}`);
    assert.ok(counts.writes <= counts.frames - moves + 2, `${counts.writes} writes for ${counts.frames} frames (${moves} replies): ${counts.log.join(' ')}`);
  });

  it('mana and maxMana are owner-only: the owner has them, another client sees the character without them', async () => {
    const [a, b] = [await newPlayer(t), await newPlayer(t)];
    await placeCharacter(t, a, 8.5 + 128 * 31, 8.5);
    await placeCharacter(t, b, 10.5 + 128 * 31, 8.5);
    const ra = await enter(a);
    const rb = await enter(b);
    const seen = await until(rb, (s) => s.characters.get(a.characterId), 'b sees a');
    await ticks(rb, 3);
    assert.ok(seen.hp > 0 && seen.maxHp > 0, 'public vitals');
    assert.equal(seen.mana, undefined);
    assert.equal(seen.maxMana, undefined);
    const mine = me(ra, a);
    assert.ok(mine.maxMana > 0 && mine.mana >= 0 && mine.mana <= mine.maxMana, JSON.stringify(mine.toJSON()));
    // Spending mana reaches the owner (a change of an owner-only field after join).
    const before = mine.mana;
    assert.equal((await ra.request('cast', { spellId: 'mana_shield' })).ok, true);
    await until(ra, () => me(ra, a).mana < before, 'own mana spent');
    await ticks(rb, 2);
    assert.equal(rb.state.characters.get(a.characterId).mana, undefined);
  });
});
