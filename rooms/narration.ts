/**
 * The game master in region rooms (issue 10; docs/protocol.md, "Game master"):
 * `act {text}` and `talk {npcId, text}` become narration jobs; their chunks
 * and their one final `narration` reach the player wherever the character is
 * live by then — this room, another room of this process, or a room on
 * another process — and the room holding it applies the validated outcome.
 *
 * Two parts:
 *  - NarrationHub, one per server process (built by src/server.ts): the
 *    per-character limits (presence: they follow a character across rooms and
 *    processes), the subscription to the characters' presence channels (live
 *    chunks), the queue's result path (finals), and the routing of both to the
 *    room of this process that holds the character.
 *  - RoomNarration, one per room: the handlers (validation, checks, context
 *    from live state, the job), and delivery into the room: xp onto the live
 *    character, items written through (idempotency key = narration id), then
 *    the `narration` message.
 *
 * Exactly once: a request puts its id in the character's in-flight hash in
 * presence; the room that delivers takes it out first (HDEL is atomic) and only
 * the one that removed it applies and sends. A final that finds no room holding
 * the character in this process waits HANDOFF_BUFFER_MS for it to arrive (a
 * handoff under way); past that it is dropped. Nothing here runs in the tick.
 */
import type { Client, Presence } from '@colyseus/core';
import { z } from 'zod';
import { effectiveMaxMana } from '../src/game/corruption.js';
import { distanceToSegment } from '../src/game/leylines.js';
import { canTalkTo, nearbyNpcs, nearbyPlayers, NARRATION_TEXT_MAX, NARRATIONS_IN_FLIGHT, NARRATIONS_PER_MINUTE, narrationWindow } from '../src/game/narration.js';
import { cleanText, regionLootItems } from '../src/game/outcomes.js';
import { hashString } from '../src/game/random.js';
import type { MagicCatalogue, RegionSim } from '../src/game/region/index.js';
import { refuse, type Refusal } from '../src/game/types.js';
import type { Reply } from '../src/game/region/index.js';
import {
  GENRES,
  isJobFailure,
  narrationChannel,
  type Genre,
  type JobOutcome,
  type NarrationMessage,
  type NarrationPayload,
  type NarrationResult,
} from '../src/jobs/index.js';
import type { Logger } from '../src/log.js';
import { BIOME_NAMES, biomeAt } from '../src/world/index.js';
import type { RegionWriter, RoomJobs } from './ports.js';

/** A final whose character is in no room of this process waits this long for it (a handoff takes a few hundred ms). */
export const HANDOFF_BUFFER_MS = 15_000;
const BUFFER_MAX = 1000;
/** No final this long after the request (a job lost, no worker running): the requesting process sends the fallback line. */
export const NARRATION_DEADLINE_MS = 75_000;
/** An in-flight entry older than this is stale (its process died): it no longer blocks the character. */
const IN_FLIGHT_STALE_MS = NARRATION_DEADLINE_MS + 15_000;
const SWEEP_MS = 10_000;
const RATE_KEY_TTL_S = 120;
/** What the player reads when the job failed or never answered. */
export const SILENT_NARRATION = 'The world holds its breath; nothing answers this time.';

const IN_FLIGHT = (characterId: string) => `leyline:narrating:${characterId}`;
const RATE = (characterId: string) => `leyline:narration-rate:${characterId}`;

const text = z
  .string()
  .max(NARRATION_TEXT_MAX, `at most ${NARRATION_TEXT_MAX} characters`)
  .transform(cleanText)
  .pipe(z.string().min(1, 'text is empty'));
export const actMsg = z.object({ text }).strict();
export const talkMsg = z.object({ npcId: z.string().regex(/^[a-z0-9_:,-]{1,64}$/, 'not an npc id'), text }).strict();

/** What the hub needs of a room. */
export type NarrationSink = {
  /** The character is in this room and taking inputs (not mid-handoff). */
  holds(characterId: string): boolean;
  chunk(characterId: string, narrationId: string, text: string): void;
  final(result: NarrationResult): void;
};

export type NarrationHubDeps = {
  presence: Presence;
  jobs: RoomJobs | undefined;
  log: Logger;
  now?: () => number;
};

/** Per process: limits, channels, result routing. See the file comment. */
export class NarrationHub {
  private readonly sinks = new Set<NarrationSink>();
  private readonly subscribed = new Set<string>();
  private readonly buffered = new Map<string, { result: NarrationResult; until: number }>();
  /** Requests made in this process, for failures and deadlines: narrationId → character and deadline timer. */
  private readonly requested = new Map<string, { characterId: string; timer: NodeJS.Timeout }>();
  private readonly admitting = new Set<string>();
  /** Rate keys this process wrote: deleted on close (LocalPresence keeps a live timer per key that would hold the process open). */
  private readonly rateKeys = new Set<string>();
  private readonly stopResults: (() => void) | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  private readonly onMessage = (m: NarrationMessage) => this.message(m);

