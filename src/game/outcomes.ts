/**
 * The game master's proposed consequences are untrusted input (issue 10):
 * a model may propose anything. `validateOutcome` checks a raw proposal
 * (unknown JSON) against the rules and returns what may be applied and what
 * was dropped, with a reason per field. Pure: no zod (src/game imports no
 * npm package), no I/O; the narration job calls it, the room applies the
 * result (docs/protocol.md, "Game master").
 *
 * Shape (documented in docs/protocol.md):
 *   { items?: [{itemId, quantity}], xp?, relationship?, questOffered?: {title, description?}, lore?: [string] }
 * Anything else (not an object, an unknown key, a field of the wrong type)
 * is malformed: the whole proposal is dropped. A well-formed field that
 * breaks a rule is dropped alone; the other fields stand.
 */
import type { Drop } from './loot.js';

export const OUTCOME_LIMITS = {
  /** Xp one narration may grant (whole, ≥ 0). A kill of a wolf gives 10, an orc 40. */
  xpPerNarration: 50,
  /** |relationship change| the model may propose per talk (src/game/relationships.ts combines it with the player's tone). */
  relationshipStep: 10,
  /** Different items one narration may grant. */
  itemKinds: 3,
  questTitleChars: 80,
  questDescriptionChars: 300,
  loreEntries: 3,
  loreChars: 200,
  /** Longest array the shape check even looks at (a bigger one is malformed). */
  arrayMax: 16,
} as const;

const KEYS = ['items', 'xp', 'relationship', 'questOffered', 'lore'] as const;

/** What a narration may grant, from the region it was asked in: item id → most of it one narration may give. */
export type AllowedItems = ReadonlyMap<string, number>;

export type OutcomeRules = {
  kind: 'act' | 'talk';
  allowedItems: AllowedItems;
};

/** The parts of a proposal that passed the rules (all optional; `{}` = nothing). */
export type AppliedOutcome = {
  items?: Drop[];
  xp?: number;
  /** `talk` only: the model's proposed change, within ±relationshipStep (combined with the tone by relationships.ts). */
  relationship?: number;
  questOffered?: { title: string; description?: string };
  lore?: string[];
};

export type DroppedPart = { field: string; reason: string };
export type OutcomeVerdict = { applied: AppliedOutcome; dropped: DroppedPart[] };

/** The region's loot tables: those of the NPC kinds that live in it (the kinds its spawn gave it). */
export function regionLootItems(
  npcKinds: Iterable<string>,
  catalogue: {
    npcByKind: ReadonlyMap<string, { lootTable: string }>;
    lootTableById: ReadonlyMap<string, { entries: readonly { itemId: string; max: number }[] }>;
  },
): Map<string, number> {
  const out = new Map<string, number>();
  for (const kind of new Set(npcKinds)) {
    const table = catalogue.lootTableById.get(catalogue.npcByKind.get(kind)?.lootTable ?? '');
    for (const e of table?.entries ?? []) out.set(e.itemId, Math.max(out.get(e.itemId) ?? 0, Math.max(1, Math.floor(e.max))));
  }
  return out;
}

/** Control characters (C0, DEL, C1, bidi overrides) become spaces; runs of whitespace collapse; trimmed. */
export function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim();
}

