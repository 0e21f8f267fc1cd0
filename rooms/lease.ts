/**
 * Exactly one live room per (world, region), across processes: a lease in
 * Colyseus presence (in-process, or Redis when several processes share one).
 * Taken in onCreate, renewed while the room lives, released after its final
 * flush; a crashed holder's lease expires after LEASE_TTL_S.
 *
 * `incr` is the atomic test-and-set: the room that takes the counter from
 * 0 to 1 holds the region. Presence has no compare-and-set, so the owner key
 * only tells who holds it (for renewal and release); it never decides.
 */
import type { Presence } from '@colyseus/core';

export const LEASE_TTL_S = 30;
/** Renewals are two presence calls: cheap enough to notice a lost region within 2 s. */
export const RENEW_MS = 2000;

export type RegionLease = { release(): Promise<void> };

export class RegionHeld extends Error {
  constructor(readonly region: string) {
    super(`region ${region} is held by another room`);
  }
}

export const leaseKeys = (worldId: string, rx: number, rz: number) => {
  const region = `${worldId}:${rx}:${rz}`;
  return { region, counter: `leyline:region-lease:${region}`, owner: `leyline:region-owner:${region}` };
};

/**
 * Takes the region's lease for `roomId`, retrying every `retryMs` for up to
 * `waitMs` (a room of the region may still be flushing on its way out).
 * Throws RegionHeld when another room keeps it.
 */
export async function takeRegionLease(
  presence: Presence,
  where: { worldId: string; rx: number; rz: number; roomId: string },
  opts: {
    waitMs: number;
    retryMs?: number;
    ttlS?: number;
    /** How often the holder renews (and notices a loss). */
    renewMs?: number;
    /** Another room holds the region now: this one must stop being its writer. */
    onLost?: () => void;
    /** The keys were gone (presence restarted empty) and this room took the region back: re-publish what else was lost. */
    onRestored?: () => void;
  },
): Promise<RegionLease> {
  const k = leaseKeys(where.worldId, where.rx, where.rz);
  const ttlS = opts.ttlS ?? LEASE_TTL_S;
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    if ((await presence.incr(k.counter)) === 1) break;
    // Held. A holder that died between incr and its first renewal leaves a counter without
    // an expiry: give it one, so it lapses.
    if (!(await presence.get(k.owner))) await presence.expire(k.counter, ttlS);
    if (Date.now() >= deadline) throw new RegionHeld(k.region);
    await new Promise((r) => setTimeout(r, opts.retryMs ?? 100));
  }
  await presence.expire(k.counter, ttlS);
  await presence.setex(k.owner, where.roomId, ttlS);
  let lost = false;
  let busy = false; // one renewal at a time: calls queued during an outage must not race each other on reconnect
  const renew = setInterval(() => {
    if (busy || lost) return;
    busy = true;
    void (async () => {
      const owner = await presence.get(k.owner);
      if (!owner && (await presence.incr(k.counter)) === 1) {
        // Both keys gone (presence restarted empty, or this room stalled past the TTL) and nobody took
        // the region meanwhile: it is this room's again.
        await presence.expire(k.counter, ttlS);
        await presence.setex(k.owner, where.roomId, ttlS);
        opts.onRestored?.();
        return;
      }
      if (owner !== where.roomId) {
        lost = true;
        opts.onLost?.();
        return;
      }
      await presence.expire(k.counter, ttlS);
      await presence.setex(k.owner, where.roomId, ttlS);
    })()
      .catch(() => undefined) // presence unreachable: the next renewal tries again
      .finally(() => (busy = false));
  }, opts.renewMs ?? RENEW_MS);
  renew.unref();
  return {
    async release() {
      clearInterval(renew);
      if (lost || (await presence.get(k.owner)) !== where.roomId) return;
      await presence.del(k.owner);
      await presence.del(k.counter);
    },
  };
}
