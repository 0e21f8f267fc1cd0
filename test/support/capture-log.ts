/** A pino logger whose lines a test can read (parsed JSON objects). */
import { pino, type Logger } from 'pino';

export type LogLine = { level: number; msg: string; [k: string]: unknown };
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function captureLog(level = 'debug'): { log: Logger; lines: LogLine[]; at(l: keyof typeof LEVEL): LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines, at: (l) => lines.filter((x) => x.level === LEVEL[l]) };
}
