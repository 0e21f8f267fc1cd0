/**
 * magic_events is range-partitioned by month; an insert for a month without a
 * partition fails (there is deliberately no DEFAULT partition: rows parked there
 * would block creating that month's partition later). The server calls this at
 * boot and daily, so the current and next month always exist.
 */
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';

/** Current month plus this many more, so a month boundary never finds the table without a partition. */
const MONTHS = 2;

/** Creates the missing monthly partitions (`magic_events_yYYYYmMM`, UTC months) from `now`'s month; returns how many it created. */
export async function ensureMagicEventPartitions(target: EntityManager | MikroORM, now = new Date(), months = MONTHS): Promise<number> {
  const em = target instanceof MikroORM ? target.em.fork() : target;
  const fromMonth = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-01`;
  const rows = await em.execute<{ created: number }[]>('select ensure_magic_event_partitions(?::date, ?) as created', [
    fromMonth,
    months,
  ]);
  return rows[0]!.created;
}
