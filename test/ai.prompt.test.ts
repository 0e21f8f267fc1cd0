/** Prompt framing and output parsing (src/ai/prompt.ts), without a server. */
import assert from 'node:assert/strict';
import { buildMessages, parseModelOutput } from '../src/ai/index.js';
import { ProseStream, capText } from '../src/ai/prompt.js';
import { request } from './support/narration.js';

function streamed(deltas: string[]): string[] {
  const out: string[] = [];
  const s = new ProseStream((t) => out.push(t), 1200);
  for (const d of deltas) s.push(d);
  return out;
}

describe('ai: prompt and output', () => {
  it('builds a system message of rules and a user message of JSON data', () => {
    const [sys, user] = buildMessages(request({ text: 'I look around' }));
    assert.equal(sys!.role, 'system');
    assert.match(sys!.content, /2 to 4 sentences/);
    assert.match(sys!.content, /"items":\[\{"itemId"/);
    const lines = user!.content.split('\n');
    assert.equal(lines[0], 'Action: act');
    const ctx = JSON.parse(lines[2]!) as { character: { name: string }; region: { biome: string } };
    assert.equal(ctx.character.name, 'Mirela');
    assert.equal(ctx.region.biome, 'forest');
    assert.ok(!lines[2]!.includes('c-1') && !lines[2]!.includes('w-1'), 'no ids: identical situations share a cache entry');
  });

  it('splits prose, a MEMORY line (own line or after a sentence) and a proposal (fenced or bare)', () => {
    assert.deepEqual(parseModelOutput('It rains.\nMEMORY: rain fell\n```json\n{"xp":1}\n```'), { text: 'It rains.', memoryNote: 'rain fell', proposal: { xp: 1 } });
    assert.deepEqual(parseModelOutput('It rains. MEMORY: rain fell'), { text: 'It rains.', memoryNote: 'rain fell' });
    assert.deepEqual(parseModelOutput('It rains.\n**MEMORY:** rain fell\n{"lore": ["wet"]}'), { text: 'It rains.', memoryNote: 'rain fell', proposal: { lore: ['wet'] } });
    assert.deepEqual(parseModelOutput('It rains.\n{"xp": 2}\nMEMORY: rain fell'), { text: 'It rains.', memoryNote: 'rain fell', proposal: { xp: 2 } });
    assert.deepEqual(parseModelOutput('Her memory: a blur. It rains.'), { text: 'Her memory: a blur. It rains.' }, 'lower-case "memory:" is prose');
    assert.deepEqual(parseModelOutput('It rains.\nMemory: rain fell'), { text: 'It rains.', memoryNote: 'rain fell' });
    const bad = parseModelOutput('It rains.\n```json\n{"xp": }\n```');
    assert.equal(bad.text, 'It rains.');
    assert.equal(bad.proposal, undefined);
    assert.match(bad.proposalError!, /not JSON/);
    assert.match(parseModelOutput('x.\n```json\n' + JSON.stringify({ lore: ['a'.repeat(5000)] }) + '\n```').proposalError!, /longer than/);
  });

  it('caps at a sentence or word boundary', () => {
    assert.equal(capText('One two three. Four five six seven.', 20), 'One two three.');
    assert.equal(capText('One. Two three four five six.', 12), 'One. Two…');
    assert.equal(capText('alpha beta gamma delta', 15), 'alpha beta…');
    assert.equal(capText('short', 15), 'short');
  });

  it('streams only the prose, even when a marker is split across deltas', () => {
    assert.equal(streamed(['The troll ', 'growls.', '\nMEM', 'ORY: x\n']).join(''), 'The troll growls.');
    assert.equal(streamed(['It waits. ', 'MEM', 'ORY: x']).join(''), 'It waits.');
    assert.deepEqual(streamed(['One ', 'two ', 'three']), ['One', ' two', ' three'], 'trailing spaces go out with the next word');
    assert.equal(streamed(['Rain.', '\n`', '``json\n{"xp":1}', '\n```']).join(''), 'Rain.');
    assert.equal(streamed(['Rain.\n', '{"xp": 1}']).join(''), 'Rain.');
    assert.equal(streamed(['Mira', 'ble ', 'Memories ', 'fade.']).join(''), 'Mirable Memories fade.');
    assert.equal(streamed(['a\u0007b\u001b', 'c\td']).join(''), 'abc d');
  });
});
