/**
 * Block edits across a region border, without a handoff (docs/protocol.md, "Block edits"). A character stands in
 * its room's handoff margin and edits a block in reach on the neighbour's ground: its room sends the edit to the
 * room that owns that ground, on that room's edit channel (presence pub/sub: LocalPresence in one process, Redis
 * across processes), with where it has the character. The owner applies it in its next tick by its own rules
 * (src/game/region/sim.ts submitForeignEdit), persists it as any edit of its own, publishes the chunk to its
 * neighbours as a ghost row, and then answers on the asking room's reply channel. The asking room settles the
 * client's request in its next tick, after it applied the neighbours' frames: the reply and the patch showing the
 * edit (the ghost chunk) reach the client together. Only while the owner's room is heard from (its ghost frames);
 * otherwise, or for a character not in play here, the edit goes the old way: refused OUT_OF_REGION and the
 * character handed over.
 */
import type { Presence } from '@colyseus/core';
import { z } from 'zod';
import type { RegionSim } from '../src/game/region/index.js';
import type { Reply } from '../src/game/commands/index.js';
import type { BlockEdit } from '../src/game/blocks.js';
import type { Vec3 } from '../src/game/types.js';
import { refuse } from '../src/game/types.js';
import type { Logger } from '../src/log.js';
import { blockMsg } from './messages.js';

/** A forwarded edit not answered within this is refused (the owner's room went away meanwhile). */
export const FORWARD_TIMEOUT_MS = 2_000;

const editChannel = (worldId: string, rx: number, rz: number) => `leyline:edits:${worldId}:${rx},${rz}`;
const replyChannel = (worldId: string, roomId: string) => `leyline:edit-replies:${worldId}:${roomId}`;

const position = z.number().finite().min(-1e7).max(1e7);
/** What a room sends the owner of the ground (checked on arrival: another process may run another version). */
const forwarded = z.object({ id: z.string().max(64), replyTo: z.string().max(300), actor: z.object({ x: position, y: position, z: position }), edit: blockMsg }).strict();
type Forwarded = z.infer<typeof forwarded>;
type Answer = { id: string; reply: Reply };

export type EditsOptions = { presence: Presence; worldId: string; rx: number; rz: number; roomId: string; sim: RegionSim; log: Logger };

export class Edits {
  private readonly mine: string;
  private readonly replies: string;
  private readonly pending = new Map<string, { done: (r: Reply) => void; timer: NodeJS.Timeout }>();
  /** Answers to send once this tick's ghost frame went out (see flush). */
  private readonly outbox: { to: string; answer: Answer }[] = [];
  private seq = 0;
  private readonly onEdit = (m: unknown) => this.serve(m);
  private readonly onAnswer = (m: unknown) => this.answered(m);

  constructor(private readonly o: EditsOptions) {
    this.mine = editChannel(o.worldId, o.rx, o.rz);
    this.replies = replyChannel(o.worldId, o.roomId);
  }

  async start(): Promise<void> {
    await this.o.presence.subscribe(this.mine, this.onEdit);
    await this.o.presence.subscribe(this.replies, this.onAnswer);
  }

  /** The room is going: what waits for an answer is refused (the client may send it again). */
  stop(): void {
    this.o.presence.unsubscribe(this.mine, this.onEdit);
    this.o.presence.unsubscribe(this.replies, this.onAnswer);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.done(refuse('NOT_IN_REGION', 'the region is closing; send the edit again'));
    }
  }

  /** Sends `edit` to the room of region (rx, rz) for a character of this room at `actor`; `done` gets its answer (or a refusal after FORWARD_TIMEOUT_MS). */
  forward(rx: number, rz: number, actor: Vec3, edit: BlockEdit, done: (r: Reply) => void): void {
    const id = `${this.o.roomId}:${++this.seq}`;
    const timer = setTimeout(() => {
      if (this.pending.delete(id)) done(refuse('REGION_BUSY', 'the neighbouring region did not answer; try again'));
    }, FORWARD_TIMEOUT_MS);
    this.pending.set(id, { done, timer });
    const m: Forwarded = { id, replyTo: this.replies, actor: { x: actor.x, y: actor.y, z: actor.z }, edit: edit as Forwarded['edit'] };
    this.o.presence.publish(editChannel(this.o.worldId, rx, rz), m);
  }

  /** End of a tick, after the ghost frame: the answers of the edits applied in it (the chunk's row went first). */
  flush(): void {
    for (const { to, answer } of this.outbox.splice(0)) this.o.presence.publish(to, answer);
  }

  private serve(m: unknown): void {
    const parsed = forwarded.safeParse(m);
    if (!parsed.success) {
      this.o.log.warn({ issue: parsed.error.issues[0]?.message }, 'forwarded edit ignored');
      return;
    }
    const { id, replyTo, actor, edit } = parsed.data;
    this.o.sim.submitForeignEdit(actor, edit, (reply) => this.outbox.push({ to: replyTo, answer: { id, reply } }));
  }

  private answered(m: unknown): void {
    const a = m as Partial<Answer> | undefined;
    const p = typeof a?.id === 'string' ? this.pending.get(a.id) : undefined;
    if (!p || typeof a?.reply !== 'object' || a.reply === null) return;
    clearTimeout(p.timer);
    this.pending.delete(a.id!);
    p.done(a.reply as Reply);
  }
}
