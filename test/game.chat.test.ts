import assert from 'node:assert/strict';
import { CHAT_MAX_CHARS, cleanChat } from '../src/game/chat.js';

function refused(text: string): void {
  const r = cleanChat(text);
  assert.equal(r.verdict.ok, false, JSON.stringify(text));
  if (!r.verdict.ok) assert.equal(r.verdict.code, 'BAD_MESSAGE');
}

describe('game cleanChat', () => {
  it('trims surrounding whitespace', () => {
    assert.deepEqual(cleanChat('  hello there \t'), { verdict: { ok: true }, text: 'hello there' });
    assert.deepEqual(cleanChat('hi'), { verdict: { ok: true }, text: 'hi' });
  });

  it('replaces control characters with spaces (and trims them at the ends)', () => {
    assert.equal(cleanChat('a\u0000b\u0007c\u001bd\u007fe').text, 'a b c d e');
    assert.equal(cleanChat('line one\nline two\r\n').text, 'line one line two');
    assert.equal(cleanChat('\u0000\u0001hi\u001f').text, 'hi');
    assert.equal(cleanChat('\u001b[31mred\u001b[0m').text, '[31mred [0m');
    for (let c = 0; c < 0x20; c++) assert.ok(!/[\u0000-\u001f\u007f]/.test(cleanChat(`a${String.fromCharCode(c)}b`).text), `char ${c}`);
  });

  it('keeps ordinary Unicode', () => {
    assert.equal(cleanChat('héllo wörld ✨ 你好').text, 'héllo wörld ✨ 你好');
  });

  it('refuses empty, blank or control-only lines', () => {
    refused('');
    refused('   ');
    refused('\n\t\r');
    refused('\u0000\u0007\u007f');
  });

  it(`refuses more than ${CHAT_MAX_CHARS} characters after cleaning`, () => {
    assert.equal(CHAT_MAX_CHARS, 200);
    assert.equal(cleanChat('x'.repeat(CHAT_MAX_CHARS)).verdict.ok, true);
    refused('x'.repeat(CHAT_MAX_CHARS + 1));
    const padded = cleanChat(`   ${'y'.repeat(CHAT_MAX_CHARS)}\n\n`);
    assert.deepEqual(padded, { verdict: { ok: true }, text: 'y'.repeat(CHAT_MAX_CHARS) }, 'surrounding whitespace does not count');
    refused(`a${'\u0000'.repeat(CHAT_MAX_CHARS)}b`); // inner control characters become spaces, which count
  });
});
