/**
 * One model attempt over the `openai` package against any OpenAI-compatible
 * chat completions server: streamed when the server streams, retried with
 * exponential backoff on 429, 408, 5xx and network errors, everything inside
 * one deadline. The SDK's own retries and timeout are off: this loop owns
 * them, and an AbortSignal ends the socket at the deadline.
 */
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { Logger } from '../log.js';
import type { ChatMessage } from './prompt.js';
import type { TokenUsage } from './usage.js';

export type ModelClientOptions = {
  /** …/v1 of an OpenAI-compatible server; undefined → OpenAI. */
  baseUrl: string | undefined;
  apiKey: string;
  model: string;
  log: Logger;
  now: () => number;
  /** Completion tokens asked for at most. */
  maxTokens: number;
  /** First backoff; doubled per retry, capped at MAX_BACKOFF_MS. */
  retryBaseMs: number;
};

export type ModelCall = {
  messages: ChatMessage[];
  /** Aborted at the deadline (or on close). */
  signal: AbortSignal;
  /** Epoch ms (in `now()`'s clock) by which the attempt must be over. */
  deadline: number;
  /** Each text delta as it arrives (streaming only). */
  onDelta?: (text: string) => void;
};

export type ModelOutput = {
  raw: string;
  usage: TokenUsage;
  /** False when the server reported no usage and it was estimated (≈ 4 characters a token). */
  usageReported: boolean;
  streamed: boolean;
  attempts: number;
};

/** Why a model attempt gave up. */
export class ModelFailure extends Error {
  constructor(readonly kind: 'timeout' | 'error', message: string, readonly status?: number) {
    super(message);
    this.name = 'ModelFailure';
  }
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const MAX_BACKOFF_MS = 2000;
/** A retry that would have less time than this before the deadline is not started. */
const MIN_ATTEMPT_MS = 100;
/** Statuses with which a server may refuse `stream: true` (bad request, unsupported media, unprocessable). */
const STREAM_REFUSED: readonly number[] = [400, 415, 422];

export type ModelClient = { complete(call: ModelCall): Promise<ModelOutput> };

export function createModelClient(o: ModelClientOptions): ModelClient {
  const client = new OpenAI({
    // Everything explicit: the SDK would otherwise read OPENAI_* from process.env (config is read once, in src/config.ts).
    apiKey: o.apiKey,
    baseURL: o.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    organization: null,
    project: null,
    webhookSecret: null,
    adminAPIKey: null,
    maxRetries: 0,
    logger: o.log.child({ module: 'openai' }),
    logLevel: 'warn',
  });
  /** Learned per process: a server that refused `stream: true` is asked without it from then on. */
  let streamWorks = true;

  async function once(call: ModelCall, stream: boolean, onRaw: (d: string) => void): Promise<Omit<ModelOutput, 'attempts'>> {
    const remaining = Math.max(1, call.deadline - o.now());
    // The SDK's timeout is a backstop only: the caller's signal fires first.
    const reqOpts = { signal: call.signal, maxRetries: 0, timeout: remaining + 1000 };
    const promptChars = call.messages.reduce((n, m) => n + m.content.length, 0);
    if (!stream) {
      const completion = await client.chat.completions.create(
        { model: o.model, messages: call.messages, max_tokens: o.maxTokens, stream: false },
        reqOpts,
      );
      return fromCompletion(completion, promptChars);
    }
    const { data, response } = await client.chat.completions
      .create({ model: o.model, messages: call.messages, max_tokens: o.maxTokens, stream: true, stream_options: { include_usage: true } }, reqOpts)
      .withResponse();
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      // Asked to stream, the server answered with one JSON completion (the body is not read yet: the stream is lazy).
      return fromCompletion((await response.json()) as unknown, promptChars);
    }
    let raw = '';
    let usage: TokenUsage | undefined;
    let finished = false;
    for await (const chunk of data) {
      const choice = chunk?.choices?.[0];
      const delta = choice?.delta?.content;
      if (typeof delta === 'string' && delta) {
        raw += delta;
        onRaw(delta);
      }
      if (choice?.finish_reason) finished = true;
      if (chunk?.usage) usage = usageOf(chunk.usage);
    }
    // The SDK ends the iteration quietly when the request is aborted: a cut-off stream is no answer.
    if (call.signal.aborted) throw new ModelFailure('timeout', 'deadline reached while streaming');
    if (!finished) throw new ModelFailure('error', 'the stream ended before a finish_reason');
    return { raw, usage: usage ?? estimate(promptChars, raw), usageReported: !!usage, streamed: true };
  }

