/**
 * Region rooms with a real server, real PostgreSQL and real @colyseus/sdk
 * clients joining through /api/play.
 */
import assert from 'node:assert/strict';
import { Client, type Room } from '@colyseus/sdk';
import { Block, REGION_SIZE, blockToChunk, chunkKey, spawnPoint } from '../src/world/index.js';
import { WorldChunk } from '../src/db/entities/index.js';
import { WorldStore } from '../src/persist/store.js';
import { eventually } from './support/workload.js';
import { HANDOFF_MARGIN_BLOCKS } from '../src/game/region/index.js';
import { bootTestServer, http, type TestServer } from './support/server.js';
import { borderCrossing, walkX, WIRE_EPS, me, newPlayer, nextMessage, placeCharacter, play, roomSession, until, walkableStrip, type Player } from './support/game.js';

const VIEW_RADIUS = 2; // chunks

describe('region room', function () {
  this.timeout(30_000);
  let t: TestServer;
  const rooms = roomSession(() => t);
  const enter = (p: Player) => rooms.enter(p);

  before(async () => {
    t = await bootTestServer({ VIEW_RADIUS_CHUNKS: String(VIEW_RADIUS), PERSIST_INTERVAL_MS: '200' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('joins through /api/play: own character with owner-only fields, the region, the tick and time of day advancing', async () => {
    const p = await newPlayer(t, 'mage');
    await placeCharacter(t, p, 8.5 + 128 * 8, 8.5);
    const room = await enter(p);
    const c = me(room, p);
    assert.equal(room.state.worldId, p.worldId);
    assert.equal(room.state.rx, 8);
    assert.equal(room.state.rz, 0);
    assert.deepEqual([...c.knownSpells], ['arcane_bolt', 'fireball', 'frost_shard', 'mana_shield']);
    assert.equal(c.xp, 0);
    assert.equal(c.y, spawnPoint(p.seed, 8 + 128 * 8, 8));
    const tick = room.state.tick;
    await until(room, (s) => s.tick > tick + 2, 'tick');
    assert.ok(room.state.timeOfDay >= 0 && room.state.timeOfDay < 24);
  });

  it('refuses someone else’s character: 403 from /api/play, and refuses direct matchmaking (any region, any character)', async () => {
    const a = await newPlayer(t);
    const b = await newPlayer(t);
    const res = await http(t.url, 'POST', '/api/play', { token: a.token, body: { characterId: b.characterId } });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'FORBIDDEN');
    assert.equal((await http(t.url, 'POST', '/api/play', { token: a.token, body: { characterId: 'nope' } })).status, 400);
    assert.equal((await http(t.url, 'POST', '/api/play', { body: { characterId: a.characterId } })).status, 401);

    const sdk = new Client(t.url);
    sdk.auth.token = a.token;
    await assert.rejects(sdk.joinOrCreate('region', { worldId: b.worldId, rx: 0, rz: 0, characterId: b.characterId }), /MATCHMAKE_FORBIDDEN/);
    await assert.rejects(sdk.create('region', { worldId: a.worldId, rx: 777, rz: -777, characterId: a.characterId }), /MATCHMAKE_FORBIDDEN/);
    const anon = new Client(t.url);
    await assert.rejects(anon.joinOrCreate('region', { worldId: a.worldId, rx: 0, rz: 0, characterId: a.characterId }), /MATCHMAKE_FORBIDDEN/);
    // The matchmaking routes take JSON only (a body that is not what its content type says was a 500).
    const multipart = await fetch(`${t.url}/matchmake/joinOrCreate/region`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '{}' });
    assert.equal(multipart.status, 415);
  });

  it('moves: a step is accepted, a teleport is INVALID_MOVE with a correction to the authoritative position', async () => {
    const p = await newPlayer(t);
    const spot = walkableStrip(p.seed, 9, 4);
    await placeCharacter(t, p, spot.x, spot.z, spot.y);
    const room = await enter(p);
    const c = me(room, p);
    const start = { x: c.x, y: c.y, z: c.z };
    const step = await room.request('move', { x: start.x + 0.4, y: start.y, z: start.z, yaw: 1.5 });
    assert.equal(step.ok, true);
    await until(room, () => me(room, p).x > start.x + 0.3, 'moved');
    const correction = nextMessage(room, 'correction');
    const tp = await room.request('move', { x: start.x + 60, y: start.y, z: start.z });
    assert.deepEqual([tp.ok, tp.code], [false, 'INVALID_MOVE']);
    const corr = await correction;
    assert.ok(Math.abs(corr.x - (start.x + 0.4)) < 1e-6);
    assert.equal(me(room, p).yaw.toFixed(2), '1.50');
  });

  it('block edits: breaking the block under the feet shows that chunk’s edit; far, foreign and invalid edits are refused', async () => {
    const p = await newPlayer(t);
    const room = await enter(p);
    const c = me(room, p);
    const under = { x: Math.floor(c.x), y: Math.floor(c.y) - 1, z: Math.floor(c.z) };
    const res = await room.request('block', { action: 'break', ...under });
    assert.equal(res.ok, true, JSON.stringify(res));
    const b = blockToChunk(under.x, under.y, under.z);
    const chunk = await until(room, (s) => s.chunks?.get(chunkKey(b.cx, b.cy, b.cz)), 'chunk edit');
    assert.equal(chunk.edits.get(String(b.index)), Block.AIR);
    assert.ok(chunk.version >= 1);

    const far = await room.request('block', { action: 'break', x: under.x + 20, y: under.y, z: under.z });
    assert.equal(far.code, 'OUT_OF_REACH');
    const foreign = await room.request('block', { action: 'break', x: -1, y: under.y, z: under.z });
    assert.ok(['OUT_OF_REGION', 'OUT_OF_REACH'].includes(foreign.code));
    const outside = await room.request('block', { action: 'break', x: REGION_SIZE + 2, y: under.y, z: under.z });
    assert.equal(outside.code, 'OUT_OF_REGION');
    const bad = await room.request('block', { action: 'place', x: under.x + 1, y: under.y + 3, z: under.z, block: 250 });
    assert.equal(bad.code, 'INVALID_BLOCK');
    const bedrock = await room.request('block', { action: 'place', x: under.x + 1, y: under.y + 3, z: under.z, block: Block.BEDROCK });
    assert.equal(bedrock.code, 'INVALID_BLOCK');
    const inside = await room.request('block', { action: 'place', x: under.x, y: Math.floor(me(room, p).y), z: under.z, block: Block.STONE });
    assert.equal(inside.code, 'OCCUPIED');
  });

  it('survives junk and floods: BAD_MESSAGE, unknown types ignored, RATE_LIMITED, then a disconnect; the server stays up', async () => {
    const p = await newPlayer(t);
    const room = await enter(p);
    for (const junk of [undefined, 'garbage', 42, [], { x: 'a' }, { x: 1, y: 2, z: 3, extra: true }, { x: NaN, y: 0, z: 0 }, { x: 1, y: 2, z: 3, yaw: 1e308 }]) {
      const r = await room.request('move', junk);
      assert.deepEqual([r.ok, r.code], [false, 'BAD_MESSAGE'], JSON.stringify(junk));
    }
    assert.equal((await room.request('block', { action: 'explode', x: 1, y: 1, z: 1 })).code, 'BAD_MESSAGE');
    assert.equal((await room.request('chat', { text: 'x'.repeat(5000) })).code, 'BAD_MESSAGE');
    room.send('nonsense', { hello: 'world' });
    assert.equal((await room.request('chat', { text: 'still here' })).ok, true);

    // Flood: the budget runs out (RATE_LIMITED) and sustained abuse closes the connection.
    const left = new Promise<number>((resolve) => room.onLeave((code: number) => resolve(code)));
    const replies = await Promise.all(Array.from({ length: 110 }, () => room.request('chat', { text: 'spam' }).catch(() => ({ ok: false, code: 'CLOSED' }))));
    assert.ok(replies.some((r) => r.code === 'RATE_LIMITED'), 'some messages were rate limited');
    assert.equal(await left, 4102);
    assert.equal((await http(t.url, 'GET', '/api/health')).status, 200);
  });

  it('interest management: near clients see each other and each other’s edits; a far client sees neither, until it comes near', async () => {
    const [a, b, far] = [await newPlayer(t), await newPlayer(t), await newPlayer(t)];
    const baseX = 300.5; // region 2: this test owns it
    await placeCharacter(t, a, baseX, 8.5);
    await placeCharacter(t, b, baseX + 3, 8.5);
    await placeCharacter(t, far, baseX + 16 * (VIEW_RADIUS + 2), 8.5);
    const ra = await enter(a);
    const rb = await enter(b);
    const rf = await enter(far);
    assert.equal(ra.roomId, rf.roomId);
    await until(ra, (s) => s.characters.get(b.characterId), 'a sees b');
    await until(rb, (s) => s.characters.get(a.characterId), 'b sees a');

    const c = me(ra, a);
    const target = { x: Math.floor(c.x) + 1, y: Math.floor(c.y) - 1, z: Math.floor(c.z) };
    assert.equal((await ra.request('block', { action: 'break', ...target })).ok, true);
    const bc = blockToChunk(target.x, target.y, target.z);
    const key = chunkKey(bc.cx, bc.cy, bc.cz);
    await until(rb, (s) => s.chunks?.get(key)?.edits.get(String(bc.index)) === Block.AIR, 'b sees the edit');
    // The far client is told about a later change: by then it would have the earlier edit too.
    const tick = rb.state.tick;
    await until(rf, (s) => s.tick > tick + 2, 'far client ticks');
    assert.equal(rf.state.characters.get(a.characterId), undefined);
    assert.equal(rf.state.chunks?.get(key), undefined);
    assert.ok(rf.state.characters.get(far.characterId));

    // Bring `far` near (a fixture move while it is offline) and rejoin: the edit and `a` enter its view.
    await rf.leave();
    await placeCharacter(t, far, baseX + 2, 8.5 + 2);
    const rf2 = await enter(far);
    await until(rf2, (s) => s.characters.get(a.characterId) && s.chunks?.get(key)?.edits.get(String(bc.index)) === Block.AIR, 'now near');
  });

  it('characters leave a client’s view as they walk away', async () => {
    const [a, b] = [await newPlayer(t), await newPlayer(t)];
    // a stands at the start of a chunk; b starts one chunk over and walks until it is
    // VIEW_RADIUS + 1 chunks away. Region 20+: the first region with such a strip.
    let strip: ReturnType<typeof walkableStrip> | undefined;
    for (let rx = 20; !strip && rx < 60; rx++) {
      try {
        strip = walkableStrip(a.seed, rx, 16 * (VIEW_RADIUS + 1) + 2, 1, { chunkAligned: true });
      } catch {
        /* next region */
      }
    }
    assert.ok(strip, 'a walkable strip exists');
    await placeCharacter(t, a, strip.x, strip.z, strip.y);
    const startX = strip.x + 16;
    await placeCharacter(t, b, startX, strip.z, strip.yAt(startX));
    const ra = await enter(a);
    const rb = await enter(b);
    await until(ra, (s) => s.characters.get(b.characterId), 'a sees b near the edge of its view');
    // b walks away along the strip, one legal step per request, until it is out of a's view.
    // Feet on the highest column under the body (half-width 0.3); a step up is a jump first.
    const feet = (x: number) => Math.max(strip.yAt(x - 0.3), strip.yAt(x), strip.yAt(x + 0.29));
    const step = async (to: { x: number; y: number; z: number }) => {
      const r = await rb.request('move', to);
      assert.equal(r.ok, true, `step to ${JSON.stringify(to)}: ${JSON.stringify(r)}`);
    };
    for (let x = startX + 0.3; x < strip.x + 16 * (VIEW_RADIUS + 1) + 2 && ra.state.characters.get(b.characterId); x += 0.3) {
      const cur = me(rb, b);
      const y = feet(x);
      if (y > cur.y) await step({ x: cur.x, y, z: strip.z }); // jump, then forward
      await step({ x, y: Math.max(y, cur.y), z: strip.z });
      if (y < cur.y) await step({ x, y, z: strip.z }); // forward over the edge, then down
      await until(rb, () => Math.abs(me(rb, b).x - x) <= WIRE_EPS, 'own move applied');
    }
    assert.equal(ra.state.characters.get(b.characterId), undefined, 'b left a’s view');
    assert.ok(Math.floor(me(rb, b).x / 16) - Math.floor(strip.x / 16) > VIEW_RADIUS);
  });

  it('chat is broadcast to the region', async () => {
    const [a, b] = [await newPlayer(t), await newPlayer(t)];
    await placeCharacter(t, a, 8.5 + 128 * 5, 8.5);
    await placeCharacter(t, b, 10.5 + 128 * 5, 8.5);
    const ra = await enter(a);
    const rb = await enter(b);
    const heard = nextMessage(rb, 'chat');
    assert.equal((await ra.request('chat', { text: '  hello\u0007 world  ' })).ok, true);
    const msg = await heard;
    assert.equal(msg.text, 'hello  world');
    assert.match(msg.from, /^Hero /);
  });

  it('a second /api/play takes over a live character: the old session closes (4101), the new one has its state', async () => {
    const p = await newPlayer(t);
    const spot = walkableStrip(p.seed, 10, 4);
    await placeCharacter(t, p, spot.x, spot.z, spot.y);
    const first = await enter(p);
    const c = me(first, p).toJSON(); // a copy: the schema object keeps changing
    assert.equal((await first.request('move', { x: c.x + 0.5, y: c.y, z: c.z })).ok, true);
    const closed = new Promise<number>((resolve) => first.onLeave((code: number) => resolve(code)));
    const second = await enter(p);
    assert.equal(await closed, 4101);
    assert.ok(Math.abs(me(second, p).x - (c.x + 0.5)) <= WIRE_EPS, 'the moved position carried over');
  });

  it('persists positions and edits across a room dispose', async () => {
    const p = await newPlayer(t);
    const spot = walkableStrip(p.seed, 6, 4);
    await placeCharacter(t, p, spot.x, spot.z, spot.y);
    const room = await enter(p);
    const c = me(room, p).toJSON();
    assert.equal((await room.request('move', { x: c.x + 0.5, y: c.y, z: c.z + 0.25 })).ok, true);
    const under = { x: Math.floor(c.x + 0.5) + 1, y: Math.floor(c.y) - 1, z: Math.floor(c.z) };
    assert.equal((await room.request('block', { action: 'break', ...under })).ok, true);
    const roomId = room.roomId;
    await room.leave();
    rooms.forget(room);
    // Leaving empties the room; it saves on leave and on dispose. The next play gets a new room.
    const again = await enter(p);
    assert.notEqual(again.roomId, roomId);
    const c2 = me(again, p);
    assert.ok(Math.abs(c2.x - (c.x + 0.5)) <= WIRE_EPS && Math.abs(c2.z - (c.z + 0.25)) <= WIRE_EPS, `${JSON.stringify([c2.x, c2.y, c2.z])} vs ${JSON.stringify([c.x + 0.5, c.y, c.z + 0.25])}`);
    const b = blockToChunk(under.x, under.y, under.z);
    await until(again, (s) => s.chunks?.get(chunkKey(b.cx, b.cy, b.cz))?.edits.get(String(b.index)) === Block.AIR, 'edit reloaded');
    const row = await t.server.orm.em.fork().findOne(WorldChunk, { chunkX: b.cx, chunkY: b.cy, chunkZ: b.cz });
    assert.equal(row?.data[String(b.index)], Block.AIR);
  });

  it('a dropped client reconnects within the window to the same character', async () => {
    const p = await newPlayer(t);
    const spot = walkableStrip(p.seed, 7, 4);
    await placeCharacter(t, p, spot.x, spot.z, spot.y);
    const room = await enter(p);
    const c = me(room, p).toJSON();
    assert.equal((await room.request('move', { x: c.x + 0.3, y: c.y, z: c.z })).ok, true);
    const token = room.reconnectionToken;
    room.connection.close(4999, 'network drop'); // not a consented leave
    const client = new Client(t.url);
    const back = await client.reconnect(token);
    rooms.track(back);
    const c2 = await until(back, (s) => s.characters?.get(p.characterId), 'own character after reconnect');
    assert.ok(Math.abs(c2.x - (c.x + 0.3)) <= WIRE_EPS);
    assert.deepEqual([...c2.knownSpells], [...c.knownSpells], 'owner-only fields after reconnect');
    assert.equal((await back.request('chat', { text: 'back' })).ok, true);
  });

  it('hands a character across a region border live (no save in between); the old room\'s late save cannot undo the new room\'s', async () => {
    const p = await newPlayer(t);
    const spot = borderCrossing(p.seed, 10);
    await placeCharacter(t, p, spot.x, spot.z, spot.y);
    const room = await enter(p);
    assert.equal(room.state.rx, 9);
    const handoff = nextMessage(room, 'handoff');
    // Past the handoff margin: from half a block before the border to half a block past the margin.
    const to = await walkX(room, spot, spot.x + HANDOFF_MARGIN_BLOCKS + 1);
    const { reservation } = await handoff;
    assert.ok(reservation, 'a seat reservation in the neighbour room');
    const next: Room<any, any> = await new Client(t.url).consumeSeatReservation(reservation);
    rooms.track(next);
    // A move still sent to the old room, which it leaves at once: answered (refused), not lost with the room.
    const late = room.request('move', { x: to.x, y: to.y, z: to.z });
    await room.leave();
    const refused = await late;
    assert.equal(!refused.ok && refused.code, 'NOT_IN_REGION', JSON.stringify(refused));
    const c = await until(next, (s) => s.characters?.get(p.characterId), 'character in the neighbour room');
    assert.deepEqual([next.state.rx, next.state.rz], [10, 0]);
    assert.ok(Math.abs(c.x - to.x) <= WIRE_EPS, 'the live record arrived, at the new position');
    assert.deepEqual([...c.knownSpells].length > 0, true, 'owner-only fields after handoff');
    // and it walks on in the new room, whose saves carry the handoff count
    const on = { x: to.x + 0.5, y: to.y, z: to.z };
    assert.equal((await next.request('move', on)).ok, true);
    const byId = () => t.server.orm.em.fork().getConnection().execute<{ x: number; handoffs: string }[]>('select x, handoffs from characters where id = ?', [p.characterId]);
    await eventually(byId, (r) => Number(r[0]?.handoffs) === 1 && Math.abs(r[0]!.x - on.x) < 1e-4, 'saved by the new room with handoffs = 1', 10_000);
    // A stale save (the count before the handoff), as the old room's writer may still send it, is skipped.
    const store = new WorldStore(t.server.orm.em);
    const stale = await store.loadCharacter(p.characterId);
    assert.ok(stale);
    await store.saveBatch({ characters: [{ ...stale, x: spot.x, handoffs: 0 }], chunks: [] });
    const [row] = await byId();
    assert.ok(Math.abs(row!.x - on.x) < 1e-4, 'the stale save did not land');
  });

  it('an edit of a block on the neighbour\'s ground hands the character to that room, where the edit is made', async () => {
    const p = await newPlayer(t);
    const spot = borderCrossing(p.seed, 10);
    await placeCharacter(t, p, spot.x, spot.z, spot.y);
    const room = await enter(p);
    assert.equal(room.state.rx, 9);
    // Half a block west of the border; the block under the ground two columns east is region 10's.
    const blk = { action: 'break' as const, x: Math.floor(spot.x) + 2, y: spot.y - 1, z: Math.floor(spot.z) };
    const handoff = nextMessage(room, 'handoff');
    const refused = await room.request('block', blk);
    assert.equal(!refused.ok && refused.code, 'OUT_OF_REGION', JSON.stringify(refused));
    const { reservation } = await handoff;
    const next: Room<any, any> = rooms.track(await new Client(t.url).consumeSeatReservation(reservation));
    await room.leave();
    await until(next, (s) => s.characters?.get(p.characterId), 'character in the owner\'s room');
    assert.deepEqual([next.state.rx, next.state.rz], [10, 0]);
    const done = await next.request('block', blk);
    assert.equal(done.ok, true, JSON.stringify(done));
    const c = blockToChunk(blk.x, blk.y, blk.z);
    await until(next, (s) => s.chunks?.get(chunkKey(c.cx, c.cy, c.cz))?.edits.get(String(c.index)) === 0, 'the edit in the view');
  });

  it('with the neighbour\'s room running, an edit on its ground is made there without a handoff, and shows on both sides', async () => {
    const [p, q] = [await newPlayer(t), await newPlayer(t)];
    const spot = borderCrossing(p.seed, 23);
    await placeCharacter(t, p, spot.x, spot.z, spot.y);
    await placeCharacter(t, q, spot.x + 6, spot.z + 3, spot.y); // region 23's, near the border
    const room = await enter(p);
    const there = await enter(q);
    assert.deepEqual([room.state.rx, there.state.rx], [22, 23]);
    await until(room, (s) => s.characters?.get(q.characterId), 'the neighbour room is heard from (its character seen here)');
    const handoffs: unknown[] = [];
    room.onMessage('handoff', (m: unknown) => handoffs.push(m));
    // Half a block west of the border; the block under the ground two columns east is region 23's.
    const blk = { action: 'break' as const, x: Math.floor(spot.x) + 2, y: spot.y - 1, z: Math.floor(spot.z) };
    const c = blockToChunk(blk.x, blk.y, blk.z);
    const key = chunkKey(c.cx, c.cy, c.cz);
    const done = await room.request('block', blk);
    assert.equal(done.ok, true, JSON.stringify(done));
    assert.equal(done.data.chunk, key);
    // The reply came with the patch that shows the edit (the owner's chunk, as a ghost here).
    assert.equal(room.state.chunks?.get(key)?.edits.get(String(c.index)), 0, 'the edit in this room\'s view with the reply');
    await until(there, (s) => s.chunks?.get(key)?.edits.get(String(c.index)) === 0, 'the edit in the owner\'s view');
    assert.equal(me(room, p).x, spot.x, 'the character stayed where it was');
    // The owner's rules: that block is air now, so breaking it again is refused there.
    const again = await room.request('block', blk);
    assert.equal(!again.ok && again.code, 'INVALID_BLOCK', JSON.stringify(again));
    assert.deepEqual(handoffs, [], 'no handoff');
  });

  it('play answers 404 for an unknown character', async () => {
    const p = await newPlayer(t);
    const res = await play(t, { ...p, characterId: '00000000-0000-4000-8000-000000000000' });
    assert.equal(res.status, 404);
  });
});
