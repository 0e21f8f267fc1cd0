/**
 * Magic in the region room with real clients: leylines, starting spells,
 * casting and every refusal, mana and cooldowns in (owner-only) state, NPC
 * kills with XP and loot persisted, rituals, and magic_events rows.
 */
import assert from 'node:assert/strict';
import { loadContent } from '../src/content/index.js';
import { Character } from '../src/db/entities/index.js';
import { NPCS_PER_REGION } from '../src/game/region/index.js';
import { UNKNOWN_SPELL_ID } from '../src/game/commands/index.js';
import { spawnNpcsForRegion } from '../src/game/npc.js';
import { biomeAt, spawnPoint } from '../src/world/index.js';
import { bootTestServer, http, type TestServer } from './support/server.js';
import { me, newPlayer, nextMessage, placeCharacter, roomSession, ticks, until, type Player } from './support/game.js';

describe('magic in region rooms', function () {
  this.timeout(60_000);
  let t: TestServer;
  const rooms = roomSession(() => t);
  const enter = (p: Player) => rooms.enter(p);
  const content = loadContent();

  before(async () => {
    t = await bootTestServer({ PERSIST_INTERVAL_MS: '200' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('shows the region’s leylines, the class’s starting spells, and casting spends mana and starts a cooldown seen only by the owner', async () => {
    const p = await newPlayer(t, 'mage');
    const other = await newPlayer(t, 'warrior');
    await placeCharacter(t, p, 20 * 128 + 40.5, 40.5);
    await placeCharacter(t, other, 20 * 128 + 42.5, 40.5);
    const room = await enter(p);
    const theirs = await enter(other);
    assert.ok(room.state.leylines.length >= 2 && room.state.leylines.length <= 4, 'leylines in state');
    room.state.leylines.forEach((l: any) => assert.ok(l.strength > 0 && l.strength <= 1));
    assert.deepEqual([...me(room, p).knownSpells], content.classById.get('mage')!.startingSpells);

    const mana0 = me(room, p).mana;
    const r = await room.request('cast', { spellId: 'mana_shield' });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.ok(r.data.manaSpent > 0);
    assert.ok(r.data.cooldownUntil > Date.now());
    for (const k of ['mastery', 'leyline', 'biome', 'timeOfDay', 'environment']) assert.equal(typeof r.data.factors[k], 'number', k);
    await until(room, (s) => s.characters.get(p.characterId).cooldowns?.get('mana_shield') === r.data.cooldownUntil, 'own cooldown');
    assert.ok(me(room, p).mana < mana0, 'mana dropped');

    const again = await room.request('cast', { spellId: 'mana_shield' });
    assert.deepEqual([again.ok, again.code], [false, 'ON_COOLDOWN']);
    assert.equal((await room.request('cast', { spellId: 'made_up_spell' })).code, 'UNKNOWN_SPELL');
    assert.equal((await room.request('cast', { spellId: 'meteor' })).code, 'SPELL_NOT_KNOWN');
    assert.equal((await room.request('cast', { spellId: 'arcane_bolt', x: me(room, p).x + 200, y: 60, z: me(room, p).z })).code, 'OUT_OF_RANGE');
    assert.equal((await room.request('cast', { spellId: 'arcane_bolt', targetId: 'nobody-here' })).code, 'INVALID_TARGET');
    assert.equal((await room.request('cast', { spellId: 'arcane_bolt' })).code, 'INVALID_TARGET');
    assert.equal((await room.request('cast', { spellId: 42 })).code, 'BAD_MESSAGE');
    assert.equal((await room.request('cast', { spellId: 'fireball', x: 1 })).code, 'BAD_MESSAGE');
    for (const spellId of ['\u0000bolt', 'Arcane_Bolt', 'a'.repeat(65), '', 'bolt; drop table']) {
      assert.equal((await room.request('cast', { spellId })).code, 'BAD_MESSAGE', `spellId ${JSON.stringify(spellId)}`);
    }
    assert.equal((await room.request('cast', { spellId: 'arcane_bolt', targetId: 'X\u0000' })).code, 'BAD_MESSAGE');

    // The warrior sees the mage, but not its cooldowns, xp or known spells.
    const seen = await until(theirs, (s) => s.characters.get(p.characterId), 'other sees mage');
    await ticks(theirs, 3);
    assert.equal(seen.cooldowns, undefined);
    assert.equal(seen.knownSpells, undefined);
    assert.equal(seen.xp, undefined);
  });

  it('refuses NOT_ENOUGH_MANA before range and target checks', async () => {
    const p = await newPlayer(t, 'mage');
    await placeCharacter(t, p, 21 * 128 + 40.5, 40.5);
    await t.server.orm.em.fork().nativeUpdate(Character, { id: p.characterId }, { mana: 3 });
    const room = await enter(p);
    assert.equal((await room.request('cast', { spellId: 'arcane_bolt' })).code, 'NOT_ENOUGH_MANA');
  });

  it('kills an NPC: XP in own state, loot message, and the loot written to the inventory at once', async () => {
    // The region's NPCs are deterministic: find a weak one and stand next to it.
    let target: { rx: number; id: string; x: number; z: number; kind: string } | undefined;
    const p = await newPlayer(t, 'mage');
    for (let rx = 22; !target && rx < 40; rx++) {
      const npcs = spawnNpcsForRegion(p.seed, rx, 0, content.npcs, (x, z) => biomeAt(p.seed, Math.floor(x), Math.floor(z)), NPCS_PER_REGION, (x, z) => spawnPoint(p.seed, Math.floor(x), Math.floor(z)));
      const weak = npcs.find((n) => ['deer', 'wolf'].includes(n.kind));
      if (weak) target = { rx, id: weak.id, x: weak.x, z: weak.z, kind: weak.kind };
    }
    assert.ok(target, 'a region with a deer or a wolf');
    await placeCharacter(t, p, target.x + 3, target.z + 0.5);
    const room = await enter(p);
    const xp0 = me(room, p).xp;
    const loot = nextMessage(room, 'loot');
    let killed = false;
    room.onMessage('loot', () => (killed = true));
    for (let i = 0; i < 12 && !killed; i++) {
      const r = await room.request('cast', { spellId: 'arcane_bolt', targetId: target.id });
      assert.ok(r.ok || ['ON_COOLDOWN', 'OUT_OF_RANGE', 'INVALID_TARGET'].includes(r.code), JSON.stringify(r));
      if (!killed) await ticks(room, 22); // the 1 s cooldown
    }
    const drop = await loot;
    const def = content.npcByKind.get(target.kind)!;
    assert.equal(drop.xp, def.xp);
    await until(room, (s) => s.characters.get(p.characterId).xp === xp0 + def.xp, 'xp in own state');

    // Loot is written through: the inventory has it now, without any flush or leave.
    const detail = await http(t.url, 'GET', `/api/characters/${p.characterId}`, { token: p.token });
    const start = content.classById.get('mage')!.startingItems;
    for (const item of drop.items as { itemId: string; quantity: number }[]) {
      const had = start.filter((s) => s.itemId === item.itemId).reduce((n, s) => n + s.quantity, 0);
      const has = detail.body.inventory.filter((s: any) => s.itemId === item.itemId).reduce((n: number, s: any) => n + s.quantity, 0);
      assert.equal(has, had + item.quantity, `${item.itemId} in the inventory`);
    }
    // XP is saved with the character (on leave at the latest).
    await room.leave();
    const after = await http(t.url, 'GET', `/api/characters/${p.characterId}`, { token: p.token });
    assert.equal(after.body.xp, xp0 + def.xp, 'xp persisted');
  });

  it('appends every cast attempt to magic_events (batched), successes and refusals', async () => {
    const p = await newPlayer(t, 'mage');
    await placeCharacter(t, p, 23 * 128 + 40.5, 40.5);
    const room = await enter(p);
    assert.equal((await room.request('cast', { spellId: 'mana_shield' })).ok, true);
    assert.equal((await room.request('cast', { spellId: 'no_such_spell' })).code, 'UNKNOWN_SPELL');
    const conn = t.server.orm.em.fork().getConnection();
    const rows = async () =>
      conn.execute<{ spell_id: string; success: boolean; code: string | null }[]>('select spell_id, success, code from magic_events where character_id = ? order by id', [p.characterId]);
    const deadline = Date.now() + 10_000;
    while ((await rows()).length < 2 && Date.now() < deadline) await ticks(room, 5); // the log flushes once a second
    const got = await rows();
    assert.deepEqual(got.map((r) => [r.spell_id, r.success, r.code]), [['mana_shield', true, null], [UNKNOWN_SPELL_ID, false, 'UNKNOWN_SPELL']], 'an unknown id is logged as one fixed token, never as the client sent it');
  });

  it('a ritual reserves mana, answers {ritualId, completesAt}, and later sends `ritual` with its effects', async () => {
    const p = await newPlayer(t, 'mage');
    await placeCharacter(t, p, 24 * 128 + 40.5, 40.5);
    // Teach a ritual through the database (a fixture; learning spells is a later feature).
    const ritual = content.spells.find((s) => s.ritual && s.target === 'self' && s.castTimeMs <= 15_000) ?? content.spells.find((s) => s.ritual)!;
    await t.server.orm.em.fork().nativeUpdate(Character, { id: p.characterId }, { knownSpells: [ritual.id], mana: 500, maxMana: 500 });
    const room = await enter(p);
    const done = nextMessage(room, 'ritual');
    const aim = ritual.target === 'self' ? {} : { x: me(room, p).x + 2, y: me(room, p).y, z: me(room, p).z };
    const r = await room.request('cast', { spellId: ritual.id, ...aim });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(typeof r.data.ritualId, 'string');
    assert.ok(r.data.completesAt >= Date.now() + 1000);
    const msg = await done;
    assert.equal(msg.ritualId, r.data.ritualId);
    assert.equal(msg.status, 'completed');
    assert.ok(Array.isArray(msg.effects));
  });
});

describe('rituals without any worker', function () {
  this.timeout(60_000);
  let t: TestServer;
  const rooms = roomSession(() => t);
  const content = loadContent();
  before(async () => {
    // A queue nobody works (no in-process workers, no worker process): the room must not wait forever.
    t = await bootTestServer({ JOBS_IN_PROCESS: 'false', RITUAL_RESULT_GRACE_MS: '300' });
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('the room computes the ritual itself when no result comes in time, and applies it once', async () => {
    const p = await newPlayer(t, 'mage');
    await placeCharacter(t, p, 25 * 128 + 40.5, 40.5);
    const ritual = [...content.spells].filter((s) => s.ritual && s.target === 'self').sort((a, b) => a.castTimeMs - b.castTimeMs)[0]!;
    await t.server.orm.em.fork().nativeUpdate(Character, { id: p.characterId }, { knownSpells: [ritual.id], mana: 500, maxMana: 500 });
    const room = await rooms.enter(p);
    const messages: any[] = [];
    room.onMessage('ritual', (m) => messages.push(m));
    const done = nextMessage(room, 'ritual');
    const r = await room.request('cast', { spellId: ritual.id });
    assert.equal(r.ok, true, JSON.stringify(r));
    const msg = await done;
    assert.deepEqual([msg.ritualId, msg.status], [r.data.ritualId, 'completed']);
    await ticks(room, 10);
    assert.equal(messages.length, 1, 'applied once');
  });
});
