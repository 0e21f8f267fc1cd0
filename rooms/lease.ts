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
  opts: { waitMs: number; retryMs?: number; ttlS?: number; onLost?: () => void },
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
  const renew = setInterval(() => {
    void (async () => {
      if ((await presence.get(k.owner)) !== where.roomId) {
        if (!lost) opts.onLost?.();
        lost = true;
        return;
      }
      await presence.expire(k.counter, ttlS);
      await presence.setex(k.owner, where.roomId, ttlS);
    })().catch(() => undefined); // presence unreachable: the next renewal tries again
  }, (ttlS * 1000) / 3);
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
