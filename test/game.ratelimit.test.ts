import assert from 'node:assert/strict';
import { DEFAULT_CLIENT_RATE, TokenBucket, type RateLimitOptions } from '../src/game/ratelimit.js';

const T0 = 1_000_000;

function takeN(b: TokenBucket, n: number, now: number): string[] {
  return Array.from({ length: n }, () => b.take(now));
}

describe('game TokenBucket', () => {
  const opts: RateLimitOptions = { ratePerS: 10, burst: 5, strikesToKick: 1000, strikeWindowMs: 10_000 };

  it('allows a burst, then refuses', () => {
    const b = new TokenBucket(opts, T0);
    assert.deepEqual(takeN(b, 5, T0), ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.deepEqual(takeN(b, 3, T0), ['limited', 'limited', 'limited']);
  });

  it('refills at the rate (one token per 1/rate seconds, fractions accumulate)', () => {
    const b = new TokenBucket(opts, T0);
    takeN(b, 5, T0);
    assert.equal(b.take(T0 + 50), 'limited', 'half a token is not enough');
    assert.equal(b.take(T0 + 100), 'ok', 'the halves add up to one token');
    assert.equal(b.take(T0 + 100), 'limited');
    assert.deepEqual(takeN(b, 3, T0 + 400), ['ok', 'ok', 'ok']);
    assert.equal(b.take(T0 + 400), 'limited');
  });

  it('sustains exactly the rate: 10/s for a minute never gets limited, 11/s eventually does', () => {
    const steady = new TokenBucket(opts, T0);
    takeN(steady, 5, T0); // start with an empty bucket
    for (let i = 1; i <= 600; i++) assert.equal(steady.take(T0 + i * 100), 'ok', `message ${i}`);
    const fast = new TokenBucket(opts, T0);
    const results = Array.from({ length: 660 }, (_, i) => fast.take(T0 + Math.floor((i * 1000) / 11)));
    assert.ok(results.includes('limited'));
    assert.ok(results.filter((r) => r === 'ok').length <= 5 + 10 * 60 + 1);
  });

  it('caps the refill at the burst (idling does not bank tokens)', () => {
    const b = new TokenBucket(opts, T0);
    takeN(b, 5, T0);
    assert.deepEqual(takeN(b, 6, T0 + 3_600_000), ['ok', 'ok', 'ok', 'ok', 'ok', 'limited']);
  });

  it('kicks after strikesToKick refusals within the window', () => {
    const b = new TokenBucket({ ratePerS: 1, burst: 1, strikesToKick: 3, strikeWindowMs: 1000 }, T0);
    assert.equal(b.take(T0), 'ok');
    assert.equal(b.take(T0), 'limited');
    assert.equal(b.take(T0 + 300), 'limited');
    assert.equal(b.take(T0 + 600), 'kick');
  });

  it('resets the strikes once the window has passed', () => {
    const b = new TokenBucket({ ratePerS: 1, burst: 1, strikesToKick: 3, strikeWindowMs: 1000 }, T0);
    assert.equal(b.take(T0), 'ok');
    assert.equal(b.take(T0), 'limited'); // strike 1, window opens at T0
    assert.equal(b.take(T0), 'limited'); // strike 2
    assert.equal(b.take(T0 + 1500), 'ok'); // refilled
    assert.equal(b.take(T0 + 1500), 'limited', 'window expired: strikes start over at 1');
    assert.equal(b.take(T0 + 1500), 'limited'); // 2
    assert.equal(b.take(T0 + 1600), 'kick'); // 3 within the new window
  });

  it('strikes spread thinner than the window never kick', () => {
    const b = new TokenBucket({ ratePerS: 0.5, burst: 1, strikesToKick: 3, strikeWindowMs: 1000 }, T0);
    let now = T0;
    assert.equal(b.take(now), 'ok');
    for (let i = 0; i < 50; i++) {
      now += 1001;
      const r = b.take(now);
      assert.notEqual(r, 'kick', `take ${i}`);
    }
  });

  it('keeps kicking while the client keeps pushing in the window', () => {
    const b = new TokenBucket({ ratePerS: 1, burst: 1, strikesToKick: 2, strikeWindowMs: 1000 }, T0);
    b.take(T0);
    assert.deepEqual(takeN(b, 4, T0 + 10), ['limited', 'kick', 'kick', 'kick']);
  });

  it('the default client budget allows its burst and then limits; kicks only after sustained abuse', () => {
    const b = new TokenBucket(DEFAULT_CLIENT_RATE, T0);
    assert.ok(takeN(b, DEFAULT_CLIENT_RATE.burst, T0).every((r) => r === 'ok'));
    const after = takeN(b, DEFAULT_CLIENT_RATE.strikesToKick, T0);
    assert.ok(after.slice(0, -1).every((r) => r === 'limited'));
    assert.equal(after.at(-1), 'kick');
  });
});
