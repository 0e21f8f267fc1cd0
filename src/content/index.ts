/**
 * The game's static content. Data lives in typed modules beside this file;
 * `loadContent()` cross-checks the references between them (once, cached) so a
 * typo in a data file fails at boot, not mid-game.
 */
import { BIOME_NAMES } from '../world/terrain.js';
import { RITUAL_KINDS } from '../game/rituals.js';
import { classes } from './classes.js';
import { spells } from './spells.js';
import { items } from './items.js';
import { recipes } from './recipes.js';
import { npcs } from './npcs.js';
import { lootTables } from './loot.js';
import type { CharacterClassDef, ItemDef, LootTable, NpcDef, RecipeDef, SpellDef } from './types.js';

export type * from './types.js';

export type Content = {
  classes: readonly CharacterClassDef[];
  spells: readonly SpellDef[];
  items: readonly ItemDef[];
  recipes: readonly RecipeDef[];
  npcs: readonly NpcDef[];
  lootTables: readonly LootTable[];
  classById: ReadonlyMap<string, CharacterClassDef>;
  spellById: ReadonlyMap<string, SpellDef>;
  itemById: ReadonlyMap<string, ItemDef>;
  recipeByKey: ReadonlyMap<string, RecipeDef>;
  npcByKind: ReadonlyMap<string, NpcDef>;
  lootTableById: ReadonlyMap<string, LootTable>;
  /** NPC kinds that spawn naturally in a biome (a BIOME_NAMES entry); empty for an unknown name. */
  npcsForBiome(biome: string): readonly NpcDef[];
};

/** The raw data files; `npcs` and `lootTables` default to none (older callers and small test catalogues). */
export type ContentData = Pick<Content, 'classes' | 'spells' | 'items' | 'recipes'> &
  Partial<Pick<Content, 'npcs' | 'lootTables'>>;

const NO_NPCS: readonly NpcDef[] = Object.freeze([]);

/** Effects whose `durationMs` is required. */
const TIMED_EFFECTS: ReadonlySet<string> = new Set(['buff', 'debuff', 'shield']);
/** Effects that need a position to land on. */
const POINT_EFFECTS: ReadonlySet<string> = new Set(['terrain', 'teleport', 'summon']);
const EFFECTS: ReadonlySet<string> = new Set(['damage', 'heal', 'shield', 'buff', 'debuff', 'terrain', 'teleport', 'summon', 'drain']);
const TARGETS: ReadonlySet<string> = new Set(['self', 'character', 'npc', 'enemy', 'ally', 'point']);
const RITUAL_KIND_SET: ReadonlySet<string> = new Set(RITUAL_KINDS);
/** A ritual is a long cast (docs/design.md: computed by a worker). */
export const MIN_RITUAL_CAST_MS = 5000;

/** The shape of every catalogue id. */
export const CATALOGUE_ID = /^[a-z0-9_]{1,64}$/;

function indexBy<T>(what: string, rows: readonly T[], key: (row: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    if (map.has(k)) throw new Error(`content: duplicate ${what} "${k}"`);
    // Clients send these ids; the room accepts only this shape (rooms/messages.ts), so every id must have it.
    if (!CATALOGUE_ID.test(k)) throw new Error(`content: ${what} id "${k}" is not 1–64 of a-z, 0-9 and _`);
    map.set(k, row);
  }
  return map;
}

function fail(message: string): never {
  throw new Error(`content: ${message}`);
}

/** `value` must be a finite number, > 0 (`positive`) or ≥ 0 (`nonNegative`), optionally an integer. */
function needNumber(value: unknown, where: string, rule: 'positive' | 'nonNegative', integer = false): void {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule === 'positive' ? value > 0 : value >= 0) &&
    (!integer || Number.isInteger(value));
  if (!ok) fail(`${where} must be a finite ${integer ? 'integer' : 'number'} ${rule === 'positive' ? '> 0' : '≥ 0'} (got ${String(value)})`);
}

/** Throws on the first prerequisite cycle, naming it (a → b → a). */
function checkAcyclic(spellById: ReadonlyMap<string, SpellDef>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') fail(`spell prerequisites form a cycle: ${[...path.slice(path.indexOf(id)), id].join(' → ')}`);
    state.set(id, 'visiting');
    path.push(id);
    for (const pre of spellById.get(id)!.prerequisites) visit(pre);
    path.pop();
    state.set(id, 'done');
  };
  for (const id of spellById.keys()) visit(id);
}

