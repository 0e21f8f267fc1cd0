/**
 * Character creation rules, shared by the REST API and the seeder. Pure: no
 * ORM, no Express, so the same rules can run in tests, workers or a client.
 */
import type { CharacterClassDef, Content } from '../content/index.js';
import { spawnPoint } from '../world/index.js';
import { effectiveMaxMana } from './corruption.js';
import { MOVE_BUDGET_MAX_BLOCKS } from './movement.js';

export type Position = { x: number; y: number; z: number };

export type NewInventoryStack = {
  slot: number;
  itemId: string;
  quantity: number;
  maxStack: number;
  data: Record<string, unknown>;
};

/** The initial values of a new character (the record's fields less what starts empty); the caller adds owner, world and ids. */
export type NewCharacter = Pick<CharacterIdentity, 'name' | 'characterClass'> &
  Omit<CharacterFields, 'cooldowns' | 'respawnAt' | 'handoffs'> & {
    /** One mastery row per starting spell, so the first cast already has a skill to grow. */
    skills: { skillId: string }[];
    inventory: NewInventoryStack[];
  };

/**
 * Where new characters appear: the centre of block column (64, 64), the middle of region (0,0) (where a
 * dead character of that region respawns too), the first free space above the terrain. Not a corner of four
 * regions: a crowd at the spawn is one room's, with no handoffs (it was (8, 8) before issue 9).
 */
export const SPAWN_COLUMN = { x: 64, z: 64 } as const;

/**
 * The spawn position of a world. Terrain is a pure function of the seed, so
 * this is the same on every server and every client; player edits at the
 * spawn are not considered (the room re-checks against its live voxels).
 */
export function defaultSpawn(worldSeed: number): Position {
  return { x: SPAWN_COLUMN.x + 0.5, y: spawnPoint(worldSeed, SPAWN_COLUMN.x, SPAWN_COLUMN.z), z: SPAWN_COLUMN.z + 0.5 };
}

export function newCharacterFor(
  classDef: CharacterClassDef,
  content: Pick<Content, 'itemById'>,
  opts: { name: string; spawn: Position },
): NewCharacter {
  const { hp, mana, ...attributes } = classDef.baseStats;
  return {
    name: opts.name,
    characterClass: classDef.id,
    level: 1,
    xp: 0,
    stats: { ...attributes },
    ...opts.spawn,
    yaw: 0,
    hp,
    maxHp: hp,
    mana,
    maxMana: mana,
    corruption: 0,
    knownSpells: [...classDef.startingSpells],
    skills: classDef.startingSpells.map((skillId) => ({ skillId })),
    // Slots in class order; loadContent() has already checked every item exists and fits its stack.
    inventory: classDef.startingItems.map((stack, slot) => {
      const item = content.itemById.get(stack.itemId);
      if (!item) throw new Error(`class ${classDef.id}: unknown starting item "${stack.itemId}"`);
      return { slot, itemId: stack.itemId, quantity: stack.quantity, maxStack: item.maxStack, data: {} };
    }),
  };
}

// ---------------------------------------------------------------------------
// The character record: ONE list of the fields a character carries between
// sessions. It drives the live object's type, the snapshot a room hands to
// persistence, the `characters` columns the store reads and writes, the
// validation before a write, and which fields are copied to the wire state
// (and for whom). A new persisted field is one entry here (plus its column in
// src/db/entities/Character.ts and a migration, and its wire field in
// schema/RegionState.ts when it is sent).

/** Who a character is: fixed for its life, never written by a room. */
export type CharacterIdentity = {
  id: string;
  userId: string;
  worldId: string;
  name: string;
  characterClass: string;
};

