/** Payload schemas of the region room's client → server messages (PROTOCOL.md). */
import { z } from 'zod';

const coord = z.number().finite().min(-1e7).max(1e7);
const blockCoord = z.number().int().min(-1e7).max(1e7);

export const moveMsg = z.object({ x: coord, y: coord, z: coord, yaw: z.number().finite().optional() }).strict();
export const blockMsg = z
  .object({ action: z.enum(['break', 'place']), x: blockCoord, y: blockCoord, z: blockCoord, block: z.number().int().min(0).max(255).optional() })
  .strict();
export const chatMsg = z.object({ text: z.string().max(1000) }).strict();
export const castMsg = z
  .object({ spellId: z.string().min(1).max(64), targetId: z.string().min(1).max(64).optional(), x: coord.optional(), y: coord.optional(), z: coord.optional() })
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
