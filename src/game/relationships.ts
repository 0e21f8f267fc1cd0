/**
 * How a character stands with an NPC: a value −100..100 that moves a little
 * with every talk. The step of one talk is the player's tone (read from the
 * words: courtesy, gifts and help raise it, threats and insults lower it)
 * plus the game master's validated proposal (src/game/outcomes.ts), the sum
 * kept within ±RELATIONSHIP_STEP. The value colours the NPC's answer (its
 * `stance` goes into the narration context). Pure.
 */

export const RELATIONSHIP_MIN = -100;
export const RELATIONSHIP_MAX = 100;
/** Most one talk may move a relationship, either way. */
export const RELATIONSHIP_STEP = 10;
/** Most the tone alone moves it. */
export const TONE_MAX = 3;

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

// Word stems, matched at a word start, case-insensitive.
const KIND = ['please', 'thank', 'thanks', 'friend', 'help', 'hello', 'greet', 'welcome', 'sorry', 'apolog', 'gift', 'kind', 'honou?r', 'respect', 'peace', 'trade', 'share', 'bless', 'good day', 'well met'];
const HOSTILE = ['kill', 'die', 'death to', 'stupid', 'idiot', 'fool', 'hate', 'threat', 'burn', 'destroy', 'steal', 'rob', 'curse', 'shut up', 'ugly', 'worthless', 'coward', 'attack', 'stab', 'scum'];
const re = (stems: string[]) => new RegExp(`(?:^|[^\\p{L}])(?:${stems.join('|')})`, 'giu');
const KIND_RE = re(KIND);
const HOSTILE_RE = re(HOSTILE);

/** −TONE_MAX..TONE_MAX: courteous words count +1 each, hostile ones −1 each (shouting in capitals doubles the hostile count). */
export function toneOf(text: string): number {
  const kind = text.match(KIND_RE)?.length ?? 0;
  let hostile = text.match(HOSTILE_RE)?.length ?? 0;
  const letters = text.replace(/[^\p{L}]/gu, '');
  if (hostile > 0 && letters.length >= 8 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()) hostile *= 2;
  return clamp(kind - hostile, -TONE_MAX, TONE_MAX);
}

/** One talk's change: tone plus the (already validated) proposal, within ±RELATIONSHIP_STEP. */
export function relationshipStep(tone: number, proposed = 0): number {
  return clamp(Math.round(tone + proposed), -RELATIONSHIP_STEP, RELATIONSHIP_STEP);
}

/** The new value after a step, within −100..100. */
export function applyRelationship(value: number, step: number): number {
  return clamp(Math.round(value + step), RELATIONSHIP_MIN, RELATIONSHIP_MAX);
}

export type Stance = 'hostile' | 'wary' | 'neutral' | 'friendly' | 'devoted';

/** A word for the value, for the narrator. */
export function stanceOf(value: number): Stance {
  if (value <= -50) return 'hostile';
  if (value <= -15) return 'wary';
  if (value < 15) return 'neutral';
  if (value < 50) return 'friendly';
  return 'devoted';
}
