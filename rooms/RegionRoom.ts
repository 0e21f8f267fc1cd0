/**
 * Region room: one per (worldId, rx, rz). Thin: it validates payloads, queues
 * commands for the simulation (src/game/region.ts), mirrors what a tick
 * changed into the wire state, and hands persistence to src/persist.
 *
 * Lifecycle of a character here:
 *   /api/play or a handoff → static onAuth (token + ownership) → seat
 *   reservation → onJoin (evict it from any other room, load it, register it
 *   live) → … → onDrop (reconnection window) → onLeave (save, unregister).
 * A second /api/play for a live character takes over: the old session is
 * closed with CLOSE_TAKEN_OVER after its character is saved.
 */
import { Room, ServerError, type AuthContext, type Client, type RoomException, type RoomMethodName } from '@colyseus/core';
import { regionOfBlock } from '../src/world/index.js';
import { TokenBucket, DEFAULT_CLIENT_RATE } from '../src/game/ratelimit.js';
import { RegionSim, timeOfDay, type Command, type LiveCharacter, type Reply, type TickEvents } from '../src/game/region.js';
import { refuse } from '../src/game/types.js';
import { Persister } from '../src/persist/persister.js';
import type { CharacterSnapshot, ChunkSnapshot } from '../src/persist/store.js';
import { ChunkState, LeylineState, NpcState, RegionState } from '../schema/index.js';
import { characterSnapshot, chunkSnapshot, magicCatalogue, toLive, toState } from './convert.js';
import { effectiveMaxMana } from '../src/game/corruption.js';
import { leylineStrength } from '../src/game/leylines.js';
import type { MagicEvents } from '../src/game/region-magic.js';
import { isJobFailure } from '../src/jobs/index.js';
import { MagicEventLog, writeLootThrough } from '../src/persist/magic-log.js';
import { dispatchRitual } from './rituals.js';
import { randomUUID } from 'node:crypto';
import { roomDeps } from './deps.js';
import { InterestManager } from './interest.js';
import { blockMsg, castMsg, chatMsg, joinOptions, moveMsg, type JoinOptions } from './messages.js';
import { liveCharacters, playRegion } from './registry.js';
import type { z } from 'zod';

export const CLOSE_TAKEN_OVER = 4001; // another session took this character
export const CLOSE_RATE_LIMITED = 4002; // sustained message flood
export const CLOSE_HANDOFF = 4003; // character moved to another region
const MAX_CLIENTS = 200;
const HARD_MESSAGES_PER_SECOND = 120; // Colyseus drops a client past this; our own limiter answers RATE_LIMITED well below it
const LEYLINE_UPDATE_MS = 1000; // strengths drift over minutes: once a second is smooth enough
const MAGIC_LOG_FLUSH_MS = 1000; // magic_events are appended in batches, off the tick
const PATCH_DUE_FRACTION = 0.9; // timers jitter by a millisecond or two: a patch due "now-ish" goes with this tick

export type AuthData = { userId: string; characterId: string; token: string };
type UserData = { characterId: string; userId: string; token: string; bucket: TokenBucket; gone?: boolean };

export class RegionRoom extends Room<{ state: RegionState }> {
  override state = new RegionState();
  override maxClients = MAX_CLIENTS;
  override maxMessagesPerSecond = HARD_MESSAGES_PER_SECOND;

  private sim!: RegionSim;
  private interest!: InterestManager;
  private persister!: Persister;
  private worldId = '';
  private lastStepAt = 0;
  private lastPatchAt = 0;
  private readonly clientsByCharacter = new Map<string, Client>();
  private readonly releasing = new Map<string, Promise<void>>();
  private magicLog!: MagicEventLog;
  private stopRitualResults: (() => void) | undefined;

  override messages = {
    move: (client: Client, payload: unknown) => this.command(client, moveMsg, payload, (m, characterId) => ({ kind: 'move', characterId, to: m })),
    block: (client: Client, payload: unknown) => this.command(client, blockMsg, payload, (m, characterId) => ({ kind: 'block', characterId, edit: m })),
    chat: (client: Client, payload: unknown) => this.command(client, chatMsg, payload, (m, characterId) => ({ kind: 'chat', characterId, text: m.text })),
    cast: (client: Client, payload: unknown) =>
      this.command(client, castMsg, payload, (m, characterId) => ({
        kind: 'cast',
        characterId,
        spellId: m.spellId,
        targetId: m.targetId,
        point: m.x !== undefined ? { x: m.x, y: m.y!, z: m.z! } : undefined,
      })),
    // Unknown message types are junk: count them against the client's budget instead of disconnecting at once.
    '*': (client: Client) => {
      this.spend(client);
    },
  };