type Shape = {
  items?: { itemId: string; quantity: number }[];
  xp?: number;
  relationship?: number;
  questOffered?: { title: string; description?: string };
  lore?: string[];
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const onlyKeys = (o: Record<string, unknown>, keys: readonly string[]) => Object.keys(o).find((k) => !keys.includes(k));

/** The shape check: undefined when well-formed, else why not. */
function malformed(raw: unknown): string | undefined {
  if (!isObject(raw)) return 'not an object';
  const extra = onlyKeys(raw, KEYS);
  if (extra !== undefined) return `unknown field "${extra.slice(0, 32)}"`;
  const p = raw as Shape & Record<string, unknown>;
  if (p.items !== undefined) {
    if (!Array.isArray(p.items) || p.items.length > OUTCOME_LIMITS.arrayMax) return 'items is not a short list';
    for (const it of p.items as unknown[]) {
      if (!isObject(it) || onlyKeys(it, ['itemId', 'quantity']) !== undefined) return 'an item is not {itemId, quantity}';
      if (typeof it.itemId !== 'string' || it.itemId.length > 64 || !isNumber(it.quantity)) return 'an item is not {itemId, quantity}';
    }
  }
  if (p.xp !== undefined && !isNumber(p.xp)) return 'xp is not a number';
  if (p.relationship !== undefined && !isNumber(p.relationship)) return 'relationship is not a number';
  if (p.questOffered !== undefined) {
    const q = p.questOffered as unknown;
    if (!isObject(q) || onlyKeys(q, ['title', 'description']) !== undefined || typeof q.title !== 'string') return 'questOffered is not {title, description?}';
    if (q.description !== undefined && typeof q.description !== 'string') return 'questOffered.description is not text';
  }
  if (p.lore !== undefined) {
    if (!Array.isArray(p.lore) || p.lore.length > OUTCOME_LIMITS.arrayMax || !p.lore.every((l) => typeof l === 'string')) return 'lore is not a short list of text';
  }
  return undefined;
}

/**
 * Checks a raw proposal against the rules. Malformed → nothing applied, one
 * dropped entry `{field: "proposal"}`. Otherwise each field on its own:
 *  - items: only ids in `allowedItems`, whole quantity 1..its max there, at most `itemKinds` kinds;
 *  - xp: whole, 0..xpPerNarration (0 is not applied);
 *  - relationship: `talk` only, whole, within ±relationshipStep;
 *  - questOffered: a title of 1..questTitleChars after cleaning, description cut to questDescriptionChars;
 *  - lore: at most loreEntries non-empty entries of at most loreChars (longer ones are dropped, not cut).
 */
export function validateOutcome(raw: unknown, rules: OutcomeRules): OutcomeVerdict {
  const applied: AppliedOutcome = {};
  const dropped: DroppedPart[] = [];
  if (raw === undefined || raw === null) return { applied, dropped };
  const bad = malformed(raw);
  if (bad) return { applied, dropped: [{ field: 'proposal', reason: `malformed: ${bad}` }] };
  const p = raw as Shape;
  const L = OUTCOME_LIMITS;

  if (p.items) {
    const items: Drop[] = [];
    for (const [i, it] of p.items.entries()) {
      const max = rules.allowedItems.get(it.itemId);
      const field = `items[${i}]`;
      if (max === undefined) dropped.push({ field, reason: 'not in the region’s loot tables' });
      else if (!Number.isInteger(it.quantity) || it.quantity < 1 || it.quantity > max) dropped.push({ field, reason: `quantity must be a whole 1..${max}` });
      else if (items.some((d) => d.itemId === it.itemId)) dropped.push({ field, reason: 'item listed twice' });
      else if (items.length >= L.itemKinds) dropped.push({ field, reason: `more than ${L.itemKinds} kinds of item` });
      else items.push({ itemId: it.itemId, quantity: it.quantity });
    }
    if (items.length) applied.items = items;
  }

  if (p.xp !== undefined) {
    if (!Number.isInteger(p.xp) || p.xp < 0 || p.xp > L.xpPerNarration) dropped.push({ field: 'xp', reason: `must be a whole 0..${L.xpPerNarration}` });
    else if (p.xp > 0) applied.xp = p.xp;
  }

  if (p.relationship !== undefined) {
    if (rules.kind !== 'talk') dropped.push({ field: 'relationship', reason: 'only a talk changes a relationship' });
    else if (!Number.isInteger(p.relationship) || Math.abs(p.relationship) > L.relationshipStep) dropped.push({ field: 'relationship', reason: `must be a whole −${L.relationshipStep}..${L.relationshipStep}` });
    else if (p.relationship !== 0) applied.relationship = p.relationship;
  }

  if (p.questOffered) {
    const title = cleanText(p.questOffered.title);
    if (!title || title.length > L.questTitleChars) dropped.push({ field: 'questOffered', reason: `title must be 1..${L.questTitleChars} characters` });
    else {
      const description = p.questOffered.description === undefined ? undefined : cleanText(p.questOffered.description).slice(0, L.questDescriptionChars);
      applied.questOffered = description ? { title, description } : { title };
    }
  }

  if (p.lore) {
    const lore: string[] = [];
    for (const [i, raw] of p.lore.entries()) {
      const l = cleanText(raw);
      if (!l) dropped.push({ field: `lore[${i}]`, reason: 'empty' });
      else if (l.length > L.loreChars) dropped.push({ field: `lore[${i}]`, reason: `longer than ${L.loreChars} characters` });
      else if (lore.length >= L.loreEntries) dropped.push({ field: `lore[${i}]`, reason: `more than ${L.loreEntries} entries` });
      else lore.push(l);
    }
    if (lore.length) applied.lore = lore;
  }
  return { applied, dropped };
}
