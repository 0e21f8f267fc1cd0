/**
 * Server-authoritative movement. A client proposes a position; the server
 * accepts it only if a character could have got there:
 *
 * - speed: each character has a travel budget in blocks that refills at
 *   WALK_SPEED per second up to MOVE_BUDGET_MAX_BLOCKS (one second of sprint
 *   plus slack for jitter); a move's horizontal distance is spent from it.
 *   Over any stretch of time a character covers at most WALK_SPEED × time +
 *   the cap, however it slices its moves, and an idle client cannot bank
 *   more than the cap for a teleport;
 * - no moving into solid blocks: the body box (0.6 × 1.8 × 0.6) is swept
 *   along the segment in small steps and must never overlap a solid block
 *   (so walls cannot be walked through either);
 * - the ground rule: the feet may be at most JUMP_HEIGHT above the support
 *   beneath them (the top of the highest solid or liquid block under the
 *   body: characters float on water), i.e.
 *   no flying; climbing more than JUMP_HEIGHT in one move is refused; falling
 *   is allowed up to FALL_SPEED × elapsed;
 * - gravity: on every tick, a character with nothing under it that has not
 *   moved for AIR_TIME_MS (a jump's arc) falls at FALL_SPEED, so breaking the
 *   block under your feet drops you.
 */
import { WORLD_BORDER_BLOCKS, WORLD_HEIGHT, isLiquid, isSolid, type VoxelWorld } from '../world/index.js';
import { OK, refuse, type Vec3, type Verdict } from './types.js';

export const BODY_HALF_WIDTH = 0.3; // blocks
export const BODY_HEIGHT = 1.8; // blocks
export const EYE_HEIGHT = 1.6; // blocks above the feet
export const WALK_SPEED_BPS = 7; // blocks/s, a sprint
export const FALL_SPEED_BPS = 30; // blocks/s, terminal velocity
export const JUMP_HEIGHT = 1.3; // blocks above support
export const MOVE_SLACK_BLOCKS = 0.75; // network jitter allowance per move
export const MOVE_BUDGET_MAX_BLOCKS = WALK_SPEED_BPS * 1 + MOVE_SLACK_BLOCKS; // one second of sprint + jitter
export const MAX_DT_MS = 1000; // elapsed time credited for falling, at most one second
export const AIR_TIME_MS = 700; // how long a character may hang in the air before gravity takes over
const SWEEP_STEP_BLOCKS = 0.25;
const EPS = 1e-4;

export type Mover = Vec3 & {
  lastMoveAt: number;
  /** Blocks of horizontal travel left, as of `lastMoveAt` (see the speed rule). */
  moveBudget: number;
};

/** The travel budget available at `now`: refilled since the last move, capped. */
export function moveBudgetAt(m: Mover, now: number): number {
  return Math.min(MOVE_BUDGET_MAX_BLOCKS, m.moveBudget + (Math.max(0, now - m.lastMoveAt) / 1000) * WALK_SPEED_BPS);
}

export function bodyCollides(world: VoxelWorld, p: Vec3): boolean {
  return world.boxCollides(
    p.x - BODY_HALF_WIDTH, p.y, p.z - BODY_HALF_WIDTH,
    p.x + BODY_HALF_WIDTH, p.y + BODY_HEIGHT, p.z + BODY_HALF_WIDTH,
  );
}

/** Solid ground, or a liquid surface (characters float: swimming is moving along it). */
function supports(world: VoxelWorld, x: number, y: number, z: number): boolean {
  const b = world.getBlock(x, y, z);
  return isSolid(b) || isLiquid(b);
}

/** Top of the highest supporting block under the body at `p` (its y), or 0 at the world's floor. */
export function supportY(world: VoxelWorld, p: Vec3): number {
  const x0 = Math.floor(p.x - BODY_HALF_WIDTH + EPS), x1 = Math.floor(p.x + BODY_HALF_WIDTH - EPS);
  const z0 = Math.floor(p.z - BODY_HALF_WIDTH + EPS), z1 = Math.floor(p.z + BODY_HALF_WIDTH - EPS);
  for (let y = Math.min(Math.floor(p.y + EPS) - 1, WORLD_HEIGHT - 1); y >= 0; y--) {
    for (let x = x0; x <= x1; x++) for (let z = z0; z <= z1; z++) if (supports(world, x, y, z)) return y + 1;
  }
  return 0;
}

export function isFinitePos(p: Vec3): boolean {
  return Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isFinite(p.z);
}

/**
 * Whether a step from `from` to `to` on one axis goes past the world border: ends beyond it, farther out than it
 * started (a character put beyond it by hand can still walk back in).
 */
const pastBorder = (from: number, to: number): boolean => Math.abs(to) >= WORLD_BORDER_BLOCKS && Math.abs(to) > Math.abs(from);

export function checkMove(world: VoxelWorld, from: Mover, to: Vec3, now: number): Verdict {
  if (!isFinitePos(to)) return refuse('INVALID_MOVE', 'position must be finite numbers');
  if (to.y < 0 || to.y > WORLD_HEIGHT) return refuse('INVALID_MOVE', 'outside the world');
  if (pastBorder(from.x, to.x) || pastBorder(from.z, to.z)) return refuse('INVALID_MOVE', 'beyond the world border');
  const dt = Math.min(MAX_DT_MS, Math.max(0, now - from.lastMoveAt)) / 1000;
  const dx = to.x - from.x, dz = to.z - from.z;
  const horizontal = Math.sqrt(dx * dx + dz * dz); // not Math.hypot: a builtin call that allocates, on every move
  if (horizontal > moveBudgetAt(from, now)) return refuse('INVALID_MOVE', 'too fast');
  const dy = to.y - from.y;
  if (dy > JUMP_HEIGHT + MOVE_SLACK_BLOCKS * 0.2) return refuse('INVALID_MOVE', 'cannot climb that high at once');
  if (-dy > FALL_SPEED_BPS * dt + MOVE_SLACK_BLOCKS) return refuse('INVALID_MOVE', 'falling too fast');
  if (to.y > supportY(world, to) + JUMP_HEIGHT) return refuse('INVALID_MOVE', 'nothing to stand on');
  // Sweep the body along the segment: refuses walking into or through solid blocks.
  const steps = Math.max(1, Math.ceil(Math.sqrt(horizontal * horizontal + dy * dy) / SWEEP_STEP_BLOCKS));
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const p = { x: from.x + (to.x - from.x) * t, y: from.y + dy * t, z: from.z + (to.z - from.z) * t };
    if (bodyCollides(world, p)) return refuse('INVALID_MOVE', 'blocked by terrain');
  }
  return OK;
}

/**
 * One tick of gravity. Returns the new feet y, or undefined if the character
 * stays put (standing on something, or still inside its jump's air time).
 */
export function applyGravity(world: VoxelWorld, c: Mover, now: number, dtMs: number): number | undefined {
  if (now - c.lastMoveAt < AIR_TIME_MS) return undefined;
  const ground = supportY(world, c);
  if (c.y <= ground + EPS) return undefined;
  return Math.max(ground, c.y - (FALL_SPEED_BPS * dtMs) / 1000);
}

/**
 * Where to put a character whose saved position is now inside blocks (the
 * terrain was edited while it was away): straight up to the first free spot.
 */
export function unstuck(world: VoxelWorld, p: Vec3): Vec3 {
  const q = { ...p };
  while (q.y < WORLD_HEIGHT - BODY_HEIGHT && bodyCollides(world, q)) q.y = Math.floor(q.y) + 1;
  return q;
}
