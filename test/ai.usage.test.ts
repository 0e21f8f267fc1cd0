/**
 * The daily token budget on the real PostgreSQL: the llm_usage store (atomic
 * upsert per user and UTC day) and the game master refusing the model with
 * cause "budget" once a user's recorded usage reaches LLM_DAILY_TOKENS_PER_USER.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { createGameMaster, createPgUsageStore, utcDay, type GameMaster, type UsageStore } from '../src/ai/index.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { createLogger } from '../src/log.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';
import { OpenAiStub } from './support/openai-stub.js';
import { request } from './support/narration.js';

describe('ai: daily token budget in PostgreSQL', () => {
  let db: TestDatabase;
  let orm: Orm;
  let store: UsageStore;
  let stub: OpenAiStub;

  const sql = <T extends object = Record<string, any>>(q: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(q, params);

  async function newUser(): Promise<string> {
    const id = randomUUID();
    await sql(`insert into users (id, username, email, password_hash, created_at, updated_at) values (?, ?, ?, 'x', now(), now())`, [
      id, `u_${id.slice(0, 8)}`, `${id}@example.com`,
    ]);
    return id;
  }

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, createLogger('silent'), { poolMax: 4 });
    await migrate(orm);
    store = createPgUsageStore(orm);
    stub = await OpenAiStub.start();
  });
  after(async () => {
    await stub?.close();
    await orm?.close();
    await db?.drop();
  });

  it('adds per (user, UTC day) atomically, and counts prompt + completion', async () => {
    const user = await newUser();
    assert.equal(await store.tokensToday(user, '2026-11-30'), 0);
    await Promise.all(Array.from({ length: 20 }, () => store.add(user, '2026-11-30', { promptTokens: 10, completionTokens: 5 })));
    await store.add(user, '2026-12-01', 7);
    assert.equal(await store.tokensToday(user, '2026-11-30'), 300);
    assert.equal(await store.tokensToday(user, '2026-12-01'), 7);
    const rows = await sql(`select day::text as day, prompt_tokens, completion_tokens, requests from llm_usage where user_id = ? order by day`, [user]);
    assert.deepEqual(rows, [
      { day: '2026-11-30', prompt_tokens: 200, completion_tokens: 100, requests: 20 },
      { day: '2026-12-01', prompt_tokens: 0, completion_tokens: 7, requests: 1 },
    ]);
  });

  it('goes with the account (on delete cascade)', async () => {
    const user = await newUser();
    await store.add(user, '2026-11-30', 1);
    await sql('delete from users where id = ?', [user]);
    assert.equal(await store.tokensToday(user, '2026-11-30'), 0);
  });

  it('the game master records the model\'s usage and answers "budget" once the day\'s tokens are spent', async () => {
    const user = await newUser();
    const otherUser = await newUser();
    let gm: GameMaster | undefined;
    try {
      gm = createGameMaster({
        config: loadConfig({ OPENAI_BASE_URL: stub.baseUrl, OPENAI_API_KEY: 'local', LLM_DAILY_TOKENS_PER_USER: '200', LLM_CACHE_TTL_S: '0' }),
        log: createLogger('silent'),
        usage: store,
      });
      stub.defaultReply = { kind: 'reply', text: 'Something stirs.', usage: { prompt_tokens: 100, completion_tokens: 20 } };
      const mine = (text: string) => request({ userId: user, text });
      const first = await gm.narrate(mine('one'));
      assert.equal(first.source, 'llm', JSON.stringify(first)); // 120 spent
      assert.equal((await gm.narrate(mine('two'))).source, 'llm'); // 120 < 200 before the call: allowed; 240 after
      const third = await gm.narrate(mine('three'));
      assert.equal(third.source, 'fallback');
      assert.equal(third.cause, 'budget');
      assert.match(third.text, /Mirela/);
      assert.equal(stub.requests.length, 2);
      assert.equal(await store.tokensToday(user, utcDay(Date.now())), 240);
      const [row] = await sql(`select prompt_tokens, completion_tokens, requests from llm_usage where user_id = ?`, [user]);
      assert.deepEqual(row, { prompt_tokens: 200, completion_tokens: 40, requests: 2 });
      // Another account has its own budget.
      assert.equal((await gm.narrate(request({ userId: otherUser, text: 'one' }))).source, 'llm');
    } finally {
      await gm?.close();
    }
  });

  it('a new UTC day starts a new budget', async () => {
    const user = await newUser();
    let t = Date.parse('2026-11-30T23:59:00Z');
    const gm = createGameMaster({
      config: loadConfig({ OPENAI_BASE_URL: stub.baseUrl, OPENAI_API_KEY: 'local', LLM_DAILY_TOKENS_PER_USER: '100', LLM_CACHE_TTL_S: '0' }),
      log: createLogger('silent'),
      usage: store,
      now: () => t,
    });
    try {
      stub.defaultReply = { kind: 'reply', text: 'Something stirs.', usage: { prompt_tokens: 100, completion_tokens: 20 } };
      assert.equal((await gm.narrate(request({ userId: user, text: 'a' }))).source, 'llm');
      assert.equal((await gm.narrate(request({ userId: user, text: 'b' }))).cause, 'budget');
      t = Date.parse('2026-12-01T00:00:01Z');
      assert.equal((await gm.narrate(request({ userId: user, text: 'c' }))).source, 'llm');
      assert.equal(await store.tokensToday(user, '2026-11-30'), 120);
      assert.equal(await store.tokensToday(user, '2026-12-01'), 120);
    } finally {
      await gm.close();
    }
  });
});
