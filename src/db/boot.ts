/**
 * Preparing a database at boot — migrations, the magic_events partitions and
 * the content seed — under ONE PostgreSQL advisory lock, so any number of
 * servers (and `npm run db:*` commands) may start at the same moment against
 * one database. Without it, two processes on a fresh database both run the
 * first migration and one dies on a duplicate `pg_type` row.
 *
 * The lock is session-level (`pg_advisory_lock`) and held on a dedicated
 * connection, not on the ORM's pool: the migrator opens its own transactions
 * on pool connections, and whatever connection holds the lock must stay the
 * same from the first step to the last. If the process dies, PostgreSQL ends
 * the session and the lock goes with it; the next process then finds the
 * work either committed (migrations are all-or-nothing) or not done at all.
 *
 * Workers do not migrate: BullMQ's PostgreSQL backend migrates its own schema
 * under its own advisory lock, and the maintenance jobs' partition function
 * takes a transaction lock of its own.
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import { migrate, type Orm } from './orm.js';
import { ensureMagicEventPartitions } from './partitions.js';
import { seedContent, type ContentSeedSummary } from './seed.js';

/**
 * "LEYLINE" in ASCII, read as a bigint. Per-row advisory locks elsewhere use
 * `hashtext(...)`, an int4, so they can never take this key.
 */
export const BOOT_LOCK_KEY = '21480863385112133';

/** Runs `work` while this process holds the boot lock of the database at `databaseUrl`; waits for it if another process has it. */
export async function withBootLock<T>(databaseUrl: string, log: Logger, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'leyline boot lock' });
  // A dropped connection emits 'error' on the client; unhandled, that would kill the process.
  client.on('error', (err) => log.warn({ err }, 'boot lock connection lost (the lock is released with it)'));
  await client.connect();
  try {
    const { rows } = await client.query<{ got: boolean }>('select pg_try_advisory_lock($1::bigint) as got', [BOOT_LOCK_KEY]);
    if (!rows[0]!.got) {
      log.info('another process is preparing the database; waiting for it');
      const t0 = Date.now();
      await client.query('select pg_advisory_lock($1::bigint)', [BOOT_LOCK_KEY]);
      log.info({ waitedMs: Date.now() - t0 }, 'database boot lock acquired');
    }
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [BOOT_LOCK_KEY]).catch(() => undefined); // ending the session releases it anyway
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

export type PreparedDatabase = {
  /** Migrations this process applied (empty when another process did, or none were pending). */
  applied: string[];
  /** magic_events partitions this process created. */
  partitionsCreated: number;
  seed: ContentSeedSummary;
};

/** Migrations → this and next month's magic_events partitions → content seed, as one step under the boot lock. */
export async function prepareDatabase(orm: Orm, log: Logger, now = new Date()): Promise<PreparedDatabase> {
  const url = orm.config.get('clientUrl');
  if (!url) throw new Error('prepareDatabase needs an ORM opened with a clientUrl');
  return withBootLock(url, log, async () => {
    const applied = await migrate(orm);
    const partitionsCreated = await ensureMagicEventPartitions(orm.em.fork(), now);
    const seed = await seedContent(orm.em.fork());
    return { applied, partitionsCreated, seed };
  });
}
