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

  async loadContext(q: { characterId: string; worldId: string; rx: number; rz: number; npcKey?: string; now?: Date }): Promise<StoredContext> {
    const out: StoredContext = { memory: '', quests: [], recentEvents: [], relationship: 0, history: [] };
    if (!UUID.test(q.characterId) || !UUID.test(q.worldId)) return out;
    const em = this.em();
    const memory = await em.execute<{ content: string }[]>(
      `select m.content from agent_memory m join ai_agents a on a.id = m.agent_id
        where a.world_id = ? and a.name = ? order by m.created_at desc, m.id desc limit ?`,
      [q.worldId, agentName(q.characterId), MEMORY_ROWS_KEPT],
    );
    const lines: string[] = [];
    let size = 0;
    for (const { content } of memory) {
      if (size + content.length + 1 > MEMORY_SUMMARY_CHARS) break;
      lines.push(content);
      size += content.length + 1;
    }
    out.memory = lines.reverse().join('\n');
    const quests = await em.execute<{ title: string }[]>(
      `select q.title from quest_progress p join quests q on q.id = p.quest_id
        where p.character_id = ? and p.status = 'active' order by p.started_at desc limit 10`,
      [q.characterId],
    );
    out.quests = quests.map((r) => r.title);
    const since = new Date((q.now ?? new Date()).getTime() - EVENTS_WINDOW_MS);
    const events = await em.execute<{ kind: string; text: string | null }[]>(
      `select kind, data->>'text' as text from world_events
        where world_id = ? and rx = ? and rz = ? and starts_at >= ? order by starts_at desc limit ?`,
      [q.worldId, q.rx, q.rz, since, EVENTS_IN_CONTEXT],
    );
    out.recentEvents = events.map((e) => cut(e.text || e.kind, 160));
    if (q.npcKey) {
      const [rel] = await em.execute<{ value: number }[]>(
        'select value from character_relationships where character_id = ? and npc_key = ? and kind = ?',
        [q.characterId, q.npcKey, RELATIONSHIP_KIND],
      );
      out.relationship = rel ? Number(rel.value) : 0;
      const history = await em.execute<{ said: string; reply: string; delta: number }[]>(
        `select said, reply, delta from npc_interactions where character_id = ? and npc_key = ?
          order by created_at desc limit ?`,
        [q.characterId, q.npcKey, HISTORY_IN_CONTEXT],
      );
      out.history = history.reverse().map((h) => `Player: "${cut(h.said, 120)}" — NPC: "${cut(h.reply, 120)}" (${h.delta >= 0 ? '+' : ''}${h.delta})`);
    }
    return out;
  }

  /** Writes one narration's memory, relationship and history in one transaction, once per narration id. */
  async record(r: NarrationRecord): Promise<RecordResult> {
    if (!UUID.test(r.narrationId) || !UUID.test(r.characterId) || !UUID.test(r.worldId)) return { recorded: false };
    return this.em().transactional(async (tx) => {
      const [agent] = await tx.execute<{ id: string }[]>(
        `insert into ai_agents (id, world_id, name, kind, personality, state, created_at, updated_at)
         values (?, ?, ?, ?, '{}', ?::jsonb, now(), now())
         on conflict (world_id, name) do update set updated_at = now() returning id`,
        [randomUUID(), r.worldId, agentName(r.characterId), MEMORY_AGENT_KIND, JSON.stringify({ characterId: r.characterId })],
      );
      const agentId = agent!.id;
      const inserted = await tx.execute<{ id: string }[]>(
        `insert into agent_memory (id, agent_id, kind, content, importance, created_at) values (?, ?, 'note', ?, 0.5, now())
         on conflict (id) do nothing returning id`,
        [r.narrationId, agentId, cut(r.note, MEMORY_NOTE_CHARS)],
      );
      if (inserted.length === 0) return { recorded: false };
      // Later rows of the same narration sort after its note.
      const extra: [string, string, number][] = [];
      if (r.questOffered) extra.push(['quest_offer', cut(`Offered a quest: ${r.questOffered.title}${r.questOffered.description ? ` — ${r.questOffered.description}` : ''}`, 400), 0.8]);
      for (const l of r.lore ?? []) extra.push(['lore', cut(`Learned: ${l}`, 400), 0.7]);
      for (const [kind, content, importance] of extra) {
        await tx.execute(
          `insert into agent_memory (id, agent_id, kind, content, importance, created_at) values (?, ?, ?, ?, ?, clock_timestamp())`,
          [randomUUID(), agentId, kind, content, importance],
        );
      }
      await tx.execute(
        `delete from agent_memory where agent_id = ? and id not in (
           select id from agent_memory where agent_id = ? order by created_at desc, id desc limit ?)`,
        [agentId, agentId, MEMORY_ROWS_KEPT],
      );
      let relationship: RecordResult['relationship'];
      if (r.talk) {
        const t = r.talk;
        const [row] = await tx.execute<{ value: number }[]>(
          'select value from character_relationships where character_id = ? and npc_key = ? and kind = ? for update',
          [r.characterId, t.npcId, RELATIONSHIP_KIND],
        );
        relationship = t.step(row ? Number(row.value) : 0);
        await tx.execute(
          `insert into character_relationships (id, character_id, npc_key, npc_kind, kind, value, updated_at) values (?, ?, ?, ?, ?, ?, now())
           on conflict (character_id, npc_key, kind) do update set value = excluded.value, npc_kind = excluded.npc_kind, updated_at = now()`,
          [randomUUID(), r.characterId, t.npcId, t.npcKind, RELATIONSHIP_KIND, relationship.value],
        );
        await tx.execute(
          `insert into npc_interactions (narration_id, character_id, npc_key, npc_kind, said, reply, delta, value, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, now())`,
          [r.narrationId, r.characterId, t.npcId, t.npcKind, cut(t.said, 500), cut(t.reply, 300), relationship.delta, relationship.value],
        );
      }
      return { recorded: true, relationship };
    });
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
