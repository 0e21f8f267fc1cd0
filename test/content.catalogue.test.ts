import assert from 'node:assert/strict';
import { BIOME_NAMES } from '../src/world/terrain.js';
import {
  buildContent,
  loadContent,
  spellTreeDepth,
  type ContentData,
  type LootTable,
  type NpcDef,
  type RitualKind,
  type SpellDef,
} from '../src/content/index.js';

const content = loadContent();

/** A minimal valid spell; override what the case is about. */
function spell(id: string, over: Partial<SpellDef> = {}): SpellDef {
  return {
    id, name: id, school: 'evocation', element: 'fire',
    manaCost: 10, cooldownMs: 1000, range: 20, area: 0, power: 10, castTimeMs: 0,
    ritual: false, dark: false, effect: 'damage', target: 'enemy', tags: ['damage'], prerequisites: [],
    description: id,
    ...over,
  };
}

const ITEMS = [{ id: 'bone', name: 'Bone', kind: 'material', maxStack: 64, description: 'Bone.' }] as const;
const TABLE: LootTable = { id: 'bones', rolls: 1, nothingWeight: 1, entries: [{ itemId: 'bone', weight: 1, min: 1, max: 2 }] };
function npc(over: Partial<NpcDef> = {}): NpcDef {
  return {
    kind: 'rat', name: 'Rat', maxHp: 5, damage: 1, attackCooldownMs: 1000, attackRange: 1, speedBps: 4,
    aggroRange: 4, leashRange: 10, xp: 1, biomes: ['plains'], lootTable: 'bones', hostile: true,
    ...over,
  };
}
/** A small catalogue: no classes, the given spells, one item, one loot table, the given NPCs. */
function small(spells: SpellDef[], npcs: NpcDef[] = []): ContentData {
  return { classes: [], spells, items: ITEMS, recipes: [], npcs, lootTables: [TABLE] };
}

