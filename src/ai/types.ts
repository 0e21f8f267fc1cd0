/**
 * The contract of the AI game master (issue 10). `src/ai` implements it (the
 * model client over the `openai` package, the built-in narrator, the cache,
 * cost control); the narration job processor and the rooms use only these
 * types. Everything here is plain JSON: requests and results cross process
 * boundaries as job payloads and results.
 */

/** What the player is doing, as the built-in narrator classifies free text. */
export const ACTION_TYPES = ['attack', 'defend', 'explore', 'interact', 'magic', 'social', 'move', 'rest', 'other'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const GENRES = ['fantasy', 'sci-fi', 'medieval', 'modern'] as const;
export type Genre = (typeof GENRES)[number];

/** Everything the narrator may use. Built by the room from its live state (never from the model). */
export type NarrationContext = {
  character: {
    id: string;
    name: string;
    characterClass: string;
    level: number;
    hp: number;
    maxHp: number;
    mana: number;
    maxMana: number;
    knownSpells: string[];
  };
  region: {
    worldId: string;
    rx: number;
    rz: number;
    biome: string;
    /** Hours, 0..24. */
    timeOfDay: number;
    /** Strength 0..1 of the nearest leyline, and its id. */
    leyline?: { id: string; strength: number };
    nearbyNpcs: { id: string; kind: string }[];
    nearbyPlayers: string[];
    /** Short texts of recent world events in this region, newest first. */
    recentEvents: string[];
  };
  /** Titles of the character's active quests. */
  quests: string[];
  /** The character's rolling memory summary (agent_memory), '' when none. */
  memory: string;
  /** `talk` only: the NPC spoken to. */
  npc?: {
    id: string;
    kind: string;
    /** From the NPC kind's persona (content). */
    persona: string;
    /** −100..100. */
    relationship: number;
    /** Recent exchanges, oldest first, short. */
    history: string[];
  };
};

export type NarrationRequest = {
  narrationId: string;
  userId: string;
  kind: 'act' | 'talk';
  /** The player's words, as typed (≤ 500 chars). Untrusted: always framed as quoted data. */
  text: string;
  genre: Genre;
  /** Seeds the built-in narrator's choices: same request and seed → same text. */
  seed: number;
  context: NarrationContext;
};

/**
 * Consequences the model may propose (documented in docs/protocol.md). Untrusted:
 * src/game validates each against the rules and applies only what is allowed.
 */
export type OutcomeProposal = {
  items?: { itemId: string; quantity: number }[];
  xp?: number;
  /** `talk` only: change of the character↔NPC relationship. */
  relationship?: number;
  questOffered?: { title: string; description?: string };
  lore?: string[];
};

export const FALLBACK_CAUSES = ['disabled', 'timeout', 'error', 'budget', 'rate_limited', 'bad_output'] as const;
export type FallbackCause = (typeof FALLBACK_CAUSES)[number];

export type NarrationResponse = {
  /** Length-limited, control characters stripped. */
  text: string;
  source: 'llm' | 'fallback';
  /** Why the built-in narrator answered (source 'fallback'). */
  cause?: FallbackCause;
  /** Raw, unvalidated proposal parsed from the model's output (never from the fallback). */
  proposal?: unknown;
  /** Served from the prompt cache. */
  cached?: boolean;
  /** Tokens the model reported (0 for the fallback and cache hits). */
  usage?: { promptTokens: number; completionTokens: number };
  /** A one-line summary to fold into the character's memory. */
  memoryNote?: string;
};

/** The game master a narration job calls. Always resolves, within `LLM_TIMEOUT_MS` + 1 s. */
export interface GameMaster {
  narrate(req: NarrationRequest, onChunk?: (text: string) => void): Promise<NarrationResponse>;
  /** 'disabled' without a configured model; 'ok' / 'degraded' (recent failures) otherwise. */
  health(): 'ok' | 'degraded' | 'disabled';
  /** What GET /api/config/models reports. */
  models(): {
    enabled: boolean;
    model?: string;
    /** Without credentials or query. */
    baseUrl?: string;
    genres: readonly Genre[];
    /** The configured NARRATION_GENRE. */
    genre?: Genre;
    timeoutMs: number;
  };
  close(): Promise<void>;
}
