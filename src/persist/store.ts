/**
 * WorldStore: the only door between rooms and PostgreSQL (docs/design.md: "Rooms reach the
 * database only through `persist`"). It speaks plain data (snapshots), never entities,
 * so a room can never hold a managed entity that some later flush would write behind
 * its back. Every call forks the EntityManager: no identity map outlives an operation.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';
import { Character, CharacterSkill, InventoryItem, World } from '../db/entities/index.js';
import { CHARACTER_FIELDS, CHARACTER_FIELD_NAMES, fromColumn, invalidRecord, toColumn, type CharacterSnapshot } from '../game/character.js';
import { masteryState } from '../game/magic.js';
import { REGION_CHUNKS } from '../world/index.js';
import { ensureMagicEventPartitions } from '../db/partitions.js';
import { RejectedWrite } from './retry.js';
import { cleanJson, cleanText } from './sanitize.js';

export type { CharacterSnapshot };

export type WorldInfo = { id: string; name: string; seed: number; worldType: string };

/** One cast attempt for magic_events (appended in batches, off the tick). */
export type MagicEventRow = {
  createdAt: Date;
  worldId: string;
  characterId: string | null;
  spellId: string;
  success: boolean;
  code: string | null;
  effect: number;
  manaSpent: number;
  rx: number;
  rz: number;
  data: Record<string, unknown>;
};

/** A timed event in a region (world_events); written with status 'active'. */
export type WorldEventRow = {
  worldId: string;
  rx: number | null;
  rz: number | null;
  kind: string;
  startsAt: Date;
  endsAt: Date | null;
  data: Record<string, unknown>;
};

export type LootDrop = { itemId: string; quantity: number };
export type InventoryRow = { slot: number; itemId: string; quantity: number; maxStack: number };
/** The game's stacking rule: where drops go in the inventory, and what does not fit. Pure: it may run once per attempt. */
export type PlaceLoot = (slots: InventoryRow[]) => { slots: InventoryRow[]; overflow: LootDrop[] };
export type GrantResult = {
  slots: InventoryRow[];
  overflow: LootDrop[];
  /** The grant id had been applied before (a retry after a lost commit acknowledgement): nothing changed now. */
  duplicate: boolean;
};

/** A chunk's edits against generated terrain: `edits[localIndex] = blockId`. */
export type ChunkSnapshot = {
  worldId: string;
  cx: number;
  cy: number;
  cz: number;
  /** Owned by the room; only ever moves forward in the database. */
  version: number;
  edits: Record<string, number>;
};

export type SaveBatch = { characters: readonly CharacterSnapshot[]; chunks: readonly ChunkSnapshot[] };

/** A snapshot the database would refuse (CHECK/type violation); left out so it cannot fail the whole batch. */
export type RejectedSnapshot = { kind: 'character' | 'chunk'; key: string; reason: string };

export type SaveResult = {
  /** Rows updated (a missing or soft-deleted character counts 0). */
  characters: number;
  /** Rows inserted or updated (a stale version counts 0). */
  chunks: number;
  rejected: RejectedSnapshot[];
};

/** Rows per statement: bounds the size of one JSON parameter while keeping 1,000 rows to 2 statements. */
const ROWS_PER_STATEMENT = 500;
const CHUNK_VOLUME = 16 * 16 * 16;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A chunk row's identity across worlds (the world's own `chunkKey` is `cx,cy,cz`). */
export const chunkRowKey = (c: Pick<ChunkSnapshot, 'worldId' | 'cx' | 'cy' | 'cz'>): string => `${c.worldId}:${c.cx},${c.cy},${c.cz}`;

/*
 * Batched writes pass the whole batch as ONE json parameter and expand it server-side with
 * json_to_recordset: a single statement per table regardless of row count, no per-row
 * placeholders, and nested values (stats, known_spells, edits) need no array-of-array tricks.
 * Numbers survive exactly: JSON.stringify prints the shortest round-trip decimal.
 * The parameter is a real bind ($1, `writeBatched` below), not MikroORM's `execute`, which inlines
 * parameters into the SQL text: quoting a 500-character batch (~150 kB of JSON) held the
 * event loop, and with it every room's tick, for several milliseconds per flush.
 */

