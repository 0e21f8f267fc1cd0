/**
 * Per-client message budget: a token bucket (burst, then a steady rate).
 * Over budget → the message is refused with RATE_LIMITED; a client that keeps
 * pushing past the limit (strikes within a window) is to be disconnected.
 */
export type RateLimitOptions = { ratePerS: number; burst: number; strikesToKick: number; strikeWindowMs: number };

export const DEFAULT_CLIENT_RATE: RateLimitOptions = { ratePerS: 30, burst: 60, strikesToKick: 40, strikeWindowMs: 10_000 };

export class TokenBucket {
  private tokens: number;
  private last: number;
  private strikes = 0;
  private strikeWindowStart = 0;

  constructor(private readonly opts: RateLimitOptions, now: number) {
    this.tokens = opts.burst;
    this.last = now;
  }

  /** 'ok' to proceed, 'limited' to refuse this one, 'kick' when the client should be disconnected. */
  take(now: number): 'ok' | 'limited' | 'kick' {
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.ratePerS);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    if (now - this.strikeWindowStart > this.opts.strikeWindowMs) {
      this.strikeWindowStart = now;
      this.strikes = 0;
    }
    this.strikes += 1;
    return this.strikes >= this.opts.strikesToKick ? 'kick' : 'limited';
  }
}