  constructor(private readonly deps: NarrationHubDeps) {
    this.stopResults = deps.jobs?.onResult('narration', (jobId, outcome) => this.outcome(jobId, outcome));
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS).unref();
  }

  get available(): boolean {
    return !!this.deps.jobs && !this.closed;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  attach(sink: NarrationSink): void {
    this.sinks.add(sink);
  }

  detach(sink: NarrationSink): void {
    this.sinks.delete(sink);
  }

  private holder(characterId: string): NarrationSink | undefined {
    for (const s of this.sinks) if (s.holds(characterId)) return s;
    return undefined;
  }

  /** A character came into a room of this process: listen to its channel, hand it what waited for it. */
  async joined(characterId: string): Promise<void> {
    if (this.closed) return;
    if (!this.subscribed.has(characterId)) {
      this.subscribed.add(characterId);
      await this.deps.presence.subscribe(narrationChannel(characterId), this.onMessage);
    }
    for (const [id, b] of this.buffered) {
      if (b.result.characterId !== characterId) continue;
      const sink = this.holder(characterId);
      if (!sink) continue;
      this.buffered.delete(id);
      sink.final(b.result);
    }
  }

  /**
   * Admits a request: at most NARRATIONS_IN_FLIGHT at once and NARRATIONS_PER_MINUTE per
   * one-minute window per character, counted in presence (so across rooms and processes).
   * Undefined when admitted (the id is then in flight), a refusal otherwise.
   */
  async admit(characterId: string, narrationId: string): Promise<Refusal | undefined> {
    if (this.admitting.has(characterId)) return refuse('NARRATION_LIMIT', 'one narration at a time');
    this.admitting.add(characterId);
    try {
      const p = this.deps.presence;
      const now = this.now();
      const inFlight = await p.hgetall(IN_FLIGHT(characterId));
      let live = 0;
      for (const [id, startedAt] of Object.entries(inFlight ?? {})) {
        if (now - Number(startedAt) > IN_FLIGHT_STALE_MS) await p.hdel(IN_FLIGHT(characterId), id);
        else live++;
      }
      if (live >= NARRATIONS_IN_FLIGHT) return refuse('NARRATION_LIMIT', 'one narration at a time: wait for the answer');
      const n = await p.hincrbyex(RATE(characterId), String(narrationWindow(now)), 1, RATE_KEY_TTL_S);
      if (this.rateKeys.size < 100_000) this.rateKeys.add(RATE(characterId));
      if (n > NARRATIONS_PER_MINUTE) return refuse('NARRATION_LIMIT', `at most ${NARRATIONS_PER_MINUTE} narrations a minute`);
      await p.hset(IN_FLIGHT(characterId), narrationId, String(now));
      return undefined;
    } finally {
      this.admitting.delete(characterId);
    }
  }

  /** The job is queued: watch for its failure or silence. */
  requestedHere(narrationId: string, characterId: string): void {
    const timer = setTimeout(() => {
      this.deps.log.warn({ narrationId, characterId }, 'no narration result in time: sending the silent line');
      this.giveUp(narrationId);
    }, NARRATION_DEADLINE_MS);
    timer.unref();
    this.requested.set(narrationId, { characterId, timer });
  }

  /** Takes a narration out of flight; true for exactly one caller per narration id. */
  async take(characterId: string, narrationId: string): Promise<boolean> {
    const r = this.requested.get(narrationId);
    if (r) {
      clearTimeout(r.timer);
      this.requested.delete(narrationId);
    }
    return this.deps.presence.hdel(IN_FLIGHT(characterId), narrationId);
  }

  /** The request never made it into the queue. */
  async cancel(characterId: string, narrationId: string): Promise<void> {
    await this.take(characterId, narrationId);
  }

  private outcome(jobId: string, outcome: JobOutcome<'narration'>): void {
    if (!isJobFailure(outcome)) {
      const r = this.requested.get(jobId);
      if (r) clearTimeout(r.timer);
      this.requested.delete(jobId);
    } else {
      if (this.requested.has(jobId)) {
        this.deps.log.error({ narrationId: jobId, error: outcome.error }, 'narration job failed: sending the silent line');
        this.giveUp(jobId);
      }
      return;
    }
    this.route(outcome);
  }

  /** Failed or overdue: a fallback final on the character's channel, for whichever process holds it. */
  private giveUp(narrationId: string): void {
    const r = this.requested.get(narrationId);
    if (!r) return;
    clearTimeout(r.timer);
    this.requested.delete(narrationId);
    const result: NarrationResult = { narrationId, characterId: r.characterId, text: SILENT_NARRATION, source: 'fallback', cause: 'error', outcome: {}, dropped: [] };
    const local = this.holder(r.characterId);
    if (local) local.final(result);
    else Promise.resolve(this.deps.presence.publish(narrationChannel(r.characterId), { type: 'final', result } satisfies NarrationMessage)).catch(() => undefined);
  }

  private message(m: NarrationMessage): void {
    if (this.closed || !m || typeof m !== 'object') return;
    if (m.type === 'chunk') {
      this.holder(m.characterId)?.chunk(m.characterId, m.narrationId, m.text);
    } else if (m.type === 'final' && m.result) {
      this.route(m.result);
    }
  }

  private route(result: NarrationResult): void {
    if (this.closed || !result?.characterId || !result.narrationId) return;
    const sink = this.holder(result.characterId);
    if (sink) return sink.final(result);
    // Not here (yet): mid-handoff into a room of this process, or live elsewhere (that process delivers it).
    if (this.buffered.size >= BUFFER_MAX) this.buffered.delete(this.buffered.keys().next().value!);
    this.buffered.set(result.narrationId, { result, until: this.now() + HANDOFF_BUFFER_MS });
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    for (const [id, b] of this.buffered) if (b.until <= now) this.buffered.delete(id);
    for (const characterId of [...this.subscribed]) {
      if (this.holder(characterId)) continue;
      this.subscribed.delete(characterId);
      await Promise.resolve(this.deps.presence.unsubscribe(narrationChannel(characterId), this.onMessage)).catch(() => undefined);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.stopResults?.();
    for (const r of this.requested.values()) clearTimeout(r.timer);
    this.requested.clear();
    for (const c of this.subscribed) Promise.resolve(this.deps.presence.unsubscribe(narrationChannel(c), this.onMessage)).catch(() => undefined);
    this.subscribed.clear();
    this.buffered.clear();
    // Losing a minute's count at shutdown is harmless; a LocalPresence timer left running is not.
    for (const k of this.rateKeys) Promise.resolve(this.deps.presence.del(k)).catch(() => undefined);
    this.rateKeys.clear();
  }
}

export type RoomNarrationDeps = {
  hub: NarrationHub | undefined;
  jobs: RoomJobs | undefined;
  sim: RegionSim;
  writer: RegionWriter;
  catalogue: MagicCatalogue;
  log: Logger;
  where: { roomId: string; worldId: string; rx: number; rz: number };
  world: { seed: number; worldType: string };
  /** NARRATION_GENRE; a world whose type names a genre narrates in that one instead. */
  defaultGenre: Genre;
  newId: () => string;
  clientOf(characterId: string): Client | undefined;
};

/** Per room: the `act` / `talk` handlers and delivery into this room. */
export class RoomNarration implements NarrationSink {
  /** Narrations delivered here lately: a chunk that arrives after its final is not sent. */
  private readonly done = new Set<string>();
  private lootItems: { itemId: string; max: number }[] | undefined;
  private readonly genre: Genre;

  constructor(private readonly d: RoomNarrationDeps) {
    this.genre = (GENRES as readonly string[]).includes(d.world.worldType) ? (d.world.worldType as Genre) : d.defaultGenre;
    d.hub?.attach(this);
  }

  holds(characterId: string): boolean {
    return this.d.sim.isActive(characterId);
  }

  /** `act` / `talk` (after the room's rate budget): a narration id at once, the narration later. */
  async request(characterId: string, kind: 'act' | 'talk', payload: unknown): Promise<Reply> {
    const { sim, hub, jobs } = this.d;
    const parsed = (kind === 'act' ? actMsg : talkMsg).safeParse(payload);
    if (!parsed.success) return refuse('BAD_MESSAGE', parsed.error.issues[0]?.message ?? 'invalid payload');
    const c = sim.characters.get(characterId);
    if (!c || !sim.isActive(characterId)) return refuse('NOT_IN_REGION', 'your character is not in this region');
    let npc: { id: string; kind: string } | undefined;
    if (kind === 'talk') {
      const m = parsed.data as z.infer<typeof talkMsg>;
      const target = sim.npcs.get(m.npcId);
      const verdict = canTalkTo(c, target);
      if (!verdict.ok) return verdict;
      npc = { id: target!.id, kind: target!.kind };
    }
    if (!hub?.available || !jobs) return refuse('NARRATION_UNAVAILABLE', 'the game master is not running on this server');

    const narrationId = this.d.newId();
    const limited = await hub.admit(characterId, narrationId);
    if (limited) return limited;
    const payloadOut: NarrationPayload = {
      narrationId, ...this.d.where, characterId, userId: c.userId, kind, text: parsed.data.text, genre: this.genre,
      seed: hashString(narrationId), character: {
        id: c.id, name: c.name, characterClass: c.characterClass, level: c.level, hp: c.hp, maxHp: c.maxHp, mana: c.mana,
        maxMana: effectiveMaxMana(c.maxMana, c.corruption), knownSpells: [...c.knownSpells],
      },
      region: this.scene(c),
      npc,
      lootItems: this.regionLoot(),
    };
    try {
      await jobs.enqueue('narration', payloadOut, { jobId: narrationId });
    } catch (err) {
      await hub.cancel(characterId, narrationId).catch(() => undefined);
      this.d.log.warn({ err, narrationId }, 'narration not queued');
      return refuse('NARRATION_UNAVAILABLE', 'the game master cannot be reached; try again');
    }
    hub.requestedHere(narrationId, characterId);
    return { ok: true, data: { narrationId } };
  }

  private scene(c: { id: string; x: number; y: number; z: number }): NarrationPayload['region'] {
    const { sim } = this.d;
    let leyline: { id: string; strength: number } | undefined;
    let best = Infinity;
    sim.leylines.forEach((l, i) => {
      const d = distanceToSegment(c.x, c.z, l);
      if (d < best) {
        best = d;
        leyline = { id: l.id, strength: Math.round((sim.leylineStrengths[i] ?? 0) * 1000) / 1000 };
      }
    });
    return {
      biome: BIOME_NAMES[biomeAt(this.d.world.seed, Math.floor(c.x), Math.floor(c.z))] ?? 'plains',
      timeOfDay: Math.min(24, Math.max(0, Math.round(sim.hour * 100) / 100)),
      leyline,
      nearbyNpcs: nearbyNpcs(c, sim.npcs.values()),
      nearbyPlayers: nearbyPlayers(c, sim.characters.values()),
    };
  }

  /** The region's loot tables: those of the NPC kinds living here (fixed by the region's seeded spawn). */
  private regionLoot(): { itemId: string; max: number }[] {
    this.lootItems ??= [...regionLootItems([...this.d.sim.npcs.values()].map((n) => n.kind), this.d.catalogue)].map(([itemId, max]) => ({ itemId, max }));
    return this.lootItems;
  }

  chunk(characterId: string, narrationId: string, text: string): void {
    if (this.done.has(narrationId)) return;
    this.d.clientOf(characterId)?.send('narration:chunk', { narrationId, text });
  }

  /** Applies and sends a final, if this room is the one that takes it out of flight. */
  final(result: NarrationResult): void {
    void this.deliver(result).catch((err: unknown) => this.d.log.error({ err, narrationId: result.narrationId }, 'narration not delivered'));
  }

  private async deliver(r: NarrationResult): Promise<void> {
    const { hub, sim, writer } = this.d;
    if (!hub || !(await hub.take(r.characterId, r.narrationId))) return; // delivered elsewhere, or stale
    this.done.add(r.narrationId);
    if (this.done.size > 256) this.done.delete(this.done.values().next().value!);
    const outcome: Record<string, unknown> = { ...r.outcome };
    if (!sim.isActive(r.characterId)) {
      // Left between routing and now: its live state is no longer ours to change.
      this.d.log.info({ narrationId: r.narrationId }, 'narration dropped: the character left the room');
      return;
    }
    if (r.outcome.xp) sim.award(r.characterId, r.outcome.xp);
    const items = r.outcome.items ?? [];
    if (items.length) {
      const g = await writer.grantLoot(r.characterId, r.narrationId, items, (slots) => sim.placeLoot(slots, items));
      if (!g.granted) outcome.error = 'ITEMS_NOT_SAVED';
      if (g.overflow.length) outcome.overflow = g.overflow;
    }
    const msg: Record<string, unknown> = { narrationId: r.narrationId, text: r.text, source: r.source };
    if (Object.keys(outcome).length) msg.outcome = outcome;
    this.d.clientOf(r.characterId)?.send('narration', msg);
  }

  /** A character joined this room: its channel and any final that waited for it. */
  joined(characterId: string): void {
    void this.d.hub?.joined(characterId).catch((err: unknown) => this.d.log.warn({ err, characterId }, 'narration channel not subscribed'));
  }

  close(): void {
    this.d.hub?.detach(this);
  }
}
