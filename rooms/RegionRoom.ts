/**
 * Region room: one per (worldId, rx, rz). Lifecycle and translation only:
 * a message is validated (rooms/messages.ts) and queued as a command for the
 * simulation (src/game/region); after each tick the sync step copies the
 * result into the wire state (rooms/sync.ts) and the effects step routes its
 * events to messages, the writer and the job queue (rooms/effects.ts).
 * Dependencies come in through `regionRoom(deps)` (rooms/ports.ts).
 *
 * A character here: /api/play or a handoff → onAuth (token + ownership) →
 * seat reservation → onJoin (evict it from any other room, load it, claim it)
 * → … → onDrop (reconnection window) → onLeave (save, release). A second
 * session for a live character takes over (the old one is closed with
 * CLOSE_TAKEN_OVER after the character is saved).
 */
import { ClientState, matchMaker, Room, SchemaSerializer, ServerError, type AuthContext, type Client, type RoomException, type RoomMethodName } from '@colyseus/core';
import { CHUNK_SIZE, REGION_SIZE, regionOfBlock } from '../src/world/index.js';
import { TokenBucket, DEFAULT_CLIENT_RATE } from '../src/game/ratelimit.js';
import { CROWD_EVERY_TICKS, CROWD_SETTLE_MS, HANDOFF_MARGIN_BLOCKS, RegionSim, crowdMoves, handoffTarget, type Body, type NearEntity, type Reply, type TickEvents } from '../src/game/region/index.js';
import { CAST_RANGE_SLACK } from '../src/game/magic.js';
import { refuse } from '../src/game/types.js';
import { CharacterState, RegionState } from '../schema/index.js';
import { routeEffects, listenForRituals, type Outlets } from './effects.js';
import { InterestManager } from './interest.js';
import { CellSerializer } from './patches.js';
import { joinOptions, MESSAGES, type JoinOptions } from './messages.js';
import type { WorldInfo } from '../src/persist/store.js';
import { scavengeIfDue } from './idle-gc.js';
import { cpuMsSince, LOGOUT_CHANNEL, tickCpuStart, type Interest, type RegionRoomDeps, type RegionWriter, type RoomSeams } from './ports.js';
import { handoffRecords, isInternal, LEASE_WAIT_MS, liveCharacters, pendingSeats, SEAT_RESERVATION_S } from './registry.js';
import { Ghosts } from './ghosts.js';
import { Edits } from './edits.js';
import { Hits } from './hits.js';
import { recordFromJson } from '../src/game/character.js';
import { RegionHeld, takeRegionLease, type RegionLease } from './lease.js';
import { content } from './content.js';
import { CLOSE_LOGGED_OUT, CLOSE_RATE_LIMITED, CLOSE_REGION_MOVED, Sessions, sessionOf, type AuthData, type Session } from './sessions.js';
import { WireSync } from './sync.js';
import { HeldReply, TickFrames } from './frames.js';
import { foreignEdit, type BlockEdit } from '../src/game/blocks.js';
import { RoomNarration } from './narration.js';

const HARD_MESSAGES_PER_SECOND = 120; // Colyseus drops a client past this; our own limiter answers RATE_LIMITED well below it
const PATCH_DUE_FRACTION = 0.9; // timers jitter by a millisecond or two: a patch due "now-ish" goes with this tick


/** The region room class for a process: its dependencies and (for measuring tools) seams. */
export function regionRoom(deps: RegionRoomDeps, seams: RoomSeams = {}) {
  return class extends RegionRoom {
    protected override readonly deps = deps;
    protected override readonly seams = seams;
    override state = seams.wire?.state() ?? new RegionState();
    override maxClients = deps.settings.regionSeats;
    static override onAuth(token: string | undefined, options: unknown, ctx: AuthContext): Promise<AuthData> {
      return authorize(deps, token, options, ctx);
    }
  };
}

