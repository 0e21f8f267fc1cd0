/**
 * The AI game master (issue 10; docs/ai.md): `createGameMaster` implements
 * the GameMaster of src/ai/types.ts over any OpenAI-compatible model, with
 * the built-in narrator (src/ai/narrator.ts) as the default and as the
 * fallback for every failure. `narrate` never rejects and always resolves
 * within `LLM_TIMEOUT_MS` + 1 s.
 *
 * Order of a narration: model off → built-in ('disabled'); prompt cache hit →
 * the cached model text; per-user calls per minute → 'rate_limited'; daily
 * tokens → 'budget'; the model (streamed, retried inside the deadline) →
 * 'timeout' / 'error' / 'bad_output' when it fails; usage recorded; cached.
 */
import type { Config, NARRATION_GENRES } from '../config.js';
import type { Logger } from '../log.js';
import { TtlLru, promptKey } from './cache.js';
import { CallsPerMinute } from './limits.js';
import { type LlmMetrics, type ModelResult, noLlmMetrics } from './metrics.js';
import { ModelFailure, OPENAI_DEFAULT_BASE_URL, createModelClient, type ModelClient } from './model.js';
import { builtInNarration } from './narrator.js';
import { MAX_OUTPUT_CHARS, ProseStream, buildMessages, capText, parseModelOutput, stripControl } from './prompt.js';
import { GENRES, type FallbackCause, type GameMaster, type Genre, type NarrationRequest, type NarrationResponse } from './types.js';
import { utcDay, type UsageStore } from './usage.js';

export * from './types.js';
export { builtInNarration, classifyAction, relationshipTier, timeOfDayWords, RELATIONSHIP_TIERS, type RelationshipTier, type BuiltInNarration } from './narrator.js';
export { buildMessages, parseModelOutput, MAX_OUTPUT_CHARS, MAX_PLAYER_CHARS, type ChatMessage, type ParsedOutput } from './prompt.js';
export { createPgUsageStore, createMemoryUsageStore, utcDay, type UsageStore, type TokenUsage } from './usage.js';
export { createLlmMetrics, noLlmMetrics, type LlmMetrics, type ModelResult } from './metrics.js';

// src/config.ts keeps its own copy of the genre list (base imports nothing): the two must agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const genresAgree: Same<(typeof NARRATION_GENRES)[number], Genre> = true;
void genresAgree;

/** The settings the game master reads (src/config.ts, documented in .env.example). */
export type LlmConfig = Pick<
  Config,
  'openaiBaseUrl' | 'openaiApiKey' | 'openaiModel' | 'llmTimeoutMs' | 'llmRatePerMin' | 'llmDailyTokensPerUser' | 'llmCacheTtlS' | 'narrationGenre'
>;

export type GameMasterTuning = {
  /** Prose returned to the player, in characters. */
  maxOutputChars: number;
  /** Completion tokens asked of the model at most. */
  maxTokens: number;
  /** Prompt cache entries (LRU). */
  cacheEntries: number;
  /** First retry backoff, doubled per retry (≤ 2 s). */
  retryBaseMs: number;
  /** Past the model deadline, what the rest (usage write, fallback) may take; < 1000 keeps the contract's bound. */
  graceMs: number;
};

const DEFAULT_TUNING: GameMasterTuning = { maxOutputChars: MAX_OUTPUT_CHARS, maxTokens: 400, cacheEntries: 1000, retryBaseMs: 250, graceMs: 750 };
/** health() is 'degraded' when at least DEGRADED_FAILURES of the last HEALTH_WINDOW model attempts failed. */
const HEALTH_WINDOW = 5;
const DEGRADED_FAILURES = 3;

export type GameMasterOptions = {
  config: LlmConfig;
  log: Logger;
  /** Daily token budget: createPgUsageStore(orm) (shared) or createMemoryUsageStore() (this process). */
  usage: UsageStore;
  /** createLlmMetrics(registry) where the process has a /metrics registry. */
  metrics?: LlmMetrics;
  /** Epoch ms; the rate limit, cache TTL and UTC day follow it. */
  now?: () => number;
  tuning?: Partial<GameMasterTuning>;
};

type Cached = { text: string; memoryNote?: string };

/** Whether the model is on: an API key is configured (any non-empty value; local servers ignore it). */
export function modelEnabled(config: Pick<Config, 'openaiApiKey'>): boolean {
  return !!config.openaiApiKey;
}

