/**
 * A worker process for the jobs tests: the real worker role (src/jobs/worker-role.ts,
 * the same code `npm run worker` runs) with the ritual processor slowed down, so a
 * test can kill the process while a job is running.
 *   JOBS_TEST_RITUAL_SLEEP_MS  how long each ritual takes (default 0)
 * Logs "ritual started" (with jobId and attempt) when a ritual begins.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.js';
import { startWorkerRole } from '../../src/jobs/worker-role.js';
import { createLogger } from '../../src/log.js';

const sleepMs = Number(process.env.JOBS_TEST_RITUAL_SLEEP_MS ?? 0);
const config = loadConfig(process.env);
const log = createLogger(config.logLevel, 'test-worker');
const worker = await startWorkerRole(config, log, {
  tuning: { backoffMs: 50, resultPollMs: 200 },
  wrapProcessors: (p) => ({
    ...p,
    rituals: async (payload, ctx) => {
      log.info({ jobId: ctx.jobId, attempt: ctx.attempt }, 'ritual started');
      if (sleepMs > 0) await sleep(sleepMs, undefined, { signal: ctx.signal });
      return p.rituals!(payload, ctx);
    },
  }),
});
const stop = (reason: string) => void worker.shutdown(reason).then(() => process.exit(0));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
