/**
 * A fixed-window counter per key, in memory (each server process counts on
 * its own). Used where a check must happen before expensive work and a
 * success may give its unit back (the admin door's credential checks).
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    /** Past this many keys, expired windows are swept before adding one. */
    private readonly maxKeys = 50_000,
  ) {}

  /** Takes one unit for `key`: ok, or how long until the window resets. */
  take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (!w && this.windows.size >= this.maxKeys) this.sweep(now);
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    if (w.count >= this.limit) return { ok: false, retryAfterMs: w.resetAt - now };
    w.count += 1;
    return { ok: true };
  }

  /** Returns a unit taken in the current window (a success that should not count). */
  giveBack(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (w && w.resetAt > now && w.count > 0) w.count -= 1;
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    // Still full of live windows (a flood of distinct keys): drop the oldest rather than grow without bound.
    while (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
  }
}
