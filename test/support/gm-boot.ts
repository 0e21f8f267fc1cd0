/** Child process for test/ai.disabled.test.ts: creates two game masters from the environment's config; the log goes to stdout. */
import { loadConfig } from '../../src/config.js';
import { createGameMaster, createMemoryUsageStore } from '../../src/ai/index.js';
import { createLogger } from '../../src/log.js';

const config = loadConfig(process.env);
const log = createLogger('info');
const a = createGameMaster({ config, log, usage: createMemoryUsageStore() });
const b = createGameMaster({ config, log, usage: createMemoryUsageStore() });
await Promise.all([a.close(), b.close()]);
