/**
 * Region borders with hysteresis: a character is handed to the neighbour
 * region only once it stands HANDOFF_MARGIN_BLOCKS past the border, so walking
 * along a border (or a step back and forth across it) does not bounce it
 * between rooms. Within the margin its current room stays its writer.
 */
import { REGION_SIZE, regionOfBlock } from '../../world/index.js';
import type { TickEvents } from './events.js';

export const HANDOFF_MARGIN_BLOCKS = 32;

/** The region a character at (x, z) must be handed to, or undefined while region (rx, rz) keeps it. */
export function handoffTarget(rx: number, rz: number, x: number, z: number, margin = HANDOFF_MARGIN_BLOCKS): { rx: number; rz: number } | undefined {
  const x0 = rx * REGION_SIZE, z0 = rz * REGION_SIZE;
  if (x >= x0 - margin && x < x0 + REGION_SIZE + margin && z >= z0 - margin && z < z0 + REGION_SIZE + margin) return undefined;
  return regionOfBlock(x, z);
}

/**
 * The character leaves this room for region `to` (walked past the margin, edits the neighbour's ground, or joins a
 * crowd there: src/game/region/crowd.ts): no more inputs here, and the tick reports the crossing, which the room
 * hands over (rooms/sessions.ts `handoff`).
 */
export function handOver(r: { frozen: Set<string> }, ev: Pick<TickEvents, 'crossings'>, characterId: string, to: { rx: number; rz: number }): void {
  r.frozen.add(characterId);
  ev.crossings.push({ characterId, rx: to.rx, rz: to.rz });
}
