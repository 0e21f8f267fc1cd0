import assert from 'node:assert/strict';
import { addToInventory, rollLoot, xpForKill, type InventorySlot, type LootTableLike } from '../src/game/loot.js';
import { createRng, hashString, Rng, seedFrom } from '../src/game/random.js';
import { loadContent } from '../src/content/index.js';

const WOLF: LootTableLike = {
  id: 'wolf',
  rolls: 2,
  nothingWeight: 2,
  entries: [
    { itemId: 'wolf_pelt', weight: 5, min: 1, max: 1 },
    { itemId: 'raw_meat', weight: 3, min: 1, max: 3 },
  ],
};

describe('game random', () => {
  it('is deterministic and matches a fixed sequence (engine-independent integer math)', () => {
    const a = new Rng(42);
    const b = createRng(42);
    const seqA = Array.from({ length: 5 }, () => a.nextU32());
    assert.deepEqual(seqA, Array.from({ length: 5 }, () => b.nextU32()));
    // Pinned: a change here changes every spawn and drop of every world.
    assert.deepEqual(seqA, PINNED_42);
    assert.notDeepEqual(seqA, Array.from({ length: 5 }, ((r) => () => r.nextU32())(new Rng(43))));
  });

  it('next() is in [0,1), int() is inclusive and roughly uniform, pick() covers the array', () => {
    const r = new Rng(7);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const v = r.next();
      assert.ok(v >= 0 && v < 1);
      const k = r.int(1, 6);
      assert.ok(Number.isInteger(k) && k >= 1 && k <= 6);
      counts[k - 1]!++;
    }
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `count ${c}`);
    assert.equal(r.pick([]), undefined);
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(r.pick(['a', 'b', 'c'])!);
    assert.equal(seen.size, 3);
  });

  it('fork(salt) is a named stream independent of how far the parent has been drawn', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    for (let i = 0; i < 10; i++) b.next();
    assert.equal(a.fork('loot').next(), b.fork('loot').next());
    assert.notEqual(a.fork('loot').next(), a.fork('npc').next());
  });

  it('state can be saved and resumed', () => {
    const a = new Rng(5);
    a.next();
    const b = Rng.fromState(a.state);
    assert.equal(a.nextU32(), b.nextU32());
  });

  it('seedFrom and hashString are stable and order-sensitive', () => {
    assert.equal(seedFrom(1, 'npc', 2, 3), seedFrom(1, 'npc', 2, 3));
    assert.notEqual(seedFrom(1, 'npc', 2, 3), seedFrom(1, 'npc', 3, 2));
    assert.notEqual(seedFrom(0), seedFrom(2 ** 32));
    assert.equal(hashString('abc'), hashString('abc'));
    assert.notEqual(hashString('abc'), hashString('abd'));
  });
});

const PINNED_42 = (() => {
  // Reference splitmix32 written out independently of the class.
  let s = 0;
  const out: number[] = [];
  // fold(42): avalanche(42 ^ imul(0, φ))
  let h = 42;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  s = (h ^ (h >>> 16)) | 0;
  for (let i = 0; i < 5; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    out.push((z ^ (z >>> 15)) >>> 0);
  }
  return out;
})();

describe('game loot', () => {
  it('same seed → same drops', () => {
    for (let seed = 0; seed < 50; seed++) {
      assert.deepEqual(rollLoot(WOLF, new Rng(seed)), rollLoot(WOLF, new Rng(seed)));
    }
  });

  it('merges drops of the same item; quantities within min..max per roll', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const drops = rollLoot(WOLF, rng);
      assert.equal(new Set(drops.map((d) => d.itemId)).size, drops.length);
      for (const d of drops) {
        if (d.itemId === 'wolf_pelt') assert.ok(d.quantity >= 1 && d.quantity <= 2);
        else assert.ok(d.quantity >= 1 && d.quantity <= 6);
      }
    }
  });

  it('the distribution follows the weights over many rolls', () => {
    const table: LootTableLike = { ...WOLF, rolls: 1 };
    const rng = new Rng(2024);
    const n = 50_000;
    const hits = { nothing: 0, wolf_pelt: 0, raw_meat: 0 } as Record<string, number>;
    for (let i = 0; i < n; i++) {
      const d = rollLoot(table, rng);
      hits[d[0]?.itemId ?? 'nothing']!++;
    }
    // weights 2 : 5 : 3 of 10
    assert.ok(Math.abs(hits.nothing! / n - 0.2) < 0.01, `nothing ${hits.nothing}`);
    assert.ok(Math.abs(hits.wolf_pelt! / n - 0.5) < 0.01, `pelt ${hits.wolf_pelt}`);
    assert.ok(Math.abs(hits.raw_meat! / n - 0.3) < 0.01, `meat ${hits.raw_meat}`);
  });

  it('an empty or all-nothing table drops nothing', () => {
    assert.deepEqual(rollLoot({ id: 'x', rolls: 3, nothingWeight: 1, entries: [] }, new Rng(1)), []);
    assert.deepEqual(rollLoot({ id: 'x', rolls: 3, nothingWeight: 0, entries: [{ itemId: 'a', weight: 0, min: 1, max: 1 }] }, new Rng(1)), []);
  });

  it('xp for a kill is the def xp', () => {
    assert.equal(xpForKill({ xp: 25 }), 25);
    assert.equal(xpForKill({ xp: -3 }), 0);
  });
});