// Only the record's fields (src/game/character.ts); identity (user, world, name, class) is
// never written from a room. `deleted_at is null`: a character deleted through the API while
// a snapshot was in flight stays deleted. `handoffs`: a room that handed the character on may
// still flush its last snapshot; once the next room saved (a higher count) that stale row is skipped. (Two batches overlap only briefly during a handoff;
// a deadlock there aborts one transaction, which the persister retries like any failed flush.)
const CHARACTER_COLUMNS = CHARACTER_FIELD_NAMES.map((f) => CHARACTER_FIELDS[f]);
const UPDATE_CHARACTERS = `
update characters as c set
  ${CHARACTER_COLUMNS.map((f) => `${f.column} = v.${f.column}`).join(', ')}, updated_at = now()
from (
  select * from json_to_recordset($1::json) as r(id uuid, ${CHARACTER_COLUMNS.map((f) => `${f.column} ${f.sql}`).join(', ')})
) as v
where c.id = v.id and c.deleted_at is null and c.handoffs <= v.handoffs`;

// The join on worlds drops chunks of a world deleted meanwhile instead of failing the
// batch on the foreign key. The conflict WHERE keeps versions monotonic: a stale
// writer (an older room still flushing after a handoff) cannot undo newer edits.
const UPSERT_CHUNKS = `
insert into world_chunks as wc (id, world_id, chunk_x, chunk_y, chunk_z, version, data, updated_at)
select gen_random_uuid(), r.world_id, r.cx, r.cy, r.cz, r.version, r.edits, now()
from json_to_recordset($1::json) as r(world_id uuid, cx int, cy int, cz int, version int, edits jsonb)
join worlds w on w.id = r.world_id
order by r.world_id, r.cx, r.cy, r.cz
on conflict on constraint world_chunks_world_id_chunk_unique do update
  set version = excluded.version, data = excluded.data, updated_at = excluded.updated_at
  where wc.version <= excluded.version`;

// Mastery only grows: a stale snapshot (an older room after a handoff) cannot lower `uses`.
const UPSERT_SKILLS = `
insert into character_skills as s (id, character_id, skill_id, level, mastery, uses, last_used_at)
select gen_random_uuid(), r.character_id, r.skill_id, r.level, r.mastery, r.uses, now()
from json_to_recordset($1::json) as r(character_id uuid, skill_id text, level int, mastery float8, uses int)
join characters c on c.id = r.character_id and c.deleted_at is null
on conflict (character_id, skill_id) do update
  set level = excluded.level, mastery = excluded.mastery, uses = excluded.uses, last_used_at = excluded.last_used_at
  where s.uses <= excluded.uses`;

// The partition is chosen by created_at; characters deleted meanwhile become NULL, not an error.
const INSERT_MAGIC_EVENTS = `
insert into magic_events (created_at, world_id, character_id, spell_id, success, code, effect, mana_spent, rx, rz, data)
select r.created_at, r.world_id, c.id, r.spell_id, r.success, r.code, r.effect, r.mana_spent, r.rx, r.rz, coalesce(r.data, '{}'::jsonb)
from json_to_recordset($1::json) as r(created_at timestamptz, world_id uuid, character_id uuid, spell_id text, success boolean,
  code text, effect float8, mana_spent float8, rx int, rz int, data jsonb)
left join characters c on c.id = r.character_id`;

const INSERT_WORLD_EVENTS = `
insert into world_events (id, world_id, rx, rz, kind, status, starts_at, ends_at, data, created_at)
select gen_random_uuid(), r.world_id, r.rx, r.rz, r.kind, 'active', r.starts_at, r.ends_at, coalesce(r.data, '{}'::jsonb), now()
from json_to_recordset($1::json) as r(world_id uuid, rx int, rz int, kind text, starts_at timestamptz, ends_at timestamptz, data jsonb)`;

