/**
 * The newcomer's path: no configuration at all → embedded PostgreSQL in
 * DATA_DIR; accounts survive a `kill -9` of the server (the orphaned
 * PostgreSQL is recovered by the next start); SIGTERM stops everything.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { http } from './support/server.js';
import { spawnServer, type ServerProcess } from './support/process.js';

describe('embedded mode (real child process, embedded PostgreSQL)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let proc: ServerProcess | undefined;

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'leyline-embedded-'));
  });
  after(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('boots with no configuration, survives kill -9 with accounts intact, and stops cleanly', async () => {
    proc = await spawnServer({ DATA_DIR: dataDir });
    await proc.waitForLog(/leyline server listening/);
    const base = `http://127.0.0.1:${proc.port}`;

    const health = await http(base, 'GET', '/api/health');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok', db: 'ok', redis: 'disabled', queue: 'ok', llm: 'disabled' });
    const worlds = await http(base, 'GET', '/api/worlds');
    assert.equal(worlds.status, 200);
    assert.ok(worlds.body.length >= 1, 'a default world is seeded');

    const account = { username: 'survivor', email: 'survivor@example.com', password: 'kill dash nine' };
    const reg = await http(base, 'POST', '/api/auth/register', { body: account });
    assert.equal(reg.status, 201);
    const secretFile = path.join(dataDir, 'jwt-secret');
    assert.equal((await fs.stat(secretFile)).mode & 0o777, 0o600, 'generated JWT secret is private');

    // kill -9: no shutdown runs, the embedded PostgreSQL is orphaned.
    proc.child.kill('SIGKILL');
    await proc.exited;
    assert.ok(existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), 'PostgreSQL was left running');

    proc = await spawnServer({ DATA_DIR: dataDir });
    await proc.waitForLog(/left running by a previous process/);
    await proc.waitForLog(/leyline server listening/);
    const base2 = `http://127.0.0.1:${proc.port}`;
    const login = await http(base2, 'POST', '/api/auth/login', { body: { username: account.username, password: account.password } });
    assert.equal(login.status, 200);
    assert.equal(login.body.user.id, reg.body.user.id);
    const me = await http(base2, 'GET', '/api/me', { token: reg.body.token });
    assert.equal(me.status, 200, 'tokens survive restarts (JWT secret kept in DATA_DIR)');

    // An orphaned server still alive on this DATA_DIR (its `npm start` parent was killed -9):
    // the next start asks it to shut down gracefully and takes its place.
    const orphan = proc;
    proc = await spawnServer({ DATA_DIR: dataDir });
    await proc.waitForLog(/another Leyline server is running/);
    assert.equal((await orphan.exited).code, 0, 'the previous server shut down gracefully');
    await proc.waitForLog(/leyline server listening/);
    const again = await http(`http://127.0.0.1:${proc.port}`, 'POST', '/api/auth/login', { body: { username: account.username, password: account.password } });
    assert.equal(again.status, 200);

    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    assert.equal(code, 0);
    assert.ok(!existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), 'PostgreSQL was stopped by the shutdown');
    await proc.waitForLog(/shutdown complete/);
  });
});