/** The base URL without credentials, for logs and GET /api/config/models. */
export function publicBaseUrl(config: Pick<Config, 'openaiBaseUrl'>): string {
  try {
    const u = new URL(config.openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return OPENAI_DEFAULT_BASE_URL;
  }
}

/** One line saying who narrates, for the boot log. */
export function describeGameMaster(config: LlmConfig): string {
  return modelEnabled(config)
    ? `AI game master: model "${config.openaiModel}" at ${publicBaseUrl(config)} (timeout ${config.llmTimeoutMs} ms, built-in narrator as fallback)`
    : 'AI game master: no OPENAI_API_KEY configured, the built-in narrator is serving every narration';
}

let announced = false;

export function createGameMaster(opts: GameMasterOptions): GameMaster {
  const { config, usage } = opts;
  const log = opts.log.child({ module: 'ai' });
  const now = opts.now ?? Date.now;
  const tuning: GameMasterTuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const metrics = opts.metrics ?? noLlmMetrics;
  const enabled = modelEnabled(config);
  const timeoutMs = config.llmTimeoutMs;

  if (!announced) {
    announced = true;
    log.info({ llm: enabled ? 'enabled' : 'disabled', model: enabled ? config.openaiModel : undefined }, describeGameMaster(config));
  }

  const model: ModelClient | undefined = enabled
    ? createModelClient({
        baseUrl: config.openaiBaseUrl,
        apiKey: config.openaiApiKey!,
        model: config.openaiModel,
        log,
        now,
        maxTokens: tuning.maxTokens,
        retryBaseMs: tuning.retryBaseMs,
      })
    : undefined;
  const cache = new TtlLru<Cached>(tuning.cacheEntries, config.llmCacheTtlS * 1000, now);
  const rate = new CallsPerMinute(config.llmRatePerMin, now);
  const recent: boolean[] = []; // last model attempts: true = failed
  const inFlight = new Set<AbortController>();
  const pendingWrites = new Set<Promise<void>>();
  let closed = false;

  function noteAttempt(result: ModelResult, startedAt: number): void {
    metrics.request(result, (now() - startedAt) / 1000);
    recent.push(result !== 'ok');
    if (recent.length > HEALTH_WINDOW) recent.shift();
  }

  function fallback(req: NarrationRequest, cause: FallbackCause): NarrationResponse {
    metrics.fallback(cause);
    let b: { text: string; memoryNote: string };
    try {
      b = builtInNarration(req);
    } catch (err) {
      // A request the narrator cannot read (it arrived as a job payload): still an answer.
      log.warn({ err, narrationId: req?.narrationId }, 'built-in narrator failed on a malformed request');
      b = { text: 'The world holds its breath for a moment, and nothing seems to happen.', memoryNote: '' };
    }
    const text = capText(stripControl(b.text), tuning.maxOutputChars);
    return { text, source: 'fallback', cause, usage: { promptTokens: 0, completionTokens: 0 }, ...(b.memoryNote ? { memoryNote: b.memoryNote } : {}) };
  }

  /** Resolves to `fallback` if `p` has not settled by `at` (epoch ms); `p` keeps running. */
  function before<T>(p: Promise<T>, at: number, fallbackValue: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      const t = setTimeout(() => resolve(fallbackValue()), Math.max(0, at - now()));
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(t);
          log.error({ err }, 'narration failed unexpectedly');
          resolve(fallbackValue());
        },
      );
    });
  }

  async function viaModel(req: NarrationRequest, onChunk: ((text: string) => void) | undefined, startedAt: number): Promise<NarrationResponse> {
    const messages = buildMessages(req);
    const key = promptKey(config.openaiModel, messages);
    if (config.llmCacheTtlS > 0) {
      const hit = cache.get(key);
      metrics.cache(!!hit);
      if (hit) {
        // No proposal from the cache: repeating the same words must not repeat their rewards.
        return { text: hit.text, source: 'llm', cached: true, usage: { promptTokens: 0, completionTokens: 0 }, ...(hit.memoryNote ? { memoryNote: hit.memoryNote } : {}) };
      }
    }
    const limit = config.llmDailyTokensPerUser;
    if (limit <= 0) return fallback(req, 'budget');
    if (!rate.take(req.userId)) return fallback(req, 'rate_limited');

    const day = utcDay(now());
    const deadline = startedAt + timeoutMs;
    const spent = await before(
      usage.tokensToday(req.userId, day).catch((err: unknown) => {
        // The per-minute limit still bounds spending while the store is down.
        log.warn({ err }, 'token usage unavailable; allowing the model call');
        return 0;
      }),
      deadline,
      () => Infinity,
    );
    if (spent === Infinity) return fallback(req, 'timeout');
    if (spent >= limit) return fallback(req, 'budget');

    const ac = new AbortController();
    inFlight.add(ac);
    const timer = setTimeout(() => ac.abort(), Math.max(0, deadline - now()));
    const prose = new ProseStream((t) => {
      try {
        onChunk?.(t);
      } catch (err) {
        log.warn({ err }, 'onChunk threw');
      }
    }, tuning.maxOutputChars);
    const modelStart = now();
    try {
      const out = await model!.complete({ messages, signal: ac.signal, deadline, onDelta: onChunk ? (d) => prose.push(d) : undefined });
      const parsed = parseModelOutput(out.raw, tuning.maxOutputChars);
      // Waited for (within the bound) so that the user's next narration sees it.
      await before(record(req.userId, day, out.usage), deadline + tuning.graceMs - 100, () => undefined);
      if (!parsed.text) {
        noteAttempt('bad_output', modelStart);
        log.warn({ narrationId: req.narrationId, chars: out.raw.length }, 'model answered without narration');
        return fallback(req, 'bad_output');
      }
      noteAttempt('ok', modelStart);
      if (parsed.proposalError) log.warn({ narrationId: req.narrationId, reason: parsed.proposalError }, 'model proposal dropped');
      const memoryNote = parsed.memoryNote ?? safeMemoryNote(req);
      cache.set(key, { text: parsed.text, memoryNote });
      return {
        text: parsed.text,
        source: 'llm',
        usage: out.usage,
        ...(parsed.proposal ? { proposal: parsed.proposal } : {}),
        ...(memoryNote ? { memoryNote } : {}),
      };
    } catch (err) {
      const kind = err instanceof ModelFailure ? err.kind : 'error';
      noteAttempt(kind, modelStart);
      log.warn({ narrationId: req.narrationId, err: err instanceof Error ? err.message : String(err), streamed: prose.started }, `model ${kind}; the built-in narrator answers`);
      // Chunks already sent are replaced on the client by the final narration, which is the fallback's.
      return fallback(req, kind);
    } finally {
      clearTimeout(timer);
      inFlight.delete(ac);
    }
  }

  function safeMemoryNote(req: NarrationRequest): string | undefined {
    try {
      return builtInNarration(req).memoryNote || undefined;
    } catch {
      return undefined;
    }
  }

  /** Adds usage to the day's budget; never rejects. close() waits for writes still running. */
  function record(userId: string, day: string, u: { promptTokens: number; completionTokens: number }): Promise<void> {
    metrics.tokens(u.promptTokens, u.completionTokens);
    const w: Promise<void> = usage
      .add(userId, day, u)
      .catch((err: unknown) => log.warn({ err }, 'could not record token usage'))
      .finally(() => pendingWrites.delete(w));
    pendingWrites.add(w);
    return w;
  }

  return {
    async narrate(req, onChunk) {
      const startedAt = now();
      if (!enabled || closed) return fallback(req, 'disabled');
      const work = viaModel(req, onChunk, startedAt).catch((err: unknown) => {
        // Only a request it cannot read (say, a job payload without context) gets here.
        log.warn({ err, narrationId: req?.narrationId }, 'narration request unusable; the built-in narrator answers');
        return fallback(req, 'error');
      });
      return before(work, startedAt + timeoutMs + tuning.graceMs, () => fallback(req, 'timeout'));
    },

    health() {
      if (!enabled) return 'disabled';
      return recent.filter(Boolean).length >= DEGRADED_FAILURES ? 'degraded' : 'ok';
    },

    models() {
      return {
        enabled,
        ...(enabled ? { model: config.openaiModel, baseUrl: publicBaseUrl(config) } : {}),
        genres: GENRES,
        genre: config.narrationGenre,
        timeoutMs,
      };
    },

    async close() {
      closed = true;
      for (const ac of inFlight) ac.abort();
      await Promise.all(pendingWrites);
      cache.clear();
    },
  };
}
