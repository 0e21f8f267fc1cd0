/** Structured logging (pino). Modules take a child logger; nothing prints with console. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'leyline'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
