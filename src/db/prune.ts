/**
 * Pruning of the accounts' bookkeeping (src/auth/accounts.ts), run by the
 * `prune_auth` maintenance job (src/jobs/processors/maintenance.ts) every hour:
 *  - sessions that expired or were revoked more than a day ago (a token of
 *    such a session is refused anyway; the day keeps them for incident look-ups);
 *  - login_addresses rows that no longer matter: not locked, not familiar
 *    (no success within FAMILIAR_ADDRESS_MS) and no failure in the last
 *    day — a guesser's many addresses do not pile up.
 * Deletes run in batches so a large backlog never holds long locks.
 * Also the loot grant ids (`prune_loot_grants`, daily): a grant's id only has
 * to outlive the retries of that grant (seconds), a week is plenty.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** An address an account logged in or registered from within this long is familiar to it (LOGIN_RULES.familiarForMs). */
export const FAMILIAR_ADDRESS_MS = 90 * 24 * 60 * 60 * 1000;

export const SESSION_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Failures older than this no longer keep an address's row. */
export const LOGIN_FAILURE_RETENTION_MS = 24 * 60 * 60 * 1000;
const BATCH = 5000;

async function deleteInBatches(em: EntityManager, table: string, key: string, where: string, params: unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await em.execute<{ n: number }[]>(
      `with gone as (delete from ${table} where (${key}) in (select ${key} from ${table} where ${where} limit ${BATCH}) returning 1)
       select count(*)::int as n from gone`,
      params,
    );
    const n = rows[0]!.n;
    total += n;
    if (n < BATCH) return total;
  }
}

export async function pruneAuthRecords(em: EntityManager, now = new Date()): Promise<{ sessions: number; loginAddresses: number }> {
  const sessionsBefore = new Date(now.getTime() - SESSION_RETENTION_MS);
  const sessions = await deleteInBatches(em, 'sessions', 'id', 'expires_at < ? or revoked_at < ?', [sessionsBefore, sessionsBefore]);
  const familiarSince = new Date(now.getTime() - FAMILIAR_ADDRESS_MS);
  const failuresSince = new Date(now.getTime() - LOGIN_FAILURE_RETENTION_MS);
  const loginAddresses = await deleteInBatches(
    em,
    'login_addresses',
    'user_id, address',
    // A row whose first attempt is still running has a count but no failure time yet: kept.
    `(locked_until is null or locked_until < ?)
     and (last_success_at is null or last_success_at < ?)
     and (case when last_failure_at is null then failed_count = 0 else last_failure_at < ? end)`,
    [now, familiarSince, failuresSince],
  );
  return { sessions, loginAddresses };
}

export const LOOT_GRANT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export async function pruneLootGrants(em: EntityManager, now = new Date()): Promise<number> {
  return deleteInBatches(em, 'loot_grants', 'grant_id', 'created_at < ?', [new Date(now.getTime() - LOOT_GRANT_RETENTION_MS)]);
}