/** At matchmaking time (/api/play, handoffs): a valid token for the character's owner, or no seat. */
async function authorize(deps: RegionRoomDeps, token: string | undefined, options: unknown, ctx: AuthContext): Promise<AuthData> {
  // Seats come only from the server (/api/play, handoffs): a client's own /matchmake call could
  // open a room for any region, or a second one for a live region.
  if (!isInternal(ctx)) throw new ServerError(403, 'MATCHMAKE_FORBIDDEN: seats come from POST /api/play');
  const who = token ? await deps.auth.authenticate(token) : undefined;
  if (!who || !token) throw new ServerError(401, 'a valid token is required');
  const opts = joinOptions.safeParse(options);
  if (!opts.success) throw new ServerError(400, 'bad join options');
  // A handoff's live record says whose character it is: no database read on every border crossing.
  const handed = await handoffRecords(matchMaker.presence).peek(opts.data.characterId);
  const character = handed && typeof handed.userId === 'string' ? { id: opts.data.characterId, userId: handed.userId, worldId: handed.worldId } : await deps.loader.loadCharacter(opts.data.characterId);
  if (!character || character.userId !== who.userId) throw new ServerError(403, 'that character is not yours');
  if (character.worldId !== opts.data.worldId) throw new ServerError(403, 'that character lives in another world');
  return { userId: who.userId, characterId: character.id, token, loginSessionId: who.sessionId };
}

export abstract class RegionRoom extends Room<{ state: RegionState }> {
  protected abstract readonly deps: RegionRoomDeps;
  protected abstract readonly seams: RoomSeams;
  override maxMessagesPerSecond = HARD_MESSAGES_PER_SECOND;

  private sim!: RegionSim;
  private wire!: WireSync;
  private interest!: Interest;
  private writer!: RegionWriter;
  private outlets!: Outlets;
  private worldId = '';
  private lastStepAt = 0;
  private lastPatchAt = 0;
  private lastTickEnd = 0;
  private readonly frames = new TickFrames((err) => this.deps.log.error({ err, room: this.roomId }, 'a reply failed'));
  private sessions!: Sessions;
  private ghosts!: Ghosts;
  private edits!: Edits;
  private hits!: Hits;
  /** Answers to edits this room forwarded to a neighbour (rooms/edits.ts), settled in the next tick after its frames. */
  private readonly editAnswers: (() => void)[] = [];
  private stopRitualResults: (() => void) | undefined;
  private narration: RoomNarration | undefined;
  private lease: RegionLease | undefined;
  /** When each character was handed over to this room: crowd gathering leaves it be for CROWD_SETTLE_MS (one that joined is moved at once). */
  private readonly enteredAt = new Map<string, number>();
  private readonly onLogout = (m: { sessionId?: string }) => {
    for (const c of this.sessions.clientsOfLogin(String(m?.sessionId))) void this.sessions.kick(c, CLOSE_LOGGED_OUT, 'logged out');
  };

  override messages = {
    ...Object.fromEntries(
      Object.entries(MESSAGES).map(([type, m]) => [
        type,
        (client: Client, payload: unknown) => {
          if (type === 'move') this.seams.hooks?.input?.(client, performance.now());
          this.frames.arrived(client);
          const verdict = this.spend(client);
          if (verdict) return verdict;
          const parsed = m.schema.safeParse(payload);
          if (!parsed.success) return refuse('BAD_MESSAGE', parsed.error.issues[0]?.message ?? 'invalid payload');
          const characterId = sessionOf(client)!.characterId;
          // Handed over (or being): refused now, not in the next tick, whose answer a client that follows its
          // `handoff` and leaves at once would never get.
          if (!this.sim.isActive(characterId)) return refuse('NOT_IN_REGION', 'your character is not in this region');
          if (type === 'block') {
            const forwarded = this.forwardEdit(client, characterId, parsed.data as BlockEdit);
            if (forwarded) return forwarded;
          }
          // Answered inside the tick that applies it, after the client's patch (rooms/frames.ts).
          const reply = new HeldReply<Reply>();
          const cmd = m.command(parsed.data as never, characterId);
          if (cmd.kind === 'cast') cmd.near = this.nearForCast(cmd.characterId, cmd.spellId);
          this.sim.submit(cmd, (r) => this.frames.settle(client, reply, r));
          return reply;
        },
      ]),
    ),
    // The game master (rooms/narration.ts): answered with a narration id, narrated by a job.
    act: (client: Client, payload: unknown) => this.spend(client) ?? this.narration!.request(sessionOf(client)!.characterId, 'act', payload),
    talk: (client: Client, payload: unknown) => this.spend(client) ?? this.narration!.request(sessionOf(client)!.characterId, 'talk', payload),
    // Unknown message types are junk: count them against the client's budget instead of disconnecting at once.
    '*': (client: Client) => void this.spend(client),
  };

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  override async onCreate(options: JoinOptions): Promise<void> {
    const { loader } = this.deps;
    const opts = joinOptions.parse(options);
    const world = await loader.loadWorld(opts.worldId);
    if (!world) throw new ServerError(404, 'unknown world');
    this.worldId = world.id;
    // One live room per region: wait (briefly) for a predecessor's final flush, then load what it saved.
    this.lease = await takeRegionLease(this.presence, { worldId: world.id, rx: opts.rx, rz: opts.rz, roomId: this.roomId }, {
      waitMs: LEASE_WAIT_MS,
      onLost: () => void this.regionLost(),
      onRestored: () => void this.regionRestored(),
    }).catch((err: unknown) => {
      throw err instanceof RegionHeld ? new ServerError(503, `REGION_BUSY: ${err.message}`) : err;
    });
    try {
      await this.start(world, opts);
    } catch (err) {
      await this.lease.release(); // a room that failed to start must not keep its region
      throw err;
    }
  }

