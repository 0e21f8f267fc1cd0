/**
 * Young-generation collections in a tick's idle time.
 *
 * A region room works about a third of each 50 ms tick at 500 clients (the
 * simulation, the patch, the socket writes) and waits the rest. V8 collects
 * the young generation (a scavenge) when it is full, wherever that falls, and
 * it mostly falls inside the tick or the patch, which allocate most: with 500
 * clients a scavenge pauses the thread 5–9 ms (measured with --trace-gc-nvp
 * in `npm run bench:tick`), once every 15–30 ticks, so the ticks that hold one
 * are the tick's p99, and every client's frame of that tick waits for it.
 *
 * Here a room, right after it has let its clients' frames go, starts the
 * scavenge itself when the young generation is at least SCAVENGE_AT full:
 * early, in the idle part of the tick, where most of the tick's garbage is
 * already dead (a collection copies only what is alive) and nothing waits for
 * the thread but messages, which wait for the next tick anyway. The work is the
 * same kind; only its place changes (and there are somewhat more of them).
 *
 * It needs `gc` exposed (`node --expose-gc`, as `npm start` runs the server);
 * without it nothing happens and V8 collects as it always does. Rooms in one
 * process share the heap: whichever finishes a tick first past the mark
 * collects for all. Node's `gc({ type: 'minor' })`: the V8 gc extension.
 */
import v8 from 'node:v8';

/**
 * Scavenge after a tick once the young generation is at least this full (the rest is headroom for the next ticks:
 * a tick of 500 clients allocates about a tenth of it). A collection costs about the same at any fill (it copies
 * what is alive), so the later the fewer: at half full there were 3.4 a second at the spawn crowd and 10–11 over
 * 64 regions; at 0.8, 1.6 and 6.5, each as long (5 and 7.8 ms p50), tick p99 unchanged.
 */
export const SCAVENGE_AT = 0.8;

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/** Whether a young generation with `used` bytes in use and `available` free is due for a collection. */
export function scavengeDue(used: number, available: number, at = SCAVENGE_AT): boolean {
  const capacity = used + available;
  return capacity > 0 && used >= at * capacity;
}

/** The young generation's bytes in use and free now. */
export function youngGeneration(): { used: number; available: number } {
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space') return { used: s.space_used_size, available: s.space_available_size };
  }
  return { used: 0, available: 0 };
}

/**
 * Call when a tick's work is done: scavenges now if the young generation is due (see above). Returns how long
 * the collection took, ms, or undefined when none was made (not due, or `gc` not exposed).
 */
export function scavengeIfDue(): number | undefined {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (typeof gc !== 'function') return undefined;
  const { used, available } = youngGeneration();
  if (!scavengeDue(used, available)) return undefined;
  const t0 = performance.now();
  gc({ type: 'minor' });
  return performance.now() - t0;
}