  /** Runs at matchmaking time (/api/play, handoffs): a valid token for the character's owner, or no seat. */
  static override async onAuth(token: string | undefined, options: unknown, _ctx: AuthContext): Promise<AuthData> {
    const { accounts, store } = roomDeps();
    const who = token ? await accounts.authenticate(token) : undefined;
    if (!who) throw new ServerError(401, 'a valid token is required');
    const opts = joinOptions.safeParse(options);
    if (!opts.success) throw new ServerError(400, 'bad join options');
    const character = await store.loadCharacter(opts.data.characterId);
    if (!character || character.userId !== who.user.id) throw new ServerError(403, 'that character is not yours');
    if (character.worldId !== opts.data.worldId) throw new ServerError(403, 'that character lives in another world');
    return { userId: who.user.id, characterId: character.id, token: token! };
  }

  override async onCreate(options: JoinOptions): Promise<void> {
    const { config, store, log } = roomDeps();
    const opts = joinOptions.parse(options);
    const world = await store.loadWorld(opts.worldId);
    if (!world) throw new ServerError(404, 'unknown world');
    this.worldId = world.id;
    this.sim = new RegionSim(world.seed, opts.rx, opts.rz, { magic: { catalogue: magicCatalogue(), newId: randomUUID, now: Date.now() } });
    for (const ch of await store.loadRegionChunks(world.id, opts.rx, opts.rz)) {
      this.sim.loadChunk(ch.cx, ch.cy, ch.cz, ch.version, Object.entries(ch.edits).map(([i, b]) => [Number(i), b] as const));
      this.mirrorChunk(`${ch.cx},${ch.cy},${ch.cz}`, ch.cx, ch.cy, ch.cz, ch.version, Object.entries(ch.edits));
    }
    Object.assign(this.state, { worldId: world.id, rx: opts.rx, rz: opts.rz, timeOfDay: timeOfDay(Date.now(), config.dayLengthS * 1000) });
    for (const l of this.sim.magic!.leylines) {
      this.state.leylines.push(Object.assign(new LeylineState(), { id: l.id, x1: l.x1, z1: l.z1, x2: l.x2, z2: l.z2, strength: leylineStrength(l.baseStrength, l.id, Date.now()) }));
    }
    this.clock.setInterval(() => this.updateLeylines(), LEYLINE_UPDATE_MS);
    for (const n of this.sim.magic!.npcs.values()) this.state.npcs.set(n.id, Object.assign(new NpcState(), { id: n.id, kind: n.kind, x: n.x, y: n.y, z: n.z, hp: n.hp, maxHp: n.maxHp }));
    this.magicLog = new MagicEventLog(store, log.child({ room: this.roomId }));
    this.clock.setInterval(() => void this.magicLog.flush(), MAGIC_LOG_FLUSH_MS);
    // Every process may hear every ritual result (Redis): the sim ignores ids that are not its own.
    this.stopRitualResults = roomDeps().jobs?.onResult('rituals', (jobId, outcome) => {
      if (isJobFailure(outcome)) this.sim.magic!.ritualFailed(jobId);
      else this.sim.magic!.ritualResult(jobId, outcome.effects);
    });
    this.interest = new InterestManager(this.state, config.viewRadiusChunks);
    this.persister = new Persister({ store, intervalMs: config.persistIntervalMs, log: log.child({ room: this.roomId, rx: opts.rx, rz: opts.rz }) });
    this.persister.start();
    this.seatReservationTimeout = 15;
    // Patches go out at the end of a tick (at most every PATCH_RATE_MS), not on a free-running
    // timer: an independent timer adds a random 0..50 ms wait after every tick (measured).
    this.setPatchRate(null);
    this.lastStepAt = Date.now();
    this.setSimulationInterval(() => this.tick(), 1000 / config.tickRateHz);
  }

