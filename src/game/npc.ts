/**
 * NPCs: deterministic spawning per region from biome tables, and a small
 * state machine stepped on the room's tick. Work per tick is one pass over
 * the region's characters per NPC: O(npcs × characters).
 *
 *   idle ──(think time)──► wander (waypoint ≤ 8 blocks from home, half speed) ──► idle
 *   idle/wander ──(hostile, living character within aggroRange)──► chase
 *   chase ──(within attackRange)──► attack (one hit per attackCooldownMs)
 *   attack ──(target moved away)──► chase
 *   chase/attack ──(farther than leashRange from home, or target dead/gone)──► return
 *   return (1.5× speed, ignores everyone) ──(home)──► idle, hp restored to full
 *   any ──(hp 0, `damageNpc`)──► dead ──(respawnAt)──► idle at home, full hp
 */
import { BIOME_NAMES, regionBounds } from '../world/index.js';
import { applyDamage } from './combat.js';
import { Rng, seedFrom } from './random.js';
import type { NpcDef } from '../content/types.js';

/** An NPC kind as the content catalogue defines it. */
export type NpcDefLike = NpcDef;

export type NpcMode = 'idle' | 'wander' | 'chase' | 'attack' | 'return' | 'dead';

export type Npc = {
  id: string;
  kind: string;
  x: number;
  y: number;
  z: number;
  hp: number;
  maxHp: number;
  homeX: number;
  homeZ: number;
  state: NpcMode;
  targetId?: string;
  /** Wander waypoint. */
  wanderX?: number;
  wanderZ?: number;
  /** Next time an idle NPC picks a waypoint. */
  nextThinkAt: number;
  attackReadyAt: number;
  respawnAt?: number;
};

export type NpcCharacter = { id: string; x: number; y: number; z: number; alive: boolean };

export type NpcContext = {
  now: number;
  dtMs: number;
  rng: Rng;
  characters: readonly NpcCharacter[];
  /** Feet y for column (x, z): the room's ground height (terrain plus edits). */
  groundY: (x: number, z: number) => number;
};

export type NpcStep = { npc: Npc; attack?: { targetId: string; damage: number }; moved: boolean };

export const NPC_WANDER_RADIUS = 8;
export const NPC_WANDER_SPEED_FACTOR = 0.5;
export const NPC_RETURN_SPEED_FACTOR = 1.5;
/** Idle pause between wander legs (ms). */
export const NPC_THINK_MIN_MS = 2_000;
export const NPC_THINK_MAX_MS = 6_000;
/** "Home" / "at waypoint" tolerance (blocks). */
export const NPC_ARRIVE_DISTANCE = 0.75;
export const NPC_RESPAWN_MS = 30_000;
/** Spawns stay this many blocks inside the region's edges. */
export const NPC_SPAWN_MARGIN = 4;
const SPAWN_ATTEMPTS = 16;

function hdist(ax: number, az: number, bx: number, bz: number): number {
  const dx = ax - bx;
  const dz = az - bz;
  return Math.sqrt(dx * dx + dz * dz);
}

function dist3(a: { x: number; y: number; z: number }, b: { x: number; y: number; z: number }): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  const dz = a.z - b.z;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * Moves `npc` horizontally toward (tx, tz) by at most `step` blocks, stopping
 * `stopAt` short of it; y follows the ground. Returns whether it moved.
 */
function moveToward(npc: Npc, tx: number, tz: number, step: number, stopAt: number, groundY: NpcContext['groundY']): boolean {
  const d = hdist(npc.x, npc.z, tx, tz);
  const travel = Math.min(step, d - stopAt);
  if (!(travel > 1e-9)) return false;
  npc.x += ((tx - npc.x) / d) * travel;
  npc.z += ((tz - npc.z) / d) * travel;
  npc.y = groundY(Math.floor(npc.x), Math.floor(npc.z));
  return true;
}

function thinkDelay(rng: Rng): number {
  return rng.int(NPC_THINK_MIN_MS, NPC_THINK_MAX_MS);
}

function goHome(npc: Npc): void {
  npc.state = 'return';
  npc.targetId = undefined;
  npc.wanderX = undefined;
  npc.wanderZ = undefined;
}

