/** The game master's proposals against the rules (src/game/outcomes.ts), relationships and talk rules: pure, no server. */
import assert from 'node:assert/strict';
import { loadContent } from '../src/content/index.js';
import { cleanText, OUTCOME_LIMITS, regionLootItems, validateOutcome, type OutcomeRules } from '../src/game/outcomes.js';
import { applyRelationship, RELATIONSHIP_STEP, relationshipStep, stanceOf, toneOf } from '../src/game/relationships.js';
import { canTalkTo, nearbyNpcs, nearbyPlayers, TALK_RANGE_BLOCKS } from '../src/game/narration.js';
import type { Npc } from '../src/game/npc.js';

const content = loadContent();
const wolfLand = regionLootItems(['wolf', 'deer', 'wolf'], content);
const talk: OutcomeRules = { kind: 'talk', allowedItems: wolfLand };
const act: OutcomeRules = { kind: 'act', allowedItems: wolfLand };

describe('game master outcomes', () => {
  it('the region’s loot tables are those of its NPC kinds, with the largest quantity per item', () => {
    assert.deepEqual([...wolfLand].sort(), [['bone', 2], ['leather', 1], ['raw_venison', 2], ['wolf_pelt', 1]]);
    assert.equal(regionLootItems(['no_such_kind'], content).size, 0);
  });

  it('applies a proposal within the rules as it is', () => {
    const v = validateOutcome(
      { items: [{ itemId: 'wolf_pelt', quantity: 1 }, { itemId: 'bone', quantity: 2 }], xp: 25, relationship: -4, questOffered: { title: 'The  pack’s\u0007 den', description: 'Find it.' }, lore: ['Wolves fear fire.'] },
      talk,
    );
    assert.deepEqual(v.dropped, []);
    assert.deepEqual(v.applied, {
      items: [{ itemId: 'wolf_pelt', quantity: 1 }, { itemId: 'bone', quantity: 2 }],
      xp: 25,
      relationship: -4,
      questOffered: { title: 'The pack’s den', description: 'Find it.' },
      lore: ['Wolves fear fire.'],
    });
  });

  it('nothing proposed → nothing applied, nothing dropped', () => {
    assert.deepEqual(validateOutcome(undefined, act), { applied: {}, dropped: [] });
    assert.deepEqual(validateOutcome(null, act), { applied: {}, dropped: [] });
    assert.deepEqual(validateOutcome({}, act), { applied: {}, dropped: [] });
  });

  it('a malformed proposal is dropped whole', () => {
    for (const raw of [
      'xp: 10',
      42,
      [],
      { xp: '10' },
      { xp: 10, gold: 5 },
      { items: { itemId: 'bone', quantity: 1 } },
      { items: [{ itemId: 'bone' }] },
      { items: [{ itemId: 'bone', quantity: 1, enchanted: true }] },
      { questOffered: 'a quest' },
      { questOffered: { title: 3 } },
      { lore: 'wolves' },
      { lore: [1, 2] },
      { items: Array.from({ length: 100 }, () => ({ itemId: 'bone', quantity: 1 })) },
      { xp: Number.NaN },
    ]) {
      const v = validateOutcome(raw, talk);
      assert.deepEqual(v.applied, {}, JSON.stringify(raw));
      assert.equal(v.dropped.length, 1);
      assert.equal(v.dropped[0]!.field, 'proposal');
      assert.match(v.dropped[0]!.reason, /^malformed: /);
    }
  });

  it('items: only from the region’s loot tables, in bounded quantity, a few kinds', () => {
    const v = validateOutcome(
      {
        items: [
          { itemId: 'iron_sword', quantity: 1 }, // an orc's table, not this region's
          { itemId: 'wolf_pelt', quantity: 2 }, // more than one drop gives
          { itemId: 'bone', quantity: 0 },
          { itemId: 'bone', quantity: 1.5 },
          { itemId: 'bone', quantity: 1 },
          { itemId: 'bone', quantity: 1 },
          { itemId: 'leather', quantity: 1 },
          { itemId: 'raw_venison', quantity: 1 },
          { itemId: 'wolf_pelt', quantity: 1 },
        ],
      },
      act,
    );
    assert.deepEqual(v.applied.items, [{ itemId: 'bone', quantity: 1 }, { itemId: 'leather', quantity: 1 }, { itemId: 'raw_venison', quantity: 1 }]);
    assert.deepEqual(v.dropped.map((d) => d.field), ['items[0]', 'items[1]', 'items[2]', 'items[3]', 'items[5]', 'items[8]']);
    assert.match(v.dropped[0]!.reason, /loot tables/);
  });

  it('xp: whole, non-negative, within the cap; a refused xp leaves the rest', () => {
    assert.equal(validateOutcome({ xp: OUTCOME_LIMITS.xpPerNarration }, act).applied.xp, OUTCOME_LIMITS.xpPerNarration);
    for (const xp of [1e6, OUTCOME_LIMITS.xpPerNarration + 1, -5, 2.5]) {
      const v = validateOutcome({ xp, lore: ['The moon is old.'] }, act);
      assert.equal(v.applied.xp, undefined, String(xp));
      assert.deepEqual(v.applied.lore, ['The moon is old.']);
      assert.deepEqual(v.dropped.map((d) => d.field), ['xp']);
    }
    assert.deepEqual(validateOutcome({ xp: 0 }, act), { applied: {}, dropped: [] });
  });

  it('relationship: only for talk, within the per-talk step', () => {
    assert.equal(validateOutcome({ relationship: RELATIONSHIP_STEP }, talk).applied.relationship, RELATIONSHIP_STEP);
    assert.equal(validateOutcome({ relationship: -RELATIONSHIP_STEP }, talk).applied.relationship, -RELATIONSHIP_STEP);
    assert.deepEqual(validateOutcome({ relationship: 5 }, act).dropped.map((d) => d.field), ['relationship']);
    assert.deepEqual(validateOutcome({ relationship: 11 }, talk).dropped.map((d) => d.field), ['relationship']);
    assert.deepEqual(validateOutcome({ relationship: -100 }, talk).dropped.map((d) => d.field), ['relationship']);
  });

  it('quest offers and lore are length-limited, cleaned text; at most three lore entries', () => {
    assert.deepEqual(validateOutcome({ questOffered: { title: 'x'.repeat(81) } }, act).dropped.map((d) => d.field), ['questOffered']);
    assert.deepEqual(validateOutcome({ questOffered: { title: ' \u0000 ' } }, act).dropped.map((d) => d.field), ['questOffered']);
    const long = validateOutcome({ questOffered: { title: 'Hunt', description: 'y'.repeat(1000) } }, act);
    assert.equal(long.applied.questOffered!.description!.length, OUTCOME_LIMITS.questDescriptionChars);
    const lore = validateOutcome({ lore: ['a', 'b\u202e', '', 'z'.repeat(201), 'c', 'd'] }, act);
    assert.deepEqual(lore.applied.lore, ['a', 'b', 'c']);
    assert.deepEqual(lore.dropped.map((d) => d.field), ['lore[2]', 'lore[3]', 'lore[5]']);
  });

  it('cleanText strips control and bidi characters and collapses whitespace', () => {
    assert.equal(cleanText(' a\u0000b\n\tc\u202ed  '), 'a b c d');
  });
});

