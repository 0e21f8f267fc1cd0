/**
 * Database housekeeping, run as (scheduled) jobs so exactly one worker does
 * each run however many processes there are:
 *  - refresh_spell_analytics: REFRESH MATERIALIZED VIEW [CONCURRENTLY] spell_analytics
 *    (skipped while the view does not exist);
 *  - ensure_partitions: the next magic_events monthly partitions;
 *  - prune_auth: expired/revoked sessions and stale login-address rows (src/db/prune.ts);
 *  - prune_loot_grants: loot grant ids older than a week (a retry comes within seconds).
 * The database handle is injected (the server passes its ORM; `npm run worker`
 * opens one when DATABASE_URL is set).
 */
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { ensureMagicEventPartitions } from '../../db/partitions.js';
import { pruneAuthRecords, pruneLootGrants } from '../../db/prune.js';
import { maintenancePayloadSchema, parsePayload, type MaintenanceResult, type Processor } from '../types.js';

export type MaintenanceDeps = {
  /** Forked per job. */
  db: EntityManager | MikroORM;
  /** Clock for ensure_partitions and prune_auth (tests). */
  now?: () => Date;
};

const VIEW = 'spell_analytics';

async function refreshSpellAnalytics(em: EntityManager): Promise<Omit<MaintenanceResult, 'task' | 'durationMs'>> {
  const rows = await em.execute<{ ispopulated: boolean }[]>(
    `select ispopulated from pg_matviews where matviewname = ? and schemaname = any(current_schemas(false)) limit 1`,
    [VIEW],
  );
  if (rows.length === 0) return { status: 'skipped', detail: `materialized view ${VIEW} does not exist` };
  if (!rows[0]!.ispopulated) {
    // CONCURRENTLY refuses a never-populated view; the first refresh is a plain one.
    await em.execute(`refresh materialized view "${VIEW}"`);
    return { status: 'done', detail: 'first (non-concurrent) refresh' };
  }
  try {
    await em.execute(`refresh materialized view concurrently "${VIEW}"`);
    return { status: 'done', detail: 'concurrent refresh' };
  } catch (err) {
    // 55000 object_not_in_prerequisite_state: no unique index for CONCURRENTLY.
    if ((err as { code?: string }).code !== '55000') throw err;
    await em.execute(`refresh materialized view "${VIEW}"`);
    return { status: 'done', detail: 'plain refresh (no unique index for a concurrent one)' };
  }
}

export function createMaintenanceProcessor(deps: MaintenanceDeps): Processor<'maintenance'> {
  return async (payload, ctx) => {
    const { task } = parsePayload(maintenancePayloadSchema, payload, 'maintenance');
    const em = deps.db instanceof MikroORM ? deps.db.em.fork() : deps.db.fork();
    const t0 = Date.now();
    let r: Omit<MaintenanceResult, 'task' | 'durationMs'>;
    switch (task) {
      case 'refresh_spell_analytics':
        r = await refreshSpellAnalytics(em);
        break;
      case 'ensure_partitions': {
        const created = await ensureMagicEventPartitions(em, deps.now?.() ?? new Date());
        r = { status: 'done', created };
        break;
      }
      case 'prune_auth': {
        const pruned = await pruneAuthRecords(em, deps.now?.() ?? new Date());
        r = { status: 'done', pruned };
        break;
      }
      case 'prune_loot_grants': {
        r = { status: 'done', pruned: { lootGrants: await pruneLootGrants(em, deps.now?.() ?? new Date()) } };
        break;
      }
    }
    const result: MaintenanceResult = { task, ...r, durationMs: Date.now() - t0 };
    ctx.log[r.status === 'skipped' ? 'debug' : 'info']({ ...result }, 'maintenance task finished');
    return result;
  };
}