/** Nearest living character within aggroRange of the NPC and within leashRange of its home. */
function findPrey(npc: Npc, def: NpcDefLike, characters: readonly NpcCharacter[]): NpcCharacter | undefined {
  let best: NpcCharacter | undefined;
  let bestD = Infinity;
  for (const c of characters) {
    if (!c.alive) continue;
    const d = dist3(npc, c);
    if (d > def.aggroRange || d >= bestD) continue;
    if (hdist(c.x, c.z, npc.homeX, npc.homeZ) > def.leashRange) continue;
    best = c;
    bestD = d;
  }
  return best;
}

/** One tick of one NPC. Returns a new NPC object (the input is not mutated). */
export function stepNpc(current: Npc, def: NpcDefLike, ctx: NpcContext): NpcStep {
  const npc: Npc = { ...current };
  const { now, rng } = ctx;
  const speed = Math.max(0, def.speedBps) * (Math.max(0, ctx.dtMs) / 1000);

  if (npc.state === 'dead' || npc.hp <= 0) {
    npc.state = 'dead';
    if (npc.respawnAt === undefined || now < npc.respawnAt) return { npc, moved: false };
    Object.assign(npc, {
      x: npc.homeX,
      z: npc.homeZ,
      y: ctx.groundY(Math.floor(npc.homeX), Math.floor(npc.homeZ)),
      hp: npc.maxHp,
      state: 'idle',
      nextThinkAt: now + thinkDelay(rng),
      attackReadyAt: now,
    } satisfies Partial<Npc>);
    npc.respawnAt = undefined;
    npc.targetId = undefined;
    return { npc, moved: true };
  }

  // Aggro: only hostile NPCs at rest look for prey (a returning NPC ignores everyone).
  if ((npc.state === 'idle' || npc.state === 'wander') && def.hostile) {
    const prey = findPrey(npc, def, ctx.characters);
    if (prey) {
      npc.state = 'chase';
      npc.targetId = prey.id;
      npc.wanderX = undefined;
      npc.wanderZ = undefined;
    }
  }

  switch (npc.state) {
    case 'idle': {
      if (now < npc.nextThinkAt) return { npc, moved: false };
      // A waypoint in the square around home, pulled back onto the wander circle when outside it.
      let dx = rng.range(-NPC_WANDER_RADIUS, NPC_WANDER_RADIUS);
      let dz = rng.range(-NPC_WANDER_RADIUS, NPC_WANDER_RADIUS);
      const len = Math.sqrt(dx * dx + dz * dz);
      if (len > NPC_WANDER_RADIUS) {
        dx = (dx / len) * NPC_WANDER_RADIUS;
        dz = (dz / len) * NPC_WANDER_RADIUS;
      }
      npc.wanderX = npc.homeX + dx;
      npc.wanderZ = npc.homeZ + dz;
      npc.state = 'wander';
      return { npc, moved: false };
    }
    case 'wander': {
      const tx = npc.wanderX ?? npc.homeX;
      const tz = npc.wanderZ ?? npc.homeZ;
      const moved = moveToward(npc, tx, tz, speed * NPC_WANDER_SPEED_FACTOR, 0, ctx.groundY);
      if (hdist(npc.x, npc.z, tx, tz) <= NPC_ARRIVE_DISTANCE) {
        npc.state = 'idle';
        npc.wanderX = undefined;
        npc.wanderZ = undefined;
        npc.nextThinkAt = now + thinkDelay(rng);
      }
      return { npc, moved };
    }
    case 'chase':
    case 'attack': {
      const target = npc.targetId === undefined ? undefined : ctx.characters.find((c) => c.id === npc.targetId);
      if (!target || !target.alive || hdist(npc.x, npc.z, npc.homeX, npc.homeZ) > def.leashRange) {
        goHome(npc);
        return { npc, moved: moveToward(npc, npc.homeX, npc.homeZ, speed * NPC_RETURN_SPEED_FACTOR, 0, ctx.groundY) };
      }
      let moved = false;
      if (dist3(npc, target) > def.attackRange) {
        npc.state = 'chase';
        // Stop a little inside attack range so the next tick can strike.
        moved = moveToward(npc, target.x, target.z, speed, Math.max(0, def.attackRange * 0.8), ctx.groundY);
        if (hdist(npc.x, npc.z, npc.homeX, npc.homeZ) > def.leashRange) {
          goHome(npc);
          return { npc, moved };
        }
      }
      if (dist3(npc, target) <= def.attackRange) {
        npc.state = 'attack';
        if (now >= npc.attackReadyAt) {
          npc.attackReadyAt = now + Math.max(0, def.attackCooldownMs);
          return { npc, moved, attack: { targetId: target.id, damage: def.damage } };
        }
      }
      return { npc, moved };
    }
    case 'return': {
      const moved = moveToward(npc, npc.homeX, npc.homeZ, speed * NPC_RETURN_SPEED_FACTOR, 0, ctx.groundY);
      if (hdist(npc.x, npc.z, npc.homeX, npc.homeZ) <= NPC_ARRIVE_DISTANCE) {
        npc.state = 'idle';
        npc.hp = npc.maxHp;
        npc.nextThinkAt = now + thinkDelay(rng);
      }
      return { npc, moved };
    }
    default:
      return { npc, moved: false };
  }
}

