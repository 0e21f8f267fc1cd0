/**
 * Entry point of the worker role: `npm run worker` (any number of them, with
 * REDIS_URL, or with DATABASE_URL for the PostgreSQL queue backend). Reads
 * config once, starts the job workers and owns the signals so shutdown runs
 * in order exactly once.
 */
import { startWorkerRole } from './jobs/worker-role.js';
import { configOrExit, exitOnSignals } from './lifecycle.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel, 'leyline-worker');
  const worker = await startWorkerRole(config, log).catch((err: unknown) => {
    log.fatal({ err }, 'worker boot failed');
    process.exit(1);
  });
  exitOnSignals(log, (reason) => worker.shutdown(reason));
}

void main();
