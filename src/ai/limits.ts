/**
 * Per-user model-call budget per minute: a sliding window of the calls each
 * user made in the last 60 s. In-process (each server or worker process
 * counts its own); the daily token budget (src/ai/usage.ts) is the shared,
 * durable limit.
 */
const WINDOW_MS = 60_000;
/** Above this many tracked users, idle ones are swept on the next call. */
const SWEEP_ABOVE = 10_000;

export class CallsPerMinute {
  private readonly calls = new Map<string, number[]>();

  constructor(private readonly perMinute: number, private readonly now: () => number) {}

  /** Records a call and returns true, or returns false (recording nothing) when the user is at the limit. */
  take(userId: string): boolean {
    const t = this.now();
    if (this.calls.size > SWEEP_ABOVE) this.sweep(t);
    const list = (this.calls.get(userId) ?? []).filter((at) => at > t - WINDOW_MS);
    if (list.length >= this.perMinute) {
      this.calls.set(userId, list);
      return false;
    }
    list.push(t);
    this.calls.set(userId, list);
    return true;
  }

  private sweep(t: number): void {
    for (const [user, list] of this.calls) if (!list.some((at) => at > t - WINDOW_MS)) this.calls.delete(user);
  }
}