/** Makes a living NPC fight back against `attackerId` (for passive NPCs too), unless it is leashing home. */
export function provokeNpc(npc: Npc, attackerId: string): Npc {
  if (npc.state === 'dead' || npc.state === 'return' || npc.hp <= 0) return npc;
  if (npc.state === 'chase' || npc.state === 'attack') return npc;
  return { ...npc, state: 'chase', targetId: attackerId, wanderX: undefined, wanderZ: undefined };
}

/** Damage to an NPC; on death it schedules the respawn. */
export function damageNpc(
  npc: Npc,
  amount: number,
  now: number,
  respawnDelayMs = NPC_RESPAWN_MS,
): { npc: Npc; died: boolean; dealt: number } {
  const r = applyDamage(npc, amount);
  if (!r.died) return { npc: { ...npc, hp: r.hp }, died: false, dealt: r.dealt };
  return {
    npc: { ...npc, hp: 0, state: 'dead', targetId: undefined, wanderX: undefined, wanderZ: undefined, respawnAt: now + respawnDelayMs },
    died: true,
    dealt: r.dealt,
  };
}

/**
 * Up to `count` NPCs for region (rx, rz), deterministic from the world seed:
 * each slot draws up to 16 random columns (4 blocks inside the region's edges)
 * until one has a biome some def lists, then picks one of those defs
 * uniformly (defs are sorted by kind first, so their order does not matter).
 * A slot whose 16 draws all miss stays empty. Ids are `npc:<rx>,<rz>:<slot>`.
 */
export function spawnNpcsForRegion(
  worldSeed: number,
  rx: number,
  rz: number,
  defs: readonly NpcDefLike[],
  biomeAt: (x: number, z: number) => number | string,
  count: number,
  groundY: (x: number, z: number) => number,
  now = 0,
): Npc[] {
  const sorted = [...defs].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  const b = regionBounds(rx, rz);
  const out: Npc[] = [];
  if (sorted.length === 0) return out;
  for (let slot = 0; slot < count; slot++) {
    const rng = new Rng(seedFrom(worldSeed, 'npc-spawn', rx, rz, slot));
    for (let attempt = 0; attempt < SPAWN_ATTEMPTS; attempt++) {
      const x = rng.int(b.minX + NPC_SPAWN_MARGIN, b.maxX - NPC_SPAWN_MARGIN);
      const z = rng.int(b.minZ + NPC_SPAWN_MARGIN, b.maxZ - NPC_SPAWN_MARGIN);
      const biome = biomeAt(x, z);
      const name = typeof biome === 'number' ? BIOME_NAMES[biome] : biome;
      if (name === undefined) continue;
      const fits = sorted.filter((d) => d.biomes.includes(name));
      const def = rng.pick(fits);
      if (!def) continue;
      const hx = x + 0.5;
      const hz = z + 0.5;
      out.push({
        id: `npc:${rx},${rz}:${slot}`,
        kind: def.kind,
        x: hx,
        y: groundY(x, z),
        z: hz,
        hp: def.maxHp,
        maxHp: def.maxHp,
        homeX: hx,
        homeZ: hz,
        state: 'idle',
        nextThinkAt: now + thinkDelay(rng),
        attackReadyAt: now,
      });
      break;
    }
  }
  return out;
}
