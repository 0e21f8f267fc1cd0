/**
 * The region room's client → server messages (docs/protocol.md): each type's
 * payload schema and the simulation command it becomes. Validation happens
 * here, at the boundary; the rules live in src/game/commands.
 */
import { z } from 'zod';
import { CATALOGUE_ID } from '../src/content/index.js';
import type { Command } from '../src/game/region/index.js';

const coord = z.number().finite().min(-1e7).max(1e7);
// Radians, any turn count; float32 on the wire, where a larger finite value (1e308) would arrive as Infinity.
const angle = z.number().finite().min(-1e7).max(1e7);
const blockCoord = z.number().int().min(-1e7).max(1e7);
/** Catalogue ids (spells …) as clients send them: nothing else ever reaches the rules, the logs or the tables. */
const catalogueId = z.string().regex(CATALOGUE_ID, 'an id is 1–64 of a-z, 0-9 and _');
/** Entity ids (characters are uuids, NPCs `npc:rx,rz:n`). */
const entityId = z.string().regex(/^[a-z0-9_:,-]{1,64}$/, 'not an entity id');

export const moveMsg = z.object({ x: coord, y: coord, z: coord, yaw: angle.optional() }).strict();
export const blockMsg = z
  .object({ action: z.enum(['break', 'place']), x: blockCoord, y: blockCoord, z: blockCoord, block: z.number().int().min(0).max(255).optional() })
  .strict();
export const chatMsg = z.object({ text: z.string().max(1000) }).strict();
export const castMsg = z
  .object({ spellId: catalogueId, targetId: entityId.optional(), x: coord.optional(), y: coord.optional(), z: coord.optional() })
  .strict()
  .refine((m) => [m.x, m.y, m.z].every((v) => v === undefined) || [m.x, m.y, m.z].every((v) => v !== undefined), 'x, y and z come together');

/** Options a client (through /api/play or a handoff) joins a region with. */
export const joinOptions = z.object({
  worldId: z.uuid(),
  rx: z.number().int().min(-1e5).max(1e5),
  rz: z.number().int().min(-1e5).max(1e5),
  characterId: z.uuid(),
});
export type JoinOptions = z.infer<typeof joinOptions>;

type MessageDef<S extends z.ZodTypeAny> = { schema: S; command(m: z.infer<S>, characterId: string): Command };
const def = <S extends z.ZodTypeAny>(d: MessageDef<S>) => d;

/** Message type → payload schema → command. */
export const MESSAGES = {
  move: def({ schema: moveMsg, command: (m, characterId) => ({ kind: 'move', characterId, to: m }) }),
  block: def({ schema: blockMsg, command: (m, characterId) => ({ kind: 'block', characterId, edit: m }) }),
  chat: def({ schema: chatMsg, command: (m, characterId) => ({ kind: 'chat', characterId, text: m.text }) }),
  cast: def({
    schema: castMsg,
    command: (m, characterId) => ({
      kind: 'cast', characterId, spellId: m.spellId, targetId: m.targetId,
      point: m.x !== undefined ? { x: m.x, y: m.y!, z: m.z! } : undefined,
    }),
  }),
};
