/** Narration requests for the ai tests. */
import type { Genre, NarrationContext, NarrationRequest } from '../../src/ai/types.js';

export function context(over: Partial<NarrationContext> = {}): NarrationContext {
  return {
    character: {
      id: 'c-1', name: 'Mirela', characterClass: 'mage', level: 7, hp: 42, maxHp: 60, mana: 80, maxMana: 120,
      knownSpells: ['fireball', 'frost_nova'],
    },
    region: {
      worldId: 'w-1', rx: 0, rz: 1, biome: 'forest', timeOfDay: 18.5,
      leyline: { id: 'ley-1', strength: 0.8 },
      nearbyNpcs: [{ id: 'n-1', kind: 'ice_troll' }],
      nearbyPlayers: ['Tomas'],
      recentEvents: ['A ritual shook the northern ridge'],
    },
    quests: ['The Frozen Well'],
    memory: 'Mirela saved a merchant from wolves yesterday.',
    ...over,
  };
}

let n = 0;
export function request(over: Partial<NarrationRequest> = {}): NarrationRequest {
  n += 1;
  return {
    narrationId: `nar-${n}`,
    userId: '00000000-0000-4000-8000-000000000001',
    kind: 'act',
    text: 'I search the clearing for tracks',
    genre: 'fantasy' as Genre,
    seed: 42,
    context: context(),
    ...over,
  };
}

export function talkRequest(relationship: number, over: Partial<NarrationRequest> = {}): NarrationRequest {
  return request({
    kind: 'talk',
    text: 'Good evening! Have you seen anything strange?',
    context: context({
      npc: { id: 'n-1', kind: 'ice_troll', persona: 'A grumpy old troll who guards the bridge. Loves riddles.', relationship, history: ['Mirela: hello', 'troll: hmph'] },
    }),
    ...over,
  });
}