export class WorldStore {
  constructor(private readonly em: EntityManager) {}

  async loadWorld(worldId: string): Promise<WorldInfo | undefined> {
    if (!UUID.test(worldId)) return undefined;
    const w = await this.em.fork().findOne(World, { id: worldId });
    return w ? { id: w.id, name: w.name, seed: w.seed, worldType: w.worldType } : undefined;
  }

  async loadCharacter(id: string): Promise<CharacterSnapshot | undefined> {
    if (!UUID.test(id)) return undefined;
    const em = this.em.fork();
    const c = await em.findOne(Character, { id, deletedAt: null });
    if (!c) return undefined;
    const skills = await em.find(CharacterSkill, { character: c.id });
    const record = { id: c.id, userId: c.user.id, worldId: c.world.id, name: c.name, characterClass: c.characterClass } as CharacterSnapshot;
    const row = c as unknown as Record<string, unknown>;
    for (const f of CHARACTER_FIELD_NAMES) (record as Record<string, unknown>)[f] = fromColumn(CHARACTER_FIELDS[f].kind, row[f]);
    record.mastery = new Map(skills.map((k) => [k.skillId, { uses: k.uses }]));
    return record;
  }

  /**
   * Appends cast attempts to magic_events (partitioned by month): all rows in ONE
   * transaction (one statement per 500 rows), so a failed batch wrote nothing and can be
   * retried or bisected as a whole. Text is cleaned first (no NUL can reach a column).
   */
  async appendMagicEvents(rows: readonly MagicEventRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    return this.insertMagicEvents(rows.map(magicEventRecord));
  }

  /**
   * The insert behind appendMagicEvents, for records already cleaned (protected: a test
   * writes uncleaned ones). A month without a partition (maintenance creates this and
   * next month's daily) is created here once and the batch tried again; a row for a
   * month still without one (a clock far off) then fails the batch as poison.
   */
  protected async insertMagicEvents(records: readonly object[]): Promise<number> {
    const insert = () => this.em.fork().transactional((tx) => writeBatched(tx, INSERT_MAGIC_EVENTS, records));
    try {
      return await insert();
    } catch (err) {
      if (!noPartition(err)) throw err;
      await ensureMagicEventPartitions(this.em.fork(), new Date());
      return insert();
    }
  }

  /**
   * Loot is written through at once (a player must never lose a drop to a crash), once:
   * one transaction locks the character, checks that `grantId` was not applied yet,
   * stacks the drops with `place` (the game's stacking rule), writes the changed slots
   * and records `grantId` in loot_grants. A retry with the same id after a lost commit
   * acknowledgement finds the grant and changes nothing (`duplicate`, with the overflow
   * of the first application).
   */
  async grantLoot(characterId: string, grantId: string, place: PlaceLoot): Promise<GrantResult> {
    if (!UUID.test(grantId)) throw new RejectedWrite('grantId is not a uuid');
    if (!UUID.test(characterId)) throw new RejectedWrite('characterId is not a uuid');
    return this.em.fork().transactional(async (tx) => {
      // Serializes grants per character: a concurrent attempt with the same id waits here, then sees the grant.
      await tx.execute('select id from characters where id = ? for update', [characterId]);
      const before = await tx.find(InventoryItem, { character: characterId }, { orderBy: { slot: 'asc' } });
      const rows = before.map((r) => ({ slot: r.slot, itemId: r.itemId, quantity: r.quantity, maxStack: r.maxStack }));
      const [prior] = await tx.execute<{ overflow: LootDrop[] }[]>('select overflow from loot_grants where grant_id = ?', [grantId]);
      if (prior) return { slots: rows, overflow: prior.overflow, duplicate: true };
      const result = place(rows);
      const bySlot = new Map(before.map((r) => [r.slot, r]));
      for (const s of result.slots) {
        const row = bySlot.get(s.slot);
        if (row) {
          if (row.itemId !== s.itemId || row.quantity !== s.quantity) Object.assign(row, { itemId: s.itemId, quantity: s.quantity, maxStack: s.maxStack });
        } else {
          tx.create(InventoryItem, { character: characterId, slot: s.slot, itemId: s.itemId, quantity: s.quantity, maxStack: s.maxStack });
        }
      }
      await tx.flush();
      await tx.execute('insert into loot_grants (grant_id, character_id, overflow, created_at) values (?, ?, ?::jsonb, now())', [
        grantId,
        characterId,
        JSON.stringify(cleanJson(result.overflow)),
      ]);
      return { ...result, duplicate: false };
    });
  }

