/**
 * One socket write per client per tick. Everything a client gets in a tick —
 * effect messages (sent during the tick), the patch (at its end) and the
 * replies to its requests (resolved by the simulation inside the tick, sent by
 * Colyseus from promise callbacks right after it) — is held in the client's
 * socket (Node's `cork`) and let go at once (`uncork`): one `writev` instead of
 * one per frame. ws corks around each frame itself; corks nest (a counter), so
 * its frames stay in the held buffer until the outer `uncork`.
 *
 * Frames handed to ws are always fresh buffers (Colyseus copies messages and
 * replies, and concatenates each view's patch), so holding them is safe.
 * Clients of a transport without a Node socket (`client.ref._socket` absent)
 * are simply not held.
 */
import type { Client } from '@colyseus/core';

type Corkable = { cork(): void; uncork(): void; destroyed?: boolean };

/**
 * A request's reply leaves two microtask hops after the simulation resolves it
 * (the handler's promise, Colyseus' `.catch` wrapper, then its reply). The
 * release waits a few more hops than that, counted from the end of the tick,
 * so every reply resolved in the tick is in the held buffer when it goes out.
 * A reply resolved later is not lost: it is written on its own.
 */
const RELEASE_AFTER_HOPS = 4;

/** The Node socket under a ws client (ws 8 keeps it as `_socket`), if any. */
export function socketOf(client: Client): Corkable | undefined {
  const s = (client as unknown as { ref?: { _socket?: Corkable } }).ref?._socket;
  return s && typeof s.cork === 'function' && typeof s.uncork === 'function' ? s : undefined;
}

export class TickFrames {
  private held: Corkable[] = [];

  /** Holds the writes of every client given (call at the start of a tick). */
  hold(clients: Iterable<Client>): void {
    for (const c of clients) {
      const s = socketOf(c);
      if (!s || s.destroyed) continue;
      s.cork();
      this.held.push(s);
    }
  }

  /** Lets the held writes go once the tick's replies have been handed to the sockets (call at the end of a tick, always). */
  release(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    let p: Promise<void> = Promise.resolve();
    for (let i = 0; i < RELEASE_AFTER_HOPS; i++) p = p.then();
    void p.then(() => {
      for (const s of held) s.uncork();
    });
  }
}
