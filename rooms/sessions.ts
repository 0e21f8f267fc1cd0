/**
 * Who plays which character in a region room, and every way a character
 * leaves it: leave, drop past the reconnection window, kick, takeover,
 * handoff, dispose. Each exit saves the character and releases its claim
 * once; concurrent exits share that one release.
 */
import type { Client, Presence } from '@colyseus/core';
import { recordToJson, snapshotOf } from '../src/game/character.js';
import type { RegionSim } from '../src/game/region/index.js';
import type { TokenBucket } from '../src/game/ratelimit.js';
import type { Logger } from '../src/log.js';
import type { Interest, RegionWriter } from './ports.js';
import { handoffRecords, liveCharacters, pendingSeats, playRegion } from './registry.js';
import type { WireSync } from './sync.js';

// 41xx: Colyseus' own close codes are 4000–4003 and 4010 (shutdown, error, failed reconnect …).
export const CLOSE_TAKEN_OVER = 4101; // another session took this character
export const CLOSE_RATE_LIMITED = 4102; // sustained message flood
export const CLOSE_HANDOFF = 4103; // character moved to another region
export const CLOSE_LOGGED_OUT = 4104; // the session's login was revoked (logout)
export const CLOSE_REGION_MOVED = 4105; // another room holds the region now: ask /api/play again

/** What onAuth hands to onJoin. (Not `sessionId`: Colyseus would take that as the seat's session id.) */
export type AuthData = { userId: string; characterId: string; token: string; loginSessionId: string };
export type Session = AuthData & { bucket: TokenBucket; gone?: boolean };

export const sessionOf = (client: Client): Session | undefined => client.userData as Session | undefined;

export class Sessions {
  private readonly byCharacter = new Map<string, Client>();
  private readonly releasing = new Map<string, Promise<void>>();
  /** Characters that left while their final save failed (database away): the writer keeps them dirty; their claims stay here until saved. */
  private readonly stranded = new Set<string>();

  constructor(
    private readonly room: { roomId: string; worldId: string; presence: Presence; log: Logger },
    private readonly sim: RegionSim,
    private readonly wire: WireSync,
    private readonly writer: RegionWriter,
    private readonly interest: Interest,
    /** Where a handed-off character's state object goes (the room keeps it as a ghost); default: out of the state. */
    private readonly hooks?: { handedOff(characterId: string, rx: number, rz: number): void },
  ) {}

  clientOf(characterId: string): Client | undefined {
    return this.byCharacter.get(characterId);
  }

  /** The client now playing `characterId`: a previous session of it is taken over. */
  bind(characterId: string, client: Client): void {
    const previous = this.byCharacter.get(characterId);
    if (previous && previous !== client) this.close(previous, CLOSE_TAKEN_OVER, 'this character was taken over by another session');
    this.byCharacter.set(characterId, client);
  }

  /** The same session came back (reconnection): its new client object replaces the old one. */
  rebind(characterId: string, client: Client): void {
    this.byCharacter.set(characterId, client);
  }

  isCurrent(client: Client): boolean {
    const s = sessionOf(client);
    return !!s && !s.gone && this.byCharacter.get(s.characterId) === client;
  }

  /** Ends a session from the server side; the character stays until released. */
  close(client: Client, code: number, reason: string): void {
    const s = sessionOf(client);
    if (s) {
      s.gone = true;
      if (this.byCharacter.get(s.characterId) === client) this.byCharacter.delete(s.characterId);
    }
    this.interest.detach(client.sessionId);
    client.leave(code, reason);
  }

  /** Ends a session and lets its character go (kick, logout): saved and released, never left behind in the world. */
  async kick(client: Client, code: number, reason: string): Promise<void> {
    const s = sessionOf(client);
    const current = this.isCurrent(client);
    this.close(client, code, reason);
    if (s && current) await this.leave(s.characterId);
  }

  /** The clients of a login session (all its characters here). */
  clientsOfLogin(sessionId: string): Client[] {
    return [...this.byCharacter.values()].filter((c) => sessionOf(c)?.loginSessionId === sessionId);
  }

  /** Final save of a character leaving this room, then it is no longer live here. Concurrent callers share one release. */
  release(characterId: string): Promise<void> {
    let p = this.releasing.get(characterId);
    if (!p) {
      p = this.doRelease(characterId).finally(() => this.releasing.delete(characterId));
      this.releasing.set(characterId, p);
    }
    return p;
  }

  /** Takeover from /api/play or another room: close the session, save, release. False when the character is not here. */
  async evict(characterId: string): Promise<boolean> {
    const client = this.byCharacter.get(characterId);
    if (client) this.close(client, CLOSE_TAKEN_OVER, 'this character was taken over by another session');
    const inFlight = this.releasing.get(characterId);
    if (inFlight) {
      await inFlight;
      return true;
    }
    if (!this.sim.characters.has(characterId)) return false;
    await this.release(characterId);
    return true;
  }

