/** src/auth/session-cache.ts: rooms' memory of checked tokens. */
import assert from 'node:assert/strict';
import { cachedAuthenticate, type Who } from '../src/auth/session-cache.js';

describe('room token cache', () => {
  const setup = (maxEntries = 10) => {
    let t = 0;
    const calls: string[] = [];
    const valid = new Map<string, Who>([['tok-a', { userId: 'u1', sessionId: 's1' }], ['tok-b', { userId: 'u2', sessionId: 's2' }]]);
    const auth = cachedAuthenticate(
      async (token) => {
        calls.push(token);
        return valid.get(token);
      },
      { ttlMs: 1000, maxEntries, now: () => t },
    );
    return { auth, calls, valid, advance: (ms: number) => (t += ms) };
  };

  it('checks a token once per TTL, and again after it', async () => {
    const { auth, calls, advance } = setup();
    assert.deepEqual(await auth.authenticate('tok-a'), { userId: 'u1', sessionId: 's1' });
    await auth.authenticate('tok-a');
    assert.deepEqual(calls, ['tok-a']);
    advance(1001);
    await auth.authenticate('tok-a');
    assert.deepEqual(calls, ['tok-a', 'tok-a']);
  });

  it('never remembers a refusal, and a logout forgets its session at once', async () => {
    const { auth, calls, valid } = setup();
    assert.equal(await auth.authenticate('nope'), undefined);
    assert.equal(await auth.authenticate('nope'), undefined);
    assert.deepEqual(calls, ['nope', 'nope']);
    await auth.authenticate('tok-a');
    await auth.authenticate('tok-b');
    valid.delete('tok-a'); // revoked
    auth.forgetSession('s1');
    assert.equal(await auth.authenticate('tok-a'), undefined);
    assert.deepEqual(await auth.authenticate('tok-b'), { userId: 'u2', sessionId: 's2' }, 'other sessions stay remembered');
    assert.equal(calls.filter((c) => c === 'tok-b').length, 1);
  });

  it('holds at most maxEntries tokens (the oldest goes first)', async () => {
    const { auth, calls } = setup(1);
    await auth.authenticate('tok-a');
    await auth.authenticate('tok-b');
    await auth.authenticate('tok-a');
    assert.deepEqual(calls, ['tok-a', 'tok-b', 'tok-a']);
  });
});
