/**
 * How a bot picks its next step, with nothing of the client's connection: the terrain as a client knows it, the
 * protocol's movement rule (docs/protocol.md "Movement rule"), and where a wandering or shuttling bot heads. The
 * bots (loadtest/walker.ts) and the offline benches (loadtest/bench-patch.ts, loadtest/bench-tick.ts) walk alike.
 */
import { VoxelWorld, WORLD_HEIGHT, isLiquid, isSolid } from '../src/world/index.js';

export type XZ = { x: number; z: number };
export type Pos = { x: number; y: number; z: number };
/** Wander around `home` (turning back beyond `roam` blocks), or walk back and forth between `a` and `b`. */
export type Plan = { kind: 'wander'; home: XZ; roam: number } | { kind: 'shuttle'; a: XZ; b: XZ };

// docs/protocol.md, "Movement rule".
const BODY_HALF = 0.3;
const BODY_HEIGHT = 1.8;
const JUMP = 1.3;
const SWEEP = 0.1; // finer than needed: a step this accepts, the server accepts
/** Fall per move: the rule allows 30 blocks/s × the time since the last move + 0.75, and moves may arrive together. */
const DROP = 0.7;
const EPS = 1e-4;

/** The heading after one move's turn: now and then a turn of up to ±90°, and back towards `home` beyond `roam` blocks. */
export function wanderHeading(heading: number, at: XZ, home: XZ, roam: number, random: () => number = Math.random): number {
  let h = heading;
  if (random() < 0.05) h += (random() - 0.5) * Math.PI;
  const dx = at.x - home.x, dz = at.z - home.z;
  if (Math.hypot(dx, dz) > roam && dx * Math.cos(h) + dz * Math.sin(h) > 0) {
    h = Math.atan2(-dz, -dx) + (random() - 0.5) * (Math.PI / 2);
  }
  return h;
}

/**
 * The terrain as a client knows it: generated from the world seed (no edits
 * happen in these scenarios; a full client would apply `chunks[*].edits` on
 * top). One per process: every bot walks the same world.
 */
export class Terrain {
  readonly world: VoxelWorld;
  constructor(seed: number) {
    this.world = new VoxelWorld(seed, { cacheChunks: 16384 });
  }

  collides(p: Pos): boolean {
    return this.world.boxCollides(p.x - BODY_HALF, p.y, p.z - BODY_HALF, p.x + BODY_HALF, p.y + BODY_HEIGHT, p.z + BODY_HALF);
  }

  /** Top of the highest solid or liquid block under the body at (x, z) whose top is at most `ceiling`; 0 at the floor. */
  support(x: number, z: number, ceiling: number): number {
    const x0 = Math.floor(x - BODY_HALF + EPS), x1 = Math.floor(x + BODY_HALF - EPS);
    const z0 = Math.floor(z - BODY_HALF + EPS), z1 = Math.floor(z + BODY_HALF - EPS);
    for (let y = Math.min(Math.floor(ceiling + EPS) - 1, WORLD_HEIGHT - 1); y >= 0; y--) {
      for (let bx = x0; bx <= x1; bx++) {
        for (let bz = z0; bz <= z1; bz++) {
          const b = this.world.getBlock(bx, y, bz);
          if (isSolid(b) || isLiquid(b)) return y + 1;
        }
      }
    }
    return 0;
  }

  /** The protocol's rule for one move (speed aside): feet at most JUMP above the support, no climb beyond JUMP, body swept clear. */
  legal(from: Pos, to: Pos): boolean {
    if (to.y - from.y > JUMP) return false;
    if (to.y > this.support(to.x, to.z, to.y) + JUMP) return false;
    const d = Math.hypot(to.x - from.x, to.y - from.y, to.z - from.z);
    const steps = Math.max(1, Math.ceil(d / SWEEP));
    for (let i = 1; i <= steps; i++) {
      const t = i / steps;
      if (this.collides({ x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t, z: from.z + (to.z - from.z) * t })) return false;
    }
    return true;
  }
}