/**
 * Length of the longest prerequisite chain ending at `spellId`, the spell included
 * (1 = no prerequisites). The content must be valid (acyclic).
 */
export function spellTreeDepth(content: Pick<Content, 'spellById'>, spellId: string): number {
  const memo = new Map<string, number>();
  const depth = (id: string): number => {
    let d = memo.get(id);
    if (d === undefined) {
      const spell = content.spellById.get(id);
      if (!spell) throw new Error(`content: unknown spell "${id}"`);
      d = 1 + Math.max(0, ...spell.prerequisites.map(depth));
      memo.set(id, d);
    }
    return d;
  };
  return depth(spellId);
}

function checkSpell(s: SpellDef, spellById: ReadonlyMap<string, SpellDef>, npcByKind: ReadonlyMap<string, NpcDef>): void {
  const where = `spell ${s.id}`;
  for (const k of ['manaCost', 'cooldownMs', 'range', 'area', 'castTimeMs'] as const) needNumber(s[k], `${where} ${k}`, 'nonNegative');
  needNumber(s.power, `${where} power`, 'positive');
  if (!EFFECTS.has(s.effect)) fail(`${where} has unknown effect "${s.effect}"`);
  if (!TARGETS.has(s.target)) fail(`${where} has unknown target "${s.target}"`);
  if ((s.target === 'self') !== (s.range === 0)) fail(`${where}: range 0 ⇔ target "self" (range ${s.range}, target ${s.target})`);
  if (POINT_EFFECTS.has(s.effect) && s.target !== 'point') fail(`${where}: a ${s.effect} spell must target a point`);

  const seen = new Set<string>();
  for (const pre of s.prerequisites) {
    if (!spellById.has(pre)) fail(`${where} refers to unknown spell "${pre}"`);
    if (pre === s.id) fail(`spell prerequisites form a cycle: ${s.id} → ${s.id}`);
    if (seen.has(pre)) fail(`${where} lists prerequisite "${pre}" twice`);
    seen.add(pre);
  }

  if (s.ritual !== s.tags.includes('ritual')) fail(`spell ${s.id} ritual flag and tag disagree`);
  if (s.ritual) {
    if (s.ritualKind === undefined) fail(`${where} is a ritual without a ritualKind`);
    if (!RITUAL_KIND_SET.has(s.ritualKind)) fail(`${where} has unknown ritualKind "${s.ritualKind}"`);
    if (s.castTimeMs < MIN_RITUAL_CAST_MS) fail(`${where} is a ritual with a short cast (${s.castTimeMs} ms < ${MIN_RITUAL_CAST_MS})`);
  } else if (s.ritualKind !== undefined) {
    fail(`${where} has a ritualKind but is not a ritual`);
  }

  if (s.dark) {
    if (s.corruption === undefined) fail(`${where} is dark without corruption`);
    needNumber(s.corruption, `${where} corruption`, 'positive');
  } else if (s.corruption !== undefined) {
    fail(`${where} has corruption but is not dark`);
  }

  if (s.durationMs !== undefined) needNumber(s.durationMs, `${where} durationMs`, 'positive');
  else if (TIMED_EFFECTS.has(s.effect)) fail(`${where} is a ${s.effect} without durationMs`);

  if (s.effect === 'summon') {
    if (s.summonKind === undefined) fail(`${where} summons without a summonKind`);
    if (!npcByKind.has(s.summonKind)) fail(`${where} summons unknown npc "${s.summonKind}"`);
  } else if (s.summonKind !== undefined) {
    fail(`${where} has a summonKind but its effect is ${s.effect}`);
  }
}

function checkNpc(n: NpcDef, lootTableById: ReadonlyMap<string, LootTable>): void {
  const where = `npc ${n.kind}`;
  for (const k of ['maxHp', 'attackCooldownMs', 'attackRange', 'speedBps', 'leashRange'] as const) {
    needNumber(n[k], `${where} ${k}`, 'positive');
  }
  for (const k of ['damage', 'aggroRange', 'xp'] as const) needNumber(n[k], `${where} ${k}`, 'nonNegative');
  if (n.aggroRange > n.leashRange) fail(`${where} aggroRange ${n.aggroRange} exceeds leashRange ${n.leashRange}`);
  if (n.hostile && (n.damage === 0 || n.aggroRange === 0)) fail(`${where} is hostile but has no damage or aggroRange`);
  const biomes = new Set<string>();
  for (const b of n.biomes) {
    if (!BIOME_NAMES.includes(b)) fail(`${where} spawns in unknown biome "${b}" (${BIOME_NAMES.join(', ')})`);
    if (biomes.has(b)) fail(`${where} lists biome "${b}" twice`);
    biomes.add(b);
  }
  if (!lootTableById.has(n.lootTable)) fail(`${where} refers to unknown loot table "${n.lootTable}"`);
  if (n.persona !== undefined && (typeof n.persona !== 'string' || !n.persona.trim() || n.persona.length > 400)) fail(`${where} persona must be 1-400 characters`);
}

