/**
 * The built-in narrator: what answers when no model is configured, and the
 * fallback whenever the model fails, times out, is rate limited or over
 * budget. Pure: no I/O, no clock, no Math.random — the same request (and
 * seed) gives the same text; other seeds vary it.
 *
 * A narration is 2–4 sentences: one for the action (action type × genre, a
 * few variants each), one for the scene (biome and time of day), one for a
 * nearby creature when there is one, one for a strong leyline. `talk` answers
 * in the NPC's voice, coloured by the relationship tier.
 */
import { Rng, seedFrom } from '../game/random.js';
import type { ActionType, Genre, NarrationContext, NarrationRequest } from './types.js';

// ---------------------------------------------------------------------------
// classification

/**
 * Keywords per action type, as word stems: a stem matches a word that starts
 * with it (`attack` → attacks, attacking), a stem ending in `$` only the whole
 * word (`go$` must not match "goblin"). Irregular forms are listed as words.
 */
const KEYWORDS: Record<Exclude<ActionType, 'other'>, readonly string[]> = {
  magic: ['cast', 'spell', 'magic', 'conjur', 'summon', 'enchant', 'channel', 'incant', 'ritual', 'mana', 'invok', 'hex$', 'curse', 'rune', 'sorcer', 'wizard', 'arcane', 'teleport', 'levitat', 'hack'],
  attack: ['attack', 'strike', 'struck', 'hit$', 'hits$', 'hitting', 'stab', 'slash', 'fight', 'fought', 'kill', 'punch', 'shoot', 'shot$', 'fire at', 'open fire', 'charge at', 'swing at', 'smash', 'kick', 'slay', 'slew', 'assault', 'ambush', 'murder', 'bash', 'cut down', 'behead', 'lunge', 'shove'],
  defend: ['defend', 'block', 'parry', 'parri', 'shield', 'guard', 'dodge', 'brace', 'protect', 'take cover', 'duck$', 'evade', 'deflect', 'hold the line', 'stand firm', 'fortif', 'barricad'],
  social: ['talk', 'say$', 'says', 'said', 'ask', 'greet', 'speak', 'spoke', 'tell', 'told', 'persuad', 'bargain', 'barter', 'haggl', 'negotiat', 'intimidat', 'sing$', 'sings', 'sang', 'shout', 'call out', 'wave$', 'waves', 'hello', 'hail', 'convinc', 'flirt', 'joke', 'introduc', 'thank', 'chat'],
  interact: ['open', 'pick up', 'take$', 'takes', 'took', 'grab', 'use$', 'uses', 'using', 'touch', 'pull', 'push', 'read', 'examin', 'inspect', 'craft', 'mine$', 'mines', 'mining', 'dig', 'build', 'loot', 'unlock', 'drink', 'light the', 'repair', 'fix$', 'activat', 'press', 'turn the', 'equip', 'gather', 'harvest', 'chop', 'cook'],
  explore: ['explor', 'search', 'look', 'scout', 'investigat', 'survey', 'wander', 'listen', 'track', 'scan', 'peer', 'observ', 'map$', 'discover', 'what is', "what's", 'around me', 'sniff', 'study'],
  move: ['go$', 'goes', 'going', 'went', 'walk', 'run$', 'runs', 'running', 'ran$', 'move', 'travel', 'head ', 'heads', 'climb', 'swim', 'swam', 'jump', 'sprint', 'follow', 'return', 'flee', 'fled', 'enter', 'leave', 'left$', 'cross', 'approach', 'ride', 'rode', 'sail', 'fly$', 'flies', 'descend', 'ascend', 'retreat', 'hike', 'march', 'sneak', 'crawl'],
  rest: ['rest', 'sleep', 'slept', 'sit$', 'sits', 'sat$', 'sitting', 'camp', 'meditat', 'wait', 'relax', 'heal', 'recover', 'nap', 'eat', 'pray', 'breath', 'lie down', 'lay down', 'bandage', 'catch my breath'],
};

