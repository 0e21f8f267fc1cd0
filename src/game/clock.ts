/** The world's day clock. Every room of every process derives the hour from the same epoch time. */

/** In-game hour (0..24) at epoch ms `now`, for days of `dayLengthMs` real milliseconds. */
export function timeOfDay(now: number, dayLengthMs: number): number {
  return ((now / dayLengthMs) * 24) % 24;
}