  /** One world event (see recordWorldEvents). */
  async recordWorldEvent(e: WorldEventRow): Promise<void> {
    await this.recordWorldEvents([e]);
  }

  /** Inserts world events in one statement and transaction; text is cleaned first. */
  async recordWorldEvents(rows: readonly WorldEventRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const json = rows.map(worldEventRecord);
    return this.em.fork().transactional((tx) => writeBatched(tx, INSERT_WORLD_EVENTS, json));
  }

  /**
   * The edited chunks of region (rx, rz): every cy of chunk columns cx ∈ [rx*8, rx*8+7],
   * cz ∈ [rz*8, rz*8+7]. Plain range predicates on the (world_id, chunk_x, chunk_y,
   * chunk_z) unique index: world_id equality + chunk_x range is an index range scan.
   */
  async loadRegionChunks(worldId: string, rx: number, rz: number): Promise<ChunkSnapshot[]> {
    if (!UUID.test(worldId)) return [];
    if (!Number.isSafeInteger(rx) || !Number.isSafeInteger(rz)) throw new RangeError(`bad region ${rx},${rz}`);
    const x0 = rx * REGION_CHUNKS;
    const z0 = rz * REGION_CHUNKS;
    const rows = await this.em.fork().execute<{ chunk_x: number; chunk_y: number; chunk_z: number; version: number; data: Record<string, number> }[]>(
      `select chunk_x, chunk_y, chunk_z, version, data from world_chunks
       where world_id = ? and chunk_x between ? and ? and chunk_z between ? and ?
       order by chunk_x, chunk_z, chunk_y`,
      [worldId, x0, x0 + REGION_CHUNKS - 1, z0, z0 + REGION_CHUNKS - 1],
    );
    return rows.map((r) => ({ worldId, cx: r.chunk_x, cy: r.chunk_y, cz: r.chunk_z, version: r.version, edits: r.data }));
  }

  /**
   * Writes all snapshots in ONE transaction with one statement per table per 500 rows.
   * Snapshots the database would refuse are left out and reported instead: one bad
   * value (NaN hp, say) must not fail every other row, flush after flush.
   * Duplicates in the batch collapse to one row (last character wins; highest chunk
   * version wins), as ON CONFLICT cannot touch a row twice in one statement.
   */
  async saveBatch(batch: SaveBatch): Promise<SaveResult> {
    const rejected: RejectedSnapshot[] = [];
    const characters = new Map<string, CharacterSnapshot>();
    for (const c of batch.characters) {
      const reason = invalidCharacter(c);
      if (reason) rejected.push({ kind: 'character', key: String(c.id), reason });
      else characters.set(c.id, c);
    }
    const chunks = new Map<string, ChunkSnapshot>();
    for (const c of batch.chunks) {
      const reason = invalidChunk(c);
      const key = chunkRowKey(c);
      if (reason) rejected.push({ kind: 'chunk', key, reason });
      else if ((chunks.get(key)?.version ?? -1) <= c.version) chunks.set(key, c);
    }
    if (characters.size === 0 && chunks.size === 0) return { characters: 0, chunks: 0, rejected };

    const charRows = [...characters.values()].map((c) => {
      const row: Record<string, unknown> = { id: c.id };
      for (const f of CHARACTER_FIELD_NAMES) row[CHARACTER_FIELDS[f].column] = toColumn(CHARACTER_FIELDS[f].kind, c[f]);
      return row;
    });
    const chunkRows = [...chunks.values()].map((c) => ({ world_id: c.worldId, cx: c.cx, cy: c.cy, cz: c.cz, version: c.version, edits: c.edits }));

    const skillRows = [...characters.values()].flatMap((c) =>
      [...c.mastery].map(([skillId, m]) => {
        const st = masteryState(m.uses);
        return { character_id: c.id, skill_id: skillId, level: st.level, mastery: st.mastery, uses: st.uses };
      }),
    );

    return this.em.fork().transactional(async (tx) => {
      const nChars = await writeBatched(tx, UPDATE_CHARACTERS, charRows);
      await writeBatched(tx, UPSERT_SKILLS, skillRows);
      const nChunks = await writeBatched(tx, UPSERT_CHUNKS, chunkRows);
      return { characters: nChars, chunks: nChunks, rejected };
    });
  }
}