  override async onJoin(client: Client, options: JoinOptions, auth: AuthData): Promise<void> {
    const { store } = roomDeps();
    const characterId = auth.characterId;
    // Same room, another session: take over without a reload (this room is the writer).
    const previous = this.clientsByCharacter.get(characterId);
    if (previous) this.closeSession(previous, CLOSE_TAKEN_OVER, 'this character was taken over by another session');
    let live = this.sim.characters.get(characterId);
    if (!live) {
      // Another room may still hold it (a race with /api/play's eviction): evict, it saves first.
      await liveCharacters(this.presence).evictElsewhere(characterId, this.roomId);
      const snap = await store.loadCharacter(characterId);
      if (!snap || snap.userId !== auth.userId) throw new ServerError(403, 'that character is not yours');
      const r = regionOfBlock(snap.x, snap.z);
      if (snap.worldId !== this.worldId || r.rx !== this.state.rx || r.rz !== this.state.rz) {
        throw new ServerError(409, 'that character is in another region; ask /api/play again');
      }
      live = this.sim.addCharacter(toLive(snap));
      this.state.characters.set(characterId, toState(live));
    }
    await liveCharacters(this.presence).claim(characterId, this.roomId);
    roomDeps().metrics.roomClients.inc();
    client.userData = { characterId, userId: auth.userId, token: auth.token, bucket: new TokenBucket(DEFAULT_CLIENT_RATE, Date.now()) } satisfies UserData;
    this.clientsByCharacter.set(characterId, client);
    this.interest.attach(client, characterId);
  }

  override onDrop(client: Client): void {
    if ((client.userData as UserData | undefined)?.gone) return;
    // Rejected when the window passes or the room is disposing (shutdown): then onLeave runs.
    Promise.resolve(this.allowReconnection(client, roomDeps().config.reconnectWindowS)).catch(() => undefined);
  }

  override onReconnect(client: Client): void {
    const data = client.userData as UserData;
    if (data.gone || !this.sim.characters.has(data.characterId)) throw new Error('character no longer here');
    this.clientsByCharacter.set(data.characterId, client);
    this.interest.rebind(client);
  }

  override async onLeave(client: Client): Promise<void> {
    const data = client.userData as UserData | undefined;
    this.interest.detach(client.sessionId);
    if (!data || data.gone || this.clientsByCharacter.get(data.characterId) !== client) return;
    await this.release(data.characterId);
  }

  override async onDispose(): Promise<void> {
    this.stopRitualResults?.();
    await this.magicLog.flush();
    const saved = await this.persister.stop();
    if (!saved) roomDeps().log.error({ room: this.roomId }, 'region disposed with unsaved changes');
    const registry = liveCharacters(this.presence);
    await Promise.all([...this.sim.characters.keys()].map((id) => registry.release(id, this.roomId)));
  }

  /**
   * A bug in a handler, the tick or a timer is logged and the room goes on:
   * with this hook Colyseus wraps them all, so one bad input cannot take the
   * process (and every other room on it) down.
   */
  override onUncaughtException(err: RoomException, method: RoomMethodName): void {
    roomDeps().log.error({ err, method, room: this.roomId }, 'uncaught exception in a region room; the room keeps running');
  }

  /** Remote call (takeover from /api/play or another room): save and drop the character's session. */
  async evict(characterId: string): Promise<boolean> {
    const client = this.clientsByCharacter.get(characterId);
    if (client) this.closeSession(client, CLOSE_TAKEN_OVER, 'this character was taken over by another session');
    const inFlight = this.releasing.get(characterId);
    if (inFlight) {
      await inFlight;
      return true;
    }
    if (!this.sim.characters.has(characterId)) return false;
    await this.release(characterId);
    return true;
  }

  // ---- internals ----

  private command<S extends z.ZodTypeAny>(client: Client, schema: S, payload: unknown, toCommand: (m: z.infer<S>, characterId: string) => Command): Promise<Reply> | Reply {
    const verdict = this.spend(client);
    if (verdict) return verdict;
    const parsed = schema.safeParse(payload);
    if (!parsed.success) return refuse('BAD_MESSAGE', parsed.error.issues[0]?.message ?? 'invalid payload');
    return this.sim.enqueue(toCommand(parsed.data, (client.userData as UserData).characterId));
  }

  /** Charges one message to the client's budget; a refusal when over it. */
  private spend(client: Client): Reply | undefined {
    const data = client.userData as UserData | undefined;
    if (!data) return refuse('NOT_IN_REGION', 'not joined');
    const r = data.bucket.take(Date.now());
    if (r === 'ok') return undefined;
    if (r === 'kick') this.closeSession(client, CLOSE_RATE_LIMITED, 'too many messages');
    return refuse('RATE_LIMITED', 'too many messages; slow down');
  }

