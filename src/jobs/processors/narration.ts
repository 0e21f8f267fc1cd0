/**
 * The narration job (issue 10): a player's `act` or `talk`, narrated by the
 * game master (src/ai, behind the GameMaster contract) in a worker, never in
 * a room's tick.
 *
 *   payload (validated) → memory, quests, events, relationship + history from
 *   the database → GameMaster.narrate (chunks published live on the
 *   character's presence channel) → the proposal validated by the rules
 *   (src/game/outcomes.ts; refused parts logged) → relationship, history,
 *   memory, lore and quest offer recorded (once per narration id) → the
 *   result: text + the outcome the room holding the character applies (xp, items).
 *
 * It never fails on the game master (which always answers, with the built-in
 * narrator if need be) nor on the database (context falls back to empty, a
 * failed record is logged and its parts reported as dropped): a retry would
 * only ask the model again.
 */
import type { Content } from '../../content/index.js';
import type { NarrationStore, StoredContext } from '../../db/narration.js';
import { cleanText, validateOutcome, type DroppedPart } from '../../game/outcomes.js';
import { applyRelationship, relationshipStep, stanceOf, toneOf } from '../../game/relationships.js';
import {
  JobPayloadError,
  narrationChannel,
  narrationPayloadSchema,
  parsePayload,
  type GameMaster,
  type NarrationChunk,
  type NarrationContext,
  type NarrationOutcome,
  type NarrationRequest,
  type NarrationResult,
  type Processor,
} from '../types.js';

/** Longest narration text sent on (the game master already limits it; this is the wire's own bound). */
export const NARRATION_WIRE_MAX = 4000;

export type NarrationDeps = {
  gameMaster: GameMaster;
  /** Memory, quests, relationships; absent → the narration runs without them and records nothing. */
  store?: NarrationStore;
  /** Publishes on presence (LocalPresence in one process, Redis across processes); absent → no live chunks. */
  publish?: (channel: string, message: NarrationChunk) => unknown;
  content: Pick<Content, 'npcByKind'>;
};

const EMPTY: StoredContext = { memory: '', quests: [], recentEvents: [], relationship: 0, history: [] };
const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export function createNarrationProcessor(deps: NarrationDeps): Processor<'narration'> {
  return async (payload, ctx) => {
    const p = parsePayload(narrationPayloadSchema, payload, 'narration');
    if (p.narrationId !== ctx.jobId) throw new JobPayloadError(`narration job ${ctx.jobId} carries narrationId ${p.narrationId}; they must be equal`);
    const log = ctx.log.child({ narrationId: p.narrationId, characterId: p.characterId });
    if (p.kind === 'talk' && !p.npc) throw new JobPayloadError('a talk narration needs its npc');
    const npcDef = p.npc ? deps.content.npcByKind.get(p.npc.kind) : undefined;
    const t0 = performance.now();

    const stored = deps.store
      ? await deps.store.loadContext({ characterId: p.characterId, worldId: p.worldId, rx: p.rx, rz: p.rz, npcKey: p.npc?.id }).catch((err: unknown) => {
          log.warn({ err }, 'narration context not loaded from the database; narrating without memory');
          return EMPTY;
        })
      : EMPTY;

    const context: NarrationContext = {
      character: { ...p.character },
      region: { ...p.region, worldId: p.worldId, rx: p.rx, rz: p.rz, recentEvents: stored.recentEvents },
      quests: stored.quests,
      memory: stored.memory,
      npc: p.npc && {
        id: p.npc.id,
        kind: p.npc.kind,
        persona: `${npcDef?.persona ?? `A ${p.npc.kind.replace(/_/g, ' ')}.`} Toward this character it is ${stanceOf(stored.relationship)} (${stored.relationship} of −100..100).`,
        relationship: stored.relationship,
        history: stored.history,
      },
    };
    const req: NarrationRequest = { narrationId: p.narrationId, userId: p.userId, kind: p.kind, text: p.text, genre: p.genre, seed: p.seed, context };

    const channel = narrationChannel(p.characterId);
    let seq = 0;
    const onChunk = (text: string) => {
      if (!deps.publish || !text) return;
      try {
        Promise.resolve(deps.publish(channel, { type: 'chunk', narrationId: p.narrationId, characterId: p.characterId, seq: seq++, text })).catch(() => undefined);
      } catch {
        /* a chunk is a preview: the final narration carries the whole text */
      }
    };
    const t1 = performance.now();
    const res = await deps.gameMaster.narrate(req, onChunk);
    const t2 = performance.now();
    const text = cut(cleanText(res.text ?? ''), NARRATION_WIRE_MAX) || '…';

    const verdict = validateOutcome(res.proposal, { kind: p.kind, allowedItems: new Map(p.lootItems.map((i) => [i.itemId, i.max])) });
    const dropped: DroppedPart[] = [...verdict.dropped];
    const a = verdict.applied;
    const outcome: NarrationOutcome = {};
    if (a.xp) outcome.xp = a.xp;
    if (a.items) outcome.items = a.items;

    if (deps.store) {
      const tone = p.kind === 'talk' ? toneOf(p.text) : 0;
      const step = relationshipStep(tone, a.relationship);
      const note = res.memoryNote?.trim()
        ? res.memoryNote
        : p.npc
          ? `Talked to a ${p.npc.kind.replace(/_/g, ' ')}: "${cut(p.text, 100)}"`
          : `Did: "${cut(p.text, 120)}"`;
      try {
        const r = await deps.store.record({
          narrationId: p.narrationId, characterId: p.characterId, worldId: p.worldId, note: cleanText(note),
          talk: p.npc && {
            npcId: p.npc.id, npcKind: p.npc.kind, said: p.text, reply: text,
            step: (old) => {
              const value = applyRelationship(old, step);
              return { value, delta: value - old };
            },
          },
          questOffered: a.questOffered,
          lore: a.lore,
        });
        if (r.recorded) {
          if (r.relationship && p.npc) outcome.relationship = { npcId: p.npc.id, npcKind: p.npc.kind, ...r.relationship };
          if (a.questOffered) outcome.questOffered = a.questOffered;
          if (a.lore) outcome.lore = a.lore;
        }
      } catch (err) {
        log.error({ err }, 'narration memory / relationship not saved');
        for (const field of ['relationship', 'questOffered', 'lore'] as const) if (field === 'relationship' ? p.npc : a[field]) dropped.push({ field, reason: 'not saved' });
      }
    }
    if (verdict.dropped.length) log.warn({ dropped: verdict.dropped, source: res.source }, 'game master proposal refused (in part): the rules allow no such outcome');
    const ms = { context: Math.round(t1 - t0), narrate: Math.round(t2 - t1), record: Math.round(performance.now() - t2) };
    log.debug({ source: res.source, cause: res.cause, cached: res.cached, ms }, 'narration done');
    const result: NarrationResult = { narrationId: p.narrationId, characterId: p.characterId, text, source: res.source, outcome, dropped };
    if (res.cause) result.cause = res.cause;
    return result;
  };
}
