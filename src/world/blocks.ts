// Block catalogue. Ids travel on the wire (chunk edits are uint8 block ids),
// so an id, once shipped, never changes meaning: append new blocks, never renumber.

export const Block = {
  AIR: 0,
  BEDROCK: 1,
  STONE: 2,
  DIRT: 3,
  GRASS: 4,
  SAND: 5,
  SANDSTONE: 6,
  GRAVEL: 7,
  SNOW: 8,
  ICE: 9,
  WATER: 10,
  LOG: 11,
  LEAVES: 12,
  CACTUS: 13,
  COAL_ORE: 14,
  IRON_ORE: 15,
  GOLD_ORE: 16,
  CRYSTAL_ORE: 17,
  PLANKS: 18,
  COBBLESTONE: 19,
  GLASS: 20,
  TORCH: 21,
} as const;

export type BlockId = (typeof Block)[keyof typeof Block];

export interface BlockInfo {
  readonly id: BlockId;
  readonly name: string;
  /** Blocks movement (collision, standing on it). */
  readonly solid: boolean;
  /** Light and sight pass through; neighbours' faces must still be drawn. */
  readonly transparent: boolean;
  readonly liquid: boolean;
  /** A player may remove it. */
  readonly breakable: boolean;
  /** A player may put it into the world. */
  readonly placeable: boolean;
  /** Emitted light level, 0..15. */
  readonly light: number;
}

// Placement policy: players build with building materials only. Not placeable:
// air (that is "break"), bedrock (the world floor must stay intact), water
// (no fluid simulation yet, a placed source would be a static wall), grass
// (it grows, players place dirt), cactus (needs sand, no support rules yet)
// and ores (placing and re-mining them would mint resources).
const defs: ReadonlyArray<Omit<BlockInfo, 'light'> & { light?: number }> = [
  { id: Block.AIR, name: 'air', solid: false, transparent: true, liquid: false, breakable: false, placeable: false },
  { id: Block.BEDROCK, name: 'bedrock', solid: true, transparent: false, liquid: false, breakable: false, placeable: false },
  { id: Block.STONE, name: 'stone', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.DIRT, name: 'dirt', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.GRASS, name: 'grass', solid: true, transparent: false, liquid: false, breakable: true, placeable: false },
  { id: Block.SAND, name: 'sand', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.SANDSTONE, name: 'sandstone', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.GRAVEL, name: 'gravel', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.SNOW, name: 'snow', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.ICE, name: 'ice', solid: true, transparent: true, liquid: false, breakable: true, placeable: true },
  { id: Block.WATER, name: 'water', solid: false, transparent: true, liquid: true, breakable: false, placeable: false },
  { id: Block.LOG, name: 'log', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.LEAVES, name: 'leaves', solid: true, transparent: true, liquid: false, breakable: true, placeable: true },
  { id: Block.CACTUS, name: 'cactus', solid: true, transparent: false, liquid: false, breakable: true, placeable: false },
  { id: Block.COAL_ORE, name: 'coal_ore', solid: true, transparent: false, liquid: false, breakable: true, placeable: false },
  { id: Block.IRON_ORE, name: 'iron_ore', solid: true, transparent: false, liquid: false, breakable: true, placeable: false },
  { id: Block.GOLD_ORE, name: 'gold_ore', solid: true, transparent: false, liquid: false, breakable: true, placeable: false },
  { id: Block.CRYSTAL_ORE, name: 'crystal_ore', solid: true, transparent: false, liquid: false, breakable: true, placeable: false, light: 7 },
  { id: Block.PLANKS, name: 'planks', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.COBBLESTONE, name: 'cobblestone', solid: true, transparent: false, liquid: false, breakable: true, placeable: true },
  { id: Block.GLASS, name: 'glass', solid: true, transparent: true, liquid: false, breakable: true, placeable: true },
  { id: Block.TORCH, name: 'torch', solid: false, transparent: true, liquid: false, breakable: true, placeable: true, light: 14 },
];

/** Block info indexed by id (BLOCKS[id].id === id). */
export const BLOCKS: readonly BlockInfo[] = Object.freeze(
  defs.map((d, i) => {
    if (d.id !== i) throw new Error(`block catalogue out of order at ${i} (${d.name})`);
    return Object.freeze({ ...d, light: d.light ?? 0 });
  }),
);

/** Highest valid id + 1. */
export const BLOCK_COUNT = BLOCKS.length;

const byName = new Map(BLOCKS.map((b) => [b.name, b.id]));

// Lookup tables so hot paths (collision, meshing) do one array read per block.
const SOLID = new Uint8Array(256);
const LIQUID = new Uint8Array(256);
const PLACEABLE = new Uint8Array(256);
const BREAKABLE = new Uint8Array(256);
for (const b of BLOCKS) {
  SOLID[b.id] = b.solid ? 1 : 0;
  LIQUID[b.id] = b.liquid ? 1 : 0;
  PLACEABLE[b.id] = b.placeable ? 1 : 0;
  BREAKABLE[b.id] = b.breakable ? 1 : 0;
}

/** True for an integer id present in the catalogue; use it on any id that came from a client. */
export function isValidBlockId(id: unknown): id is BlockId {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < BLOCK_COUNT;
}

// The predicates answer false for unknown ids: the tables are zero past the catalogue, and an
// out-of-range or fractional index on a typed array reads undefined.
export function isSolid(id: number): boolean {
  return SOLID[id] === 1;
}

export function isLiquid(id: number): boolean {
  return LIQUID[id] === 1;
}

export function isPlaceable(id: number): boolean {
  return PLACEABLE[id] === 1;
}

export function isBreakable(id: number): boolean {
  return BREAKABLE[id] === 1;
}

export function blockInfo(id: number): BlockInfo | undefined {
  return isValidBlockId(id) ? BLOCKS[id] : undefined;
}

export function blockIdByName(name: string): BlockId | undefined {
  return byName.get(name);
}
