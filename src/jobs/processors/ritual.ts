/**
 * The ritual job: validates the payload (input from another process) and
 * computes the outcome with the game's rules (src/game/rituals.ts).
 */
import { ritualEffects } from '../../game/rituals.js';
import { JobPayloadError, parsePayload, ritualPayloadSchema, type Processor, type RitualPayload, type RitualResult } from '../types.js';

/**
 * The ritual's outcome from its payload alone. Throws JobPayloadError on an
 * invalid payload.
 */
export function computeRitual(payload: RitualPayload): RitualResult {
  const p = parsePayload(ritualPayloadSchema, payload, 'ritual');
  return { ritualId: p.ritualId, status: 'completed', effects: ritualEffects(p) };
}

export const ritualProcessor: Processor<'rituals'> = async (payload, ctx) => {
  if (payload?.ritualId !== ctx.jobId) {
    throw new JobPayloadError(`ritual job ${ctx.jobId} carries ritualId ${JSON.stringify(payload?.ritualId)}; they must be equal`);
  }
  return computeRitual(payload);
};