/**
 * `rows` through statement `sql` in `em`'s transaction, ROWS_PER_STATEMENT at a time, each slice as JSON in
 * bind parameter $1 (through MikroORM's own kysely instance, so on the transaction's connection); the number
 * of rows changed. Bypasses MikroORM's query logging: these are the writer's batches, logged by the writer.
 */
async function writeBatched(em: EntityManager, sql: string, rows: readonly unknown[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const r = await em.getKysely().executeQuery(CompiledQuery.raw(sql, [JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT))]));
    n += Number(r.numAffectedRows ?? 0n);
  }
  return n;
}

/** "no partition of relation … found for row" (23514 raised by partition routing). */
const noPartition = (err: unknown): boolean =>
  !!err && typeof err === 'object' && (err as { code?: unknown }).code === '23514' && (err as { routine?: unknown }).routine === 'ExecFindPartition';

const iso = (d: Date, field: string): string => {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new RejectedWrite(`${field} is not a valid date`);
  return d.toISOString();
};

/** A magic_events record with text made writable (no NUL, no lone surrogate) and cut to the column widths. */
export function magicEventRecord(r: MagicEventRow): Record<string, unknown> {
  return {
    created_at: iso(r.createdAt, 'createdAt'), world_id: r.worldId, character_id: r.characterId,
    spell_id: cleanText(String(r.spellId), 64), success: r.success, code: r.code == null ? null : cleanText(String(r.code), 32),
    effect: r.effect, mana_spent: r.manaSpent, rx: r.rx, rz: r.rz, data: cleanJson(r.data ?? {}),
  };
}

function worldEventRecord(e: WorldEventRow): Record<string, unknown> {
  return {
    world_id: e.worldId, rx: e.rx, rz: e.rz, kind: cleanText(String(e.kind), 32),
    starts_at: iso(e.startsAt, 'startsAt'), ends_at: e.endsAt == null ? null : iso(e.endsAt, 'endsAt'), data: cleanJson(e.data ?? {}),
  };
}

const int32 = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= INT32_MIN && (n as number) <= INT32_MAX;

/** The record's own checks (src/game/character.ts) plus the id the UPDATE joins on. */
function invalidCharacter(c: CharacterSnapshot): string | undefined {
  if (typeof c.id !== 'string' || !UUID.test(c.id)) return 'id is not a uuid';
  return invalidRecord(c);
}

function invalidChunk(c: ChunkSnapshot): string | undefined {
  if (typeof c.worldId !== 'string' || !UUID.test(c.worldId)) return 'worldId is not a uuid';
  if (!int32(c.cx) || !int32(c.cy) || !int32(c.cz)) return 'chunk coordinates are not int32';
  if (!int32(c.version) || c.version < 0) return 'version must be an int32 >= 0';
  if (typeof c.edits !== 'object' || c.edits === null) return 'edits is not an object';
  for (const k in c.edits) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= CHUNK_VOLUME) return `edit index ${k} outside the chunk`;
    if (!int32(c.edits[k])) return `block id at ${k} is not an integer`;
  }
  return undefined;
}
