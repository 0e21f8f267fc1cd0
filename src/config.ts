/**
 * The one typed configuration of Leyline. `loadConfig(process.env)` is called
 * once at boot (src/main.ts, src/worker.ts, src/db/cli.ts); nothing else reads
 * `process.env`. Every variable is documented in `.env.example`.
 */
import path from 'node:path';
import { z } from 'zod';

const DEFAULT_PORT = 2567; // Colyseus' conventional port
const DEFAULT_BCRYPT_COST = 12; // ≈ 195 ms per hash on a 2-core box; 10 in tests
const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini'; // cheap and fast; a local server names its own model
/** The narration genres: src/ai/types.ts `GENRES` (base imports nothing; src/ai checks the two lists agree at compile time). */
export const NARRATION_GENRES = ['fantasy', 'sci-fi', 'medieval', 'modern'] as const;

/** Env values arrive as strings; an empty string means "not set". */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const intInRange = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      if (!/^-?\d+$/.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: `must be an integer, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

const urlWithProtocols = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
  );

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
  PORT: intInRange(0, 65535, DEFAULT_PORT),
  HOST: optionalString.transform((v) => v ?? '0.0.0.0'),
  DATA_DIR: optionalString.transform((v) => path.resolve(v ?? './data')),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']),
  JWT_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters (or unset to generate one in DATA_DIR)',
  }),
  JWT_TTL_S: intInRange(60, 60 * 60 * 24 * 90, 60 * 60 * 24 * 7),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .optional()
    .default('info'),
  BCRYPT_COST: intInRange(4, 15, DEFAULT_BCRYPT_COST),
  PUBLIC_ADDRESS: optionalString.refine((v) => v === undefined || /^[\w.-]+(:\d+)?(\/.*)?$/.test(v), {
    message: 'must be host[:port][/path] as clients reach this process, e.g. "game-1.example.com:2567"',
  }),
  AUTH_RATE_LIMIT_PER_MIN: intInRange(1, 100000, 30),
  // A play is a seat reservation (it may take over a live session): a client needs about one per
  // session. An address may hold many players (a household, a NAT), hence its larger budget.
  PLAY_RATE_LIMIT_PER_MIN: intInRange(1, 100000, 20),
  PLAY_RATE_LIMIT_PER_IP_PER_MIN: intInRange(1, 1_000_000, 120),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{16,256}$/.test(v), {
    message: 'must be 16-256 printable characters without spaces (or unset to leave /metrics open)',
  }),
  EMBEDDED_PG_PORT: intInRange(0, 65535, 0),
  TICK_RATE_HZ: intInRange(1, 120, 20),
  PATCH_RATE_MS: intInRange(10, 1000, 50),
  // At most 5: a client may stand HANDOFF_MARGIN_BLOCKS (32) past its region's border, and its view (the radius plus
  // its own chunk column, 16 blocks each) must end inside the neighbour region, whose room publishes it (rooms/ghosts.ts).
  VIEW_RADIUS_CHUNKS: intInRange(1, 5, 4),
  PERSIST_INTERVAL_MS: intInRange(100, 600_000, 5000),
  RECONNECT_WINDOW_S: intInRange(0, 600, 20),
  DAY_LENGTH_S: intInRange(10, 86_400, 1200),
  REGION_SEATS: intInRange(1, 100_000, 1000),
  CROWD_GATHER_PER_S: intInRange(0, 1000, 25),
  WORKER_CONCURRENCY: intInRange(1, 64, 4),
  JOBS_IN_PROCESS: z.enum(['auto', 'true', 'false']).optional().default('auto'),
  JOBS_LOCK_MS: intInRange(1000, 600_000, 30_000),
  RITUAL_RESULT_GRACE_MS: intInRange(100, 600_000, 30_000),
  JOBS_PREFIX: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,64}$/.test(v), {
    message: 'must be 1-64 of letters, digits, "_" or "-"',
  }),
  // The AI game master (src/ai, docs/ai.md). No OPENAI_API_KEY → the built-in narrator serves everything.
  OPENAI_BASE_URL: urlWithProtocols(['http:', 'https:']),
  OPENAI_API_KEY: optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{1,512}$/.test(v), {
    message: 'must be 1-512 printable characters without spaces (a local server takes any, e.g. "local")',
  }),
  OPENAI_MODEL: optionalString
    .transform((v) => v ?? DEFAULT_OPENAI_MODEL)
    .refine((v) => /^[\x21-\x7e]{1,200}$/.test(v), { message: 'must be 1-200 printable characters without spaces' }),
  LLM_TIMEOUT_MS: intInRange(200, 120_000, 8000),
  LLM_RATE_PER_MIN: intInRange(1, 100_000, 10),
  LLM_DAILY_TOKENS_PER_USER: intInRange(0, 100_000_000, 20_000),
  LLM_CACHE_TTL_S: intInRange(0, 86_400, 300),
  NARRATION_GENRE: z.enum(NARRATION_GENRES).optional().default('fantasy'),
});

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  /** Unset → embedded PostgreSQL in `dataDir/pg`. */
  databaseUrl: string | undefined;
  /** Unset → LocalPresence/LocalDriver and jobs on the PostgreSQL backend. */
  redisUrl: string | undefined;
  /** Unset → generated once and kept in `dataDir/jwt-secret`. */
  jwtSecret: string | undefined;
  jwtTtlS: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bcryptCost: number;
  publicAddress: string | undefined;
  authRateLimitPerMin: number;
  /** `POST /api/play` calls per minute per user, and per client address. */
  playRateLimitPerMin: number;
  playRateLimitPerIpPerMin: number;
  /** Unset → `/metrics` is open; set → it needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** 0 → pick a free port for the embedded PostgreSQL. */
  embeddedPgPort: number;
  /** Region simulation rate; inputs are applied on these ticks. */
  tickRateHz: number;
  /** How often state patches go out, independent of the tick. */
  patchRateMs: number;
  /** Horizontal radius, in chunks, of what a client sees. */
  viewRadiusChunks: number;
  persistIntervalMs: number;
  reconnectWindowS: number;
  /** Real seconds per in-game day (24 h of `timeOfDay`). */
  dayLengthS: number;
  /** Clients one region room takes; a full region refuses /api/play (REGION_FULL) instead of starting a second room. */
  regionSeats: number;
  /**
   * Characters a region room hands over per second to a neighbour that holds more of the crowd around them, so that a
   * crowd formed from several rooms ends in one (src/game/region/crowd.ts); 0 turns it off.
   */
  crowdGatherPerS: number;
  /** Jobs one worker process (or the server's in-process workers) runs at once, per queue. */
  workerConcurrency: number;
  /** Whether the server runs job workers in its own process: 'auto' → only without REDIS_URL (embedded mode). */
  jobsInProcess: 'auto' | 'true' | 'false';
  /** Job lock duration; a job whose worker died or hung is retried after about this long (also the stalled-check interval). */
  jobsLockMs: number;
  /** How long after a ritual's completion time a room waits for the worker's result before computing it itself. */
  ritualResultGraceMs: number;
  /** Namespace of the job queues (Redis key prefix, default "leyline"; a queue-name prefix on PostgreSQL, default none). */
  jobsPrefix: string | undefined;
  /** OpenAI-compatible chat API (…/v1); unset → OpenAI's own. */
  openaiBaseUrl: string | undefined;
  /** Unset → the model is off and the built-in narrator serves (a local server takes any key, e.g. "local"). */
  openaiApiKey: string | undefined;
  openaiModel: string;
  /** The whole model attempt (retries and backoff included); after it the built-in narrator answers. */
  llmTimeoutMs: number;
  /** Model calls per minute per user (in-memory per process); over it the built-in narrator answers. */
  llmRatePerMin: number;
  /** Tokens (prompt + completion) per user per UTC day; 0 → the model is never called. */
  llmDailyTokensPerUser: number;
  /** Identical prompts within this many seconds are answered from the cache; 0 → no cache. */
  llmCacheTtlS: number;
  /** Genre of the narration (the built-in narrator's templates and the model's prompt). */
  narrationGenre: (typeof NARRATION_GENRES)[number];
};

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    jwtSecret: e.JWT_SECRET,
    jwtTtlS: e.JWT_TTL_S,
    logLevel: e.LOG_LEVEL,
    bcryptCost: e.BCRYPT_COST,
    publicAddress: e.PUBLIC_ADDRESS,
    authRateLimitPerMin: e.AUTH_RATE_LIMIT_PER_MIN,
    playRateLimitPerMin: e.PLAY_RATE_LIMIT_PER_MIN,
    playRateLimitPerIpPerMin: e.PLAY_RATE_LIMIT_PER_IP_PER_MIN,
    metricsToken: e.METRICS_TOKEN,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    tickRateHz: e.TICK_RATE_HZ,
    patchRateMs: e.PATCH_RATE_MS,
    viewRadiusChunks: e.VIEW_RADIUS_CHUNKS,
    persistIntervalMs: e.PERSIST_INTERVAL_MS,
    reconnectWindowS: e.RECONNECT_WINDOW_S,
    dayLengthS: e.DAY_LENGTH_S,
    regionSeats: e.REGION_SEATS,
    crowdGatherPerS: e.CROWD_GATHER_PER_S,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobsInProcess: e.JOBS_IN_PROCESS,
    jobsLockMs: e.JOBS_LOCK_MS,
    ritualResultGraceMs: e.RITUAL_RESULT_GRACE_MS,
    jobsPrefix: e.JOBS_PREFIX,
    openaiBaseUrl: e.OPENAI_BASE_URL,
    openaiApiKey: e.OPENAI_API_KEY,
    openaiModel: e.OPENAI_MODEL,
    llmTimeoutMs: e.LLM_TIMEOUT_MS,
    llmRatePerMin: e.LLM_RATE_PER_MIN,
    llmDailyTokensPerUser: e.LLM_DAILY_TOKENS_PER_USER,
    llmCacheTtlS: e.LLM_CACHE_TTL_S,
    narrationGenre: e.NARRATION_GENRE,
  };
}
