import assert from 'node:assert/strict';
import { createLogger } from '../src/log.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { seedContent } from '../src/db/seed.js';
import { ensureMagicEventPartitions } from '../src/db/partitions.js';
import { MagicEventLog } from '../src/persist/magic-log.js';
import { WorldStore, type MagicEventRow } from '../src/persist/store.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';

const log = createLogger('silent');

describe('persist: magic event log', () => {
  let db: TestDatabase;
  let orm: Orm;
  let worldId: string;
  const row = (spellId: string, success = true): MagicEventRow => ({
    createdAt: new Date(), worldId, characterId: null, spellId, success, code: success ? null : 'ON_COOLDOWN',
    effect: success ? 12.5 : 0, manaSpent: success ? 8 : 0, rx: 0, rz: 0, data: { factors: { environment: 1.1 } },
  });
  const count = async () => Number((await orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from magic_events'))[0]!.n);

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, log);
    await migrate(orm);
    worldId = (await seedContent(orm.em.fork())).world.id;
  });
  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  it('buffers rows and appends them in one flush; an empty flush does nothing', async () => {
    const magicLog = new MagicEventLog(new WorldStore(orm.em), log);
    for (let i = 0; i < 250; i++) magicLog.append(row(i % 2 ? 'spark' : 'fireball', i % 5 !== 0));
    assert.equal(magicLog.pending, 250);
    await Promise.all([magicLog.flush(), magicLog.flush()]); // serialized: the second finds nothing left
    assert.equal(magicLog.pending, 0);
    assert.equal(await count(), 250);
    await magicLog.flush();
    assert.equal(await count(), 250);
  });

  it('is bounded: past maxRows the oldest unsaved rows are dropped', () => {
    const magicLog = new MagicEventLog(new WorldStore(orm.em), log, 3);
    for (const s of ['a', 'b', 'c', 'd', 'e']) magicLog.append(row(s));
    assert.equal(magicLog.pending, 3);
  });

  it('keeps the rows when the database refuses them, and saves them on a later flush', async () => {
    // A real refusal: rows for a month that has no magic_events partition yet.
    const future = new Date(Date.UTC(2099, 4, 15));
    const magicLog = new MagicEventLog(new WorldStore(orm.em), log);
    magicLog.append({ ...row('fireball'), createdAt: future });
    magicLog.append({ ...row('spark'), createdAt: future });
    const before = await count();
    await magicLog.flush();
    assert.equal(magicLog.pending, 2, 'nothing lost');
    assert.equal(await count(), before);
    await ensureMagicEventPartitions(orm.em.fork(), future);
    await magicLog.flush();
    assert.equal(magicLog.pending, 0);
    assert.equal(await count(), before + 2);
  });
});
