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
import { Room, ServerError, type AuthContext, type Client } from '@colyseus/core';
import { regionOfBlock } from '../src/world/index.js';
import { TokenBucket, DEFAULT_CLIENT_RATE } from '../src/game/ratelimit.js';
import { RegionSim, timeOfDay, type Command, type LiveCharacter, type Reply, type TickEvents } from '../src/game/region.js';
import { refuse } from '../src/game/types.js';
import { MOVE_BUDGET_MAX_BLOCKS } from '../src/game/movement.js';
import { Persister } from '../src/persist/persister.js';
import type { CharacterSnapshot, ChunkSnapshot } from '../src/persist/store.js';
import { CharacterState, ChunkState, RegionState } from '../schema/index.js';
import { roomDeps } from './deps.js';
import { InterestManager } from './interest.js';
import { blockMsg, chatMsg, joinOptions, moveMsg, type JoinOptions } from './messages.js';
import { liveCharacters, playRegion } from './registry.js';
import type { z } from 'zod';

export const CLOSE_TAKEN_OVER = 4001; // another session took this character
export const CLOSE_RATE_LIMITED = 4002; // sustained message flood
export const CLOSE_HANDOFF = 4003; // character moved to another region
const MAX_CLIENTS = 200;
const HARD_MESSAGES_PER_SECOND = 120; // Colyseus drops a client past this; our own limiter answers RATE_LIMITED well below it

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
  private readonly clientsByCharacter = new Map<string, Client>();
  private readonly releasing = new Map<string, Promise<void>>();

  override messages = {
    move: (client: Client, payload: unknown) => this.command(client, moveMsg, payload, (m, characterId) => ({ kind: 'move', characterId, to: m })),
    block: (client: Client, payload: unknown) => this.command(client, blockMsg, payload, (m, characterId) => ({ kind: 'block', characterId, edit: m })),
    chat: (client: Client, payload: unknown) => this.command(client, chatMsg, payload, (m, characterId) => ({ kind: 'chat', characterId, text: m.text })),
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
    this.sim = new RegionSim(world.seed, opts.rx, opts.rz);
    for (const ch of await store.loadRegionChunks(world.id, opts.rx, opts.rz)) {
      this.sim.loadChunk(ch.cx, ch.cy, ch.cz, ch.version, Object.entries(ch.edits).map(([i, b]) => [Number(i), b] as const));
      this.mirrorChunk(`${ch.cx},${ch.cy},${ch.cz}`, ch.cx, ch.cy, ch.cz, ch.version, Object.entries(ch.edits));
    }
    Object.assign(this.state, { worldId: world.id, rx: opts.rx, rz: opts.rz, timeOfDay: timeOfDay(Date.now(), config.dayLengthS * 1000) });
    this.interest = new InterestManager(this.state, config.viewRadiusChunks);
    this.persister = new Persister({ store, intervalMs: config.persistIntervalMs, log: log.child({ room: this.roomId, rx: opts.rx, rz: opts.rz }) });
    this.persister.start();
    this.seatReservationTimeout = 15;
    this.setPatchRate(config.patchRateMs);
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
    const saved = await this.persister.stop();
    if (!saved) roomDeps().log.error({ room: this.roomId }, 'region disposed with unsaved changes');
    const registry = liveCharacters(this.presence);
    await Promise.all([...this.sim.characters.keys()].map((id) => registry.release(id, this.roomId)));
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
    const ev = this.sim.step(now, now - this.lastStepAt);
    this.lastStepAt = now;
    this.state.tick += 1;
    this.state.timeOfDay = timeOfDay(now, roomDeps().config.dayLengthS * 1000);
    this.mirror(ev);
    this.interest.update();
    for (const c of ev.crossings) void this.handoff(c.characterId, c.rx, c.rz);
    endTimer();
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
    return {
      id: c.id, userId: c.userId, worldId: this.worldId, name: c.name, characterClass: c.characterClass,
      level: c.level, xp: c.xp, stats: c.stats as CharacterSnapshot['stats'], x: c.x, y: c.y, z: c.z, yaw: c.yaw,
      hp: c.hp, maxHp: c.maxHp, mana: c.mana, maxMana: c.maxMana, corruption: c.corruption, knownSpells: [...c.knownSpells],
    };
  }

  private chunkSnapshot(key: string, cx: number, cy: number, cz: number): ChunkSnapshot {
    return {
      worldId: this.worldId, cx, cy, cz,
      version: this.sim.chunkVersions.get(key) ?? 0,
      edits: Object.fromEntries([...this.sim.world.editsOf(key)].map(([i, b]) => [String(i), b])),
    };
  }
}

function toLive(s: CharacterSnapshot): LiveCharacter {
  return {
    id: s.id, userId: s.userId, name: s.name, characterClass: s.characterClass, level: s.level, xp: s.xp,
    stats: s.stats as Record<string, unknown>, x: s.x, y: s.y, z: s.z, yaw: s.yaw, hp: s.hp, maxHp: s.maxHp,
    mana: s.mana, maxMana: s.maxMana, corruption: s.corruption, knownSpells: [...s.knownSpells],
    cooldowns: new Map(), lastMoveAt: 0, moveBudget: MOVE_BUDGET_MAX_BLOCKS,
  };
}

function toState(c: LiveCharacter): CharacterState {
  const st = new CharacterState();
  Object.assign(st, {
    id: c.id, name: c.name, characterClass: c.characterClass, level: c.level, x: c.x, y: c.y, z: c.z, yaw: c.yaw,
    hp: c.hp, maxHp: c.maxHp, mana: c.mana, maxMana: c.maxMana, corruption: c.corruption, xp: c.xp,
  });
  st.knownSpells.push(...c.knownSpells);
  return st;
}

