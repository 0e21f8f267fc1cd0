/**
 * MikroORM bootstrap. Entities are defined with `defineEntity` (no reflection),
 * migrations are a checked-in list (no folder discovery), so the same code runs
 * under tsx, in tests and in a bundled build.
 */
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
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
