/**
 * `npm run db:migrate` | `npm run db:seed` | `npm run db:migration:create`.
 * Works against DATABASE_URL, or the embedded database in DATA_DIR (attaching
 * to a running server's, or starting it for the duration of the command).
 */
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { EmbeddedPostgres } from './embedded.js';
import { prepareDatabase } from './boot.js';
import { openOrm } from './orm.js';
import { seedSample } from './seed.js';
import { User } from './entities/index.js';

const command = process.argv[2];
const config = loadConfig(process.env);
const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);

async function run(): Promise<void> {
  if (!['migrate', 'seed', 'create-migration', 'grant-admin'].includes(command ?? '')) {
    process.stderr.write('usage: tsx src/db/cli.ts migrate|seed|create-migration|grant-admin <username>\n');
    process.exit(2);
  }
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = new EmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
    url = await embedded.start();
  }
  const orm = await openOrm(url, log);
  try {
    // Same boot step as the server (migrations, partitions, content seed under the boot lock): safe while servers start.
    const { applied } = await prepareDatabase(orm, log);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n');
    if (command === 'seed') {
      const summary = await seedSample(orm.em.fork(), { bcryptCost: config.bcryptCost });
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    }
    if (command === 'grant-admin') {
      // The only way to make an admin: no default admin account or password exists.
      const username = (process.argv[3] ?? '').toLowerCase();
      const updated = await orm.em.fork().nativeUpdate(User, { username }, { role: 'admin' });
      if (!updated) {
        process.stderr.write(`no user named "${username}"\n`);
        process.exitCode = 1;
      } else process.stdout.write(`${username} is now an admin\n`);
    }
    if (command === 'create-migration') {
      const result = await orm.migrator.create('src/db/migrations');
      process.stdout.write(
        result.fileName
          ? `created src/db/migrations/${result.fileName}: review it, then append it to src/db/migrations/index.ts\n`
          : 'entities and schema agree: no migration needed\n',
      );
    }
  } finally {
    await orm.close();
    await embedded?.stop();
  }
}

run().catch((err) => {
  log.fatal({ err }, `db ${command} failed`);
  process.exit(1);
});
