/**
 * What the game master reports to /metrics: a port (so src/ai needs no
 * registry of its own) and its prom-client adapter on the process registry
 * (`createLlmMetrics(metrics.registry)`, wired by the entry).
 *
 *   leyline_llm_requests_total{result}   model calls: ok | error | timeout | bad_output
 *   leyline_llm_tokens_total{kind}       prompt | completion, as reported (or estimated)
 *   leyline_llm_cache_total{result}      hit | miss  (hit rate = hit / (hit + miss))
 *   leyline_llm_fallbacks_total{cause}   the built-in narrator answered, by FallbackCause
 *   leyline_llm_latency_seconds          wall time of one model attempt (retries included)
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { FallbackCause } from './types.js';

export type ModelResult = 'ok' | 'error' | 'timeout' | 'bad_output';

export interface LlmMetrics {
  request(result: ModelResult, seconds: number): void;
  tokens(prompt: number, completion: number): void;
  cache(hit: boolean): void;
  fallback(cause: FallbackCause): void;
}

export const noLlmMetrics: LlmMetrics = { request() {}, tokens() {}, cache() {}, fallback() {} };

export function createLlmMetrics(registry: Registry): LlmMetrics {
  const requests = new Counter({ name: 'leyline_llm_requests_total', help: 'Model calls of the AI game master, by result', labelNames: ['result'] as const, registers: [registry] });
  const tokens = new Counter({ name: 'leyline_llm_tokens_total', help: 'Tokens the model reported (estimated when it reports none)', labelNames: ['kind'] as const, registers: [registry] });
  const cache = new Counter({ name: 'leyline_llm_cache_total', help: 'Prompt cache lookups, by result (hit rate = hit / (hit + miss))', labelNames: ['result'] as const, registers: [registry] });
  const fallbacks = new Counter({ name: 'leyline_llm_fallbacks_total', help: 'Narrations answered by the built-in narrator, by cause', labelNames: ['cause'] as const, registers: [registry] });
  const latency = new Histogram({
    name: 'leyline_llm_latency_seconds',
    help: 'Wall time of one model attempt, retries and backoff included',
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers: [registry],
  });
  return {
    request(result, seconds) {
      requests.inc({ result });
      latency.observe(seconds);
    },
    tokens(prompt, completion) {
      if (prompt > 0) tokens.inc({ kind: 'prompt' }, prompt);
      if (completion > 0) tokens.inc({ kind: 'completion' }, completion);
    },
    cache(hit) {
      cache.inc({ result: hit ? 'hit' : 'miss' });
    },
    fallback(cause) {
      fallbacks.inc({ cause });
    },
  };
}
