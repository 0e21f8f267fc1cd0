/**
 * What the store writes into text and JSON columns is made writable first.
 * PostgreSQL refuses U+0000 in `text` and `jsonb` (22P05 "unsupported Unicode escape
 * sequence" through JSON, 08P01 through a bound parameter) and lone UTF-16
 * surrogates in JSON (22P02). Client-supplied strings (a spell id, an act text)
 * reach logs and events, so one such character would make a whole batch unwritable.
 * Here NULs are removed and lone surrogates become U+FFFD; nothing else changes.
 */

const NUL = /\u0000/g;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Nesting kept in a JSON value; deeper values (or cycles) become null. */
const MAX_DEPTH = 32;

/** A string PostgreSQL accepts as text, cut to `maxLength` UTF-16 units (never inside a pair). */
export function cleanText(s: string, maxLength?: number): string {
  let out = s.replace(NUL, '');
  if (maxLength !== undefined && out.length > maxLength) out = out.slice(0, maxLength);
  return out.replace(LONE_SURROGATE, '\uFFFD');
}

/** A copy of a JSON-bound value with every string (and key) cleaned; non-finite numbers become null as JSON would. */
export function cleanJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString(); // JSON.stringify throws on a bigint
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : cleanJson(v, depth + 1)));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out[cleanText(k)] = cleanJson(v, depth + 1);
  }
  return out;
}
