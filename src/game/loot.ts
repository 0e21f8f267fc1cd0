/**
 * Loot: weighted rolls on a table with a seeded random source, xp for a kill,
 * and putting drops into an inventory (stack first, then free slots).
 */
import type { Rng } from './random.js';
import type { LootTable } from '../content/types.js';

/** A loot table as the content catalogue defines it. */
export type LootTableLike = LootTable;
export type LootEntryLike = LootTable['entries'][number];

export type Drop = { itemId: string; quantity: number };

export type InventorySlot = { slot: number; itemId: string; quantity: number; maxStack: number };

/**
 * `table.rolls` independent rolls; each picks "nothing" with weight
 * `nothingWeight` or an entry with its weight, then a quantity uniform in
 * [min, max]. Drops of the same item are merged, in order of first drop.
 * Same table and same rng state → same drops.
 */
export function rollLoot(table: LootTableLike, rng: Rng): Drop[] {
  const weights = [Math.max(0, table.nothingWeight), ...table.entries.map((e) => Math.max(0, e.weight))];
  const drops: Drop[] = [];
  const rolls = Math.max(0, Math.floor(table.rolls));
  for (let i = 0; i < rolls; i++) {
    const k = rng.weightedIndex(weights);
    if (k <= 0) continue; // nothing (or an empty table)
    const e = table.entries[k - 1]!;
    const quantity = rng.int(Math.max(1, e.min), Math.max(1, e.min, e.max));
    const same = drops.find((d) => d.itemId === e.itemId);
    if (same) same.quantity += quantity;
    else drops.push({ itemId: e.itemId, quantity });
  }
  return drops;
}

/** Xp for killing an NPC: its def's xp, whole and non-negative (no level scaling). */
export function xpForKill(def: { xp: number }): number {
  return Number.isFinite(def.xp) && def.xp > 0 ? Math.floor(def.xp) : 0;
}

export type AddResult<S extends InventorySlot = InventorySlot> = {
  /** The new slots, ordered by slot; untouched slots are the same objects, new ones plain InventorySlots. */
  slots: (S | InventorySlot)[];
  /** What did not fit. */
  overflow: Drop[];
  /** Slot numbers created or changed (for dirty tracking / write-through). */
  changed: number[];
};

/**
 * Adds `drops` to an inventory of `maxSlots` slots (0..maxSlots−1): first onto
 * existing stacks of the same item (lowest slot first) up to their maxStack,
 * then into the lowest free slots, in stacks of `maxStackOf(itemId)`. What is
 * left is returned as overflow (the room can drop it on the ground or refuse).
 * Input slots are not mutated; extra fields on a slot object are kept.
 */
export function addToInventory<S extends InventorySlot>(
  slots: readonly S[],
  drops: readonly Drop[],
  maxSlots: number,
  maxStackOf: (itemId: string) => number,
): AddResult<S> {
  const bySlot = new Map<number, S | InventorySlot>();
  for (const s of slots) bySlot.set(s.slot, s);
  const changed = new Set<number>();
  const overflow: Drop[] = [];
  for (const drop of drops) {
    let left = Number.isFinite(drop.quantity) ? Math.max(0, Math.floor(drop.quantity)) : 0;
    if (left === 0) continue;
    const ordered = [...bySlot.values()].sort((a, b) => a.slot - b.slot);
    for (const s of ordered) {
      if (left === 0) break;
      if (s.itemId !== drop.itemId || s.quantity >= s.maxStack) continue;
      const add = Math.min(left, s.maxStack - s.quantity);
      bySlot.set(s.slot, { ...s, quantity: s.quantity + add });
      changed.add(s.slot);
      left -= add;
    }
    const maxStack = Math.max(1, Math.floor(maxStackOf(drop.itemId)) || 1);
    for (let slot = 0; slot < maxSlots && left > 0; slot++) {
      if (bySlot.has(slot)) continue;
      const add = Math.min(left, maxStack);
      bySlot.set(slot, { slot, itemId: drop.itemId, quantity: add, maxStack });
      changed.add(slot);
      left -= add;
    }
    if (left > 0) {
      const o = overflow.find((d) => d.itemId === drop.itemId);
      if (o) o.quantity += left;
      else overflow.push({ itemId: drop.itemId, quantity: left });
    }
  }
  return {
    slots: [...bySlot.values()].sort((a, b) => a.slot - b.slot),
    overflow,
    changed: [...changed].sort((a, b) => a - b),
  };
}