describe('relationships', () => {
  it('tone: courtesy raises, threats and insults lower, bounded', () => {
    assert.ok(toneOf('Hello friend, thank you for your help') > 0);
    assert.ok(toneOf('I will kill you, stupid beast') < 0);
    assert.equal(toneOf('What is over the hill?'), 0);
    assert.equal(toneOf('please please please please please'), 3);
    assert.ok(toneOf('DIE, YOU FOOL') < toneOf('die, you fool'));
    assert.equal(toneOf('skill'), 0, 'a stem matches at a word start only');
  });

  it('a step is tone plus proposal within ±10; the value stays within −100..100', () => {
    assert.equal(relationshipStep(3, 10), 10);
    assert.equal(relationshipStep(-3, -10), -10);
    assert.equal(relationshipStep(2, -1), 1);
    assert.equal(relationshipStep(0), 0);
    assert.equal(applyRelationship(95, 10), 100);
    assert.equal(applyRelationship(-95, -10), -100);
    assert.equal(applyRelationship(0, 3), 3);
    assert.deepEqual([-80, -20, 0, 20, 80].map(stanceOf), ['hostile', 'wary', 'neutral', 'friendly', 'devoted']);
  });
});

describe('talk rules', () => {
  const npc = (over: Partial<Npc> = {}): Npc => ({ id: 'npc:0,0:1', kind: 'goblin', x: 10, y: 60, z: 10, hp: 40, maxHp: 40, homeX: 10, homeZ: 10, state: 'idle', nextThinkAt: 0, attackReadyAt: 0, ...over });
  it('needs a living NPC within talk range', () => {
    const me = { x: 10, y: 60, z: 10 + TALK_RANGE_BLOCKS };
    assert.equal(canTalkTo(me, npc()).ok, true);
    assert.equal((canTalkTo({ ...me, z: me.z + 0.1 }, npc()) as { code: string }).code, 'OUT_OF_RANGE');
    assert.equal((canTalkTo(me, undefined) as { code: string }).code, 'UNKNOWN_NPC');
    assert.equal((canTalkTo(me, npc({ state: 'dead', hp: 0 })) as { code: string }).code, 'UNKNOWN_NPC');
  });
  it('names nearby NPCs and players, nearest first, bounded', () => {
    const me = { id: 'me', x: 0, y: 60, z: 0 };
    const npcs = [npc({ id: 'far', x: 100 }), npc({ id: 'b', x: 5, z: 0 }), npc({ id: 'a', x: 2, z: 0 }), npc({ id: 'dead', x: 1, state: 'dead', hp: 0 })];
    assert.deepEqual(nearbyNpcs(me, npcs).map((n) => n.id), ['a', 'b']);
    const chars = [{ id: 'me', name: 'Me', x: 0, y: 60, z: 0 }, { id: '2', name: 'Bo', x: 3, y: 60, z: 0 }, { id: '3', name: 'Far', x: 99, y: 60, z: 0 }];
    assert.deepEqual(nearbyPlayers(me, chars), ['Bo']);
  });
});
