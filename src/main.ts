/**
 * Entry point of the server role: `npm start`. Reads config once, boots, and
 * owns process signals so shutdown runs in order exactly once.
 */
import { configOrExit, exitOnSignals } from './lifecycle.js';
import { createLogger } from './log.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log).catch((err: unknown) => {
    log.fatal({ err }, 'boot failed');
    process.exit(1);
  });
  exitOnSignals(log, (reason) => server.shutdown(reason));
}

void main();