function checkLootTable(t: LootTable, itemById: ReadonlyMap<string, ItemDef>): void {
  const where = `loot table ${t.id}`;
  needNumber(t.rolls, `${where} rolls`, 'positive', true);
  needNumber(t.nothingWeight, `${where} nothingWeight`, 'nonNegative');
  if (t.entries.length === 0) fail(`${where} has no entries`);
  for (const e of t.entries) {
    const item = itemById.get(e.itemId);
    if (!item) fail(`${where} refers to unknown item "${e.itemId}"`);
    needNumber(e.weight, `${where} weight of "${e.itemId}"`, 'positive');
    needNumber(e.min, `${where} min of "${e.itemId}"`, 'positive', true);
    needNumber(e.max, `${where} max of "${e.itemId}"`, 'positive', true);
    if (e.max < e.min || e.max > item.maxStack) fail(`${where} has quantity ${e.min}..${e.max} of "${e.itemId}" (1..${item.maxStack})`);
  }
}

/** Builds and validates a content set; throws on the first broken reference or impossible value. Exported for tests. */
export function buildContent(data: ContentData): Content {
  const npcs = data.npcs ?? [];
  const lootTables = data.lootTables ?? [];
  const classById = indexBy('class', data.classes, (c) => c.id);
  const spellById = indexBy('spell', data.spells, (s) => s.id);
  const itemById = indexBy('item', data.items, (i) => i.id);
  const recipeByKey = indexBy('recipe', data.recipes, (r) => r.key);
  const npcByKind = indexBy('npc', npcs, (n) => n.kind);
  const lootTableById = indexBy('loot table', lootTables, (t) => t.id);
  const needSpell = (id: string, where: string) => {
    if (!spellById.has(id)) fail(`${where} refers to unknown spell "${id}"`);
  };
  const needItem = (id: string, quantity: number, where: string) => {
    const item = itemById.get(id);
    if (!item) fail(`${where} refers to unknown item "${id}"`);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > item.maxStack) {
      fail(`${where} has quantity ${quantity} of "${id}" (1..${item.maxStack})`);
    }
  };
  for (const c of data.classes) {
    for (const s of c.startingSpells) needSpell(s, `class ${c.id}`);
    for (const i of c.startingItems) needItem(i.itemId, i.quantity, `class ${c.id}`);
    for (const [stat, value] of Object.entries(c.baseStats)) needNumber(value, `class ${c.id} ${stat}`, 'positive');
  }
  for (const i of data.items) needNumber(i.maxStack, `item ${i.id} maxStack`, 'positive', true);
  for (const s of data.spells) checkSpell(s, spellById, npcByKind);
  checkAcyclic(spellById);
  for (const c of data.classes) {
    // A class starts with whole trees: a known spell's prerequisites are known too.
    for (const s of c.startingSpells) {
      for (const pre of spellById.get(s)!.prerequisites) {
        if (!c.startingSpells.includes(pre)) fail(`class ${c.id} starts with spell "${s}" but not its prerequisite "${pre}"`);
      }
    }
  }
  for (const r of data.recipes) {
    for (const i of r.ingredients) needItem(i.itemId, i.quantity, `recipe ${r.key}`);
    needItem(r.resultItemId, r.resultQuantity, `recipe ${r.key}`);
  }
  for (const t of lootTables) checkLootTable(t, itemById);
  for (const n of npcs) checkNpc(n, lootTableById);

  const byBiome = new Map<string, NpcDef[]>();
  for (const n of npcs) {
    for (const b of n.biomes) {
      let list = byBiome.get(b);
      if (!list) byBiome.set(b, (list = []));
      list.push(n);
    }
  }
  return {
    ...data,
    npcs,
    lootTables,
    classById,
    spellById,
    itemById,
    recipeByKey,
    npcByKind,
    lootTableById,
    npcsForBiome: (biome) => byBiome.get(biome) ?? NO_NPCS,
  };
}

let cached: Content | undefined;

/** The validated content of this build. */
export function loadContent(): Content {
  cached ??= buildContent({ classes, spells, items, recipes, npcs, lootTables });
  return cached;
}
