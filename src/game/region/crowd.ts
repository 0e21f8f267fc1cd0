/**
 * Crowds gather in one room (docs/design.md, "A crowd at a region corner"). The handoff margin
 * (borders.ts) keeps a crowd with the room it formed in; a crowd that forms from players of
 * several rooms (they walked to a corner from four regions) would stay split, each room
 * simulating, encoding and publishing its share of one crowd. So, once a second, a room passes
 * each of its characters that stands inside a neighbour's margin to the neighbour that holds
 * clearly more of the people near it (within about CROWD_RADIUS_BLOCKS, by 16-block cells; itself
 * not counted): from room A to room N when
 *
 *     n(N) − n(A) + CROWD_STEP × (rank(A) − rank(N)) > 0,  and n(N) ≥ 1,
 *
 * where rank(rx, rz) = 2·(rx mod 2) + (rz mod 2) breaks ties the same way everywhere (the four
 * regions at a corner have the four ranks; rank 0 is preferred). Each such move raises
 *
 *     Φ = Σ over pairs near each other held by one room  −  CROWD_STEP × Σ rank(room of each),
 *
 * by exactly its left-hand side (moves out of one room in one check only add to it), and Φ is
 * bounded: rooms checking one after another cannot cycle, and a crowd ends in one room. Towards a
 * better rank a character goes even when the neighbour holds a few fewer; back only when it holds
 * CROWD_STEP × the rank difference more: that is the hysteresis. A character moved stands within
 * its new room's margin (or it is not moved), so that room keeps it. At most `limit` moves a check
 * (a handoff costs its client a reconnect), and the room does not move a character handed to it
 * less than CROWD_SETTLE_MS ago (rooms/RegionRoom.ts).
 */
import { handoffTarget } from './borders.js';

export const CROWD_RADIUS_BLOCKS = 32;
export const CROWD_STEP = 3;
/** Checks run every this many ticks (1 s at 20 Hz); a room moves at most CROWD_GATHER_PER_S characters a check (src/config.ts). */
export const CROWD_EVERY_TICKS = 20;
/**
 * A character handed over to a room is not moved on for this long: one handed over to edit a neighbour's ground
 * (src/game/commands/block.ts) would otherwise be pulled back to its crowd's room at the next check and handed over
 * again at its next edit. One that joined (POST /api/play) may be moved at once.
 */
export const CROWD_SETTLE_MS = 10_000;
export const CROWD_MOVES_PER_CHECK = 25;

export type Body = { id: string; x: number; z: number };
export type OtherBody = Body & { rx: number; rz: number };
export type CrowdMove = { characterId: string; rx: number; rz: number };

const mod2 = (n: number) => ((n % 2) + 2) % 2;
export const crowdRank = (r: { rx: number; rz: number }) => 2 * mod2(r.rx) + mod2(r.rz);

/**
 * Cells of this many blocks, aligned with region borders and margins (multiples of 16): a cell is wholly inside a
 * room's margin or wholly outside. "Near" is within CELL_REACH cells either way: 32 to 47 blocks.
 */
const CELL = 16;
const CELL_REACH = Math.ceil(CROWD_RADIUS_BLOCKS / CELL);

/** Which of region (rx, rz)'s characters (`own`) go to a neighbour, given the neighbours' characters near (`others`). */
export function crowdMoves(region: { rx: number; rz: number }, own: readonly Body[], others: readonly OtherBody[], limit = CROWD_MOVES_PER_CHECK): CrowdMove[] {
  if (!others.length || !own.length) return [];
  // Head counts by cell and room ("near" is by cell, which makes it symmetric: the potential above holds).
  type Count = { rx: number; rz: number; n: number };
  const cells = new Map<string, Map<string, Count>>();
  const cellKey = (cx: number, cz: number) => `${cx},${cz}`;
  const add = (x: number, z: number, rx: number, rz: number) => {
    const k = cellKey(Math.floor(x / CELL), Math.floor(z / CELL));
    let byRoom = cells.get(k);
    if (!byRoom) cells.set(k, (byRoom = new Map()));
    const rk = `${rx},${rz}`;
    const e = byRoom.get(rk);
    if (e) e.n++;
    else byRoom.set(rk, { rx, rz, n: 1 });
  };
  for (const b of own) add(b.x, b.z, region.rx, region.rz);
  for (const b of others) add(b.x, b.z, b.rx, b.rz);

  const me = `${region.rx},${region.rz}`;
  const rank = crowdRank(region);
  // Per cell: the room to go to (the same for everyone of this room in it), computed once.
  const choice = new Map<string, { rx: number; rz: number } | undefined>();
  const decide = (cx: number, cz: number, x: number, z: number) => {
    const around = new Map<string, Count>();
    for (let dx = -CELL_REACH; dx <= CELL_REACH; dx++) {
      for (let dz = -CELL_REACH; dz <= CELL_REACH; dz++) {
        for (const [rk, e] of cells.get(cellKey(cx + dx, cz + dz)) ?? []) {
          const a = around.get(rk);
          if (a) a.n += e.n;
          else around.set(rk, { ...e });
        }
      }
    }
    const mine = around.get(me)!.n - 1; // not counting itself
    let best: { rx: number; rz: number } | undefined;
    let bestGain = 0;
    for (const [rk, e] of around) {
      // Only to a room whose margin it stands in (the whole cell does): there the count holds and the room keeps it.
      if (rk === me || handoffTarget(e.rx, e.rz, x, z) !== undefined) continue;
      const gain = e.n - mine + CROWD_STEP * (rank - crowdRank(e));
      if (gain > bestGain) {
        best = e;
        bestGain = gain;
      }
    }
    return best && { rx: best.rx, rz: best.rz };
  };
  const moves: CrowdMove[] = [];
  for (const c of own) {
    if (moves.length >= limit) break;
    const cx = Math.floor(c.x / CELL), cz = Math.floor(c.z / CELL);
    const k = cellKey(cx, cz);
    if (!choice.has(k)) choice.set(k, decide(cx, cz, c.x, c.z));
    const to = choice.get(k);
    if (to) moves.push({ characterId: c.id, ...to });
  }
  return moves;
}
