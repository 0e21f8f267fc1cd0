/**
 * Damage, healing, death and respawn for characters (and NPCs, which use the
 * same hp arithmetic). Pure: each function returns the new numbers and the
 * room writes them.
 *
 * Death penalty: none beyond the position — a dead character respawns after
 * RESPAWN_DELAY_MS at the region spawn with full hp and half of its (effective)
 * max mana; no xp, items or mastery are lost; cooldowns and corruption stay;
 * any shield is cleared.
 */
import { effectiveMaxMana } from './corruption.js';

export const RESPAWN_DELAY_MS = 5_000;

export type Damageable = { hp: number; maxHp: number; shield?: number };

export type DamageResult = {
  hp: number;
  shieldLeft: number;
  /** Damage the shield took. */
  absorbed: number;
  /** Damage the hp took. */
  dealt: number;
  /** True only on the hit that takes a living target to 0. */
  died: boolean;
};

/** Non-finite or negative amounts count as 0. */
function amountOf(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** The shield absorbs first, the rest comes off hp (floored at 0). A dead target takes nothing. */
export function applyDamage(target: Damageable, amount: number): DamageResult {
  const shield = amountOf(target.shield ?? 0);
  if (!(target.hp > 0)) return { hp: Math.max(0, target.hp || 0), shieldLeft: shield, absorbed: 0, dealt: 0, died: false };
  const a = amountOf(amount);
  const absorbed = Math.min(shield, a);
  const dealt = Math.min(target.hp, a - absorbed);
  const hp = target.hp - dealt;
  return { hp, shieldLeft: shield - absorbed, absorbed, dealt, died: hp <= 0 };
}

/** Healing is capped at maxHp; the dead are not healed (only respawn restores them). */
export function applyHeal(target: { hp: number; maxHp: number }, amount: number): { hp: number; healed: number } {
  if (!(target.hp > 0)) return { hp: Math.max(0, target.hp || 0), healed: 0 };
  const hp = Math.min(target.maxHp, target.hp + amountOf(amount));
  const healed = Math.max(0, hp - target.hp);
  return { hp: Math.max(hp, target.hp), healed };
}

export function isAlive(c: { hp: number }): boolean {
  return c.hp > 0;
}

/** When a character who died at `now` comes back. */
export function respawnAt(now: number): number {
  return now + RESPAWN_DELAY_MS;
}

export type RespawnState = { hp: number; mana: number; shield: number; x: number; y: number; z: number };

/** The character's live values on respawn: full hp, half (effective) max mana, at the spawn point. */
export function respawnState(
  c: { maxHp: number; maxMana: number; corruption?: number },
  spawnPoint: { x: number; y: number; z: number },
): RespawnState {
  const maxMana = effectiveMaxMana(c.maxMana, c.corruption ?? 0);
  return { hp: c.maxHp, mana: maxMana / 2, shield: 0, x: spawnPoint.x, y: spawnPoint.y, z: spawnPoint.z };
}

/** Character level for a total xp: 1 + floor(√(xp / 100)) → level 2 at 100 xp, 3 at 400, 10 at 8100. */
export function levelForXp(xp: number): number {
  return 1 + Math.floor(Math.sqrt(Math.max(0, xp || 0) / 100));
}