  private async start(world: WorldInfo, opts: JoinOptions): Promise<void> {
    const { settings, loader, log } = this.deps;
    const now = this.now();
    this.sim = new RegionSim(world.seed, opts.rx, opts.rz, { catalogue: content(), newId: this.deps.newId, now, dayLengthMs: settings.dayLengthS * 1000 });
    for (const ch of await loader.loadRegionChunks(world.id, opts.rx, opts.rz)) {
      this.sim.loadChunk(ch.cx, ch.cy, ch.cz, ch.version, Object.entries(ch.edits).map(([i, b]) => [Number(i), b] as const));
    }
    this.wire = new WireSync(this.state, () => this.seams.wire?.character() ?? new CharacterState());
    this.interest = (this.seams.interest ?? ((s, r) => new InterestManager(s, r)))(this.state, settings.viewRadiusChunks, () => this.clients);
    if (this.interest instanceof InterestManager) {
      // Patches encoded once per chunk column, not once per client (rooms/patches.ts).
      // It takes over the encoder Colyseus made when the state was assigned (a second encoder would re-root the state).
      const stock = (this as unknown as { _serializer: SchemaSerializer<RegionState> })._serializer;
      this.setSerializer(CellSerializer.taking(stock, this.interest, () => this.wire.ownerChanged));
    }
    this.wire.init(this.sim, world.id);
    this.writer = this.deps.openWriter({ roomId: this.roomId, rx: opts.rx, rz: opts.rz, log: log.child({ room: this.roomId, rx: opts.rx, rz: opts.rz }) });
    this.writer.start();
    // Views reach VIEW_RADIUS_CHUNKS chunk columns past a watcher's own: a neighbour needs everything within that of the border.
    this.ghosts = new Ghosts({
      presence: this.presence, worldId: world.id, rx: opts.rx, rz: opts.rz, band: (settings.viewRadiusChunks + 1) * CHUNK_SIZE + HANDOFF_MARGIN_BLOCKS,
      state: this.state, sim: this.sim, newCharacter: () => this.seams.wire?.character() ?? new CharacterState(), log,
      wanted: this.interest instanceof InterestManager ? (x, z) => (this.interest as InterestManager).wants(x, z) : undefined,
      watchArea: this.interest instanceof InterestManager ? (rx, rz) => (this.interest as InterestManager).wantedArea(rx, rz, REGION_SIZE, HANDOFF_MARGIN_BLOCKS) : undefined,
    });
    this.sessions = new Sessions({ roomId: this.roomId, worldId: world.id, presence: this.presence, log }, this.sim, this.wire, this.writer, this.interest, {
      handedOff: (id, rx, rz) => this.ghosts.handedOff(id, rx, rz, this.now()),
    });
    this.outlets = {
      sim: this.sim, writer: this.writer, jobs: this.deps.jobs, log, ritualGraceMs: settings.ritualResultGraceMs,
      where: { roomId: this.roomId, worldId: world.id, rx: opts.rx, rz: opts.rz },
      now: () => this.now(),
      setTimeout: (fn, ms) => this.clock.setTimeout(fn, ms),
      clientOf: (id) => this.sessions.clientOf(id),
      clientsNear: (x, z) => this.interest.clientsNear(x, z),
      broadcast: (type, msg) => this.broadcast(type, msg),
    };
    this.stopRitualResults = listenForRituals(this.deps.jobs, this.sim);
    this.narration = new RoomNarration({
      hub: this.deps.narration, jobs: this.deps.jobs, sim: this.sim, writer: this.writer, catalogue: content(), log, world, newId: this.deps.newId, defaultGenre: settings.narrationGenre,
      where: this.outlets.where, clientOf: (id) => this.sessions.clientOf(id),
    });
    await this.presence.subscribe(LOGOUT_CHANNEL, this.onLogout);
    await this.ghosts.start();
    this.edits = new Edits({ presence: this.presence, worldId: world.id, rx: opts.rx, rz: opts.rz, roomId: this.roomId, sim: this.sim, log });
    await this.edits.start();
    this.hits = new Hits({ presence: this.presence, worldId: world.id, rx: opts.rx, rz: opts.rz, sim: this.sim, log });
    await this.hits.start();
    this.clock.setInterval(() => void this.sessions.retryStranded(), settings.persistIntervalMs);
    this.seatReservationTimeout = SEAT_RESERVATION_S;
    // Patches go out at the end of a tick (at most every PATCH_RATE_MS), not on a free-running
    // timer: an independent timer adds a random 0..50 ms wait after every tick (measured).
    this.setPatchRate(null);
    const sent = this.seams.hooks?.sent;
    if (sent) this.frames.onSent = (c) => sent(c, performance.now());
    this.lastStepAt = now;
    this.setSimulationInterval(() => this.heldTick(), 1000 / settings.tickRateHz);
  }

