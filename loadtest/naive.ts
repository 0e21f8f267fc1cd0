/**
 * BENCHMARK ONLY: the naive peer of `npm run bench` (issue 9): what a studio
 * would write on plain Colyseus. One room for the whole world, one state with
 * a `players` map and no `@view` anywhere, so the encoder makes one patch per
 * patch interval and every client receives every player. Moves are applied in
 * the message handler with the same movement rules as Leyline
 * (src/game/movement.ts checks against the seeded terrain), so the same bots
 * walk the same way; Colyseus' own patch timer sends the patches. No regions:
 * nobody is ever handed off. Characters come from the same database (loaded
 * on join, saved on leave). Never registered by src/server.ts: the bench's
 * server child (loadtest/server.ts) defines it through `defineRooms`.
 */
import { Room, ServerError, type AuthContext, type Client } from '@colyseus/core';
import { MapSchema, Schema, type } from '@colyseus/schema';
import { VoxelWorld } from '../src/world/index.js';
import { applyGravity, checkMove, moveBudgetAt, MOVE_BUDGET_MAX_BLOCKS, type Mover } from '../src/game/movement.js';
import type { CharacterSnapshot } from '../src/game/character.js';
import { moveMsg } from '../rooms/messages.js';
import { cpuMsSince, tickCpuStart, type RegionRoomDeps, type RegionWriter, type RoomSeams } from '../rooms/ports.js';

export const NAIVE_ROOM_NAME = 'naive';

export class NaivePlayer extends Schema {
  @type('string') name = '';
  @type('number') x = 0;
  @type('number') y = 0;
  @type('number') z = 0;
  @type('number') yaw = 0;
}

export class NaiveState extends Schema {
  @type({ map: NaivePlayer }) players = new MapSchema<NaivePlayer>();
}

type Auth = { userId: string; characterId: string };
type Live = Mover & { record: CharacterSnapshot };

/** The naive room class; `hooks` time its simulation tick and its patches like the region room's. */
export function naiveRoom(deps: RegionRoomDeps, hooks?: RoomSeams['hooks']) {
  return class NaiveRoom extends Room<{ state: NaiveState }> {
    override state = new NaiveState();
    private world!: VoxelWorld;
    private writer!: RegionWriter;
    private readonly live = new Map<string, Live>();
    private lastTickEnd = performance.now();

    static override async onAuth(token: string | undefined, options: unknown, _ctx: AuthContext): Promise<Auth> {
      const who = token ? await deps.auth.authenticate(token) : undefined;
      if (!who) throw new ServerError(401, 'a valid token is required');
      const characterId = String((options as { characterId?: unknown })?.characterId ?? '');
      const ch = await deps.loader.loadCharacter(characterId);
      if (!ch || ch.userId !== who.userId) throw new ServerError(403, 'that character is not yours');
      return { userId: who.userId, characterId: ch.id };
    }

    override messages = {
      move: (client: Client, payload: unknown) => {
        hooks?.input?.(client, performance.now());
        const m = moveMsg.safeParse(payload);
        if (!m.success) return { ok: false, code: 'BAD_MESSAGE' };
        const id = (client.auth as Auth).characterId;
        const c = this.live.get(id);
        const p = this.state.players.get(id);
        if (!c || !p) return { ok: false, code: 'NOT_IN_ROOM' };
        const now = Date.now();
        const verdict = checkMove(this.world, c, m.data, now);
        if (!verdict.ok) {
          client.send('correction', { x: c.x, y: c.y, z: c.z });
          return verdict;
        }
        c.moveBudget = moveBudgetAt(c, now) - Math.hypot(m.data.x - c.x, m.data.z - c.z);
        c.lastMoveAt = now;
        c.x = p.x = m.data.x;
        c.y = p.y = m.data.y;
        c.z = p.z = m.data.z;
        if (m.data.yaw !== undefined) p.yaw = m.data.yaw;
        return { ok: true, data: { x: c.x, y: c.y, z: c.z } };
      },
      '*': () => undefined,
    };

    override async onCreate(options: { worldId?: string }): Promise<void> {
      const world = await deps.loader.loadWorld(String(options?.worldId ?? ''));
      if (!world) throw new ServerError(404, 'unknown world');
      this.world = new VoxelWorld(world.seed);
      this.writer = deps.openWriter({ roomId: this.roomId, rx: 0, rz: 0, log: deps.log.child({ room: this.roomId, naive: true }) });
      this.writer.start();
      this.patchRate = deps.settings.patchRateMs; // Colyseus' own timer, independent of the tick
      this.setSimulationInterval(() => this.tick(), 1000 / deps.settings.tickRateHz);
    }

    override async onJoin(client: Client, _options: unknown, auth: Auth): Promise<void> {
      const record = await deps.loader.loadCharacter(auth.characterId);
      if (!record) throw new ServerError(404, 'no such character');
      const now = Date.now();
      this.live.set(record.id, { x: record.x, y: record.y, z: record.z, lastMoveAt: now, moveBudget: MOVE_BUDGET_MAX_BLOCKS, record });
      this.state.players.set(record.id, Object.assign(new NaivePlayer(), { name: record.name, x: record.x, y: record.y, z: record.z, yaw: record.yaw }));
      client.userData = auth;
    }

    override async onLeave(client: Client): Promise<void> {
      const id = (client.auth as Auth | undefined)?.characterId;
      const c = id ? this.live.get(id) : undefined;
      if (!id || !c) return;
      this.live.delete(id);
      this.state.players.delete(id);
      this.writer.markCharacter(id, () => ({ ...c.record, x: c.x, y: c.y, z: c.z }));
      await this.writer.flushCharacterNow(id).catch(() => undefined);
    }

    override async onDispose(): Promise<void> {
      await this.writer?.stop();
    }

    /** The same gravity as Leyline's movement rules; nothing else lives in this world. */
    private tick(): void {
      const t0 = performance.now();
      const cpu0 = tickCpuStart(hooks);
      const now = Date.now();
      for (const [id, c] of this.live) {
        const y = applyGravity(this.world, c, now, 1000 / deps.settings.tickRateHz);
        if (y === undefined) continue;
        c.y = y;
        this.state.players.get(id)!.y = y;
      }
      this.lastTickEnd = performance.now();
      hooks?.tick?.(this.lastTickEnd - t0, cpuMsSince(cpu0));
    }

    override broadcastPatch(): boolean {
      const t0 = performance.now();
      const sent = super.broadcastPatch();
      const t1 = performance.now();
      hooks?.patch?.(t1 - t0, t0 - this.lastTickEnd);
      // Every client's frame was written during the broadcast: timed at its middle (within ± half a patch).
      if (hooks?.sent) for (const c of this.clients) hooks.sent(c, (t0 + t1) / 2);
      return sent;
    }
  };
}
