/**
 * Token usage per user and UTC day: the daily budget of the game master. A
 * port with two adapters: PostgreSQL (table llm_usage, shared by every
 * process) and memory (a worker with no database, and the pure tests).
 */
import type { Orm } from '../db/orm.js';

export type TokenUsage = { promptTokens: number; completionTokens: number };

export interface UsageStore {
  /** Prompt + completion tokens the user spent on `day` ('YYYY-MM-DD', UTC); 0 when none. */
  tokensToday(userId: string, day: string): Promise<number>;
  /** Adds one model call's usage (a bare number counts as completion tokens). */
  add(userId: string, day: string, tokens: number | TokenUsage): Promise<void>;
}

/** 'YYYY-MM-DD' of the UTC day of an epoch-ms instant. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function split(tokens: number | TokenUsage): TokenUsage {
  const t = typeof tokens === 'number' ? { promptTokens: 0, completionTokens: tokens } : tokens;
  const clean = (n: number) => (Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 100_000_000) : 0);
  return { promptTokens: clean(t.promptTokens), completionTokens: clean(t.completionTokens) };
}

/** llm_usage in PostgreSQL: one row per (user, day), added to atomically. */
export function createPgUsageStore(orm: Orm): UsageStore {
  return {
    async tokensToday(userId, day) {
      const rows = await orm.em
        .fork()
        .getConnection()
        .execute<{ tokens: string | number }[]>(
          'select prompt_tokens + completion_tokens as tokens from llm_usage where user_id = ? and day = ?',
          [userId, day],
        );
      return rows.length ? Number(rows[0]!.tokens) : 0;
    },
    async add(userId, day, tokens) {
      const t = split(tokens);
      await orm.em
        .fork()
        .getConnection()
        .execute(
          `insert into llm_usage as u (user_id, day, prompt_tokens, completion_tokens, requests) values (?, ?, ?, ?, 1)
           on conflict (user_id, day) do update set
             prompt_tokens = u.prompt_tokens + excluded.prompt_tokens,
             completion_tokens = u.completion_tokens + excluded.completion_tokens,
             requests = u.requests + excluded.requests`,
          [userId, day, t.promptTokens, t.completionTokens],
        );
    },
  };
}

/** In-process usage: per process, lost on restart. Days other than the latest are dropped as it moves on. */
export function createMemoryUsageStore(): UsageStore {
  const byDay = new Map<string, Map<string, number>>();
  return {
    async tokensToday(userId, day) {
      return byDay.get(day)?.get(userId) ?? 0;
    },
    async add(userId, day, tokens) {
      const t = split(tokens);
      if (!byDay.has(day)) {
        for (const d of byDay.keys()) if (d < day) byDay.delete(d);
        byDay.set(day, new Map());
      }
      const m = byDay.get(day)!;
      m.set(userId, (m.get(userId) ?? 0) + t.promptTokens + t.completionTokens);
    },
  };
}