  return {
    async complete(call) {
      let attempts = 0;
      let stream = streamWorks;
      let streamFallbackTried = false;
      for (;;) {
        if (call.signal.aborted || o.now() >= call.deadline) throw new ModelFailure('timeout', 'deadline reached');
        attempts += 1;
        let gotDelta = false;
        try {
          const out = await once(call, stream, (d) => {
            gotDelta = true;
            call.onDelta?.(d);
          });
          if (streamFallbackTried) streamWorks = false; // refused streaming, answered without: remember
          return { ...out, attempts };
        } catch (err) {
          if (call.signal.aborted || err instanceof APIUserAbortError) throw new ModelFailure('timeout', 'deadline reached');
          if (err instanceof ModelFailure) throw err;
          const status = err instanceof APIError ? err.status : undefined;
          // A server that refuses streaming answers 4xx to `stream: true`: ask once more without it.
          if (stream && !gotDelta && !streamFallbackTried && status !== undefined && STREAM_REFUSED.includes(status)) {
            stream = false;
            streamFallbackTried = true;
            o.log.debug({ status }, 'model refused a streamed request; retrying without streaming');
            continue;
          }
          const retryable =
            status === 408 || status === 429 || (status !== undefined && status >= 500) || (status === undefined && err instanceof APIConnectionError);
          const message = errorMessage(err);
          // After text was streamed a retry would stream it again: the caller falls back instead.
          if (!retryable || gotDelta) throw new ModelFailure('error', message, status);
          const wait = backoffMs(o.retryBaseMs, attempts, err);
          if (o.now() + wait + MIN_ATTEMPT_MS >= call.deadline) throw new ModelFailure('error', `${message} (no time left to retry)`, status);
          o.log.debug({ status, attempt: attempts, waitMs: wait }, 'model call failed; retrying');
          await sleep(wait, call.signal);
        }
      }
    },
  };

  function fromCompletion(body: unknown, promptChars: number): Omit<ModelOutput, 'attempts'> {
    const b = body as { choices?: { message?: { content?: unknown } }[]; usage?: unknown } | null;
    const content = b?.choices?.[0]?.message?.content;
    const raw = typeof content === 'string' ? content : '';
    const usage = b?.usage ? usageOf(b.usage) : undefined;
    return { raw, usage: usage ?? estimate(promptChars, raw), usageReported: !!usage, streamed: false };
  }
}

function usageOf(u: unknown): TokenUsage | undefined {
  const x = u as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined);
  const p = n(x?.prompt_tokens);
  const c = n(x?.completion_tokens);
  return p === undefined && c === undefined ? undefined : { promptTokens: p ?? 0, completionTokens: c ?? 0 };
}

/** ≈ 4 characters a token: the budget still counts against a server that reports no usage. */
function estimate(promptChars: number, raw: string): TokenUsage {
  return { promptTokens: Math.ceil(promptChars / 4), completionTokens: Math.ceil(raw.length / 4) };
}

function backoffMs(baseMs: number, attempt: number, err: unknown): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  const jittered = exp * (0.8 + Math.random() * 0.4);
  // A 429's Retry-After (seconds) is honoured when it is longer; the deadline check decides whether it fits.
  const ra = err instanceof APIError ? Number(err.headers?.get?.('retry-after')) : NaN;
  return Math.round(Number.isFinite(ra) && ra > 0 ? Math.max(jittered, ra * 1000) : jittered);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorMessage(err: unknown): string {
  if (err instanceof APIError) return `${err.status ?? 'connection'}: ${err.message}`.slice(0, 300);
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 300);
}