  private closeSession(client: Client, code: number, reason: string): void {
    const data = client.userData as UserData | undefined;
    if (data) {
      data.gone = true;
      if (this.clientsByCharacter.get(data.characterId) === client) this.clientsByCharacter.delete(data.characterId);
    }
    this.interest.detach(client.sessionId);
    client.leave(code, reason);
  }

  /**
   * Final save of a character leaving this room, then it is no longer live
   * here. Concurrent callers (onLeave and an eviction) share one release, and
   * an eviction that arrives while it runs waits for the save.
   */
  private release(characterId: string): Promise<void> {
    let p = this.releasing.get(characterId);
    if (!p) {
      p = this.doRelease(characterId).finally(() => this.releasing.delete(characterId));
      this.releasing.set(characterId, p);
    }
    return p;
  }

  private async doRelease(characterId: string): Promise<void> {
    const live = this.sim.removeCharacter(characterId);
    this.clientsByCharacter.delete(characterId);
    this.state.characters.delete(characterId);
    if (live) {
      this.persister.markCharacter(characterId, () => this.snapshot(live));
      await this.persister.flushCharacterNow(characterId);
    }
    await liveCharacters(this.presence).release(characterId, this.roomId);
  }

  private tick(): void {
    const endTimer = roomDeps().metrics.tickDuration.startTimer();
    const now = Date.now();
    this.state.timeOfDay = timeOfDay(now, roomDeps().config.dayLengthS * 1000);
    this.sim.hour = this.state.timeOfDay;
    const ev = this.sim.step(now, now - this.lastStepAt);
    this.lastStepAt = now;
    this.state.tick += 1;
    this.mirror(ev);
    this.interest.update(this.state.tick);
    for (const c of ev.crossings) void this.handoff(c.characterId, c.rx, c.rz);
    endTimer();
    if (now - this.lastPatchAt >= roomDeps().config.patchRateMs * PATCH_DUE_FRACTION) {
      this.lastPatchAt = now;
      this.broadcastPatch();
    }
  }

  private mirror(ev: TickEvents): void {
    for (const id of ev.changed) {
      const live = this.sim.characters.get(id);
      const st = this.state.characters.get(id);
      if (!live || !st) continue;
      st.x = live.x;
      st.y = live.y;
      st.z = live.z;
      st.yaw = live.yaw;
      this.persister.markCharacter(id, () => this.snapshot(live));
    }
    for (const b of ev.blocks) {
      const added = this.mirrorChunk(b.key, b.cx, b.cy, b.cz, b.version, []);
      const chunk = this.state.chunks.get(b.key)!;
      if (b.block === undefined) chunk.edits.delete(String(b.index));
      else chunk.edits.set(String(b.index), b.block);
      if (added) this.interest.chunkAdded(b.key);
      this.persister.markChunk(b.key, () => this.chunkSnapshot(b.key, b.cx, b.cy, b.cz));
    }
    for (const c of ev.corrections) {
      const client = this.clientsByCharacter.get(c.characterId);
      client?.send('correction', { x: c.x, y: c.y, z: c.z });
    }
    for (const m of ev.chats) this.broadcast('chat', { from: m.from, text: m.text });
    this.mirrorMagic(ev.magic);
  }

