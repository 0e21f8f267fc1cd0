/**
 * What the narration job reads and writes (issue 10), off the rooms' ticks:
 *  - the character's memory: one `ai_agents` row per character (kind
 *    `character_memory`, name `character:<id>`) whose `agent_memory` rows are
 *    notes (`note`, one per narration, id = narration id), `lore` and
 *    `quest_offer`. The rolling summary is the newest rows that fit in
 *    MEMORY_SUMMARY_CHARS; beyond MEMORY_ROWS_KEPT rows the oldest are deleted;
 *  - active quests (quest_progress → quests), recent world events of the region;
 *  - the character↔NPC relationship (`character_relationships`, npc_key = NPC id,
 *    kind `reputation`) and its history (`npc_interactions`).
 * `record` is idempotent per narration id: the note row is inserted first, and
 * when it already exists nothing else is written again.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

export const MEMORY_AGENT_KIND = 'character_memory';
export const MEMORY_NOTE_CHARS = 200;
export const MEMORY_SUMMARY_CHARS = 1200;
export const MEMORY_ROWS_KEPT = 40;
/** Talks with one NPC the narrator is told about (newest, shown oldest first). */
export const HISTORY_IN_CONTEXT = 5;
/** World events of the region the narrator is told about: newest, from the last hour. */
const EVENTS_IN_CONTEXT = 5;
const EVENTS_WINDOW_MS = 60 * 60_000;
const RELATIONSHIP_KIND = 'reputation';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type StoredContext = {
  memory: string;
  quests: string[];
  recentEvents: string[];
  relationship: number;
  history: string[];
};

export type NarrationRecord = {
  narrationId: string;
  characterId: string;
  worldId: string;
  /** One line for the memory (cut to MEMORY_NOTE_CHARS). */
  note: string;
  /** `talk`: the relationship's new value is computed by `step(old)` under a row lock. */
  talk?: { npcId: string; npcKind: string; said: string; reply: string; step: (old: number) => { value: number; delta: number } };
  questOffered?: { title: string; description?: string };
  lore?: string[];
};

