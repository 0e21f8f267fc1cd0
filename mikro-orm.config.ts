/**
 * Config for MikroORM tooling (`npx mikro-orm …`). The server does not read this
 * file: it builds the same options from src/config.ts in src/db/orm.ts.
 */
import { loadConfig } from './src/config.js';
import { ormOptions } from './src/db/orm.js';

const config = loadConfig(process.env);
if (!config.databaseUrl) {
  throw new Error('mikro-orm.config.ts needs DATABASE_URL (the embedded database is started by the server; use npm run db:migrate instead)');
}
export default ormOptions(config.databaseUrl);
