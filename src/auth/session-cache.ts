/**
 * A short memory of tokens already checked, for rooms: every handoff joins a
 * room with the same token, and each check is a database read (signature,
 * then the session row for revocation). A logout forgets its session at once
 * (the server wires the logout channel to `forgetSession`), so a revoked
 * token is refused as soon as that message arrives, and in any case after
 * `ttlMs`.
 */
export type Who = { userId: string; sessionId: string };

export function cachedAuthenticate(check: (token: string) => Promise<Who | undefined>, opts: { ttlMs: number; maxEntries: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { who: Who; until: number }>();
  return {
    async authenticate(token: string): Promise<Who | undefined> {
      const hit = cache.get(token);
      if (hit && hit.until > now()) return hit.who;
      cache.delete(token);
      const who = await check(token);
      if (who) {
        if (cache.size >= opts.maxEntries) cache.delete(cache.keys().next().value!); // oldest first
        cache.set(token, { who, until: now() + opts.ttlMs });
      }
      return who;
    },
    forgetSession(sessionId: string): void {
      for (const [token, e] of cache) if (e.who.sessionId === sessionId) cache.delete(token);
    },
  };
}
