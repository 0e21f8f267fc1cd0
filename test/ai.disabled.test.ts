/** The game master with no model configured: the built-in narrator serves, health 'disabled', one boot line. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

  it('says once per process, at boot, which narrator serves', async () => {
    const run = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/gm-boot.ts'], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      assert.equal(code, 0);
      return out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; llm: string });
    };
    const [off, on] = await Promise.all([run({}), run({ OPENAI_API_KEY: 'local', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })]);
    assert.equal(off.length, 1, 'two game masters, one line');
    assert.equal(off[0]!.llm, 'disabled');
    assert.match(off[0]!.msg, /built-in narrator is serving/);
    assert.equal(on.length, 1);
    assert.equal(on[0]!.llm, 'enabled');
    assert.match(on[0]!.msg, /model "gpt-4o-mini" at http:\/\/127\.0\.0\.1:9\/v1/);
  });

  it('answers even a malformed request (it arrives as a job payload)', async () => {
    const r = await gm.narrate({ narrationId: 'x' } as never);
    assert.equal(r.source, 'fallback');
    assert.ok(r.text.length > 0);
  });
});
