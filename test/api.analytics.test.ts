import assert from 'node:assert/strict';
import { User } from '../src/db/entities/index.js';
import { bootTestServer, http, type TestServer } from './support/server.js';

describe('spell analytics (admin)', () => {
  let t: TestServer;
  before(async () => {
    t = await bootTestServer();
  });
  after(async () => {
    await t?.stop();
  });

  it('serves casts, success rate and mean effect per spell from the materialized view, to admins only', async () => {
    const reg = async (name: string) =>
      (await http(t.url, 'POST', '/api/auth/register', { body: { username: name, email: `${name}@example.com`, password: 'a fine password' } })).body;
    const admin = await reg('the_admin');
    const player = await reg('a_player');
    await t.server.orm.em.fork().nativeUpdate(User, { id: admin.user.id }, { role: 'admin' });

    const conn = t.server.orm.em.fork().getConnection();
    const [world] = await conn.execute<{ id: string }[]>('select id from worlds limit 1');
    const rows: [string, boolean, number][] = [['fireball', true, 30], ['fireball', true, 40], ['fireball', false, 0], ['spark', true, 5]];
    for (const [spell, success, effect] of rows) {
      await conn.execute('insert into magic_events (created_at, world_id, spell_id, success, effect, mana_spent, rx, rz) values (now(), ?, ?, ?, ?, 10, 0, 0)', [world!.id, spell, success, effect]);
    }
    await conn.execute('refresh materialized view concurrently spell_analytics');

    assert.equal((await http(t.url, 'GET', '/api/analytics/spells')).status, 401);
    const forbidden = await http(t.url, 'GET', '/api/analytics/spells', { token: player.token });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.error.code, 'FORBIDDEN');

    const res = await http(t.url, 'GET', '/api/analytics/spells', { token: admin.token });
    assert.equal(res.status, 200);
    const fireball = res.body.find((r: { spellId: string }) => r.spellId === 'fireball');
    assert.deepEqual([fireball.casts, fireball.successes, fireball.meanEffect, fireball.manaSpent], [3, 2, 35, 30]);
    assert.ok(Math.abs(fireball.successRate - 2 / 3) < 1e-9);
    assert.equal(res.body[0].spellId, 'fireball', 'most cast first');
  });

  it('serves the Colyseus monitor at /admin/monitor to admins only (HTTP Basic auth)', async () => {
    const basic = (u: string, p: string) => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
    const none = await http(t.url, 'GET', '/admin/monitor/');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal(none.body.error.code, 'UNAUTHORIZED');
    assert.equal((await http(t.url, 'GET', '/admin/monitor/', { headers: basic('the_admin', 'wrong password') })).status, 401);
    assert.equal((await http(t.url, 'GET', '/admin/monitor/', { headers: basic('a_player', 'a fine password') })).status, 403);
    const ok = await http(t.url, 'GET', '/admin/monitor/', { headers: basic('the_admin', 'a fine password') });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /html/);
  });
});