/** What a room owns and saves while it holds the character. */
export type CharacterFields = {
  level: number;
  xp: number;
  /** Attributes (strength, intellect, spirit …); hp and mana have their own fields. */
  stats: Record<string, number>;
  x: number;
  y: number;
  z: number;
  yaw: number;
  hp: number;
  maxHp: number;
  mana: number;
  /** Before corruption; the effective cap is `effectiveMaxMana(maxMana, corruption)`. */
  maxMana: number;
  corruption: number;
  knownSpells: string[];
  /** spellId → server epoch ms at which it is ready again (survives sessions and handoffs). */
  cooldowns: Map<string, number>;
  /** Set while dead: epoch ms of the respawn (survives sessions: playing again does not revive). */
  respawnAt: number | undefined;
  /**
   * How many times the character has been handed from one room to the next. A handoff
   * passes the live record on with this + 1, and a save only lands on a row whose count
   * is not higher: the old room's late save cannot undo what the new room saved.
   */
  handoffs: number;
};

/** How a field's value is copied, checked and stored. */
export type FieldKind = 'int' | 'number' | 'stats' | 'strings' | 'readyAt' | 'optionalTime';
type KindValue = { int: number; number: number; stats: Record<string, number>; strings: string[]; readyAt: Map<string, number>; optionalTime: number | undefined };

export type FieldSpec<K extends FieldKind = FieldKind> = {
  kind: K;
  /** Column of the `characters` table. */
  column: string;
  /** PostgreSQL type of the column, as the batched write declares it. */
  sql: 'int' | 'bigint' | 'float8' | 'jsonb' | 'text[]';
  min?: number;
  /** Sent in the wire state: to everyone in view, or to the owner only. Absent: never sent. */
  wire?: 'public' | 'owner';
  /** Wire values are rounded to multiples of this (positions: 1/32 block, docs/protocol.md). */
  wireStep?: number;
};

type SpecOf<T> = { [K in FieldKind]: KindValue[K] extends T ? (T extends KindValue[K] ? FieldSpec<K> : never) : never }[FieldKind];

/** Positions on the wire are multiples of 1/32 block (the protocol allows no coarser). */
export const POSITION_STEP = 1 / 32;

/** `v` on the wire grid of `step` (exact in binary: the step is a power of two). */
export const onGrid = (v: number, step: number): number => Math.round(v / step) * step;

export const CHARACTER_FIELDS: { readonly [F in keyof CharacterFields]: SpecOf<CharacterFields[F]> } = {
  level: { kind: 'int', column: 'level', sql: 'int', min: 1, wire: 'public' },
  xp: { kind: 'int', column: 'xp', sql: 'bigint', min: 0, wire: 'owner' },
  stats: { kind: 'stats', column: 'stats', sql: 'jsonb' },
  x: { kind: 'number', column: 'x', sql: 'float8', wire: 'public', wireStep: POSITION_STEP },
  y: { kind: 'number', column: 'y', sql: 'float8', wire: 'public', wireStep: POSITION_STEP },
  z: { kind: 'number', column: 'z', sql: 'float8', wire: 'public', wireStep: POSITION_STEP },
  yaw: { kind: 'number', column: 'yaw', sql: 'float8', wire: 'public' },
  hp: { kind: 'number', column: 'hp', sql: 'float8', min: 0, wire: 'public' },
  maxHp: { kind: 'number', column: 'max_hp', sql: 'float8', min: 0, wire: 'public' },
  mana: { kind: 'number', column: 'mana', sql: 'float8', min: 0, wire: 'owner' },
  maxMana: { kind: 'number', column: 'max_mana', sql: 'float8', min: 0, wire: 'owner' },
  corruption: { kind: 'number', column: 'corruption', sql: 'float8', min: 0, wire: 'public' },
  knownSpells: { kind: 'strings', column: 'known_spells', sql: 'text[]', wire: 'owner' },
  cooldowns: { kind: 'readyAt', column: 'cooldowns', sql: 'jsonb', wire: 'owner' },
  respawnAt: { kind: 'optionalTime', column: 'respawn_at', sql: 'float8' },
  handoffs: { kind: 'int', column: 'handoffs', sql: 'bigint', min: 0 },
};

