/**
 * Patch frames written straight to a client's socket, as the WebSocket frames
 * ws would write for them.
 *
 * `client.raw(bytes)` goes through ws' `WebSocket.send` and `Sender`: per
 * frame an options object or two, a header buffer, and two writes to the
 * socket (header, payload). A region room sends one patch frame per client
 * per tick, and clients on the same tile get the same frame: here a frame is
 * made once, header and payload in one buffer, and each client's socket gets
 * one write of it. Measured at the spawn with 500 clients: see
 * docs/stack.md ("ws frames").
 *
 * It writes only when ws would write at once and as is: the connection is
 * open, ws' sender has nothing queued (it queues while compressing, and
 * Colyseus leaves permessage-deflate off) and is not in the middle of a
 * fragmented message. Otherwise `writeFrame` returns false and the caller
 * sends through `client.raw`. A frame from here is a final, unmasked binary
 * frame (server to client, RFC 6455 §5.2), what ws makes for `send(bytes,
 * { binary: true })` without compression.
 */
import type { Client } from '@colyseus/core';

/** ws' WebSocket.OPEN. */
const OPEN = 1;
/** ws' Sender state when it writes a frame at once (nothing queued: not deflating, no blob read). */
const SENDER_IDLE = 0;

type Socket = { write(chunk: Uint8Array): boolean; destroyed?: boolean };
/** The parts of a ws 8 server-side WebSocket this reads (ws keeps them as these private fields). */
type WsInternals = { readyState: number; _socket?: Socket; _sender?: { _state?: number; _firstFragment?: boolean } };

/** The frame's header length for a payload of `n` bytes. */
const headerLength = (n: number): number => (n < 126 ? 2 : n < 65536 ? 4 : 10);

/** One final, unmasked binary WebSocket frame holding `parts` back to back, header and payload in one buffer. */
export function wsFrame(parts: readonly Uint8Array[]): Buffer {
  let n = 0;
  for (const p of parts) n += p.length;
  const head = headerLength(n);
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82; // FIN + opcode 2 (binary)
  if (head === 2) out[1] = n;
  else if (head === 4) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  let o = head;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The payload of a frame made by `wsFrame` (a view, no copy). */
export function payloadOf(frame: Buffer): Buffer {
  const n = frame[1]! & 0x7f;
  return frame.subarray(n < 126 ? 2 : n === 126 ? 4 : 10);
}

/** Writes `frame` (from `wsFrame`) to the client's socket if ws would write it now as is; false when it must go through ws. */
export function writeFrame(client: Client, frame: Buffer): boolean {
  const ws = (client as unknown as { ref?: WsInternals }).ref;
  const socket = ws?._socket;
  const sender = ws?._sender;
  if (ws?.readyState !== OPEN || !socket || socket.destroyed || sender?._state !== SENDER_IDLE || sender._firstFragment !== true) return false;
  socket.write(frame);
  return true;
}
