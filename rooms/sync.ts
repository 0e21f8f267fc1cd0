/**
 * The sync step: after a tick, copy what the simulation changed into the
 * wire state. Character fields and who sees them come from the one record
 * (src/game/character.ts CHARACTER_FIELDS); nothing here decides a rule.
 */
import type { ArraySchema, MapSchema } from '@colyseus/schema';
import { CHARACTER_FIELDS, CHARACTER_FIELD_NAMES, onGrid, POSITION_STEP, wireValue, type CharacterFields, type LiveCharacter } from '../src/game/character.js';
import type { RegionSim, TickEvents } from '../src/game/region/index.js';
import { ChunkState, LeylineState, NpcState, type CharacterState, type RegionState } from '../schema/index.js';

/** An NPC's position as the wire carries it: on the same 1/32-block grid as characters'. */
const wirePosition = (p: { x: number; y: number; z: number }) => ({ x: onGrid(p.x, POSITION_STEP), y: onGrid(p.y, POSITION_STEP), z: onGrid(p.z, POSITION_STEP) });

/** Time of day on the wire: whole in-game minutes (docs/protocol.md), so it changes about once a real second, not every tick. */
const wireHour = (h: number) => Math.floor(h * 60) / 60;

/**
 * The wire fields of src/game/character.ts CHARACTER_FIELDS, in its order, as syncCharacter writes them out one by
 * one: named reads and writes instead of a loop over the field names (whose keyed reads and writes see thirteen
 * names: 0.54 µs a call against 0.06 for the position alone, scratch-measured; it runs for every character that
 * moved, every tick). Checked against the record when this module loads, so a field added there fails here.
 */
const SYNCED = ['level', 'xp', 'x', 'y', 'z', 'yaw', 'hp', 'maxHp', 'mana', 'maxMana', 'corruption', 'knownSpells', 'cooldowns'] as const;
const OWNER_SYNCED = ['xp', 'mana', 'maxMana', 'knownSpells', 'cooldowns'];
{
  const wire = CHARACTER_FIELD_NAMES.filter((f) => CHARACTER_FIELDS[f].wire !== undefined);
  const owner = wire.filter((f) => CHARACTER_FIELDS[f].wire === 'owner');
  const stepped = wire.filter((f) => (CHARACTER_FIELDS[f] as { wireStep?: number }).wireStep !== undefined);
  const wrong = (a: readonly string[], b: readonly string[]) => a.join() !== b.join();
  if (wrong(wire, SYNCED) || wrong(owner, OWNER_SYNCED) || wrong(stepped, ['x', 'y', 'z']) || stepped.some((f) => (CHARACTER_FIELDS[f] as { wireStep?: number }).wireStep !== POSITION_STEP)) {
    throw new Error('rooms/sync.ts: the wire fields of CHARACTER_FIELDS (src/game/character.ts) changed; syncCharacter must write them as they are now');
  }
}

/**
 * What syncCharacter last wrote into each wire field of a state object, compared instead of the state object's own
 * fields: reading those goes through schema accessors (an ArraySchema through a Proxy), which was most of this
 * step's time. Taken from the object on its first sync (an adopted ghost copy holds values); after that only
 * syncCharacter writes these fields, until WireSync.addCharacter takes the object back from the ghosts (a character
 * that walked out and back: its object followed the other room's frames meanwhile).
 */
type Written = Pick<CharacterFields, Exclude<(typeof SYNCED)[number], 'knownSpells' | 'cooldowns'>> & { knownSpells: string[]; cooldowns: Map<string, number> };

function writtenOf(st: CharacterState): Written {
  const s = st as unknown as CharacterFields & { cooldowns: MapSchema<number>; knownSpells: ArraySchema<string> };
  const { level, xp, x, y, z, yaw, hp, maxHp, mana, maxMana, corruption } = s;
  return { level, xp, x, y, z, yaw, hp, maxHp, mana, maxMana, corruption, knownSpells: [...s.knownSpells], cooldowns: new Map(s.cooldowns) };
}
const written = new WeakMap<CharacterState, Written>();

/**
 * Copies a character's wire fields onto its state object (values as `wireValue` gives them); only changed values
 * are written (and encoded). True when an owner-only field changed (its owner's personal view then has something
 * to send).
 */