  override async onJoin(client: Client, _options: JoinOptions, auth: AuthData): Promise<void> {
    const characterId = auth.characterId;
    // Same room, another session: take over without a reload (this room is the writer).
    if (!this.sim.characters.has(characterId)) {
      // Another room may still hold it (a race with /api/play's eviction): evict, it saves first.
      await liveCharacters(this.presence).evictElsewhere(characterId, this.roomId);
      // It may have left this room while the database was away: its last state is then still
      // in this room's writer, newer than the row. Write it first, or the load below is stale
      // (and the next save would overwrite the newer state with it).
      // Handed over live by the neighbour it walked out of: no database round trip.
      const handed = recordFromJson(await handoffRecords(this.presence).take(characterId, this.state.rx, this.state.rz));
      if (!handed) await this.writer.flushCharacterNow(characterId);
      const record = handed ?? (await this.deps.loader.loadCharacter(characterId));
      if (!record || record.userId !== auth.userId) throw new ServerError(403, 'that character is not yours');
      // A character handed over may stand within the handoff margin (an edit on this region's ground handed it here).
      const r = regionOfBlock(record.x, record.z);
      const here = handed ? !handoffTarget(this.state.rx, this.state.rz, record.x, record.z) : r.rx === this.state.rx && r.rz === this.state.rz;
      if (record.worldId !== this.worldId || !here) {
        throw new ServerError(409, 'that character is in another region; ask /api/play again');
      }
      this.ghosts.adopt(characterId);
      this.wire.addCharacter(this.sim.enter(record, this.now()));
      if (handed) this.enteredAt.set(characterId, this.now());
    }
    await liveCharacters(this.presence).claim(characterId, this.roomId);
    await pendingSeats(this.presence).clear(characterId);
    // Gone while this join waited (handed on, evicted): this seat has nothing to play, and the claim is not this room's.
    if (!this.sim.characters.has(characterId)) {
      await liveCharacters(this.presence).release(characterId, this.roomId);
      throw new ServerError(409, 'that character is in another region; ask /api/play again');
    }
    this.deps.metrics.clientJoined();
    client.userData = { ...auth, bucket: new TokenBucket(DEFAULT_CLIENT_RATE, this.now()) } satisfies Session;
    this.sessions.bind(characterId, client);
    this.interest.attach(client, characterId);
    this.narration!.joined(characterId);
  }