export type RecordResult = {
  /** False when this narration was recorded before (a retried job): nothing was written. */
  recorded: boolean;
  relationship?: { value: number; delta: number };
};

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export class NarrationStore {
  constructor(private readonly db: EntityManager | MikroORM) {}

  private em(): EntityManager {
    return 'em' in this.db ? (this.db.em as EntityManager).fork() : this.db.fork();
  }

  /** One round trip: memory, active quests, the region's recent events, and (talk) the relationship and its history. */
  async loadContext(q: { characterId: string; worldId: string; rx: number; rz: number; npcKey?: string; now?: Date }): Promise<StoredContext> {
    const out: StoredContext = { memory: '', quests: [], recentEvents: [], relationship: 0, history: [] };
    if (!UUID.test(q.characterId) || !UUID.test(q.worldId)) return out;
    const since = new Date((q.now ?? new Date()).getTime() - EVENTS_WINDOW_MS);
    const npcKey = q.npcKey ?? null;
    type Row = { memory: string[]; quests: string[]; events: { kind: string; text: string | null }[]; relationship: number | null; history: { said: string; reply: string; delta: number }[] };
    const [row] = await this.em().execute<Row[]>(
      `select
         (select coalesce(json_agg(x.content order by x.created_at desc, x.id desc), '[]') from (
            select m.content, m.created_at, m.id from agent_memory m join ai_agents a on a.id = m.agent_id
             where a.world_id = ? and a.name = ? order by m.created_at desc, m.id desc limit ?) x) as memory,
         (select coalesce(json_agg(y.title order by y.started_at desc), '[]') from (
            select q.title, p.started_at from quest_progress p join quests q on q.id = p.quest_id
             where p.character_id = ? and p.status = 'active' order by p.started_at desc limit 10) y) as quests,
         (select coalesce(json_agg(json_build_object('kind', z.kind, 'text', z.text) order by z.starts_at desc), '[]') from (
            select kind, data->>'text' as text, starts_at from world_events
             where world_id = ? and rx = ? and rz = ? and starts_at >= ? order by starts_at desc limit ?) z) as events,
         (select value from character_relationships where character_id = ? and npc_key = ? and kind = ?) as relationship,
         (select coalesce(json_agg(json_build_object('said', h.said, 'reply', h.reply, 'delta', h.delta) order by h.created_at desc), '[]') from (
            select said, reply, delta, created_at from npc_interactions
             where character_id = ? and npc_key = ? order by created_at desc limit ?) h) as history`,
      [
        q.worldId, agentName(q.characterId), MEMORY_ROWS_KEPT,
        q.characterId,
        q.worldId, q.rx, q.rz, since, EVENTS_IN_CONTEXT,
        q.characterId, npcKey, RELATIONSHIP_KIND,
        q.characterId, npcKey, HISTORY_IN_CONTEXT,
      ],
    );
    if (!row) return out;
    const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
    const lines: string[] = [];
    let size = 0;
    for (const content of parse<string[]>(row.memory)) {
      if (size + content.length + 1 > MEMORY_SUMMARY_CHARS) break;
      lines.push(content);
      size += content.length + 1;
    }
    out.memory = lines.reverse().join('\n');
    out.quests = parse<string[]>(row.quests);
    out.recentEvents = parse<Row['events']>(row.events).map((e) => cut(e.text || e.kind, 160));
    out.relationship = row.relationship === null || row.relationship === undefined ? 0 : Number(row.relationship);
    out.history = parse<Row['history']>(row.history)
      .reverse()
      .map((h) => `Player: "${cut(h.said, 120)}" — NPC: "${cut(h.reply, 120)}" (${h.delta >= 0 ? '+' : ''}${h.delta})`);
    return out;
  }

  /**
   * Writes one narration's memory, relationship and history, once per narration id. The common
   * case (a note only) is one statement; with a talk, lore or a quest offer, one transaction.
   */
  async record(r: NarrationRecord): Promise<RecordResult> {
    if (!UUID.test(r.narrationId) || !UUID.test(r.characterId) || !UUID.test(r.worldId)) return { recorded: false };
    const extra = !!(r.talk || r.questOffered || r.lore?.length);
    if (!extra) return { recorded: (await this.note(this.em(), r)) !== undefined };
    return this.em().transactional(async (tx) => {
      const agentId = await this.note(tx, r);
      if (agentId === undefined) return { recorded: false };
      // Later rows of the same narration sort after its note.
      const rows: [string, string, number][] = [];
      if (r.questOffered) rows.push(['quest_offer', cut(`Offered a quest: ${r.questOffered.title}${r.questOffered.description ? ` — ${r.questOffered.description}` : ''}`, 400), 0.8]);
      for (const l of r.lore ?? []) rows.push(['lore', cut(`Learned: ${l}`, 400), 0.7]);
      for (const [kind, content, importance] of rows) {
        await tx.execute(
          `insert into agent_memory (id, agent_id, kind, content, importance, created_at) values (?, ?, ?, ?, ?, clock_timestamp())`,
          [randomUUID(), agentId, kind, content, importance],
        );
      }
      let relationship: RecordResult['relationship'];
      if (r.talk) {
        const t = r.talk;
        const [row] = await tx.execute<{ value: number }[]>(
          'select value from character_relationships where character_id = ? and npc_key = ? and kind = ? for update',
          [r.characterId, t.npcId, RELATIONSHIP_KIND],
        );
        relationship = t.step(row ? Number(row.value) : 0);
        await tx.execute(
          `with rel as (
             insert into character_relationships (id, character_id, npc_key, npc_kind, kind, value, updated_at) values (?, ?, ?, ?, ?, ?, now())
             on conflict (character_id, npc_key, kind) do update set value = excluded.value, npc_kind = excluded.npc_kind, updated_at = now())
           insert into npc_interactions (narration_id, character_id, npc_key, npc_kind, said, reply, delta, value, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, now())`,
          [
            randomUUID(), r.characterId, t.npcId, t.npcKind, RELATIONSHIP_KIND, relationship.value,
            r.narrationId, r.characterId, t.npcId, t.npcKind, cut(t.said, 500), cut(t.reply, 300), relationship.delta, relationship.value,
          ],
        );
      }
      return { recorded: true, relationship };
    });
  }

  /**
   * The character's memory agent (created on first use), the narration's note (id = narration id),
   * and the oldest rows past MEMORY_ROWS_KEPT deleted, in one statement. The agent id, or undefined
   * when the note exists already (this narration was recorded before).
   */
  private async note(em: EntityManager, r: NarrationRecord): Promise<string | undefined> {
    const [row] = await em.execute<{ agent_id: string }[]>(
      `with agent as (
         insert into ai_agents (id, world_id, name, kind, personality, state, created_at, updated_at)
         values (?, ?, ?, ?, '{}', ?::jsonb, now(), now())
         on conflict (world_id, name) do update set updated_at = now() returning id),
       note as (
         insert into agent_memory (id, agent_id, kind, content, importance, created_at)
         select ?, id, 'note', ?, 0.5, now() from agent
         on conflict (id) do nothing returning agent_id),
       pruned as (
         delete from agent_memory where agent_id in (select agent_id from note) and id not in (
           select m.id from agent_memory m where m.agent_id in (select agent_id from note)
            order by m.created_at desc, m.id desc limit ?))
       select agent_id from note`,
      [
        randomUUID(), r.worldId, agentName(r.characterId), MEMORY_AGENT_KIND, JSON.stringify({ characterId: r.characterId }),
        r.narrationId, cut(r.note, MEMORY_NOTE_CHARS),
        MEMORY_ROWS_KEPT - 1,
      ],
    );
    return row?.agent_id;
  }
}

function agentName(characterId: string): string {
  return `character:${characterId.toLowerCase()}`;
}

/** A character's relationships with NPCs and their latest talks (GET /api/characters/:id/relationships). */
export async function listRelationships(em: EntityManager, characterId: string, historyPerNpc = 10) {
  const rows = await em.execute<{ npc_key: string; npc_kind: string | null; kind: string; value: number; updated_at: Date }[]>(
    `select npc_key, npc_kind, kind, value, updated_at from character_relationships
      where character_id = ? and npc_key is not null order by updated_at desc limit 200`,
    [characterId],
  );
  const history = await em.execute<{ npc_key: string; said: string; reply: string; delta: number; value: number; created_at: Date }[]>(
    `select npc_key, said, reply, delta, value, created_at from (
       select i.*, row_number() over (partition by npc_key order by created_at desc) as n from npc_interactions i where character_id = ?
     ) h where n <= ? order by created_at asc`,
    [characterId, historyPerNpc],
  );
  return rows.map((r) => ({
    npcKey: r.npc_key,
    npcKind: r.npc_kind,
    kind: r.kind,
    value: Number(r.value),
    history: history
      .filter((h) => h.npc_key === r.npc_key)
      .map((h) => ({ at: new Date(h.created_at).toISOString(), said: h.said, reply: h.reply, delta: h.delta, value: h.value })),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}
