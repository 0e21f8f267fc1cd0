/** The built-in narrator (src/ai/narrator.ts): classification, templates × genres from context, seeded variation, talk tiers. */
import assert from 'node:assert/strict';
import {
  ACTION_TYPES, GENRES, builtInNarration, classifyAction, relationshipTier, timeOfDayWords, RELATIONSHIP_TIERS,
  type ActionType,
} from '../src/ai/index.js';
import { context, request, talkRequest } from './support/narration.js';

/** A phrase that classifies as each action type. */
const PHRASES: Record<ActionType, string> = {
  attack: 'I attack the troll with my sword',
  defend: 'I raise my shield and block',
  explore: 'I explore the area and search for tracks',
  interact: 'I open the old chest',
  magic: 'I cast a spell at the sky',
  social: 'I greet the stranger and ask for news',
  move: 'I walk north towards the hills',
  rest: 'I sit down by the fire and rest',
  other: 'hmm',
};

describe('ai: built-in narrator', () => {
  it('classifies free text by keywords', () => {
    for (const t of ACTION_TYPES) assert.equal(classifyAction(PHRASES[t]), t, PHRASES[t]);
    assert.equal(classifyAction('I go to the goblin camp'), 'move', 'go$ is a whole word: "goblin" does not make it move twice');
    assert.equal(classifyAction('ATTACKING!!'), 'attack');
    assert.equal(classifyAction('I throw a fireball at it', ['fireball']), 'magic', 'a known spell counts for magic');
    assert.equal(classifyAction(''), 'other');
  });

  for (const genre of GENRES) {
    for (const t of ACTION_TYPES) {
      it(`narrates ${t} in ${genre} from the context`, () => {
        const r = builtInNarration(request({ genre, text: PHRASES[t] }));
        assert.equal(r.actionType, t);
        assert.match(r.text, /Mirela/, 'names the character');
        assert.match(r.text, /forest/, 'names the place');
        assert.match(r.text, /dusk/, 'names the time of day (18.5 h)');
        assert.ok(!/[{}]/.test(r.text), `no unfilled slot: ${r.text}`);
        const sentences = r.text.split(/(?<=[.!?"])\s+(?=[A-Z"])/).length;
        assert.ok(sentences >= 2 && sentences <= 4, `2-4 sentences: ${r.text}`);
        assert.match(r.memoryNote, /^Mirela .+ in the forest at dusk\.$/);
      });
    }
  }

  it('names a nearby creature, the class and the leyline where the template has them', () => {
    const texts = Array.from({ length: 30 }, (_, seed) => builtInNarration(request({ seed, text: PHRASES.attack })).text).join(' ');
    assert.match(texts, /ice troll/);
    assert.match(texts, /mage/);
    assert.match(texts, /leyline/);
    assert.ok(!/\b[Aa] ice\b/.test(texts), 'an ice troll, not a ice troll');
    const calm = builtInNarration(request({ context: context({ region: { ...context().region, leyline: undefined, nearbyNpcs: [] } }) }));
    assert.ok(!/leyline|troll/.test(calm.text), calm.text);
  });

  it('same request and seed → same text; other seeds vary it', () => {
    const a = builtInNarration(request({ seed: 7 }));
    const b = builtInNarration(request({ seed: 7 }));
    assert.deepEqual(a, b);
    const texts = new Set(Array.from({ length: 20 }, (_, seed) => builtInNarration(request({ seed })).text));
    assert.ok(texts.size >= 5, `only ${texts.size} distinct texts over 20 seeds`);
  });

  it('tells the time of day in words', () => {
    assert.deepEqual([2, 6, 9, 12, 15, 18.5, 21, 23.9].map(timeOfDayWords), ['night', 'dawn', 'morning', 'midday', 'afternoon', 'dusk', 'evening', 'night']);
  });

  it('talk answers in the NPC persona, coloured by the relationship tier', () => {
    assert.deepEqual([-100, -50, -49, -15, -14, 0, 14, 15, 49, 50, 100].map(relationshipTier),
      ['hostile', 'hostile', 'wary', 'wary', 'neutral', 'neutral', 'neutral', 'friendly', 'friendly', 'devoted', 'devoted']);
    const byTier = new Map<string, string>();
    for (const [tier, rel] of [['hostile', -80], ['wary', -30], ['neutral', 0], ['friendly', 30], ['devoted', 80]] as const) {
      for (const genre of GENRES) {
        const r = builtInNarration(talkRequest(rel, { genre }));
        assert.equal(r.tier, tier);
        assert.match(r.text, /^The ice troll, grumpy old troll who guards the bridge, /, r.text);
        assert.match(r.text, /"[^"]+"/, 'the NPC speaks a quoted line');
        assert.match(r.memoryNote, new RegExp(`spoke with an ice troll \\(${tier}\\)`));
        byTier.set(`${tier}/${genre}`, r.text);
      }
    }
    assert.equal(new Set(byTier.values()).size, RELATIONSHIP_TIERS.length * GENRES.length, 'every tier × genre answers differently');
  });

  it('survives hostile context strings (control characters, huge names)', () => {
    const ctx = context();
    ctx.character.name = 'Evil\u001b[31m\u202eName' + 'x'.repeat(500);
    const r = builtInNarration(request({ context: ctx }));
    assert.ok(!/[\u0000-\u001f\u202e]/.test(r.text), r.text);
    assert.ok(r.text.length < 600);
  });
});
