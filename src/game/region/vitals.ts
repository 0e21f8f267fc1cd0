/** Per tick, per character: respawn when due, mana regeneration, corruption decay. */
import type { LiveCharacter } from '../character.js';
import { respawnState } from '../combat.js';
import { decayCorruption } from '../corruption.js';
import { regenMana } from '../magic.js';
import type { Vec3 } from '../types.js';
import type { TickEvents } from './events.js';

export function stepVitals(characters: Iterable<LiveCharacter>, spawn: Vec3, now: number, dtMs: number, ev: TickEvents): void {
  for (const c of characters) {
    if (c.respawnAt !== undefined) {
      if (now >= c.respawnAt) {
        const r = respawnState(c, spawn);
        Object.assign(c, { hp: r.hp, mana: r.mana, shield: r.shield, x: r.x, y: r.y, z: r.z, respawnAt: undefined });
        ev.characters.add(c.id);
      }
      continue;
    }
    const mana = regenMana({ mana: c.mana, maxMana: c.maxMana, corruption: c.corruption, spirit: Number(c.stats.spirit) || 0 }, dtMs);
    const corruption = c.corruption > 0 ? decayCorruption(c.corruption, dtMs) : 0;
    // Report only visible changes (≥ 0.25 mana, or reaching the cap): regen would otherwise patch every tick.
    if (Math.floor(mana * 4) !== Math.floor(c.mana * 4) || corruption !== c.corruption) ev.characters.add(c.id);
    c.mana = mana;
    c.corruption = corruption;
  }
}
