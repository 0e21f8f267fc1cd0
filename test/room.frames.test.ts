/**
 * Held frames and replies (rooms/frames.ts), without a server: what a tick's
 * socket receives and in which order, and what a reply settled outside a tick
 * does. The wire itself (one write per tick with real clients) is in
 * test/room.wire.test.ts.
 */
import assert from 'node:assert/strict';
import type { Client } from '@colyseus/core';
import { HeldReply, TickFrames } from '../rooms/frames.js';

/** A client whose socket records corks, uncorks and what was "written" while corked or not. */
function fakeClient() {
  const log: string[] = [];
  let corked = 0;
  const socket = {
    cork: () => void corked++,
    uncork: () => {
      corked--;
      log.push('uncork');
    },
  };
  const client = { ref: { _socket: socket } } as unknown as Client;
  return { client, log, write: (what: string) => log.push(corked > 0 ? `held ${what}` : what), corked: () => corked };
}

/** What Colyseus does with a handler's answer (RoomMessages onRequest): `.then(reply)`. */
function answered<T>(reply: HeldReply<T>, write: (what: string) => void): void {
  void reply.then((v) => write(`reply ${JSON.stringify(v)}`));
}

describe('held frames and replies (rooms/frames.ts)', () => {
  it('a reply settled in a tick is written after the patch, before the socket is let go', () => {
    const frames = new TickFrames();
    const c = fakeClient();
    const reply = new HeldReply<{ ok: boolean }>();
    answered(reply, c.write);
    frames.hold([c.client]);
    c.write('effect');
    frames.settle(c.client, reply, { ok: true });
    c.write('patch');
    assert.deepEqual(c.log, ['held effect', 'held patch'], 'nothing of the reply before the tick ends');
    frames.release();
    assert.deepEqual(c.log, ['held effect', 'held patch', 'held reply {"ok":true}', 'uncork']);
    assert.equal(c.corked(), 0);
  });

  it('onSent hears of each held client after its write, and of no client not held', () => {
    const frames = new TickFrames();
    const a = fakeClient(), b = fakeClient(), idle = fakeClient();
    frames.onSent = (client) => (client === a.client ? a : client === b.client ? b : idle).log.push('sent');
    frames.hold([a.client, b.client]);
    a.write('patch');
    frames.release();
    assert.deepEqual(a.log, ['held patch', 'uncork', 'sent']);
    assert.deepEqual(b.log, ['uncork', 'sent']);
    assert.deepEqual(idle.log, []);
  });

  it('a reply settled outside a tick goes at once, also when settled before Colyseus asks for it', () => {
    const frames = new TickFrames();
    const c = fakeClient();
    const late = new HeldReply<number>();
    answered(late, c.write);
    frames.settle(c.client, late, 1);
    const early = new HeldReply<number>();
    frames.settle(c.client, early, 2); // the queue was full: refused inside the handler, before it returned
    answered(early, c.write);
    assert.deepEqual(c.log, ['reply 1', 'reply 2']);
    early.resolve(3);
    assert.deepEqual(c.log, ['reply 1', 'reply 2'], 'settled once');
  });

  it('one failing reply neither keeps the socket held nor stops the other replies', () => {
    const errors: unknown[] = [];
    const frames = new TickFrames((err) => errors.push(err));
    const a = fakeClient(), b = fakeClient();
    const bad = new HeldReply<number>(), good = new HeldReply<number>();
    void bad.then(() => {
      throw new Error('boom');
    });
    answered(good, b.write);
    frames.hold([a.client, b.client]);
    frames.settle(a.client, bad, 1);
    frames.settle(b.client, good, 2);
    frames.release();
    assert.equal(errors.length, 1);
    assert.deepEqual(a.log, ['uncork']);
    assert.deepEqual(b.log, ['held reply 2', 'uncork']);
    assert.equal(a.corked() + b.corked(), 0);
  });

  it('lets clients go oldest request first, then those without one, each once', () => {
    const frames = new TickFrames();
    const order: string[] = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => {
      const f = fakeClient();
      return { ...f, name };
    });
    frames.onSent = (client) => order.push([a, b, c, d].find((x) => x.client === client)!.name);
    frames.arrived(c.client);
    frames.arrived(a.client);
    frames.arrived(c.client); // a second request keeps c's place
    frames.hold([a.client, b.client, c.client, d.client]);
    frames.release();
    assert.deepEqual(order, ['c', 'a', 'b', 'd']);
    for (const x of [a, b, c, d]) assert.deepEqual(x.log, ['uncork'], `${x.name} let go once`);

    // The order is per tick: requests answered by that tick are forgotten.
    order.length = 0;
    frames.arrived(d.client);
    frames.hold([a.client, b.client, c.client, d.client]);
    frames.release();
    assert.deepEqual(order, ['d', 'a', 'b', 'c']);
  });

  it('a request from a client not held in the tick is forgotten with it', () => {
    const frames = new TickFrames();
    const order: string[] = [];
    const a = fakeClient(), late = fakeClient();
    frames.onSent = (client) => order.push(client === a.client ? 'a' : 'late');
    frames.arrived(late.client); // e.g. it joined after the tick's hold
    frames.release(); // a tick with nothing held
    frames.hold([a.client]);
    frames.release();
    frames.hold([a.client, late.client]);
    frames.release();
    assert.deepEqual(order, ['a', 'a', 'late'], 'its old request no longer puts it first');
  });
});
