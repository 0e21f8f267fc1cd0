/**
 * One socket write per client per tick. Everything a client gets in a tick —
 * effect messages (sent during the tick), the patch (at its end), then the
 * replies to its requests that the simulation answered in the tick — is held
 * in the client's socket (Node's `cork`) and let go at once (`uncork`): one
 * `writev` instead of one per frame. ws corks around each frame itself; corks
 * nest (a counter), so its frames stay in the held buffer until the outer
 * `uncork`.
 *
 * Replies reach the held buffer without promise callbacks: a request's handler
 * returns a `HeldReply` (a thenable Colyseus waits for as for the handler's
 * promise), the simulation settles it through `settle` inside the tick, and
 * the replies are written when the tick lets the clients go, after the patch
 * (the order clients always had: patch, then the replies of the same tick).
 * Nothing waits for microtasks, and no promise is made per request (fewer
 * allocations; the CPU it saves is within the full bench's run-to-run noise).
 * Letting each client go right after its own patch frame, while the next ones
 * are encoded, was measured too (spawn 500, three A/B pairs): move→patch p50
 * 1–2 ms lower, p99 and CPU no better, so it is not done. Measured again with
 * the oldest-request order below (five pairs): CPU −1 to +14 points, the
 * bots' move→patch p99 lower in two of the five. And with the bench's bots
 * under SCHED_IDLE (three runs, 2026-12-02): at-server p99 54–59 ms against
 * 49–56 without, the bots' p99 109–125 against 92–109.
 *
 * Frames handed to ws are always fresh buffers (Colyseus copies messages and
 * replies, and concatenates each view's patch), so holding them is safe; so
 * are the patch frames a region room writes to the socket itself
 * (rooms/wsframes.ts: made per patch, a tile's frame shared by its clients
 * and never changed).
 * Clients of a transport without a Node socket (`client.ref._socket` absent)
 * are simply not held.
 *
 * Clients are let go oldest request first: those whose earliest request of
 * the tick arrived first are written first, then those with no request. A
 * tick answers every request that arrived before it, and the write order is
 * the order in which the bytes reach the network (and a client machine's
 * event loop reads its sockets): a request that waited almost a whole tick
 * for it is answered first, one that arrived just before it last, which
 * evens out request → answer latency and lowers its tail (docs/design.md,
 * "Frames").
 */
import type { Client } from '@colyseus/core';

type Corkable = { cork(): void; uncork(): void; destroyed?: boolean };

/** The Node socket under a ws client (ws 8 keeps it as `_socket`), if any. */
export function socketOf(client: Client): Corkable | undefined {
  const s = (client as unknown as { ref?: { _socket?: Corkable } }).ref?._socket;
  return s && typeof s.cork === 'function' && typeof s.uncork === 'function' ? s : undefined;
}

/**
 * A request handler's answer, settled later (inside a tick): a thenable, so Colyseus waits for it as for a
 * promise (`response.then(ok, fail)`, RoomMessages `onRequest`), but its callbacks run when it is settled, not
 * in a microtask after: the reply is in the client's held buffer before the client is let go.
 */
export class HeldReply<T> implements PromiseLike<T> {
  private settled = false;
  private value: T | undefined;
  private ok: ((v: T) => unknown) | undefined;

  then<R1 = T, R2 = never>(ok?: ((v: T) => R1 | PromiseLike<R1>) | null): PromiseLike<R1 | R2> {
    if (ok) {
      if (this.settled) ok(this.value as T);
      else this.ok = ok;
    }
    return this as unknown as PromiseLike<R1 | R2>; // nobody chains on it (Colyseus does not)
  }

  resolve(v: T): void {
    if (this.settled) return;
    this.settled = true;
    this.value = v;
    const ok = this.ok;
    this.ok = undefined;
    ok?.(v);
  }
}

type Held = { socket: Corkable; replies: (() => void)[] | undefined };

export class TickFrames {
  private held = new Map<Client, Held>();
  /** Clients with a request since they were last let go, in the order of their first such request (a Set keeps insertion order). */
  private readonly waiting = new Set<Client>();
  /** Told of each client let go, after its write (measuring tools: RoomSeams hooks `sent`). */
  onSent: ((client: Client) => void) | undefined;

  constructor(private readonly onError: (err: unknown) => void = () => undefined) {}

  /** Holds the writes of every client given (call at the start of a tick). */
  hold(clients: Iterable<Client>): void {
    for (const c of clients) {
      const s = socketOf(c);
      if (!s || s.destroyed) continue;
      s.cork();
      this.held.set(c, { socket: s, replies: undefined });
    }
  }

  /** A request from `client` arrived (call in its handler): it is let go before those whose first request came later. */
  arrived(client: Client): void {
    this.waiting.add(client);
  }

  /** Settles `reply` with `value`: at once when `client` is not held, else when the tick lets it go (after the patch). */
  settle<T>(client: Client, reply: HeldReply<T>, value: T): void {
    const h = this.held.get(client);
    if (h) (h.replies ??= []).push(() => reply.resolve(value));
    else this.resolve(() => reply.resolve(value));
  }

  /** Lets every held client go, each with its replies (call at the end of a tick, always). */
  release(): void {
    const held = this.held;
    if (held.size > 0) {
      this.held = new Map();
      // Oldest request first, then the clients without one (each once: a client let go leaves `held`).
      for (const client of this.waiting) {
        const h = held.get(client);
        if (!h) continue;
        held.delete(client);
        this.letGo(client, h);
      }
      for (const [client, h] of held) this.letGo(client, h);
    }
    this.waiting.clear(); // every request of the tick is answered (or its client was not held)
  }

  private letGo(client: Client, h: Held): void {
    if (h.replies) for (const r of h.replies) this.resolve(r);
    h.socket.uncork();
    this.onSent?.(client);
  }

  private resolve(r: () => void): void {
    try {
      r();
    } catch (err) {
      this.onError(err); // one reply's failure must not keep the others (or the socket) held
    }
  }
}