export type CharacterFieldName = keyof CharacterFields;
export const CHARACTER_FIELD_NAMES = Object.keys(CHARACTER_FIELDS) as CharacterFieldName[];

/** Mastery per spell: successful casts (the `character_skills` rows). */
export type Mastery = Map<string, { uses: number }>;

/** Everything a character carries between sessions. */
export type CharacterRecord = CharacterIdentity & CharacterFields & { mastery: Mastery };

/** What a room hands to persistence: a copy of the record, safe to keep after the tick goes on. */
export type CharacterSnapshot = CharacterRecord;

const copyValue = (kind: FieldKind, v: unknown): unknown => {
  switch (kind) {
    case 'stats':
      return { ...(v as Record<string, number>) };
    case 'strings':
      return [...(v as string[])];
    case 'readyAt':
      return new Map(v as Map<string, number>);
    default:
      return v;
  }
};

/** A deep copy of the record's persisted part (the live object goes on changing after this). */
export function snapshotOf(c: CharacterRecord): CharacterSnapshot {
  const out = { id: c.id, userId: c.userId, worldId: c.worldId, name: c.name, characterClass: c.characterClass } as CharacterSnapshot;
  for (const f of CHARACTER_FIELD_NAMES) (out as Record<string, unknown>)[f] = copyValue(CHARACTER_FIELDS[f].kind, c[f]);
  out.mastery = new Map([...c.mastery].map(([k, m]) => [k, { uses: m.uses }]));
  out.mana = Math.min(out.mana, out.maxMana); // never store more mana than the cap allows
  return out;
}

/** Why a record cannot be stored (mirrors the column types and CHECKs of `characters`), or undefined. */
export function invalidRecord(c: CharacterRecord): string | undefined {
  for (const name of CHARACTER_FIELD_NAMES) {
    const spec: FieldSpec = CHARACTER_FIELDS[name];
    const v: unknown = c[name];
    const bad = invalidValue(spec, v);
    if (bad) return `${name} ${bad}`;
  }
  if (c.hp > c.maxHp) return 'hp exceeds maxHp';
  if (c.mana > c.maxMana) return 'mana exceeds maxMana';
  for (const [spellId, m] of c.mastery) if (!Number.isSafeInteger(m.uses) || m.uses < 0 || m.uses > INT32_MAX) return `mastery of ${spellId} is not a count`;
  return undefined;
}

const INT32_MAX = 2 ** 31 - 1;
const MAX_ID_LENGTH = 64;

function invalidValue(spec: FieldSpec, v: unknown): string | undefined {
  const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
  switch (spec.kind) {
    case 'int':
      if (!Number.isSafeInteger(v)) return 'is not an integer';
      if (spec.sql === 'int' && Math.abs(v as number) > INT32_MAX) return 'is out of range';
      break;
    case 'number':
      if (!finite(v)) return 'is not a finite number';
      break;
    case 'stats':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not an object';
      if (!Object.values(v).every(finite)) return 'has a value that is not a finite number';
      if (Object.keys(v).some((k) => k.includes('\u0000') || k.length > MAX_ID_LENGTH)) return 'has a key that cannot be stored';
      return undefined;
    case 'strings':
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length > 0 && s.length <= MAX_ID_LENGTH && !s.includes('\u0000'))) return 'is not a list of ids';
      return undefined;
    case 'readyAt':
      if (!(v instanceof Map) || ![...v].every(([k, t]) => typeof k === 'string' && k.length <= MAX_ID_LENGTH && !k.includes('\u0000') && finite(t))) return 'is not a map of ready-at times';
      return undefined;
    case 'optionalTime':
      if (v !== undefined && !finite(v)) return 'is not a time';
      return undefined;
  }
  if (spec.min !== undefined && (v as number) < spec.min) return `is below ${spec.min}`;
  return undefined;
}

