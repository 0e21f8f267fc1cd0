import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => p.variable);
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('has working defaults with nothing set', () => {
    const c = loadConfig({});
    assert.equal(c.port, 2567);
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.jwtSecret, undefined);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.bcryptCost, 12);
  });

  it('treats empty values as unset', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: ' ', REDIS_URL: '' });
    assert.equal(c.port, 2567);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.redisUrl, undefined);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '3000', DATA_DIR: '/tmp/x', DATABASE_URL: 'postgres://u@h:5432/d', REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_SECRET: 's'.repeat(40), LOG_LEVEL: 'debug', BCRYPT_COST: '10', PUBLIC_ADDRESS: 'game-1.example.com:2567',
    });
    assert.deepEqual(
      [c.port, c.dataDir, c.databaseUrl, c.redisUrl, c.jwtSecret, c.logLevel, c.bcryptCost, c.publicAddress],
      [3000, '/tmp/x', 'postgres://u@h:5432/d', 'redis://127.0.0.1:6379', 's'.repeat(40), 'debug', 10, 'game-1.example.com:2567'],
    );
  });

  it('reads the door limits and the metrics token', () => {
    const d = loadConfig({});
    assert.deepEqual([d.playRateLimitPerMin, d.playRateLimitPerIpPerMin, d.metricsToken], [20, 120, undefined]);
    const c = loadConfig({ PLAY_RATE_LIMIT_PER_MIN: '5', PLAY_RATE_LIMIT_PER_IP_PER_MIN: '50', METRICS_TOKEN: 'm'.repeat(24) });
    assert.deepEqual([c.playRateLimitPerMin, c.playRateLimitPerIpPerMin, c.metricsToken], [5, 50, 'm'.repeat(24)]);
  });

  it('reads the game master settings: model off by default', () => {
    const d = loadConfig({});
    assert.deepEqual(
      [d.openaiBaseUrl, d.openaiApiKey, d.openaiModel, d.llmTimeoutMs, d.llmRatePerMin, d.llmDailyTokensPerUser, d.llmCacheTtlS, d.narrationGenre],
      [undefined, undefined, 'gpt-4o-mini', 8000, 10, 20000, 300, 'fantasy'],
    );
    const c = loadConfig({
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', OPENAI_API_KEY: 'local', OPENAI_MODEL: 'llama3.1:8b', LLM_TIMEOUT_MS: '500',
      LLM_RATE_PER_MIN: '3', LLM_DAILY_TOKENS_PER_USER: '0', LLM_CACHE_TTL_S: '0', NARRATION_GENRE: 'sci-fi',
    });
    assert.deepEqual(
      [c.openaiBaseUrl, c.openaiApiKey, c.openaiModel, c.llmTimeoutMs, c.llmRatePerMin, c.llmDailyTokensPerUser, c.llmCacheTtlS, c.narrationGenre],
      ['http://127.0.0.1:11434/v1', 'local', 'llama3.1:8b', 500, 3, 0, 0, 'sci-fi'],
    );
  });

  const bad: [string, Record<string, string>][] = [
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'http://x' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['BCRYPT_COST', { BCRYPT_COST: '3' }],
    ['BCRYPT_COST', { BCRYPT_COST: '12.5' }],
    ['PUBLIC_ADDRESS', { PUBLIC_ADDRESS: 'http://x y' }],
    ['PLAY_RATE_LIMIT_PER_MIN', { PLAY_RATE_LIMIT_PER_MIN: '0' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'short' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'has a space in it somewhere' }],
    ['OPENAI_BASE_URL', { OPENAI_BASE_URL: 'ftp://x' }],
    ['OPENAI_API_KEY', { OPENAI_API_KEY: 'two words' }],
    ['OPENAI_MODEL', { OPENAI_MODEL: 'a model' }],
    ['LLM_TIMEOUT_MS', { LLM_TIMEOUT_MS: '50' }],
    ['LLM_RATE_PER_MIN', { LLM_RATE_PER_MIN: '0' }],
    ['NARRATION_GENRE', { NARRATION_GENRE: 'western' }],
  ];
  for (const [variable, env] of bad) {
    it(`names ${variable} when it is ${JSON.stringify(Object.values(env)[0])}`, () => {
      assert.deepEqual(problemsOf(env), [variable]);
    });
  }

  it('reports every bad variable at once', () => {
    assert.deepEqual(problemsOf({ PORT: 'x', LOG_LEVEL: 'y' }).sort(), ['LOG_LEVEL', 'PORT']);
  });

  it('a bad value stops boot with a message naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /PORT: must be an integer/);
  });
});
