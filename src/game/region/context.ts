/**
 * The state of one region that the rules share: the world, the characters
 * and NPCs in it, leylines, rituals under way, the region's corruption, and
 * the seeded random source and id source every rule draws from. Plain data
 * and injected sources only, so a run replays from its seed and inputs.
 */
import type { VoxelWorld } from '../../world/index.js';
import type { LiveCharacter } from '../character.js';
import type { RegionCorruption } from '../corruption.js';
import type { Leyline } from '../leylines.js';
import type { LootTableLike } from '../loot.js';
import type { SpellLike } from '../magic.js';
import type { Npc, NpcDefLike } from '../npc.js';
import type { Rng } from '../random.js';
import type { RitualBook } from '../rituals.js';
import type { Vec3 } from '../types.js';

/** The catalogue a region needs (src/content's Content fits it). */
export type MagicCatalogue = {
  spellById: ReadonlyMap<string, SpellLike>;
  npcs: readonly NpcDefLike[];
  npcByKind: ReadonlyMap<string, NpcDefLike>;
  lootTableById: ReadonlyMap<string, LootTableLike>;
  maxStackOf(itemId: string): number;
};

/** No spells, no NPCs: a region with movement, blocks and chat only (rule tests). */
export const EMPTY_CATALOGUE: MagicCatalogue = {
  spellById: new Map(),
  npcs: [],
  npcByKind: new Map(),
  lootTableById: new Map(),
  maxStackOf: () => 1,
};

export type RegionContext = {
  readonly seed: number;
  readonly rx: number;
  readonly rz: number;
  readonly world: VoxelWorld;
  readonly characters: Map<string, LiveCharacter>;
  /** Chunk key → version, bumped on every edit (ChunkState.version). */
  readonly chunkVersions: Map<string, number>;
  /** Characters being handed off: inputs for them are refused. */
  readonly frozen: Set<string>;
  readonly npcs: Map<string, Npc>;
  readonly leylines: readonly Leyline[];
  /** Where characters of this region respawn. */
  readonly spawn: Vec3;
  readonly catalogue: MagicCatalogue;
  readonly rng: Rng;
  readonly newId: () => string;
  readonly rituals: RitualBook;
  /** In-game hour, 0..24, for environment factors. */
  hour: number;
  corruption: RegionCorruption;
  /**
   * The neighbouring regions' characters this region hears of (its room's ghost rows), as of this tick: NPCs near
   * the border hunt and strike them as they do the region's own; their strikes go out as `ev.hits`.
   */
  neighbours: readonly NeighbourCharacter[];
};

/** A character of region (rx, rz) near this one, where its last ghost row put it. */
export type NeighbourCharacter = { id: string; x: number; y: number; z: number; alive: boolean; rx: number; rz: number };
