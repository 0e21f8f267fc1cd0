/**
 * The wire state of a region room (docs/protocol.md, "State"). Everything a client
 * sees goes through these classes; `characters`, `chunks` and `npcs` are
 * filtered per client with a StateView (interest management), `leylines` are
 * the same for the whole region. Fields tagged OWNER reach only the
 * character's own client.
 */
import { ArraySchema, MapSchema, Schema, type, view } from '@colyseus/schema';

/** View tag of owner-only fields (`view.add(character, OWNER)` for the owner's client). */
export const OWNER = 1;

export class CharacterState extends Schema {
  @type('string') id = '';
  @type('string') name = '';
  @type('string') characterClass = '';
  @type('uint16') level = 1;
  // World coordinates in blocks, rounded by the server to 1/32 block (docs/protocol.md); a stock client reads
  // them as they are. x and z are float32 (4 bytes): exact on that grid inside the world border (src/world
  // coords.ts WORLD_BORDER_BLOCKS, 2^18), where characters stay. y is `number`: feet on a block's top are a
  // whole number, 1 byte (a float32 below 2^19 off the grid: 5).
  @type('float32') x = 0;
  @type('number') y = 0;
  @type('float32') z = 0;
  @type('float32') yaw = 0;
  @type('float32') hp = 0;
  @type('float32') maxHp = 0;
  @type('float32') corruption = 0;
  // Owner-only: other clients have no use for them (and mana regenerates every tick).
  @view(OWNER) @type('float32') mana = 0;
  @view(OWNER) @type('float32') maxMana = 0;
  @view(OWNER) @type('float64') xp = 0;
  /** spellId → ready-at, server epoch ms. */
  @view(OWNER) @type({ map: 'float64' }) cooldowns = new MapSchema<number>();
  @view(OWNER) @type(['string']) knownSpells = new ArraySchema<string>();
}

export class ChunkState extends Schema {
  @type('int32') cx = 0;
  @type('int32') cy = 0;
  @type('int32') cz = 0;
  /** Bumped on every edit of this chunk. */
  @type('uint32') version = 0;
  /** Local index `(ly*16 + lz)*16 + lx` → block id, against the generated terrain. */
  @type({ map: 'uint16' }) edits = new MapSchema<number>();
}

export class NpcState extends Schema {
  @type('string') id = '';
  @type('string') kind = '';
  /** Rounded to 1/32 block and typed like characters' positions (NPCs roam near characters, inside the border). */
  @type('float32') x = 0;
  @type('number') y = 0;
  @type('float32') z = 0;
  @type('float32') hp = 0;
  @type('float32') maxHp = 0;
}

export class LeylineState extends Schema {
  @type('string') id = '';
  @type('float32') x1 = 0;
  @type('float32') z1 = 0;
  @type('float32') x2 = 0;
  @type('float32') z2 = 0;
  @type('float32') strength = 0;
}

export class RegionState extends Schema {
  @type('string') worldId = '';
  @type('int32') rx = 0;
  @type('int32') rz = 0;
  @type('uint32') tick = 0;
  /** Hours, 0..24. */
  @type('float32') timeOfDay = 0;
  @view() @type({ map: CharacterState }) characters = new MapSchema<CharacterState>();
  @view() @type({ map: ChunkState }) chunks = new MapSchema<ChunkState>();
  @view() @type({ map: NpcState }) npcs = new MapSchema<NpcState>();
  @type([LeylineState]) leylines = new ArraySchema<LeylineState>();
}