export function syncCharacter(st: CharacterState, c: LiveCharacter): boolean {
  const t = st as unknown as CharacterFields & { cooldowns: MapSchema<number>; knownSpells: ArraySchema<string> };
  let was = written.get(st);
  if (!was) written.set(st, (was = writtenOf(st)));
  let owner = false;
  if (was.level !== c.level) t.level = was.level = c.level;
  if (was.xp !== c.xp) {
    t.xp = was.xp = c.xp;
    owner = true;
  }
  const x = onGrid(c.x, POSITION_STEP), y = onGrid(c.y, POSITION_STEP), z = onGrid(c.z, POSITION_STEP);
  if (was.x !== x) t.x = was.x = x;
  if (was.y !== y) t.y = was.y = y;
  if (was.z !== z) t.z = was.z = z;
  if (was.yaw !== c.yaw) t.yaw = was.yaw = c.yaw;
  if (was.hp !== c.hp) t.hp = was.hp = c.hp;
  if (was.maxHp !== c.maxHp) t.maxHp = was.maxHp = c.maxHp;
  if (was.mana !== c.mana) {
    t.mana = was.mana = c.mana;
    owner = true;
  }
  const maxMana = wireValue(c, 'maxMana');
  if (was.maxMana !== maxMana) {
    t.maxMana = was.maxMana = maxMana;
    owner = true;
  }
  if (was.corruption !== c.corruption) t.corruption = was.corruption = c.corruption;
  const spells = c.knownSpells, had = was.knownSpells;
  let same = had.length === spells.length;
  for (let i = 0; same && i < spells.length; i++) same = had[i] === spells[i];
  if (!same) {
    t.knownSpells.clear();
    t.knownSpells.push(...spells);
    was.knownSpells = [...spells];
    owner = true;
  }
  if (c.cooldowns.size > 0) {
    const hadCd = was.cooldowns;
    for (const [k, v] of c.cooldowns) {
      if (hadCd.get(k) !== v) {
        t.cooldowns.set(k, v);
        hadCd.set(k, v);
        owner = true;
      }
    }
  }
  return owner;
}

export class WireSync {
  /** Characters whose owner-only fields changed since the last patch (the patch serializer clears it). */
  readonly ownerChanged = new Set<string>();

  constructor(
    private readonly state: RegionState,
    private readonly newCharacter: () => CharacterState,
  ) {}

  /** The region's static and loaded parts: identity, leylines, NPCs, edited chunks. */
  init(sim: RegionSim, worldId: string): void {
    Object.assign(this.state, { worldId, rx: sim.rx, rz: sim.rz, timeOfDay: wireHour(sim.hour) });
    sim.leylines.forEach((l, i) => {
      this.state.leylines.push(Object.assign(new LeylineState(), { id: l.id, x1: l.x1, z1: l.z1, x2: l.x2, z2: l.z2, strength: sim.leylineStrengths[i] }));
    });
    for (const n of sim.npcs.values()) this.state.npcs.set(n.id, Object.assign(new NpcState(), { id: n.id, kind: n.kind, ...wirePosition(n), hp: n.hp, maxHp: n.maxHp }));
    for (const key of sim.chunkVersions.keys()) this.chunk(sim, key);
  }

  /** A character enters this room's simulation; a ghost copy of it (handoff in) keeps its state object, so no view blinks. */
  addCharacter(c: LiveCharacter): void {
    const st = this.state.characters.get(c.id) ?? this.newCharacter();
    Object.assign(st, { id: c.id, name: c.name, characterClass: c.characterClass });
    // A ghost copy was written by its room's frames (a character that left keeps its object as one): read it anew.
    written.delete(st);
    syncCharacter(st, c);
    this.state.characters.set(c.id, st);
  }

  removeCharacter(id: string): void {
    this.state.characters.delete(id);
  }

  /** One tick's changes; returns the keys of chunks that got their first edit (new to the views). */
  tick(sim: RegionSim, ev: TickEvents): string[] {
    this.state.tick += 1;
    const hour = wireHour(sim.hour);
    if (this.state.timeOfDay !== hour) this.state.timeOfDay = hour;
    for (const id of ev.characters) {
      const live = sim.characters.get(id);
      const st = this.state.characters.get(id);
      if (live && st && syncCharacter(st, live)) this.ownerChanged.add(id);
    }
    for (const id of ev.npcs) {
      const n = sim.npcs.get(id);
      const st = this.state.npcs.get(id);
      if (n && st) Object.assign(st, { ...wirePosition(n), hp: n.hp });
    }
    const added: string[] = [];
    for (const b of ev.blocks) if (this.chunk(sim, b.key)) added.push(b.key);
    if (ev.leylines) this.state.leylines.forEach((st, i) => (st.strength = sim.leylineStrengths[i] ?? st.strength));
    return added;
  }

  /** Brings a chunk's state in line with the world's edits; true when the chunk state was created. */
  private chunk(sim: RegionSim, key: string): boolean {
    let chunk = this.state.chunks.get(key);
    const created = !chunk;
    if (!chunk) {
      const [cx, cy, cz] = key.split(',').map(Number) as [number, number, number];
      chunk = Object.assign(new ChunkState(), { cx, cy, cz });
      this.state.chunks.set(key, chunk);
    }
    chunk.version = sim.chunkVersions.get(key) ?? 0;
    const edits = sim.world.editsOf(key);
    for (const [i, b] of edits) if (chunk.edits.get(String(i)) !== b) chunk.edits.set(String(i), b);
    for (const i of chunk.edits.keys()) if (!edits.has(Number(i))) chunk.edits.delete(i);
    return created;
  }
}