  override onDrop(client: Client): void {
    if (sessionOf(client)?.gone) return;
    // Rejected when the window passes or the room is disposing (shutdown): then onLeave runs.
    Promise.resolve(this.allowReconnection(client, this.deps.settings.reconnectWindowS)).catch(() => undefined);
  }

  override onReconnect(client: Client): void {
    const s = sessionOf(client)!;
    if (s.gone || !this.sim.characters.has(s.characterId)) throw new Error('character no longer here');
    this.sessions.rebind(s.characterId, client);
    this.interest.rebind(client);
  }

  override async onLeave(client: Client): Promise<void> {
    const s = sessionOf(client);
    this.interest.detach(client.sessionId);
    if (s) this.deps.metrics.clientLeft();
    if (s && this.sessions.isCurrent(client)) await this.sessions.leave(s.characterId);
  }

  override async onDispose(): Promise<void> {
    this.stopRitualResults?.();
    this.narration?.close();
    this.presence.unsubscribe(LOGOUT_CHANNEL, this.onLogout);
    this.ghosts?.stop();
    this.edits?.stop();
    this.hits?.stop();
    if (this.writer && !(await this.writer.stop())) this.deps.log.error({ room: this.roomId }, 'region disposed with unsaved changes');
    await this.sessions?.releaseAllClaims();
    await this.lease?.release();
  }

  /** A bug in a handler, the tick or a timer is logged and the room goes on (one bad input cannot take the process down). */
  override onUncaughtException(err: RoomException, method: RoomMethodName): void {
    this.deps.log.error({ err, method, room: this.roomId }, 'uncaught exception in a region room; the room keeps running');
  }

  /** Remote call (takeover from /api/play or another room): save and drop the character's session. */
  evict(characterId: string): Promise<boolean> {
    return this.sessions.evict(characterId);
  }

  // ---- internals ----

  /** Another room holds the region now (presence lost its data and a new room started): hand the players over and stop. */
  private async regionLost(): Promise<void> {
    this.deps.log.error({ room: this.roomId, rx: this.state.rx, rz: this.state.rz }, 'region lease lost to another room: players sent back to /api/play');
    await this.sessions?.evacuate(CLOSE_REGION_MOVED, 'this region moved to another room; ask /api/play again');
    this.disconnect();
  }

  /** Presence restarted empty and this room kept its region: publish its listing and its characters' claims again. */
  private async regionRestored(): Promise<void> {
    this.deps.log.warn({ room: this.roomId }, 'region lease restored after presence lost its data');
    await this.setMatchmaking({ maxClients: this.maxClients }); // writes the whole listing back
    await this.sessions?.reclaimAll();
  }

  /** A tick whose frames (effects, the patch, the replies resolved by the step) leave each client in one write (rooms/frames.ts). */
  private heldTick(): void {
    this.frames.hold(this.clients);
    try {
      this.tick();
    } finally {
      this.frames.release();
    }
    this.interest.prewarm?.(); // cells a client may step into next, made now rather than inside a tick
    const gcMs = scavengeIfDue(); // in the tick's idle time, not inside the next one (rooms/idle-gc.ts)
    if (gcMs !== undefined) this.seams.hooks?.idleGc?.(gcMs);
  }

  private tick(): void {
    const endTimer = this.deps.metrics.tickTimer();
    const t0 = performance.now();
    const hooks = this.seams.hooks;
    const cpu0 = tickCpuStart(hooks);
    const now = this.now();
    for (const key of this.ghosts.apply(now)) this.interest.chunkAdded(key);
    for (const settle of this.editAnswers.splice(0)) settle(); // after the frame that carries the edited chunk
    this.sim.setNeighbours(this.ghosts.characterTargets()); // the neighbours' characters its NPCs may hunt
    const ev = this.sim.step(now, now - this.lastStepAt);
    this.lastStepAt = now;
    for (const key of this.wire.tick(this.sim, ev)) this.interest.chunkAdded(key);
    routeEffects(this.outlets, ev);
    this.interest.update(this.state.tick);
    if (this.deps.settings.crowdGatherPerS > 0 && this.state.tick % CROWD_EVERY_TICKS === 0) this.gatherCrowds(now, ev);
    for (const c of ev.crossings) void this.sessions.handoff(c.characterId, c.rx, c.rz);
    this.ghosts.publish(ev);
    this.hits.send(ev); // casts' and NPCs' effects on the neighbours' entities
    if (ev.hits.some((h) => this.sim.characters.has(h.casterId))) this.ghosts.struck(); // their NPCs must see who
    this.edits.flush(); // the answers to forwarded edits, after the frame with their chunks
    this.hits.flush(); // the rewards of kills made here by the neighbours' characters, after the frame that shows them
    endTimer();
    this.lastTickEnd = performance.now();
    hooks?.tick?.(this.lastTickEnd - t0, cpuMsSince(cpu0));
    if (now - this.lastPatchAt >= this.deps.settings.patchRateMs * PATCH_DUE_FRACTION) {
      this.lastPatchAt = now;
      this.broadcastPatch();
    }
  }