/** A field's value as its column takes it (JSON for the batched write). */
export function toColumn(kind: FieldKind, v: unknown): unknown {
  if (kind === 'readyAt') return Object.fromEntries(v as Map<string, number>);
  if (kind === 'optionalTime') return v ?? null;
  return v;
}

/** A column's value (as the driver returns it) as the field's value. */
export function fromColumn(kind: FieldKind, v: unknown): unknown {
  switch (kind) {
    case 'int':
    case 'number':
      return Number(v); // some drivers return numeric columns as strings
    case 'stats':
      return { ...(v as Record<string, number>) };
    case 'strings':
      return [...((v as string[] | null) ?? [])];
    case 'readyAt':
      return new Map(Object.entries((v as Record<string, unknown> | null) ?? {}).map(([k, t]) => [k, Number(t)]));
    case 'optionalTime':
      return v === null || v === undefined ? undefined : Number(v);
  }
}

/** A record as plain JSON (handed from room to room through presence at a handoff). */
export type RecordJson = CharacterIdentity & { fields: Record<string, unknown>; mastery: [string, number][] };

export function recordToJson(c: CharacterRecord): RecordJson {
  const fields: Record<string, unknown> = {};
  for (const f of CHARACTER_FIELD_NAMES) fields[f] = toColumn(CHARACTER_FIELDS[f].kind, c[f]);
  return { id: c.id, userId: c.userId, worldId: c.worldId, name: c.name, characterClass: c.characterClass, fields, mastery: [...c.mastery].map(([k, m]) => [k, m.uses]) };
}

/** The record back from `recordToJson`, or undefined when it does not pass the record's own checks. */
export function recordFromJson(j: unknown): CharacterRecord | undefined {
  try {
    const o = j as RecordJson;
    const ids = [o.id, o.userId, o.worldId, o.name, o.characterClass];
    if (!ids.every((v) => typeof v === 'string') || typeof o.fields !== 'object' || !Array.isArray(o.mastery)) return undefined;
    const r = { id: o.id, userId: o.userId, worldId: o.worldId, name: o.name, characterClass: o.characterClass } as CharacterRecord;
    for (const f of CHARACTER_FIELD_NAMES) (r as Record<string, unknown>)[f] = fromColumn(CHARACTER_FIELDS[f].kind, o.fields[f]);
    r.mastery = new Map(o.mastery.map(([k, uses]) => [String(k), { uses: Number(uses) }]));
    return invalidRecord(r) ? undefined : r;
  } catch {
    return undefined;
  }
}

/** The value a wire field shows: the field itself, except the mana cap, which shows what corruption leaves of it. */
export function wireValue<F extends CharacterFieldName>(c: CharacterFields, f: F): CharacterFields[F] {
  if (f === 'maxMana') return effectiveMaxMana(c.maxMana, c.corruption) as CharacterFields[F];
  const step = (CHARACTER_FIELDS[f] as FieldSpec).wireStep;
  return (step ? onGrid(c[f] as number, step) : c[f]) as CharacterFields[F];
}

/** A character while a region holds it: the record plus what only matters in play. */
export type LiveCharacter = CharacterRecord & {
  /** Server time of the last accepted move, and the travel budget left then (blocks). */
  lastMoveAt: number;
  moveBudget: number;
  /** Absorbs damage first; gone when the session ends. */
  shield?: number;
};

/**
 * A stored character entering a region. Death is kept: a character saved dead
 * respawns at the region spawn when its time comes (never on the spot); one
 * saved with no hp and no respawn time (older rows) respawns on the next tick.
 */
export function enterWorld(r: CharacterRecord, now: number): LiveCharacter {
  const dead = r.respawnAt !== undefined || !(r.hp > 0);
  return {
    ...snapshotOf(r),
    ...(dead ? { hp: 0, respawnAt: r.respawnAt ?? now } : {}),
    lastMoveAt: 0,
    moveBudget: MOVE_BUDGET_MAX_BLOCKS,
  };
}