  /** Casts, combat, NPCs, rituals and events of a tick → state, messages, persistence. */
  private mirrorMagic(m: MagicEvents): void {
    const now = Date.now();
    for (const id of m.characters) {
      const live = this.sim.characters.get(id);
      const st = this.state.characters.get(id);
      if (!live || !st) continue;
      Object.assign(st, {
        x: live.x, y: live.y, z: live.z, hp: live.hp, mana: live.mana, corruption: live.corruption,
        maxMana: effectiveMaxMana(live.maxMana, live.corruption), xp: live.xp, level: live.level,
      });
      for (const [spell, readyAt] of live.cooldowns) if (st.cooldowns.get(spell) !== readyAt) st.cooldowns.set(spell, readyAt);
      this.persister.markCharacter(id, () => this.snapshot(live));
    }
    for (const id of m.npcs) {
      const n = this.sim.magic!.npcs.get(id);
      const st = this.state.npcs.get(id);
      if (n && st) Object.assign(st, { x: n.x, y: n.y, z: n.z, hp: n.hp });
    }
    for (const c of m.casts) {
      const live = this.sim.characters.get(c.characterId);
      this.magicLog.append({
        createdAt: new Date(now), worldId: this.worldId, characterId: c.characterId, spellId: c.spellId, success: c.success,
        code: c.code, effect: c.effect, manaSpent: c.manaSpent, rx: this.state.rx, rz: this.state.rz,
        data: c.factors ? { factors: c.factors, x: live?.x, z: live?.z } : {},
      });
    }
    for (const sp of m.spells) {
      const msg = { casterId: sp.casterId, spellId: sp.spellId, x: sp.aim.x, y: sp.aim.y, z: sp.aim.z, effects: sp.effects };
      for (const client of this.interest.clientsNear(sp.aim.x, sp.aim.z)) client.send('spell', msg);
    }
    for (const k of m.kills) {
      // `loot` is sent once the items are in the inventory (written through), never before.
      const tell = (overflow: { itemId: string; quantity: number }[]) =>
        this.clientsByCharacter.get(k.characterId)?.send('loot', { npcId: k.npcId, npcKind: k.npcKind, xp: k.xp, items: k.drops, overflow });
      if (!k.drops.length) tell([]);
      else {
        const { store, log } = roomDeps();
        void writeLootThrough(store, log, k.characterId, k.drops, (slots) => this.sim.magic!.placeLoot(slots, k.drops)).then(tell);
      }
    }
    for (const ritual of m.rituals) {
      const { jobs, config, log } = roomDeps();
      dispatchRitual({
        ritual, jobs, log, graceMs: config.ritualResultGraceMs,
        where: { roomId: this.roomId, worldId: this.worldId, rx: this.state.rx, rz: this.state.rz },
        sink: { result: (id, effects) => this.sim.magic!.ritualResult(id, effects), isPending: (id) => this.sim.magic!.isPending(id) },
        setTimeout: (fn, ms) => this.clock.setTimeout(fn, ms),
      });
    }
    for (const o of m.ritualOutcomes) {
      this.clientsByCharacter.get(o.casterId)?.send('ritual', { ritualId: o.ritualId, status: o.status, effects: o.effects });
    }
    for (const e of m.worldEvents) {
      this.broadcast('worldEvent', { kind: e.kind, text: e.text });
      roomDeps()
        .store.recordWorldEvent({ worldId: this.worldId, rx: this.state.rx, rz: this.state.rz, kind: e.kind, startsAt: new Date(now), endsAt: new Date(e.until), data: {} })
        .catch((err) => roomDeps().log.error({ err, room: this.roomId }, 'world event not recorded'));
    }
  }

  private updateLeylines(): void {
    const now = Date.now();
    const lines = this.sim.magic!.leylines;
    this.state.leylines.forEach((st, i) => {
      const l = lines[i];
      if (l) st.strength = leylineStrength(l.baseStrength, l.id, now);
    });
  }

  /** Creates or updates a chunk's state; true when it was created. */
  private mirrorChunk(key: string, cx: number, cy: number, cz: number, version: number, edits: [string, number][]): boolean {
    let chunk = this.state.chunks.get(key);
    const created = !chunk;
    if (!chunk) {
      chunk = Object.assign(new ChunkState(), { cx, cy, cz });
      this.state.chunks.set(key, chunk);
    }
    chunk.version = version;
    for (const [i, b] of edits) chunk.edits.set(i, b);
    return created;
  }

  /**
   * The character walked into a neighbour region: save it, take it out of
   * this room, reserve its seat there (any process), send `handoff`.
   */
  private async handoff(characterId: string, rx: number, rz: number): Promise<void> {
    const client = this.clientsByCharacter.get(characterId);
    const data = client?.userData as UserData | undefined;
    try {
      await this.release(characterId);
      if (!client || !data) return;
      data.gone = true;
      this.interest.detach(client.sessionId);
      const reservation = await playRegion({ worldId: this.worldId, rx, rz, characterId }, data.token);
      client.send('handoff', { reservation });
    } catch (err) {
      roomDeps().log.warn({ err, characterId, rx, rz }, 'handoff failed; the client must ask /api/play again');
      client?.send('handoff', { error: 'HANDOFF_FAILED' });
      if (client) client.leave(CLOSE_HANDOFF, 'handoff failed');
    }
  }

  private snapshot(c: LiveCharacter): CharacterSnapshot {
    return characterSnapshot(c, this.worldId);
  }

  private chunkSnapshot(key: string, cx: number, cy: number, cz: number): ChunkSnapshot {
    return chunkSnapshot(this.sim, this.worldId, key, cx, cy, cz);
  }
}
