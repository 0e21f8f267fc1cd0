/** The game master with no model configured: the built-in narrator serves, health 'disabled', one boot line. */
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.js';
import { createGameMaster, createMemoryUsageStore, describeGameMaster, GENRES } from '../src/ai/index.js';
import { createLogger } from '../src/log.js';
import { request, talkRequest } from './support/narration.js';

describe('ai: no model configured', () => {
  const config = loadConfig({});
  const gm = createGameMaster({ config, log: createLogger('silent'), usage: createMemoryUsageStore() });
  after(() => gm.close());

  it('serves every narration from the built-in narrator, cause "disabled"', async () => {
    const chunks: string[] = [];
    const r = await gm.narrate(request(), (t) => chunks.push(t));
    assert.equal(r.source, 'fallback');
    assert.equal(r.cause, 'disabled');
    assert.match(r.text, /Mirela/);
    assert.equal(r.proposal, undefined);
    assert.deepEqual(r.usage, { promptTokens: 0, completionTokens: 0 });
    assert.match(r.memoryNote ?? '', /Mirela/);
    assert.deepEqual(chunks, []);
    const t = await gm.narrate(talkRequest(30));
    assert.equal(t.source, 'fallback');
    assert.match(t.text, /ice troll/);
  });

  it('reports health "disabled" and no model', () => {
    assert.equal(gm.health(), 'disabled');
    assert.deepEqual(gm.models(), { enabled: false, genres: GENRES, genre: 'fantasy', timeoutMs: 8000 });
    assert.match(describeGameMaster(config), /built-in narrator is serving/);
  });

  it('answers even a malformed request (it arrives as a job payload)', async () => {
    const r = await gm.narrate({ narrationId: 'x' } as never);
    assert.equal(r.source, 'fallback');
    assert.ok(r.text.length > 0);
  });
});
