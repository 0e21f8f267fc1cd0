/**
 * What the entry points (server, worker) share: config read once (a bad value
 * exits 2 naming the variable), and process signals owned so that shutdown
 * runs once, in order, then exits.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';

export function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      createLogger('fatal').fatal({ problems: err.problems }, err.message);
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** SIGTERM/SIGINT (exit 0) and an uncaught exception (exit 1) run `shutdown` once; later signals are ignored. */
export function exitOnSignals(log: Logger, shutdown: (reason: string) => Promise<void>): void {
  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    shutdown(reason).then(
      () => process.exit(code),
      (err: unknown) => {
        log.fatal({ err }, 'shutdown failed');
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