describe('game inventory', () => {
  const stacks: Record<string, number> = { arrow: 64, wolf_pelt: 16, sword: 1 };
  const maxStackOf = (id: string) => stacks[id] ?? 1;

  it('stacks onto existing slots first, then fills the lowest free slots', () => {
    const slots: (InventorySlot & { data?: unknown })[] = [
      { slot: 0, itemId: 'sword', quantity: 1, maxStack: 1, data: { enchant: 1 } },
      { slot: 2, itemId: 'arrow', quantity: 60, maxStack: 64 },
      { slot: 5, itemId: 'arrow', quantity: 10, maxStack: 64 },
    ];
    const r = addToInventory(slots, [{ itemId: 'arrow', quantity: 70 }, { itemId: 'wolf_pelt', quantity: 3 }], 8, maxStackOf);
    assert.deepEqual(
      r.slots.map((s) => [s.slot, s.itemId, s.quantity]),
      [
        [0, 'sword', 1],
        [1, 'arrow', 12],
        [2, 'arrow', 64],
        [3, 'wolf_pelt', 3],
        [5, 'arrow', 64],
      ],
    );
    assert.deepEqual(r.overflow, []);
    assert.deepEqual(r.changed, [1, 2, 3, 5]);
    assert.equal(r.slots[0], slots[0], 'untouched slots keep their object (and extra fields)');
    assert.equal(slots[1]!.quantity, 60, 'input not mutated');
  });

  it('returns what does not fit as overflow', () => {
    const slots: InventorySlot[] = [{ slot: 0, itemId: 'wolf_pelt', quantity: 15, maxStack: 16 }];
    const r = addToInventory(slots, [{ itemId: 'wolf_pelt', quantity: 40 }, { itemId: 'sword', quantity: 2 }], 2, maxStackOf);
    assert.deepEqual(r.slots.map((s) => s.quantity), [16, 16]);
    assert.deepEqual(r.overflow, [{ itemId: 'wolf_pelt', quantity: 23 }, { itemId: 'sword', quantity: 2 }]);
  });

  it('property: nothing is created or lost', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 300; i++) {
      const slots: InventorySlot[] = [];
      for (let s = 0; s < 10; s++) {
        if (rng.chance(0.5)) {
          const itemId = rng.pick(['arrow', 'wolf_pelt', 'sword'])!;
          slots.push({ slot: s, itemId, quantity: rng.int(1, maxStackOf(itemId)), maxStack: maxStackOf(itemId) });
        }
      }
      const drops = rollLoot({ id: 't', rolls: 4, nothingWeight: 1, entries: [
        { itemId: 'arrow', weight: 2, min: 5, max: 80 },
        { itemId: 'wolf_pelt', weight: 2, min: 1, max: 20 },
        { itemId: 'sword', weight: 1, min: 1, max: 2 },
      ] }, rng);
      const r = addToInventory(slots, drops, 10, maxStackOf);
      const total = (xs: readonly { itemId: string; quantity: number }[], id: string) =>
        xs.filter((x) => x.itemId === id).reduce((a, x) => a + x.quantity, 0);
      for (const id of ['arrow', 'wolf_pelt', 'sword']) {
        assert.equal(total(r.slots, id) + total(r.overflow, id), total(slots, id) + total(drops, id));
      }
      assert.ok(r.slots.every((s) => s.quantity <= s.maxStack && s.slot >= 0 && s.slot < 10));
      assert.equal(new Set(r.slots.map((s) => s.slot)).size, r.slots.length);
    }
  });
});

describe('game loot with the shipped content', () => {
  it('every loot table rolls deterministically into existing items, and the drops fit a bag', () => {
    const content = loadContent();
    const tables: readonly LootTableLike[] = content.lootTables;
    assert.ok(tables.length > 0);
    for (const t of tables) {
      const a = rollLoot(t, new Rng(seedFrom(1, t.id)));
      assert.deepEqual(a, rollLoot(t, new Rng(seedFrom(1, t.id))));
      for (const d of a) assert.ok(content.itemById.has(d.itemId), `${t.id}: ${d.itemId}`);
      const r = addToInventory([], a, 36, (id) => content.itemById.get(id)?.maxStack ?? 1);
      assert.deepEqual(r.overflow, []);
    }
    for (const n of content.npcs) assert.ok(xpForKill(n) > 0 || !n.hostile, n.kind);
  });
});
