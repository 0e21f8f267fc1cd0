import { OK, refuse, type Verdict } from './types.js';

export const CHAT_MAX_CHARS = 200;

/** Trims and checks a chat line; control characters are stripped (they break clients' UIs). */
export function cleanChat(text: string): { verdict: Verdict; text: string } {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  if (clean.length === 0) return { verdict: refuse('BAD_MESSAGE', 'empty message'), text: clean };
  if (clean.length > CHAT_MAX_CHARS) return { verdict: refuse('BAD_MESSAGE', `at most ${CHAT_MAX_CHARS} characters`), text: clean };
  return { verdict: OK, text: clean };
}
