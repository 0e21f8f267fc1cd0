/**
 * Entry point of the worker role: `npm run worker` (any number of them, with
 * REDIS_URL, or with DATABASE_URL for the PostgreSQL queue backend). Reads
 * config once, starts the job workers and owns the signals so shutdown runs
 * in order exactly once.
 */
import { ConfigError, loadConfig } from './config.js';
import { startWorkerRole } from './jobs/worker-role.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      createLogger('fatal').fatal({ problems: err.problems }, err.message);
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, 'leyline-worker');
  const worker = await startWorkerRole(config, log).catch((err: unknown) => {
    log.fatal({ err }, 'worker boot failed');
    process.exit(1);
  });

  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    worker.shutdown(reason).then(
      () => process.exit(code),
      (err: unknown) => {
        log.fatal({ err }, 'worker shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    stop('uncaughtException', 1);
  });
  process.on('unhandledRejection', (err) => {
    log.error({ err }, 'unhandled rejection');
  });
}

void main();
