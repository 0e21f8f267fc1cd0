/**
 * Deterministic timers for the persist layer (src/persist/timers.ts): a manual clock,
 * a fixed random source, and a record of every delay asked for. `next()` is an event
 * (the next timer scheduled), so a test waits on the code under test, never on time.
 */
import type { Timers } from '../../src/persist/timers.js';

type Pending = { at: number; ms: number; fn: () => void };

export class FakeTimers implements Timers {
  clock = 0;
  /** Every delay passed to setTimeout, in order. */
  readonly delays: number[] = [];
  private pending = new Set<Pending>();
  private waiters: ((t: Pending) => void)[] = [];

  constructor(private readonly rnd: () => number = () => 1) {}

  now = (): number => this.clock;
  random = (): number => this.rnd();

  setTimeout = (fn: () => void, ms: number): unknown => {
    const t = { at: this.clock + ms, ms, fn };
    this.pending.add(t);
    this.delays.push(ms);
    for (const w of this.waiters.splice(0)) w(t);
    return t;
  };

  clearTimeout = (h: unknown): void => {
    this.pending.delete(h as Pending);
  };

  get size(): number {
    return this.pending.size;
  }

  /** Resolves with the next timer scheduled from now on (its delay). */
  next(): Promise<number> {
    return new Promise((resolve) => this.waiters.push((t) => resolve(t.ms)));
  }

  /** Moves the clock to the earliest pending timer and runs it; returns its delay. */
  fireNext(): number {
    const t = [...this.pending].sort((a, b) => a.at - b.at)[0];
    if (!t) throw new Error('no timer pending');
    this.pending.delete(t);
    this.clock = Math.max(this.clock, t.at);
    t.fn();
    return t.ms;
  }

  /** Runs the pending timers whose delay is `ms` (e.g. an interval), moving the clock. */
  fire(ms: number): void {
    const t = [...this.pending].filter((p) => p.ms === ms).sort((a, b) => a.at - b.at)[0];
    if (!t) throw new Error(`no ${ms} ms timer pending (pending: ${[...this.pending].map((p) => p.ms)})`);
    this.pending.delete(t);
    this.clock = Math.max(this.clock, t.at);
    t.fn();
  }

  advance(ms: number): void {
    this.clock += ms;
  }
}
