/**
 * MikroORM bootstrap. Entities are defined with `defineEntity` (no reflection),
 * migrations are a checked-in list (no folder discovery), so the same code runs
 * under tsx, in tests and in a bundled build.
 */
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type pg from 'pg';
import type { Logger } from '../log.js';
import { entities } from './entities/index.js';
import { migrationsList } from './migrations/index.js';

export type Orm = MikroORM;

export function ormOptions(databaseUrl: string, opts: { schema?: string; poolMax?: number } = {}): Options {
  return {
    clientUrl: databaseUrl,
    schema: opts.schema,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: opts.poolMax ?? 10 },
    driverOptions: { onPoolCreated: releaseDeadClients },
    migrations: {
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      path: 'src/db/migrations',
      pathTs: 'src/db/migrations',
      emit: 'ts',
    },
    // The migration owns plpgsql functions (ensure_magic_event_partitions); without this a
    // generated migration would propose dropping them.
    // Same for materialized views (spell_analytics): hand-written in migrations, not entities.
    schemaGenerator: { ignoreRoutines: true, skipViews: ['spell_analytics'] },
    allowGlobalContext: false,
    debug: false,
  };
}

/**
 * Gives back to the pool a connection that died while checked out. Kysely 0.29's
 * ControlledTransaction (MikroORM 7's transactions) releases its connection only after
 * a successful COMMIT or ROLLBACK; when the connection breaks inside a transaction both
 * fail and the client is never released (kysely-org/kysely#1990). Each such break
 * would cost a pool slot for good, and after `pool.max` of them every query waits
 * forever (test/db.pool.test.ts). Here the first 'end' of a checked-out client releases
 * it with an error (pg-pool then discards it), and a later release by its holder is a
 * no-op instead of pg-pool's double-release error.
 */
export function releaseDeadClients(pool: pg.Pool): void {
  const onEnd = new WeakMap<pg.PoolClient, () => void>();
  pool.on('acquire', (client) => {
    const c = client as pg.PoolClient;
    const ended = () => {
      onEnd.delete(c);
      const release = c.release;
      c.release = () => undefined;
      release.call(c, new Error('connection ended while checked out'));
    };
    onEnd.set(c, ended);
    c.once('end', ended);
  });
  pool.on('release', (_err: Error | undefined, client: pg.PoolClient) => {
    const ended = onEnd.get(client);
    if (ended) client.removeListener('end', ended);
    onEnd.delete(client);
  });
}

export async function openOrm(databaseUrl: string, log: Logger, opts: { schema?: string; poolMax?: number } = {}): Promise<Orm> {
  const orm = await MikroORM.init({
    ...ormOptions(databaseUrl, opts),
    logger: (msg) => log.debug({ orm: true }, msg),
  });
  return orm;
}

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}
