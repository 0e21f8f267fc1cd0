/**
 * A private redis-server for one suite, on its own port, without persistence: a test
 * can kill it (a real outage) and start it again on the same port (an empty Redis, as
 * after a crash without AOF/RDB), while the shared Redis of the other suites is left
 * alone. Stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { freePort } from '../../src/net.js';

const REDIS_SERVER = process.env.TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts redis-server on this port and resolves once it accepts connections. */
  up(): Promise<void> {
    if (this.running) return Promise.resolve();
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const lines: string[] = [];
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${lines.join('\n')}`));
      child.once('exit', onExit);
      child.once('error', reject);
      readline.createInterface({ input: child.stdout! }).on('line', (l) => {
        lines.push(l);
        if (/ready to accept connections/i.test(l)) {
          child.off('exit', onExit);
          resolve();
        }
      });
      child.stderr!.on('data', (b) => lines.push(String(b)));
    });
  }

  /** Kills the server (SIGKILL: a crash, no goodbye to clients) and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }
}
