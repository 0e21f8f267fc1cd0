/**
 * BENCHMARK ONLY: the naive baseline that `npm run bench:rooms` compares the
 * region room against, built from the room's supported seams
 * (rooms/ports.ts RoomSeams), never registered by src/server.ts.
 *
 * It is the region room (same auth, join, simulation, sync, effects,
 * persistence and tick metric) with interest management switched off:
 *   - the wire state is BaselineState, which has no @view fields, so the
 *     encoder encodes one patch per tick and broadcasts it to everyone;
 *   - interest is "the whole region": no StateView for anyone and every
 *     client is near every effect.
 */
import { ClientState, type Client } from '@colyseus/core';
import { regionRoom } from '../rooms/RegionRoom.js';
import type { Interest, RegionRoomDeps, RoomSeams } from '../rooms/ports.js';
import type { CharacterState, RegionState } from '../schema/index.js';
import { BaselineCharacterState, BaselineState } from './baseline-state.js';

export const BASELINE_ROOM_NAME = 'region_baseline';

class WholeRegion implements Interest {
  constructor(private readonly clients: () => Iterable<Client>) {}
  attach(): void {}
  rebind(): void {}
  detach(): void {}
  chunkAdded(): void {}
  update(): void {}
  clientsNear(): Client[] {
    return [...this.clients()].filter((c) => c.state === ClientState.JOINED);
  }
}

/** The baseline room class; `hooks` time it exactly like the region room. */
export function baselineRoom(deps: RegionRoomDeps, hooks?: RoomSeams['hooks']) {
  return regionRoom(deps, {
    // Same fields, no filters (checked when baseline-state.ts loads): structurally the wire state.
    wire: { state: () => new BaselineState() as unknown as RegionState, character: () => new BaselineCharacterState() as unknown as CharacterState },
    interest: (_state, _radius, clients) => new WholeRegion(clients),
    hooks,
  });
}