const TURNS = [0, 30, -30, 60, -60, 90, -90, 135, -135, 180].map((d) => (d * Math.PI) / 180);

/** One bot's steps: each a legal step of `stride` blocks along its heading (a hop up first where the ground rises), or settling onto the ground. */
export class Stepper {
  heading: number;
  /** After a hop straight up: the step that follows it. */
  private hop: { from: XZ; to: Pos } | undefined;
  private goal: 'a' | 'b' = 'b';
  private progress = { at: 0, d: Infinity };
  private detourUntil = 0;

  constructor(
    private readonly terrain: Terrain,
    private readonly plan: Plan,
    /** Blocks per move: speed × the time between moves. */
    private readonly stride: number,
    private readonly random: () => number = Math.random,
  ) {
    this.heading = random() * 2 * Math.PI;
  }

  /** The next target from `at` (the position the last move asked for): settle onto the ground, else step (or hop up first) along the heading; undefined when boxed in. */
  next(at: Pos, now: number): (Pos & { yaw: number }) | undefined {
    const t = this.terrain;
    const hop = this.hop;
    this.hop = undefined;
    if (hop && Math.abs(at.x - hop.from.x) < 1e-6 && Math.abs(at.z - hop.from.z) < 1e-6 && Math.abs(at.y - hop.to.y) < 1e-6 && t.legal(at, hop.to)) {
      return { ...hop.to, yaw: this.heading }; // up on the hop: the step onto the higher ground
    }
    const ground = t.support(at.x, at.z, at.y);
    if (at.y > ground + 0.01) return { x: at.x, y: Math.max(ground, at.y - DROP), z: at.z, yaw: this.heading }; // settle onto it
    this.steer(at, now);
    const s = this.stride;
    for (const turn of TURNS) {
      const a = this.heading + turn;
      const x = at.x + s * Math.cos(a), z = at.z + s * Math.sin(a);
      const sup = t.support(x, z, at.y + JUMP);
      if (sup > at.y + 0.01) {
        // A step up: hop first (straight up), the step follows on the next move.
        const up = { x: at.x, y: sup, z: at.z };
        if (t.legal(at, up) && t.legal(up, { x, y: sup, z })) {
          this.heading = a;
          this.hop = { from: at, to: { x, y: sup, z } };
          return { ...up, yaw: a };
        }
        continue;
      }
      const to = { x, y: at.y, z }; // level, or over a drop of at most JUMP: the next move settles
      if (at.y <= sup + JUMP && t.legal(at, to)) {
        this.heading = a;
        return { ...to, yaw: a };
      }
    }
    this.heading = this.random() * 2 * Math.PI;
    return undefined;
  }

  private steer(at: Pos, now: number): void {
    const plan = this.plan;
    if (plan.kind === 'wander') {
      this.heading = wanderHeading(this.heading, at, plan.home, plan.roam, this.random);
      return;
    }
    let goal = plan[this.goal];
    let d = Math.hypot(goal.x - at.x, goal.z - at.z);
    if (d < 2) {
      this.goal = this.goal === 'a' ? 'b' : 'a';
      goal = plan[this.goal];
      d = Math.hypot(goal.x - at.x, goal.z - at.z);
      this.progress = { at: now, d };
    }
    if (d < this.progress.d - 1) this.progress = { at: now, d };
    if (now - this.progress.at > 4000) {
      // No progress for 4 s (a wall, water's edge, a cliff): a random detour for a second and a half.
      this.detourUntil = now + 1500;
      this.heading = this.random() * 2 * Math.PI;
      this.progress = { at: now, d };
    }
    if (now < this.detourUntil) return;
    this.heading = Math.atan2(goal.z - at.z, goal.x - at.x) + (this.random() - 0.5) * 0.3;
  }
}