  /**
   * The character walked into a neighbour region. Its live record goes to that
   * region's room through presence (no database round trip: this room's writer
   * saves its last snapshot on the interval as usual, and the handoff count keeps
   * that late save from overwriting the next room's); a seat is reserved there
   * (any process) and the client gets `handoff`. If that fails the client is
   * closed with CLOSE_HANDOFF and asks /api/play again: nothing is left claimed.
   */
  async handoff(characterId: string, rx: number, rz: number): Promise<void> {
    const client = this.byCharacter.get(characterId);
    const s = client && sessionOf(client);
    const live = this.releasing.has(characterId) ? undefined : this.sim.removeCharacter(characterId);
    if (!live) return;
    this.byCharacter.delete(characterId);
    this.writer.markCharacter(characterId, () => snapshotOf(live));
    if (this.hooks) this.hooks.handedOff(characterId, rx, rz);
    else this.wire.removeCharacter(characterId);
    if (client && s) {
      s.gone = true;
      this.interest.detach(client.sessionId);
    }
    try {
      const presence = this.room.presence;
      await handoffRecords(presence).put(characterId, { rx, rz }, recordToJson({ ...snapshotOf(live), handoffs: live.handoffs + 1 }));
      await liveCharacters(presence).release(characterId, this.room.roomId);
      if (!client || !s) return; // no session to move: the record waits for /api/play, the writer saves the row
      const reservation = await playRegion({ worldId: this.room.worldId, rx, rz, characterId }, s.token);
      // In no room until the seat is used: recorded as pending, so REST still sees it in play.
      await pendingSeats(presence).set(characterId, { reservation, region: { rx, rz } });
      client.send('handoff', { reservation });
    } catch (err) {
      this.room.log.warn({ err, characterId, rx, rz }, 'handoff failed; the client must ask /api/play again');
      await liveCharacters(this.room.presence).release(characterId, this.room.roomId).catch(() => undefined);
      client?.send('handoff', { error: 'HANDOFF_FAILED' });
      client?.leave(CLOSE_HANDOFF, 'handoff failed');
    }
  }

  /** Everyone out (the region moved to another room): each character saved and released. */
  async evacuate(code: number, reason: string): Promise<void> {
    await Promise.all([...this.byCharacter.values()].map((c) => this.kick(c, code, reason)));
    await Promise.all([...this.sim.characters.keys()].map((id) => this.release(id)));
  }

  /** After presence lost its data (Redis restarted empty): claim again every character this room holds. */
  async reclaimAll(): Promise<void> {
    const registry = liveCharacters(this.room.presence);
    await Promise.all([...this.sim.characters.keys()].map((id) => registry.claim(id, this.room.roomId)));
  }

  /** Room disposal: claims of characters still here are released (the writer's final flush saved them). */
  async releaseAllClaims(): Promise<void> {
    const registry = liveCharacters(this.room.presence);
    await Promise.all([...this.sim.characters.keys(), ...this.stranded].map((id) => registry.release(id, this.room.roomId)));
  }

  /**
   * The save of a leaving character failed (database away): it stays dirty in the writer
   * and its claim stays with this room, so a new session comes back here and finds the
   * unsaved state (onJoin writes it first). Retried by `retryStranded`.
   */
  async leave(characterId: string): Promise<void> {
    try {
      await this.release(characterId);
    } catch (err) {
      this.stranded.add(characterId);
      this.room.log.warn({ err, characterId }, 'left while the database was away: kept dirty, saved by a later flush');
    }
  }

  /** Claims of characters whose final save failed are released once a save succeeds. */
  async retryStranded(): Promise<void> {
    for (const id of this.stranded) {
      if (this.sim.characters.has(id)) {
        this.stranded.delete(id); // back in play here: no longer stranded
        continue;
      }
      try {
        await this.writer.flushCharacterNow(id);
        this.stranded.delete(id);
        await liveCharacters(this.room.presence).release(id, this.room.roomId);
      } catch {
        return; // still away: the next round tries again
      }
    }
  }

  private async doRelease(characterId: string): Promise<void> {
    const live = this.sim.removeCharacter(characterId);
    this.byCharacter.delete(characterId);
    this.wire.removeCharacter(characterId);
    if (live) {
      this.writer.markCharacter(characterId, () => snapshotOf(live));
      await this.writer.flushCharacterNow(characterId);
    }
    await liveCharacters(this.room.presence).release(characterId, this.room.roomId);
  }
}