/** Spearman rank correlation. */
function rankCorrelation(a: readonly number[], b: readonly number[]): number {
  const rank = (xs: readonly number[]) => {
    const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(xs.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(ra), mb = mean(rb);
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

describe('content catalogue', () => {
  describe('spells', () => {
    it('has at least 60 spells over at least 6 elements, each element with several spells', () => {
      assert.ok(content.spells.length >= 60, `${content.spells.length} spells`);
      const perElement = new Map<string, number>();
      for (const s of content.spells) perElement.set(s.element, (perElement.get(s.element) ?? 0) + 1);
      for (const el of ['fire', 'frost', 'storm', 'earth', 'life', 'shadow', 'arcane']) {
        assert.ok((perElement.get(el) ?? 0) >= 6, `element ${el}: ${perElement.get(el) ?? 0} spells`);
      }
      assert.ok(perElement.size >= 6);
    });

    it('keeps the ids other code relies on', () => {
      for (const id of ['arcane_bolt', 'fireball', 'frost_shard', 'mana_shield', 'meteor', 'shield_bash', 'war_cry',
        'hunters_mark', 'entangle', 'healing_touch', 'summon_storm', 'shadow_bolt', 'drain_life', 'curse_of_weakness',
        'blood_pact']) {
        assert.ok(content.spellById.has(id), id);
      }
      assert.deepEqual(content.classById.get('mage')!.startingSpells, ['arcane_bolt', 'fireball', 'frost_shard', 'mana_shield']);
    });

    it('has at least 6 rituals covering every ritualKind, all long casts that cost a lot', () => {
      const rituals = content.spells.filter((s) => s.ritual);
      assert.ok(rituals.length >= 6, `${rituals.length} rituals`);
      const kinds = new Set(rituals.map((s) => s.ritualKind));
      const all: RitualKind[] = ['raise_earth', 'storm', 'mass_heal', 'purify', 'summon_golem'];
      for (const k of all) assert.ok(kinds.has(k), `no ${k} ritual`);
      for (const s of rituals) {
        assert.ok(s.castTimeMs >= 5000 && s.castTimeMs <= 30000, `${s.id} cast ${s.castTimeMs}`);
        assert.ok(s.manaCost >= 80, `${s.id} costs ${s.manaCost}`);
      }
      for (const s of content.spells.filter((x) => !x.ritual)) {
        assert.equal(s.ritualKind, undefined, s.id);
        assert.ok(s.castTimeMs < 5000, `${s.id} is not a ritual but casts for ${s.castTimeMs} ms`);
      }
    });

    it('has at least 8 dark spells, each with corruption, mostly shadow', () => {
      const dark = content.spells.filter((s) => s.dark);
      assert.ok(dark.length >= 8, `${dark.length} dark spells`);
      for (const s of dark) assert.ok(s.corruption! > 0, s.id);
      for (const s of content.spells.filter((x) => !x.dark)) assert.equal(s.corruption, undefined, s.id);
      assert.ok(dark.filter((s) => s.element === 'shadow').length > dark.length / 2);
    });

    it('buffs, debuffs and shields have a duration; summons name an NPC kind', () => {
      for (const s of content.spells) {
        if (['buff', 'debuff', 'shield'].includes(s.effect)) assert.ok(s.durationMs! > 0, s.id);
        if (s.effect === 'summon') assert.ok(content.npcByKind.has(s.summonKind!), s.id);
        else assert.equal(s.summonKind, undefined, s.id);
      }
    });

    it('prerequisites form an acyclic forest with a chain at least four deep', () => {
      // buildContent has already rejected cycles; the depth computation would not terminate on one.
      const depths = content.spells.map((s) => spellTreeDepth(content, s.id));
      assert.ok(Math.max(...depths) >= 4);
      assert.equal(spellTreeDepth(content, 'meteor'), 4); // arcane_bolt → fireball → fire_storm → meteor
      assert.deepEqual(content.spellById.get('meteor')!.prerequisites, ['fire_storm']);
      assert.deepEqual(content.spellById.get('fire_storm')!.prerequisites, ['fireball']);
      // Every element with a tree reaches at least depth 3.
      for (const el of ['fire', 'frost', 'storm', 'earth', 'life', 'shadow', 'arcane']) {
        const deepest = Math.max(...content.spells.filter((s) => s.element === el).map((s) => spellTreeDepth(content, s.id)));
        assert.ok(deepest >= 3, `${el}: depth ${deepest}`);
      }
    });

    it('every class starts with whole trees (each starting spell\'s prerequisites are starting spells too)', () => {
      for (const c of content.classes) {
        for (const id of c.startingSpells) {
          for (const pre of content.spellById.get(id)!.prerequisites) assert.ok(c.startingSpells.includes(pre), `${c.id}: ${id} needs ${pre}`);
        }
      }
    });

    it('is balanced: cost grows with power, and an advanced spell costs and waits at least as much as its prerequisite of the same kind', () => {
      const plain = content.spells.filter((s) => !s.ritual);
      const rho = rankCorrelation(plain.map((s) => s.power), plain.map((s) => s.manaCost));
      assert.ok(rho >= 0.7, `mana ~ power rank correlation ${rho.toFixed(2)}`);
      for (const s of content.spells) {
        for (const id of s.prerequisites) {
          const pre = content.spellById.get(id)!;
          if (pre.element !== s.element || pre.effect !== s.effect) continue;
          assert.ok(s.manaCost >= pre.manaCost, `${s.id} (${s.manaCost}) is cheaper than ${pre.id} (${pre.manaCost})`);
          assert.ok(s.cooldownMs >= pre.cooldownMs, `${s.id} cools down faster than ${pre.id}`);
          assert.ok(s.power >= pre.power, `${s.id} is weaker than ${pre.id}`);
        }
      }
    });
  });

  describe('npcs and loot', () => {
    it('has the required kinds, each biome has at least two', () => {
      for (const kind of ['wolf', 'goblin', 'orc', 'skeleton', 'ice_troll', 'sand_scorpion', 'drowned', 'deer']) {
        assert.ok(content.npcByKind.has(kind), kind);
      }
      assert.equal(content.npcByKind.get('deer')!.hostile, false);
      assert.deepEqual([...content.npcByKind.get('wolf')!.biomes].sort(), ['forest', 'plains']);
      assert.deepEqual(content.npcByKind.get('ice_troll')!.biomes, ['snow']);
      for (const biome of BIOME_NAMES) {
        const kinds = content.npcsForBiome(biome);
        assert.ok(kinds.length >= 2, `${biome}: ${kinds.map((n) => n.kind).join(', ')}`);
        for (const n of kinds) assert.ok(n.biomes.includes(biome));
      }
      assert.deepEqual(content.npcsForBiome('lava_lake'), []);
    });

    it('every NPC\'s loot table resolves, and every loot entry to an item', () => {
      for (const n of content.npcs) assert.ok(content.lootTableById.has(n.lootTable), n.kind);
      for (const t of content.lootTables) {
        for (const e of t.entries) assert.ok(content.itemById.has(e.itemId), `${t.id}: ${e.itemId}`);
      }
      for (const id of ['wolf_pelt', 'goblin_ear', 'bone', 'troll_hide', 'scorpion_venom', 'mana_crystal', 'health_potion']) {
        assert.ok(content.itemById.has(id), id);
      }
    });
  });

  describe('buildContent rejects', () => {
    it('accepts the small valid catalogue the cases start from', () => {
      const c = buildContent(small([spell('a'), spell('b', { prerequisites: ['a'] })], [npc()]));
      assert.equal(spellTreeDepth(c, 'b'), 2);
      assert.deepEqual(c.npcsForBiome('plains').map((n) => n.kind), ['rat']);
    });

    it('a prerequisite cycle', () => {
      const spells = [spell('a', { prerequisites: ['c'] }), spell('b', { prerequisites: ['a'] }), spell('c', { prerequisites: ['b'] })];
      assert.throws(() => buildContent(small(spells)), /cycle: (a|b|c) → .* → \1/);
      assert.throws(() => buildContent(small([spell('a', { prerequisites: ['a'] })])), /cycle: a → a/);
    });

    it('a missing prerequisite', () => {
      assert.throws(() => buildContent(small([spell('a', { prerequisites: ['nope'] })])), /spell a refers to unknown spell "nope"/);
    });

    it('a ritual without ritualKind, or a ritualKind without ritual', () => {
      const ritual = spell('r', { ritual: true, tags: ['ritual'], castTimeMs: 10000, manaCost: 100 });
      assert.throws(() => buildContent(small([ritual])), /ritual without a ritualKind/);
      assert.doesNotThrow(() => buildContent(small([{ ...ritual, ritualKind: 'storm' }])));
      assert.throws(() => buildContent(small([spell('x', { ritualKind: 'storm' })])), /has a ritualKind but is not a ritual/);
      assert.throws(() => buildContent(small([{ ...ritual, ritualKind: 'storm', castTimeMs: 1000 }])), /short cast/);
    });

    it('a dark spell without corruption, or corruption on a spell that is not dark', () => {
      assert.throws(() => buildContent(small([spell('d', { dark: true })])), /dark without corruption/);
      assert.throws(() => buildContent(small([spell('d', { dark: true, corruption: 0 })])), /corruption must be .*> 0/);
      assert.throws(() => buildContent(small([spell('d', { corruption: 2 })])), /has corruption but is not dark/);
    });

    it('impossible numbers and shapes', () => {
      assert.throws(() => buildContent(small([spell('s', { power: 0 })])), /power must be/);
      assert.throws(() => buildContent(small([spell('s', { manaCost: Number.NaN })])), /manaCost must be/);
      assert.throws(() => buildContent(small([spell('s', { effect: 'buff', tags: ['buff'] })])), /without durationMs/);
      assert.throws(() => buildContent(small([spell('s', { target: 'self' })])), /range 0 ⇔ target "self"/);
      assert.throws(() => buildContent(small([spell('s', { effect: 'summon', target: 'point', summonKind: 'dragon' })])), /unknown npc "dragon"/);
    });

    it('an NPC with a missing loot table or a bad biome, and a loot entry with a missing item', () => {
      assert.throws(() => buildContent(small([], [npc({ lootTable: 'nope' })])), /npc rat refers to unknown loot table "nope"/);
      assert.throws(() => buildContent(small([], [npc({ biomes: ['lava'] })])), /unknown biome "lava"/);
      assert.throws(() => buildContent(small([], [npc({ speedBps: -1 })])), /speedBps must be/);
      const badTable = { ...TABLE, entries: [{ itemId: 'gem', weight: 1, min: 1, max: 1 }] };
      assert.throws(() => buildContent({ ...small([]), lootTables: [badTable] }), /loot table bones refers to unknown item "gem"/);
      const zeroWeight = { ...TABLE, entries: [{ itemId: 'bone', weight: 0, min: 1, max: 1 }] };
      assert.throws(() => buildContent({ ...small([]), lootTables: [zeroWeight] }), /weight of "bone" must be/);
    });

    it('a class whose starting spell is missing or lacks its prerequisite', () => {
      const { classes, spells, items, recipes, npcs, lootTables } = content;
      const mage = classes.find((c) => c.id === 'mage')!;
      const data = { spells, items, recipes, npcs, lootTables };
      assert.throws(() => buildContent({ ...data, classes: [{ ...mage, startingSpells: ['ghost'] }] }), /unknown spell "ghost"/);
      assert.throws(
        () => buildContent({ ...data, classes: [{ ...mage, startingSpells: ['fireball'] }] }),
        /starts with spell "fireball" but not its prerequisite "arcane_bolt"/,
      );
    });
  });
});