/** Tie-break order: the more specific intent wins. */
const PRIORITY: readonly Exclude<ActionType, 'other'>[] = ['magic', 'attack', 'defend', 'social', 'interact', 'explore', 'move', 'rest'];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function stemPattern(stem: string): RegExp {
  const whole = stem.endsWith('$');
  const body = escapeRe(whole ? stem.slice(0, -1) : stem);
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])${body}${whole ? '(?![\\p{L}\\p{N}])' : ''}`, 'u');
}

const PATTERNS = Object.fromEntries(
  Object.entries(KEYWORDS).map(([type, stems]) => [type, stems.map(stemPattern)]),
) as Record<Exclude<ActionType, 'other'>, RegExp[]>;

/**
 * The action type of a player's free text, by keywords: the type with the most
 * matching keywords, ties broken by PRIORITY; a known spell's name counts for
 * magic. 'other' when nothing matches.
 */
export function classifyAction(text: string, knownSpells: readonly string[] = []): ActionType {
  const t = text.toLowerCase().normalize('NFKC');
  let best: ActionType = 'other';
  let bestScore = 0;
  for (const type of PRIORITY) {
    let score = 0;
    for (const re of PATTERNS[type]) if (re.test(t)) score += 1;
    if (type === 'magic') {
      for (const s of knownSpells) {
        const name = humanise(s).toLowerCase();
        if (name.length >= 3 && t.includes(name)) score += 2;
      }
    }
    if (score > bestScore) {
      best = type;
      bestScore = score;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// words from context

export const RELATIONSHIP_TIERS = ['hostile', 'wary', 'neutral', 'friendly', 'devoted'] as const;
export type RelationshipTier = (typeof RELATIONSHIP_TIERS)[number];

/** −100..100 → tier: hostile ≤ −50 < wary ≤ −15 < neutral < 15 ≤ friendly < 50 ≤ devoted. */
export function relationshipTier(r: number): RelationshipTier {
  if (!Number.isFinite(r)) return 'neutral';
  if (r <= -50) return 'hostile';
  if (r <= -15) return 'wary';
  if (r < 15) return 'neutral';
  if (r < 50) return 'friendly';
  return 'devoted';
}

/** Hours 0..24 → dawn, morning, midday, afternoon, dusk, evening or night. */
export function timeOfDayWords(hours: number): string {
  const h = Number.isFinite(hours) ? ((hours % 24) + 24) % 24 : 12;
  if (h < 5) return 'night';
  if (h < 7) return 'dawn';
  if (h < 11) return 'morning';
  if (h < 14) return 'midday';
  if (h < 17.5) return 'afternoon';
  if (h < 19.5) return 'dusk';
  if (h < 22) return 'evening';
  return 'night';
}

/** 'ice_troll' → 'ice troll'. */
export function humanise(id: string): string {
  return id.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
}

const PLACES: Record<string, string> = {
  water: 'open water',
  beach: 'shore',
  plains: 'plains',
  forest: 'forest',
  desert: 'desert',
  snow: 'snowfields',
  mountains: 'mountains',
};

/** A biome as the place narration names ('snow' → 'snowfields'). */
export function placeWords(biome: string): string {
  return PLACES[biome] ?? (humanise(biome) || 'wilds');
}

function leylineWords(strength: number): string {
  if (strength >= 0.85) return 'fiercely';
  if (strength >= 0.65) return 'strongly';
  return 'steadily';
}

// ---------------------------------------------------------------------------
// templates: {name} {cls} {place} {time} {npc} {spell} {ley} ({npc} in ACTIONS: the creature acted upon)

type Templates = Record<ActionType, readonly string[]>;

const ACTIONS: Record<Genre, Templates> = {
  fantasy: {
    attack: [
      '{name} the {cls} lunges at {npc}, steel singing in the {time} air.',
      '{name} strikes hard at {npc}, and the blow rings out across the {place}.',
      'With a battle cry, {name} the {cls} presses the attack on {npc}.',
    ],
    defend: [
      '{name} plants their feet and raises a guard, ready for whatever {npc} brings.',
      '{name} the {cls} falls back into a careful stance, every sense on {npc}.',
      'Shield up and breath steady, {name} holds the line.',
    ],
    explore: [
      '{name} ranges out across the {place}, reading the land for old paths and hidden things.',
      '{name} the {cls} searches carefully, turning stones and parting the undergrowth.',
      'Curious, {name} wanders deeper into the {place}, eyes open for anything out of place.',
    ],
    interact: [
      '{name} reaches out and examines it closely, fingers tracing worn marks.',
      '{name} the {cls} works at it patiently, and something gives with a soft click.',
      '{name} handles it with care, turning it over in the {time} light.',
    ],
    magic: [
      '{name} gathers the threads of {spell}, and the air around the {cls} prickles with power.',
      'The words of {spell} fall from the lips of {name}, and light gutters strangely across the {place}.',
      '{name} the {cls} shapes {spell} between open palms and feels the weave answer.',
    ],
    social: [
      '{name} calls out in a clear voice, and {npc} seems to take notice.',
      '{name} the {cls} speaks with easy confidence, the words carrying over the {place}.',
      '{name} offers a greeting and waits, listening for an answer.',
    ],
    move: [
      '{name} sets off at a steady pace across the {place}.',
      '{name} the {cls} moves on, boots finding the path through the {place}.',
      'With a glance at the sky, {name} heads onward.',
    ],
    rest: [
      '{name} finds a sheltered spot and rests, letting weary limbs recover.',
      '{name} the {cls} sits a while, breathing slow as strength seeps back.',
      '{name} makes a small camp and closes their eyes for a moment of peace.',
    ],
    other: [
      '{name} does as they intend, and the {place} turns quietly on.',
      '{name} the {cls} acts, and for a moment the {place} seems to hold its breath.',
      '{name} follows their own counsel; the {place} keeps its secrets a little longer.',
    ],
  },
  'sci-fi': {
    attack: [
      '{name} the {cls} opens fire on {npc}, muzzle flash stark against the {time} gloom.',
      '{name} closes on {npc} with a charged blade, servos whining.',
      'Targeting locks, and {name} unloads on {npc} without hesitation.',
    ],
    defend: [
      '{name} brings the personal shield to full power and braces against {npc}.',
      '{name} the {cls} drops behind cover, sensors sweeping for {npc}.',
      'Deflector up, {name} holds position and waits for the next volley.',
    ],
    explore: [
      '{name} sweeps the {place} with a handheld scanner, logging every anomaly.',
      '{name} the {cls} picks a route through the {place}, a drone buzzing ahead.',
      'Readouts scroll past as {name} surveys the {place} for signals.',
    ],
    interact: [
      '{name} jacks into the panel and the interface flickers to life.',
      '{name} the {cls} pries at the casing until a seal hisses open.',
      '{name} runs a diagnostic on it, status lights blinking in patient sequence.',
    ],
    magic: [
      '{name} channels {spell} through the implant, and the air crackles with ionised light.',
      '{name} the {cls} triggers {spell}; reality stutters for a heartbeat across the {place}.',
      'Psionic static gathers as {name} shapes {spell}.',
    ],
    social: [
      '{name} opens a comm channel and speaks, voice crisp over the static.',
      '{name} the {cls} hails {npc} with an open gesture.',
      '{name} broadcasts a greeting on all frequencies and waits.',
    ],
    move: [
      '{name} moves out, boots crunching across the {place}.',
      '{name} the {cls} sets a course and follows the nav marker through the {place}.',
      'Thrusters flare briefly as {name} relocates.',
    ],
    rest: [
      '{name} powers down non-essentials and lets the med-suite work.',
      '{name} the {cls} takes a ration pack and a few minutes of quiet.',
      '{name} seals the suit and rests while the systems recharge.',
    ],
    other: [
      '{name} carries out the plan; the sensors register nothing unusual in the {place} yet.',
      '{name} the {cls} acts, and the suit logs it without comment.',
      '{name} follows protocol, such as it is, out here in the {place}.',
    ],
  },
  medieval: {
    attack: [
      '{name} draws steel and falls upon {npc}.',
      '{name} the {cls} swings with all their might at {npc}.',
      'Crying out for the crown, {name} charges {npc}.',
    ],
    defend: [
      '{name} raises a battered shield and braces for {npc}.',
      '{name} the {cls} gives ground carefully, guard held high.',
      'Behind shield and mail, {name} stands firm.',
    ],
    explore: [
      '{name} walks the {place}, marking landmarks like a king\'s surveyor.',
      '{name} the {cls} searches the {place} for tracks and signs of passage.',
      '{name} scouts ahead through the {place}, wary of brigands.',
    ],
    interact: [
      '{name} looks it over with a craftsman\'s eye.',
      '{name} the {cls} tries the latch, and old iron groans.',
      '{name} handles it carefully; it is old, and made by skilled hands.',
    ],
    magic: [
      '{name} mutters {spell}, half prayer and half superstition, and the {time} air grows strangely still.',
      '{name} the {cls} invokes {spell}, a sight to make village folk cross themselves.',
      'Clutching a charm, {name} calls upon {spell}.',
    ],
    social: [
      '{name} doffs a cap and speaks plainly to {npc}.',
      '{name} the {cls} raises a voice in greeting, as custom demands.',
      '{name} speaks courteously, mindful of rank and manners.',
    ],
    move: [
      '{name} takes the road across the {place}.',
      '{name} the {cls} trudges onward through the {place}.',
      '{name} shoulders a pack and marches on.',
    ],
    rest: [
      '{name} settles by a small fire with bread and a little ale.',
      '{name} the {cls} rests beneath a hedge, sword close at hand.',
      '{name} kneels a moment in prayer, then rests.',
    ],
    other: [
      '{name} does what must be done; the {place} takes little notice.',
      '{name} the {cls} acts as conscience dictates.',
      '{name} goes about the task while church bells toll somewhere beyond the {place}.',
    ],
  },
  modern: {
    attack: [
      '{name} goes in hard against {npc}, all adrenaline and instinct.',
      '{name} the {cls} throws a punch at {npc} without a second thought.',
      '{name} swings at {npc} with whatever is at hand.',
    ],
    defend: [
      '{name} backs up, hands raised, watching {npc}.',
      '{name} the {cls} takes cover and waits for an opening.',
      '{name} braces, elbows tight, ready to take the hit.',
    ],
    explore: [
      '{name} wanders through the {place}, phone torch sweeping the corners.',
      '{name} the {cls} checks every corner of the {place}.',
      '{name} looks around the {place}, taking mental notes.',
    ],
    interact: [
      '{name} fiddles with it until something clicks.',
      '{name} the {cls} inspects it closely, turning it in the light.',
      '{name} gives it a try; it works better than expected.',
    ],
    magic: [
      '{name} whispers {spell}, and the streetlights flicker in answer.',
      '{name} the {cls} tries {spell}, and the {time} air turns electric.',
      'Something impossible happens as {name} calls on {spell}.',
    ],
    social: [
      '{name} strikes up a conversation with {npc}.',
      '{name} the {cls} waves and calls out a friendly hello.',
      '{name} chats easily, reading the room.',
    ],
    move: [
      '{name} heads off across the {place}.',
      '{name} the {cls} picks up the pace and moves on.',
      '{name} checks the map and keeps walking.',
    ],
    rest: [
      '{name} sits down, grabs a coffee and catches their breath.',
      '{name} the {cls} takes five on a nearby bench.',
      '{name} closes their eyes for a quick power nap.',
    ],
    other: [
      '{name} does their thing; the {place} barely notices.',
      '{name} the {cls} goes for it.',
      '{name} follows a hunch and acts on it.',
    ],
  },
};

/** One sentence of scene; each names the place and the time of day. */
const SCENES: Record<Genre, readonly string[]> = {
  fantasy: [
    'Around them the {place} lies hushed under the {time} sky.',
    'The {time} light falls long across the {place}.',
    'Somewhere in the {place} a bird cries once, then the {time} quiet returns.',
  ],
  'sci-fi': [
    'The {place} stretches out under a {time} sky streaked with satellite trails.',
    'The chrono reads {time}, and the {place} is quiet on every channel.',
    'Wind drags grit across the {place} in the {time} haze.',
  ],
  medieval: [
    'The {place} lies grey and quiet in the {time} hour.',
    'Across the {place}, smoke rises from a distant hamlet this {time}.',
    'It is {time}, and somewhere across the {place} a dog barks.',
  ],
  modern: [
    'The {place} is quiet this {time}.',
    'It is {time}, and the {place} feels oddly still.',
    'A car alarm wails somewhere beyond the {place}, then the {time} settles again.',
  ],
};

const NEARBY: Record<Genre, readonly string[]> = {
  fantasy: ['Not far off, a {npc} watches.', 'A {npc} nearby stirs at the sound.', 'A {npc} lingers at the edge of sight.'],
  'sci-fi': ['Sensors flag a {npc} nearby.', 'A {npc} registers on the motion tracker.', 'Somewhere close, a {npc} shifts.'],
  medieval: ['A {npc} is near, watching warily.', 'A {npc} nearby turns its head.', 'Close by, a {npc} stirs.'],
  modern: ['A {npc} hangs around nearby.', 'Someone notices: a {npc}, not far off.', 'A {npc} glances over.'],
};

const LEYLINE: Record<Genre, readonly string[]> = {
  fantasy: ['Beneath it all, a leyline hums {ley}.', 'The leyline underfoot pulses {ley}, and the air tastes of storms.'],
  'sci-fi': ['A ley-current beneath the ground reads {ley} on every instrument.', 'The ley-current spikes {ley}, and the displays crawl with static.'],
  medieval: ['Old folk say a leyline runs beneath this ground, and it thrums {ley}.', 'The hedge-witches\' leyline runs near, throbbing {ley}.'],
  modern: ['Something under the pavement hums {ley}; the locals call it the leyline.', 'The leyline runs close here, humming {ley} like a power station.'],
};

/** Who {npc} is when no creature is near. */
const NO_NPC: Record<Genre, string> = {
  fantasy: 'the shadows',
  'sci-fi': 'the nearest contact',
  medieval: 'the nearest foe',
  modern: 'whoever is nearby',
};

/** What {spell} is when the character knows none. */
const NO_SPELL: Record<Genre, string> = {
  fantasy: 'a word of power',
  'sci-fi': 'a raw psionic pulse',
  medieval: 'an old charm',
  modern: 'a trick nobody taught them',
};

const TALK_LEADS: Record<RelationshipTier, readonly string[]> = {
  hostile: ['The {npc} bares its teeth at {name}.', 'The {npc} glares at {name} and does not lower its guard.'],
  wary: ['The {npc} eyes {name} with suspicion.', 'The {npc} keeps its distance from {name}.'],
  neutral: ['The {npc} regards {name} evenly.', 'The {npc} turns to face {name}.'],
  friendly: ['The {npc} greets {name} warmly.', 'The {npc} brightens at the sight of {name}.'],
  devoted: ['The {npc} beams at {name} like an old friend.', 'The {npc} bows its head to {name}, eager to help.'],
};

const TALK_LINES: Record<RelationshipTier, Record<Genre, readonly string[]>> = {
  hostile: {
    fantasy: ['"Leave this place, {cls}, before I make you."', '"Your kind is not welcome in the {place}."'],
    'sci-fi': ['"You are flagged as a threat. Back off."', '"One more step and I open fire."'],
    medieval: ['"Begone, knave, or taste my blade."', '"I\'ll not waste words on the likes of you."'],
    modern: ['"Get lost. I mean it."', '"You\'ve got some nerve showing your face here."'],
  },
  wary: {
    fantasy: ['"What do you want, stranger?"', '"Speak quickly. I have little trust to spare."'],
    'sci-fi': ['"State your business. Keep your hands visible."', '"I have seen your record. Talk fast."'],
    medieval: ['"State your business, and be quick about it."', '"Your coin may be good. Your word I doubt."'],
    modern: ['"Yeah? What is it?"', '"Make it quick, I\'m busy."'],
  },
  neutral: {
    fantasy: ['"Well met, {name}. The {place} is quiet this {time}."', '"Ask what you will; I may answer."'],
    'sci-fi': ['"Channel open. What do you need?"', '"Greetings, {name}. Proceed."'],
    medieval: ['"Good {time} to you, {cls}."', '"Aye, what is it you seek?"'],
    modern: ['"Hey. What\'s up?"', '"Sure, I\'ve got a minute."'],
  },
  friendly: {
    fantasy: ['"Ah, {name}! Good to see you. Has the road treated you well?"', '"Sit, friend, and tell me your news."'],
    'sci-fi': ['"{name}! Good to see a friendly signal out here."', '"Always glad to patch you through, {name}."'],
    medieval: ['"Welcome, {name}! Come, warm yourself."', '"A friend of yours is a friend of this house, {name}."'],
    modern: ['"Hey, {name}! Great to see you."', '"Oh nice, it\'s you. What can I do for you?"'],
  },
  devoted: {
    fantasy: ['"For you, {name}, anything. Name it."', '"I would follow you into the deepest wood, {name}."'],
    'sci-fi': ['"{name}, my systems are yours. What is the mission?"', '"I would fly into a star for you, {name}."'],
    medieval: ['"Command me, {name}."', '"I am yours to command, {name}, now and always."'],
    modern: ['"{name}! Whatever you need, I\'ve got you."', '"Honestly, {name}, you\'re the best. Ask away."'],
  },
};

const MEMORY_VERBS: Record<ActionType, string> = {
  attack: 'fought',
  defend: 'stood on guard',
  explore: 'explored',
  interact: 'examined something',
  magic: 'worked magic',
  social: 'spoke to those nearby',
  move: 'travelled',
  rest: 'rested',
  other: 'acted',
};

// ---------------------------------------------------------------------------
// narration

export type BuiltInNarration = {
  text: string;
  /** One line for the character's memory. */
  memoryNote: string;
  actionType: ActionType;
  /** `talk` only. */
  tier?: RelationshipTier;
};

type Slots = Record<'name' | 'cls' | 'place' | 'time' | 'npc' | 'foe' | 'spell' | 'ley', string>;

function fill(template: string, slots: Slots): string {
  return template
    .replace(/\b([Aa]) \{(\w+)\}/g, (m, a: string, k: string) => (k in slots ? `${article(slots[k as keyof Slots], a)} ${slots[k as keyof Slots]}` : m))
    .replace(/\{(\w+)\}/g, (m, k: string) => (k in slots ? slots[k as keyof Slots] : m));
}

/** "a" or "an" before a word (by its first letter: good enough for creature kinds). */
function article(next: string, a: string): string {
  return /^[aeiou]/i.test(next) ? `${a}n` : a;
}

function capitalise(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** Text from context, made safe for a template: one line, no control characters, bounded. */
function word(s: string | undefined, max = 40): string {
  return (s ?? '').replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}

function slotsOf(ctx: NarrationContext, genre: Genre, rng: Rng): Slots {
  const npcs = ctx.region.nearbyNpcs ?? [];
  const near = npcs.length ? rng.pick(npcs) : undefined;
  const spells = ctx.character.knownSpells ?? [];
  const spell = spells.length ? rng.pick(spells) : undefined;
  return {
    name: word(ctx.character.name) || 'The stranger',
    cls: word(humanise(ctx.character.characterClass)) || 'wanderer',
    place: placeWords(word(ctx.region.biome)),
    time: timeOfDayWords(ctx.region.timeOfDay),
    npc: near ? word(humanise(near.kind)) : NO_NPC[genre],
    foe: near ? `the ${word(humanise(near.kind))}` : NO_NPC[genre],
    spell: spell ? word(humanise(spell)) : NO_SPELL[genre],
    ley: leylineWords(ctx.region.leyline?.strength ?? 0),
  };
}

/** The built-in narration of a request: deterministic in (request, seed). */
export function builtInNarration(req: NarrationRequest): BuiltInNarration {
  const genre: Genre = req.genre in ACTIONS ? req.genre : 'fantasy';
  const rng = new Rng(seedFrom(req.seed, 'narrator', req.kind, req.text));
  const ctx = req.context;
  const slots = slotsOf(ctx, genre, rng.fork('slots'));
  const say = (t: string | undefined) => (t ? capitalise(fill(t, slots)) : '');

  if (req.kind === 'talk' && ctx.npc) {
    const tier = relationshipTier(ctx.npc.relationship);
    const npcSlots = { ...slots, npc: word(humanise(ctx.npc.kind)) || slots.npc };
    const persona = personaPhrase(ctx.npc.persona);
    let lead = fill(rng.pick(TALK_LEADS[tier])!, npcSlots);
    if (persona) lead = lead.replace(`The ${npcSlots.npc} `, `The ${npcSlots.npc}, ${persona}, `);
    const line = fill(rng.pick(TALK_LINES[tier][genre])!, npcSlots);
    return {
      text: `${capitalise(lead)} ${line}`,
      memoryNote: `${slots.name} spoke with ${article(npcSlots.npc, 'a')} ${npcSlots.npc} (${tier}) in the ${slots.place} at ${slots.time}.`,
      actionType: 'social',
      tier,
    };
  }

  const actionType = classifyAction(req.text, ctx.character.knownSpells);
  // In an action sentence {npc} is the one acted upon: "the ice troll" (or the genre's someone-nearby).
  const action = rng.pick(ACTIONS[genre][actionType])!.replace(/\{npc\}/g, '{foe}');
  const sentences = [say(action), say(rng.pick(SCENES[genre]))];
  const npcs = ctx.region.nearbyNpcs ?? [];
  // The creature the action names is already in the first sentence; mention one only when the action did not.
  const actionNamesNpc = ['attack', 'defend', 'social'].includes(actionType);
  if (npcs.length && !actionNamesNpc) sentences.push(say(rng.pick(NEARBY[genre])));
  if ((ctx.region.leyline?.strength ?? 0) >= 0.5) sentences.push(say(rng.pick(LEYLINE[genre])));
  const withWhom = actionType === 'attack' && npcs.length ? ` ${article(slots.npc, 'a')} ${slots.npc}` : '';
  return {
    text: sentences.filter(Boolean).join(' '),
    memoryNote: `${slots.name} ${MEMORY_VERBS[actionType]}${withWhom} in the ${slots.place} at ${slots.time}.`,
    actionType,
  };
}

/** The persona's first clause, as an apposition: "A gruff old smith. Hates goblins." → "gruff old smith". */
function personaPhrase(persona: string | undefined): string {
  const first = word(persona, 200).split(/(?<=[.!?;])\s/)[0] ?? '';
  const phrase = first.replace(/[.!?;:,]+$/, '').replace(/^(a|an|the)\s+/i, '').trim();
  if (!phrase || phrase.length > 80) return '';
  return phrase[0]!.toLowerCase() + phrase.slice(1);
}
