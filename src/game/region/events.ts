/** What one tick of a region changed and caused: the room syncs it to the wire and routes it to its outlets. */
import type { Drop } from '../loot.js';
import type { CastEffect, CastFactors } from '../magic.js';
import type { RitualOutcome, RitualStart } from '../rituals.js';
import type { Vec3 } from '../types.js';

export type BlockChange = { key: string; cx: number; cy: number; cz: number; index: number; block: number | undefined; version: number };

/** One cast attempt, for the magic event log. */
export type CastLog = {
  characterId: string;
  spellId: string;
  success: boolean;
  code: string | null;
  effect: number;
  manaSpent: number;
  factors?: CastFactors;
};

export type TickEvents = {
  /** Characters whose state changed (position, hp, mana, xp, cooldowns …). */
  characters: Set<string>;
  npcs: Set<string>;
  blocks: BlockChange[];
  /** Refused moves: the client is told where its character really is. */
  corrections: { characterId: string; x: number; y: number; z: number }[];
  chats: { characterId: string; from: string; text: string }[];
  /** Characters now standing in another region: to be handed off. */
  crossings: { characterId: string; rx: number; rz: number }[];
  casts: CastLog[];
  /** Effects of this region's casts and NPC blows on neighbouring regions' entities: for their rooms to apply (rooms/hits.ts). */
  hits: { rx: number; rz: number; casterId: string; effects: CastEffect[] }[];
  spells: { casterId: string; spellId: string; aim: Vec3; effects: CastEffect[] }[];
  /** `lootId` is unique per kill: the grant's idempotency key. */
  kills: { characterId: string; npcId: string; npcKind: string; xp: number; drops: Drop[]; lootId: string }[];
  deaths: { characterId: string; respawnAt: number }[];
  rituals: RitualStart[];
  ritualOutcomes: RitualOutcome[];
  worldEvents: { kind: string; text: string; until: number }[];
  /** Leyline strengths were recomputed this tick. */
  leylines: boolean;
};

export function emptyEvents(): TickEvents {
  return {
    characters: new Set(), npcs: new Set(), blocks: [], corrections: [], chats: [], crossings: [],
    casts: [], hits: [], spells: [], kills: [], deaths: [], rituals: [], ritualOutcomes: [], worldEvents: [], leylines: false,
  };
}
