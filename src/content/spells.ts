import type { SpellDef } from './types.js';

/** Starter catalogue: the classes' starting spells plus a few to learn next (rituals, prerequisites). */
export const spells = [
  {
    id: 'arcane_bolt', name: 'Arcane Bolt', school: 'evocation', element: 'arcane',
    manaCost: 8, cooldownMs: 1000, range: 24, area: 0, power: 12, castTimeMs: 0,
    ritual: false, dark: false, tags: ['damage', 'projectile'], prerequisites: [],
    description: 'A dart of raw leyline energy.',
  },
  {
    id: 'fireball', name: 'Fireball', school: 'evocation', element: 'fire',
    manaCost: 20, cooldownMs: 4000, range: 30, area: 3, power: 30, castTimeMs: 800,
    ritual: false, dark: false, tags: ['damage', 'projectile', 'aoe'], prerequisites: ['arcane_bolt'],
    description: 'An exploding sphere of flame.',
  },
  {
    id: 'frost_shard', name: 'Frost Shard', school: 'evocation', element: 'frost',
    manaCost: 14, cooldownMs: 2500, range: 24, area: 0, power: 18, castTimeMs: 300,
    ritual: false, dark: false, tags: ['damage', 'projectile', 'slow'], prerequisites: [],
    description: 'A splinter of ice that chills what it hits.',
  },
  {
    id: 'mana_shield', name: 'Mana Shield', school: 'abjuration', element: 'arcane',
    manaCost: 25, cooldownMs: 20000, range: 0, area: 0, power: 40, castTimeMs: 0,
    ritual: false, dark: false, tags: ['defense', 'self'], prerequisites: [],
    description: 'Absorbs damage with mana instead of health.',
  },
  {
    id: 'meteor', name: 'Meteor', school: 'evocation', element: 'fire',
    manaCost: 90, cooldownMs: 120000, range: 48, area: 8, power: 160, castTimeMs: 20000,
    ritual: true, dark: false, tags: ['damage', 'aoe', 'ritual', 'terrain'], prerequisites: ['fireball'],
    description: 'Calls a burning stone from the sky; craters the ground.',
  },
  {
    id: 'shield_bash', name: 'Shield Bash', school: 'martial', element: 'physical',
    manaCost: 5, cooldownMs: 6000, range: 3, area: 0, power: 14, castTimeMs: 0,
    ritual: false, dark: false, tags: ['damage', 'melee', 'stun'], prerequisites: [],
    description: 'A stunning blow with shield or pommel.',
  },
  {
    id: 'war_cry', name: 'War Cry', school: 'martial', element: 'physical',
    manaCost: 10, cooldownMs: 30000, range: 0, area: 10, power: 15, castTimeMs: 0,
    ritual: false, dark: false, tags: ['buff', 'aoe'], prerequisites: [],
    description: 'Rallies nearby allies, raising their strength.',
  },
  {
    id: 'hunters_mark', name: "Hunter's Mark", school: 'divination', element: 'nature',
    manaCost: 6, cooldownMs: 8000, range: 40, area: 0, power: 5, castTimeMs: 0,
    ritual: false, dark: false, tags: ['debuff', 'utility'], prerequisites: [],
    description: 'Marks a target: it takes more damage and cannot hide.',
  },
  {
    id: 'entangle', name: 'Entangle', school: 'nature', element: 'nature',
    manaCost: 15, cooldownMs: 12000, range: 20, area: 3, power: 10, castTimeMs: 500,
    ritual: false, dark: false, tags: ['control', 'aoe'], prerequisites: [],
    description: 'Roots burst from the ground and hold everything in the area.',
  },
  {
    id: 'healing_touch', name: 'Healing Touch', school: 'restoration', element: 'nature',
    manaCost: 18, cooldownMs: 6000, range: 10, area: 0, power: 25, castTimeMs: 1000,
    ritual: false, dark: false, tags: ['heal'], prerequisites: [],
    description: 'Mends wounds of the caster or an ally.',
  },
  {
    id: 'summon_storm', name: 'Summon Storm', school: 'conjuration', element: 'lightning',
    manaCost: 100, cooldownMs: 300000, range: 0, area: 32, power: 120, castTimeMs: 30000,
    ritual: true, dark: false, tags: ['weather', 'aoe', 'ritual'], prerequisites: ['frost_shard', 'entangle'],
    description: 'A ritual that turns the weather of the region into a lightning storm.',
  },
  {
    id: 'shadow_bolt', name: 'Shadow Bolt', school: 'necromancy', element: 'shadow',
    manaCost: 14, cooldownMs: 2000, range: 28, area: 0, power: 22, castTimeMs: 600,
    ritual: false, dark: true, tags: ['damage', 'projectile'], prerequisites: [],
    description: 'A bolt of condensed darkness.',
  },
  {
    id: 'drain_life', name: 'Drain Life', school: 'necromancy', element: 'shadow',
    manaCost: 18, cooldownMs: 8000, range: 16, area: 0, power: 16, castTimeMs: 0,
    ritual: false, dark: true, tags: ['damage', 'heal', 'channel'], prerequisites: [],
    description: "Steals the target's health for the caster.",
  },
  {
    id: 'curse_of_weakness', name: 'Curse of Weakness', school: 'necromancy', element: 'shadow',
    manaCost: 12, cooldownMs: 15000, range: 24, area: 0, power: 8, castTimeMs: 0,
    ritual: false, dark: true, tags: ['debuff'], prerequisites: [],
    description: "Saps the target's strength for a while.",
  },
  {
    id: 'blood_pact', name: 'Blood Pact', school: 'necromancy', element: 'shadow',
    manaCost: 60, cooldownMs: 600000, range: 0, area: 0, power: 80, castTimeMs: 15000,
    ritual: true, dark: true, tags: ['buff', 'ritual', 'self'], prerequisites: ['drain_life', 'curse_of_weakness'],
    description: 'A ritual that trades health for a surge of maximum mana.',
  },
] as const satisfies readonly SpellDef[];
