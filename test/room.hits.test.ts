/**
 * rooms/hits.ts without a server: two regions' simulations side by side, each with its Hits on one LocalPresence
 * (what rooms in one process share; across processes the same code runs on Redis: test/room.ghosts.test.ts).
 */
import assert from 'node:assert/strict';
import { LocalPresence } from '@colyseus/core';
import { Hits } from '../rooms/hits.js';
import { loadContent } from '../src/content/index.js';
import type { LiveCharacter } from '../src/game/character.js';
import { RegionSim, type NearEntity } from '../src/game/region/index.js';
import { createLogger } from '../src/log.js';
import { REGION_SIZE } from '../src/world/index.js';

const T0 = 2_000_000;
const TICK = 50;
const catalogue = (() => {
  const c = loadContent();
  return { spellById: c.spellById, npcs: c.npcs, npcByKind: c.npcByKind, lootTableById: c.lootTableById, maxStackOf: (id: string) => c.itemById.get(id)?.maxStack ?? 1 };
})();

/** Resolves on the next message on `channel` (the presence delivers it on a later turn). */
const nextOn = (presence: LocalPresence, channel: string) =>
  new Promise<void>((resolve) => {
    const fn = () => {
      presence.unsubscribe(channel, fn);
      resolve();
    };
    void presence.subscribe(channel, fn);
  });

describe('rooms/hits.ts: casts across a border over presence pub/sub', () => {
  const log = createLogger('silent');
  let presence: LocalPresence;
  const stops: (() => void)[] = [];
  beforeEach(() => {
    presence = new LocalPresence();
  });
  afterEach(() => {
    for (const s of stops.splice(0)) s();
    presence.shutdown();
  });

  it('the owner applies the hit; the kill\'s reward comes back and is granted to the caster (xp, loot in its kills)', async () => {
    const worldId = 'w-hits';
    const a = new RegionSim(77, 0, 0, { catalogue, now: T0, npcCount: 0 });
    const b = new RegionSim(77, 1, 0, { catalogue, now: T0 });
    const ha = new Hits({ presence, worldId, rx: 0, rz: 0, sim: a, log });
    const hb = new Hits({ presence, worldId, rx: 1, rz: 0, sim: b, log });
    await ha.start();
    await hb.start();
    stops.push(() => ha.stop(), () => hb.stop());

    const npc0 = [...b.npcs.values()][0]!;
    const npc = { ...npc0, x: REGION_SIZE + 2, z: 10.5, homeX: REGION_SIZE + 2, homeZ: 10.5, hp: 1 };
    b.npcs.set(npc.id, npc);
    const mage: LiveCharacter = {
      id: 'mage-1', userId: 'u', name: 'Mage', characterClass: 'mage', level: 1, xp: 0, stats: {},
      x: REGION_SIZE - 2, y: npc.y, z: 10.5, yaw: 0, hp: 50, maxHp: 50, mana: 100, maxMana: 100, corruption: 0,
      knownSpells: ['arcane_bolt'], cooldowns: new Map(), respawnAt: undefined, handoffs: 0, mastery: new Map(), worldId,
      lastMoveAt: T0, moveBudget: 1.5,
    };
    a.addCharacter(mage);
    const seen: NearEntity = { kind: 'npc', id: npc.id, x: npc.x, y: npc.y, z: npc.z, alive: true, hostile: true, rx: 1, rz: 0 };

    const reply = a.enqueue({ kind: 'cast', characterId: mage.id, spellId: 'arcane_bolt', targetId: npc.id, near: [seen] });
    const evA = a.step(T0 + TICK, TICK);
    assert.equal((await reply).ok, true);
    const toB = nextOn(presence, `leyline:hits:${worldId}:1,0`);
    ha.send(evA);
    await toB;

    const evB = b.step(T0 + TICK, TICK);
    assert.equal(b.npcs.get(npc.id)!.state, 'dead', 'killed in its own region');
    assert.ok(evB.npcs.has(npc.id));
    const toA = nextOn(presence, `leyline:hits:${worldId}:0,0`);
    hb.flush();
    await toA;

    const evA2 = a.step(T0 + 2 * TICK, TICK);
    const live = a.characters.get(mage.id)!;
    assert.equal(evA2.kills.length, 1);
    assert.equal(evA2.kills[0]!.characterId, mage.id);
    assert.equal(evA2.kills[0]!.npcId, npc.id);
    assert.ok(live.xp > 0 && live.xp === evA2.kills[0]!.xp);
  });

  it('junk on a hit channel is ignored: nothing changes, nothing throws', async () => {
    const b = new RegionSim(78, 1, 0, { catalogue, now: T0 });
    const hb = new Hits({ presence, worldId: 'w-junk', rx: 1, rz: 0, sim: b, log });
    await hb.start();
    stops.push(() => hb.stop());
    const npc = [...b.npcs.values()][0]!;
    const channel = 'leyline:hits:w-junk:1,0';
    const junk = [
      null, 'x', { hit: { from: [0, 0], casterId: 'c', effects: [{ kind: 'damage', targetId: npc.id, targetKind: 'npc', amount: -5 }] } },
      { hit: { from: [0, 0], casterId: 'c', effects: [{ kind: 'teleport', targetId: npc.id, targetKind: 'npc', amount: 5 }] } },
      { credit: { characterId: 'c', kills: [{ npcId: 'n', npcKind: 'wolf', xp: 1e12, drops: [], lootId: 'l' }] } },
    ];
    for (const m of junk) {
      const got = nextOn(presence, channel);
      presence.publish(channel, m);
      await got;
    }
    const hp = npc.hp;
    const ev = b.step(T0 + TICK, TICK);
    assert.equal(b.npcs.get(npc.id)!.hp, hp);
    assert.equal(ev.kills.length, 0);
  });
});
