/**
 * Patch frames written whole (rooms/wsframes.ts), without a server: the bytes
 * are ws' own for the same payload at every length encoding, and a frame is
 * written only when ws would write it at once. Real clients decoding them:
 * test/room.wire.test.ts and test/room.interest.test.ts.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Client } from '@colyseus/core';
import { payloadOf, wsFrame, writeFrame } from '../rooms/wsframes.js';

/** ws' Sender (the package @colyseus/ws-transport runs on): the frame it makes for a server's unmasked binary message. */
const { Sender } = createRequire(import.meta.url)('ws') as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
};
const wsOwn = (payload: Buffer) =>
  Buffer.concat(Sender.frame(payload, { fin: true, opcode: 2, mask: false, readOnly: false, rsv1: false }));

/** A ws-like connection whose socket records what is written to it. */
function connection(o: { readyState?: number; state?: number; firstFragment?: boolean; socket?: boolean; destroyed?: boolean } = {}) {
  const written: Uint8Array[] = [];
  const socket = { destroyed: o.destroyed ?? false, write: (b: Uint8Array) => (written.push(b), true) };
  const ref = { readyState: o.readyState ?? 1, _socket: o.socket === false ? undefined : socket, _sender: { _state: o.state ?? 0, _firstFragment: o.firstFragment ?? true } };
  return { client: { ref } as unknown as Client, written };
}

describe('patch frames written whole (rooms/wsframes.ts)', () => {
  for (const n of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
    it(`a ${n}-byte payload in parts is the frame ws makes for it`, () => {
      const payload = Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));
      const parts = [payload.subarray(0, Math.floor(n / 3)), payload.subarray(Math.floor(n / 3), n - 1), payload.subarray(Math.max(0, n - 1))];
      const frame = wsFrame(parts);
      assert.deepEqual(frame, wsOwn(payload));
      assert.deepEqual(payloadOf(frame), payload);
    });
  }

  it('writes to the socket of an open connection whose sender is idle, and nowhere else', () => {
    const frame = wsFrame([Buffer.from([1, 2, 3])]);
    const open = connection();
    assert.equal(writeFrame(open.client, frame), true);
    assert.deepEqual(open.written, [frame]);
    for (const [why, c] of [
      ['closing', connection({ readyState: 2 })],
      ['connecting', connection({ readyState: 0 })],
      ['ws queues (deflating or reading a blob)', connection({ state: 1 })],
      ['in the middle of a fragmented message', connection({ firstFragment: false })],
      ['no socket', connection({ socket: false })],
      ['socket destroyed', connection({ destroyed: true })],
    ] as const) {
      assert.equal(writeFrame(c.client, frame), false, why);
      assert.equal(c.written.length, 0, why);
    }
    assert.equal(writeFrame({} as Client, frame), false, 'a client without a ws connection');
  });
});
