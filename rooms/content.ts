/** The content catalogue in the shape a region's rules need (src/game/region MagicCatalogue), built once per process. */
import { loadContent } from '../src/content/index.js';
import type { MagicCatalogue } from '../src/game/region/index.js';

let catalogue: MagicCatalogue | undefined;

export function content(): MagicCatalogue {
  if (!catalogue) {
    const c = loadContent();
    catalogue = { spellById: c.spellById, npcs: c.npcs, npcByKind: c.npcByKind, lootTableById: c.lootTableById, maxStackOf: (id) => c.itemById.get(id)?.maxStack ?? 1 };
  }
  return catalogue;
}