  override broadcastPatch(): boolean {
    const t0 = performance.now();
    const sent = super.broadcastPatch();
    this.seams.hooks?.patch?.(performance.now() - t0, t0 - this.lastTickEnd);
    return sent;
  }

  /** Hands characters standing in a neighbour's margin to the room that holds more of the crowd around them (src/game/region/crowd.ts). */
  private gatherCrowds(now: number, ev: TickEvents): void {
    const own: Body[] = [];
    for (const c of this.sim.characters.values()) {
      // Only characters whose client is in and joined: not one still joining (its session is not bound yet) or
      // dropped (reconnecting here), who could not follow a handoff.
      const settled = now - (this.enteredAt.get(c.id) ?? -Infinity) >= CROWD_SETTLE_MS;
      if (settled && c.respawnAt === undefined && this.sim.isActive(c.id) && this.sessions.clientOf(c.id)?.state === ClientState.JOINED) own.push(c);
    }
    for (const id of this.enteredAt.keys()) if (!this.sim.characters.has(id)) this.enteredAt.delete(id);
    for (const m of crowdMoves(this.state, own, this.ghosts.characterBodies(), this.deps.settings.crowdGatherPerS)) this.sim.handOver(ev, m.characterId, m);
  }

  /**
   * A block in reach on a neighbour's ground, for a character in play here, while that neighbour's room is heard
   * from: sent to that room (rooms/edits.ts), answered when it answers. Undefined: the edit goes through the
   * simulation as usual (which refuses it and hands the character over when the block is another region's).
   */
  private forwardEdit(client: Client, characterId: string, edit: BlockEdit): HeldReply<Reply> | undefined {
    const c = this.sim.characters.get(characterId); // in play here: the message handler refused it otherwise
    if (!c || c.respawnAt !== undefined) return undefined;
    const owner = foreignEdit(this.sim, c, edit);
    if (!owner || !this.ghosts.heardFrom(owner.rx, owner.rz, this.now())) return undefined;
    const reply = new HeldReply<Reply>();
    this.edits.forward(owner.rx, owner.rz, c, edit, (r) => this.editAnswers.push(() => this.frames.settle(client, reply, r)));
    return reply;
  }

  /**
   * The neighbours' characters and NPCs a cast of `spellId` by `characterId` could reach across the border (rooms/hits.ts):
   * those within the spell's range and area (and the range slack) of the caster, as their ghost rows put them.
   */
  private nearForCast(characterId: string, spellId: string): NearEntity[] | undefined {
    const c = this.sim.characters.get(characterId);
    const spell = content().spellById.get(spellId);
    if (!c || !spell || this.ghosts.size === 0) return undefined;
    const npcs = content().npcByKind;
    return this.ghosts.near(c.x, c.z, spell.range + spell.area + CAST_RANGE_SLACK, (kind) => npcs.get(kind)?.hostile ?? true);
  }

  /** Charges one message to the client's budget; a refusal when over it. */
  private spend(client: Client) {
    const s = sessionOf(client);
    if (!s) return refuse('NOT_IN_REGION', 'not joined');
    const r = s.bucket.take(this.now());
    if (r === 'ok') return undefined;
    if (r === 'kick') void this.sessions.kick(client, CLOSE_RATE_LIMITED, 'too many messages');
    return refuse('RATE_LIMITED', 'too many messages; slow down');
  }
}
