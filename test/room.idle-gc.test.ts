/**
 * Young-generation collections in a tick's idle time (rooms/idle-gc.ts): the rule, and the collection itself in a
 * Node started as `npm start` starts the server (`--expose-gc`), and nothing at all in one without it (mocha's own).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SCAVENGE_AT, scavengeDue, scavengeIfDue } from '../rooms/idle-gc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

describe('idle-time young-generation collections', () => {
  it('are due once the young generation is SCAVENGE_AT full, not before, and never for an empty one', () => {
    const capacity = 32 * 2 ** 20;
    const at = Math.ceil(SCAVENGE_AT * capacity);
    assert.equal(scavengeDue(at - 1, capacity - at + 1), false);
    assert.equal(scavengeDue(at, capacity - at), true);
    assert.equal(scavengeDue(capacity, 0), true);
    assert.equal(scavengeDue(0, capacity), false);
    assert.equal(scavengeDue(0, 0), false);
    assert.equal(scavengeDue(10, 10, 0.75), false);
  });

  it('do nothing where gc is not exposed (V8 collects as usual)', () => {
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'mocha runs without --expose-gc');
    assert.equal(scavengeIfDue(), undefined);
  });

  it('empty the young generation when due, under --expose-gc, and leave it alone when not', async () => {
    // Fills the young generation past the mark with garbage, keeping some objects alive, then asks twice.
    const script = `
      import { scavengeIfDue, youngGeneration, scavengeDue } from './rooms/idle-gc.ts';
      const keep = [];
      let junk;
      for (let i = 0; i < 5000 || !scavengeDue(youngGeneration().used, youngGeneration().available); i++) {
        junk = { i, list: [i, i + 1] };
        if (i % 1000 === 0) keep.push(junk);
      }
      const before = youngGeneration().used;
      const first = scavengeIfDue();
      const after = youngGeneration().used;
      const second = scavengeIfDue();
      console.log(JSON.stringify({ before, after, first, second, kept: keep.length }));
    `;
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
    const r = JSON.parse(stdout.trim()) as { before: number; after: number; first?: number; second?: number; kept: number };
    assert.equal(typeof r.first, 'number', 'a collection was made when due');
    assert.ok(r.first! >= 0);
    assert.ok(r.after < r.before / 2, `the young generation emptied: ${r.before} -> ${r.after} bytes`);
    assert.equal(r.second, undefined, 'not due right after a collection');
    assert.ok(r.kept > 0);
  });
});
