/**
 * BENCHMARK ONLY: the naive baseline that `npm run bench` compares interest
 * management against. Registered solely by loadtest/server.ts through
 * startServer's `defineRooms` hook, never by src/server.ts.
 *
 * It is RegionRoom (same auth, join, simulation, mirroring, persistence and
 * tick metric) with interest management switched off:
 *   - the state is BaselineState, which has no @view fields, so the encoder
 *     encodes one patch per tick and broadcasts it to everyone;
 *   - the InterestManager is replaced by a no-op, so clients get no StateView
 *     and the tick does no per-client visibility work.
 */
import { ClientState, type Client } from '@colyseus/core';
import { RegionRoom } from './RegionRoom.js';
import type { JoinOptions } from './messages.js';
import type { InterestManager } from './interest.js';
import { BaselineState } from '../schema/BaselineState.js';

export const BASELINE_ROOM_NAME = 'region_baseline';

/**
 * The baseline's "interest": no StateView for anyone (the state has no
 * filters) and every client is near everything. Implementing the manager's
 * public surface makes the typecheck fail when it grows, instead of the
 * baseline silently lacking a method.
 */
class WholeRegion implements Pick<InterestManager, keyof InterestManager> {
  constructor(private readonly clients: () => Iterable<Client>) {}
  get size(): number {
    return 0;
  }
  attach(): void {}
  rebind(): void {}
  detach(): void {}
  chunkAdded(): void {}
  update(_tick: number): void {}
  clientsNear(): Client[] {
    return [...this.clients()].filter((c) => c.state === ClientState.JOINED);
  }
}

export class BaselineRoom extends RegionRoom {
  override state = new BaselineState();

  override async onCreate(options: JoinOptions): Promise<void> {
    await super.onCreate(options);
    // `interest` is private to RegionRoom; swapping it here (before the first
    // tick or join) keeps the room's code path identical otherwise. Fail loudly
    // if RegionRoom changes shape, rather than benchmark a half-filtered room.
    const self = this as unknown as { interest?: unknown };
    if (!self.interest) throw new Error('BaselineRoom: RegionRoom has no `interest` field any more; update the baseline');
    self.interest = new WholeRegion(() => this.clients);
  }
}
