/** Injectable clock and timers (tests, simulations). `keepAlive` timers hold the process open. */
export type Timers = {
  now(): number;
  random(): number;
  setTimeout(fn: () => void, ms: number, opts?: { keepAlive?: boolean }): unknown;
  clearTimeout(handle: unknown): void;
};

export const nodeTimers: Timers = {
  now: () => Date.now(),
  random: Math.random,
  setTimeout(fn, ms, opts) {
    const t = setTimeout(fn, ms);
    if (!opts?.keepAlive) t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Resolves after `ms` on the given timers (kept alive: callers wait on it, e.g. a shutdown). */
export function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms, { keepAlive: true }));
}

/** `p`'s value, or undefined once `ms` have passed (p keeps running). */
export function within<T>(timers: Timers, p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const t = timers.setTimeout(() => resolve(undefined), ms, { keepAlive: true });
    p.then(
      (v) => (timers.clearTimeout(t), resolve(v)),
      (e) => (timers.clearTimeout(t), reject(e)),
    );
  });
}
