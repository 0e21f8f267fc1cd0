/**
 * Casts across a region border (docs/protocol.md, "Casting across a border"). A client sees a neighbour's
 * characters and NPCs near the border (ghost copies, rooms/ghosts.ts) and may cast at them: its room checks and
 * pays the cast against where their last ghost row put them (src/game/commands/cast.ts `near`), applies what lands
 * on its own ground, and sends the effects on the neighbour's entities here: to the room that owns them, on that
 * room's hit channel (presence pub/sub: LocalPresence in one process, Redis across processes). The owner applies
 * them in its next tick by its own rules (RegionSim.submitHits: shields, deaths, respawns), and the change reaches
 * the caster's client through the ghost rows like any other. A kill's reward (xp, loot rolled by the owner) comes
 * back on the caster's region's channel and is granted there in its next tick (RegionSim.creditKills), after the
 * frame that shows the kill (answers go out after the tick's ghost frame). A reward for a character that left
 * that region meanwhile is lost; a hit for an entity that is gone or dead does nothing (a missed spell).
 */
import type { Presence } from '@colyseus/core';
import { z } from 'zod';
import type { AwayKill, RegionSim, TickEvents } from '../src/game/region/index.js';
import type { Logger } from '../src/log.js';

const hitChannel = (worldId: string, rx: number, rz: number) => `leyline:hits:${worldId}:${rx},${rz}`;

const id = z.string().min(1).max(64);
const amount = z.number().finite().min(0).max(1e6);
const effect = z.object({ kind: z.enum(['damage', 'drain', 'heal', 'shield']), targetId: id, targetKind: z.enum(['character', 'npc']), amount }).passthrough();
const kill = z.object({
  npcId: id, npcKind: id, xp: z.number().int().min(0).max(1e6), lootId: z.string().min(1).max(128),
  drops: z.array(z.object({ itemId: id, quantity: z.number().int().min(1).max(1e6) }).strict()).max(64),
}).strict();
/** What rooms send each other (checked on arrival: another process may run another version). */
const message = z.union([
  z.object({ hit: z.object({ from: z.tuple([z.number().int(), z.number().int()]), casterId: id, effects: z.array(effect).min(1).max(256) }).strict() }).strict(),
  z.object({ credit: z.object({ characterId: id, kills: z.array(kill).min(1).max(64) }).strict() }).strict(),
]);
type Message = z.infer<typeof message>;

export type HitsOptions = { presence: Presence; worldId: string; rx: number; rz: number; sim: RegionSim; log: Logger };

export class Hits {
  private readonly mine: string;
  /** Rewards to send once this tick's ghost frame went out (see flush). */
  private readonly outbox: { to: string; m: Message }[] = [];
  private readonly onMessage = (m: unknown) => this.serve(m);

  constructor(private readonly o: HitsOptions) {
    this.mine = hitChannel(o.worldId, o.rx, o.rz);
  }

  async start(): Promise<void> {
    await this.o.presence.subscribe(this.mine, this.onMessage);
  }

  stop(): void {
    this.o.presence.unsubscribe(this.mine, this.onMessage);
  }

  /** After a tick: the effects its casts had on neighbours' entities, each to the room that owns them. */
  send(ev: TickEvents): void {
    for (const h of ev.hits) {
      const effects = h.effects.filter((e) => e.targetId !== undefined && e.targetKind !== undefined);
      if (effects.length === 0) continue;
      const m: Message = { hit: { from: [this.o.rx, this.o.rz], casterId: h.casterId, effects: effects as Extract<Message, { hit: unknown }>['hit']['effects'] } };
      this.o.presence.publish(hitChannel(this.o.worldId, h.rx, h.rz), m);
    }
  }

  /** End of a tick, after the ghost frame: the rewards of the kills made in it (the kill's rows went first). */
  flush(): void {
    for (const { to, m } of this.outbox.splice(0)) this.o.presence.publish(to, m);
  }

  private serve(raw: unknown): void {
    const parsed = message.safeParse(raw);
    if (!parsed.success) {
      this.o.log.warn({ issue: parsed.error.issues[0]?.message }, 'cross-border hit ignored');
      return;
    }
    const m = parsed.data;
    if ('credit' in m) {
      this.o.sim.creditKills(m.credit.characterId, m.credit.kills as AwayKill[]);
      return;
    }
    const { from, casterId, effects } = m.hit;
    this.o.sim.submitHits(casterId, effects, (kills) => {
      if (kills.length > 0) this.outbox.push({ to: hitChannel(this.o.worldId, from[0], from[1]), m: { credit: { characterId: casterId, kills } } });
    });
  }
}
