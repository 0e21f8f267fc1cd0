/**
 * `POST /api/play`: a seat in the region room holding the character. If the
 * character is live somewhere, that session is taken over: the holder saves
 * and closes it first, so the position read here is the latest.
 */
import type { Presence } from '@colyseus/core';
import type { WorldStore } from '../src/persist/store.js';
import { regionOfBlock } from '../src/world/index.js';
import { liveCharacters, playRegion } from './registry.js';

export class PlayError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'FORBIDDEN', message: string) {
    super(message);
  }
}

export function createPlay(store: WorldStore, presence: Presence) {
  return async (userId: string, characterId: string, token: string) => {
    const owned = await store.loadCharacter(characterId);
    if (!owned) throw new PlayError('NOT_FOUND', 'no such character');
    if (owned.userId !== userId) throw new PlayError('FORBIDDEN', 'that character is not yours');
    await liveCharacters(presence).evictElsewhere(characterId);
    const ch = (await store.loadCharacter(characterId)) ?? owned;
    const { rx, rz } = regionOfBlock(ch.x, ch.z);
    return { reservation: await playRegion({ worldId: ch.worldId, rx, rz, characterId }, token), region: { rx, rz } };
  };
}
export type Play = ReturnType<typeof createPlay>;
