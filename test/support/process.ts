/** Runs `src/main.ts` as a real child process and waits on its log lines (no sleeps). */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { freePort } from '../../src/net.js';

export { freePort };

export type ServerProcess = {
  child: ChildProcess;
  port: number;
  lines: string[];
  /** Resolves with the first log line whose msg matches. */
  waitForLog(re: RegExp): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

// Variables from the developer's shell that would change the mode under test.
const SCRUB = ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'PUBLIC_ADDRESS', 'PORT', 'DATA_DIR', 'LOG_LEVEL'];

export async function spawnServer(env: Record<string, string>, entry = 'src/main.ts'): Promise<ServerProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUB.includes(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...base, LOG_LEVEL: 'info', BCRYPT_COST: '4', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (v: Record<string, unknown>) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line);
    } catch {
      return;
    }
    for (const w of [...waiters]) {
      if (w.re.test(String(rec.msg))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    }
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    port,
    lines,
    exited,
    waitForLog(re) {
      const seen = lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((r) => r && re.test(String(r.msg)));
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.push({ re, resolve })),
        exited.then(({ code, signal }) => {
          throw new Error(`server exited (${code ?? signal}) before logging ${re}:\n${lines.slice(-30).join('\n')}`);
        }),
      ]);
    },
  };
}

