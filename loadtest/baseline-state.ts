/**
 * BENCHMARK ONLY: the wire state of the naive baseline room
 * (loadtest/baseline.ts). Same fields as RegionState, but no `@view` anywhere,
 * so the encoder has no filters: one patch is encoded per tick and every client
 * gets every character (owner-only fields included) and every chunk edit of
 * the region. Never part of the production protocol.
 */
import { ArraySchema, MapSchema, Schema, type } from '@colyseus/schema';
import { CharacterState, ChunkState, LeylineState, NpcState, RegionState } from '../schema/index.js';

export class BaselineCharacterState extends Schema {
  @type('string') id = '';
  @type('string') name = '';
  @type('string') characterClass = '';
  @type('uint16') level = 1;
  @type('float64') x = 0;
  @type('float64') y = 0;
  @type('float64') z = 0;
  @type('float32') yaw = 0;
  @type('float32') hp = 0;
  @type('float32') maxHp = 0;
  @type('float32') mana = 0;
  @type('float32') maxMana = 0;
  @type('float32') corruption = 0;
  @type('float64') xp = 0;
  @type({ map: 'float64' }) cooldowns = new MapSchema<number>();
  @type(['string']) knownSpells = new ArraySchema<string>();
}

// ChunkState, NpcState and LeylineState have no @view fields: shared as they are.
export class BaselineState extends Schema {
  @type('string') worldId = '';
  @type('int32') rx = 0;
  @type('int32') rz = 0;
  @type('uint32') tick = 0;
  @type('float32') timeOfDay = 0;
  @type({ map: BaselineCharacterState }) characters = new MapSchema<BaselineCharacterState>();
  @type({ map: ChunkState }) chunks = new MapSchema<ChunkState>();
  @type({ map: NpcState }) npcs = new MapSchema<NpcState>();
  @type([LeylineState]) leylines = new ArraySchema<LeylineState>();
}

/**
 * The mirror must not drift from the real state (RegionState is edited often):
 * same field names, order and types, nested schemas compared by position only.
 * Checked when the module loads, so a stale baseline fails the bench at once.
 */
function fields(klass: typeof Schema): string[] {
  const metadata = (klass as unknown as { [Symbol.metadata]: Record<string, { name: string; type: unknown }> })[Symbol.metadata];
  return Object.keys(metadata).map((i) => `${metadata[i]!.name}:${JSON.stringify(metadata[i]!.type, (_k, v: unknown) => (typeof v === 'function' ? 'schema' : v))}`);
}
for (const [real, mirror] of [[CharacterState, BaselineCharacterState], [RegionState, BaselineState]] as const) {
  const a = fields(real).join(', '), b = fields(mirror).join(', ');
  if (a !== b) throw new Error(`schema/BaselineState.ts is out of date with ${real.name}:\n  real:     ${a}\n  baseline: ${b}`);
}
