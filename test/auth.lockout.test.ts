/**
 * Login guessing limits (src/auth/accounts.ts) against a real PostgreSQL, with
 * the clock passed in: lockout per (account, address), the account-wide
 * slow-down for unfamiliar addresses, and their behaviour under concurrency.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AccountError, AccountService, LOGIN_RULES, accountDelayMs, addressKey } from '../src/auth/accounts.js';
import { TokenService } from '../src/auth/tokens.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { createLogger } from '../src/log.js';
import { createTestDatabase, type TestDatabase } from './support/pg.js';

const PASSWORD = 'correct horse battery';
const MIN = 60_000;

describe('auth: guessing limits', () => {
  let db: TestDatabase;
  let orm: Orm;
  let accounts: AccountService;

  before(async () => {
    db = await createTestDatabase();
    orm = await openOrm(db.url, createLogger('silent'));
    await migrate(orm);
    accounts = new AccountService(orm.em, new TokenService(randomBytes(32).toString('hex'), 600), 4);
  });
  after(async () => {
    await orm?.close();
    await db?.drop();
  });

  /** A new account registered from `home`. */
  async function account(home: string): Promise<string> {
    const tag = randomBytes(4).toString('hex');
    const username = `u_${tag}`;
    await accounts.register({ username, email: `${tag}@example.com`, password: PASSWORD }, { ip: home });
    return username;
  }

  /** The outcome of one login attempt: 'ok', or the refusal code with its retry-after. */
  async function attempt(username: string, ip: string, password: string, now: Date): Promise<string> {
    try {
      await accounts.login({ username, password }, { ip }, now);
      return 'ok';
    } catch (err) {
      if (!(err instanceof AccountError)) throw err;
      return err.retryAfterS ? `${err.code}:${err.retryAfterS}` : err.code;
    }
  }
  const code = (outcome: string) => outcome.split(':')[0];

  it('keys addresses as IPv4, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb::9'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey(undefined), 'unknown');
  });

  it('spaces attempts past the free ones 1 s, 2 s, 4 s … up to 5 min', () => {
    const free = LOGIN_RULES.accountFreeAttempts;
    assert.deepEqual(
      [free, free + 1, free + 2, free + 3, free + 9, free + 10, free + 1000].map((n) => accountDelayMs(n)),
      [0, 1000, 2000, 4000, 256_000, 300_000, 300_000],
    );
  });

  it('5 failures from one address lock that address for 15 minutes; the owner elsewhere is not locked', async () => {
    const t0 = new Date();
    const user = await account('198.51.100.1');
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await attempt(user, '203.0.113.66', 'wrong guess', t0));
    assert.deepEqual(outcomes.slice(0, 4), Array(4).fill('INVALID_CREDENTIALS'));
    assert.equal(outcomes[4], `ACCOUNT_LOCKED:${15 * 60}`);
    // Locked for that address, even with the right password…
    assert.equal(code(await attempt(user, '203.0.113.66', PASSWORD, new Date(t0.getTime() + 14 * MIN))), 'ACCOUNT_LOCKED');
    // …but the owner at home, and the owner at a new address, get in.
    assert.equal(await attempt(user, '198.51.100.1', PASSWORD, t0), 'ok');
    assert.equal(await attempt(user, '192.0.2.55', PASSWORD, t0), 'ok');
    // The lock ends after 15 minutes, with a fresh count of 5.
    const later = new Date(t0.getTime() + 15 * MIN + 1000);
    for (let i = 0; i < 4; i++) assert.equal(await attempt(user, '203.0.113.66', 'wrong guess', later), 'INVALID_CREDENTIALS');
    assert.equal(await attempt(user, '203.0.113.66', PASSWORD, later), 'ok');
  });

  it('a success resets the address count; the owner locking their own address does not lock their other addresses', async () => {
    const t0 = new Date();
    const user = await account('198.51.100.2');
    for (let i = 0; i < 4; i++) await attempt(user, '198.51.100.2', 'typo', t0);
    assert.equal(await attempt(user, '198.51.100.2', PASSWORD, t0), 'ok');
    for (let i = 0; i < 4; i++) assert.equal(await attempt(user, '198.51.100.2', 'typo', t0), 'INVALID_CREDENTIALS');
    assert.equal(code(await attempt(user, '198.51.100.2', 'typo', t0)), 'ACCOUNT_LOCKED');
    assert.equal(await attempt(user, '2001:db8:77::1', PASSWORD, t0), 'ok');
  });

  it('a distributed guesser is slowed per account; the owner at a familiar address is not', async () => {
    const t0 = new Date();
    const user = await account('198.51.100.3');
    const guesser = (i: number) => `203.0.113.${i}`;
    // 10 free attempts, each from another address, then the 11th sets a 1 s wait.
    for (let i = 1; i <= 11; i++) assert.equal(await attempt(user, guesser(i), 'wrong guess', t0), 'INVALID_CREDENTIALS');
    assert.equal(await attempt(user, guesser(12), 'wrong guess', t0), 'LOGIN_THROTTLED:1');
    // Unfamiliar addresses wait, whatever the password…
    assert.equal(await attempt(user, '192.0.2.200', PASSWORD, t0), 'LOGIN_THROTTLED:1');
    // …the owner's familiar address does not, and its failures are its own.
    assert.equal(await attempt(user, '198.51.100.3', 'typo', t0), 'INVALID_CREDENTIALS');
    assert.equal(await attempt(user, '198.51.100.3', PASSWORD, t0), 'ok');
    // The waits double: after 1 s the 12th goes through and sets 2 s, then 4 s.
    let t = t0.getTime() + 1000;
    assert.equal(await attempt(user, guesser(12), 'wrong guess', new Date(t)), 'INVALID_CREDENTIALS');
    assert.equal(await attempt(user, guesser(13), 'wrong guess', new Date(t + 1999)), 'LOGIN_THROTTLED:1');
    t += 2000;
    assert.equal(await attempt(user, guesser(13), 'wrong guess', new Date(t)), 'INVALID_CREDENTIALS');
    assert.equal(await attempt(user, guesser(14), 'wrong guess', new Date(t)), 'LOGIN_THROTTLED:4');
    // A refused attempt does not count toward its address's lock.
    for (let i = 0; i < 10; i++) assert.equal(code(await attempt(user, guesser(14), 'wrong guess', new Date(t))), 'LOGIN_THROTTLED');
    // An hour without attempts from unfamiliar addresses and the count starts over: 10 free again.
    const quiet = new Date(t + LOGIN_RULES.accountQuietMs + 1);
    for (let i = 20; i < 30; i++) assert.equal(await attempt(user, guesser(i), 'wrong guess', quiet), 'INVALID_CREDENTIALS');
    assert.equal(await attempt(user, '192.0.2.201', PASSWORD, quiet), 'ok', 'the 11th attempt of the run has its turn');
  });

  it('a right password from a new address makes it familiar and gives its turn back', async () => {
    const t0 = new Date();
    const user = await account('198.51.100.4');
    for (let i = 0; i < 9; i++) await attempt(user, `203.0.113.${100 + i}`, 'wrong guess', t0);
    assert.equal(await attempt(user, '192.0.2.10', PASSWORD, t0), 'ok'); // 10th attempt, given back
    assert.equal(await attempt(user, '203.0.113.120', 'wrong guess', t0), 'INVALID_CREDENTIALS'); // 10th again: still free
    assert.equal(await attempt(user, '203.0.113.121', 'wrong guess', t0), 'INVALID_CREDENTIALS'); // 11th: sets the wait
    assert.equal(code(await attempt(user, '203.0.113.122', 'wrong guess', t0)), 'LOGIN_THROTTLED');
    assert.equal(await attempt(user, '192.0.2.10', PASSWORD, t0), 'ok', 'now familiar: not slowed');
    // Familiarity lapses after 90 days without a login from there.
    const stale = new Date(t0.getTime() + LOGIN_RULES.familiarForMs + MIN);
    for (let i = 0; i < 11; i++) await attempt(user, `203.0.113.${130 + i}`, 'wrong guess', stale);
    assert.equal(code(await attempt(user, '192.0.2.10', PASSWORD, stale)), 'LOGIN_THROTTLED');
  });

  it('concurrent guesses cannot slip past: one address gets 4 tries before its lock, many addresses get 11 before the wait', async () => {
    const t0 = new Date();
    const one = await account('198.51.100.5');
    const fromOne = await Promise.all(Array.from({ length: 20 }, () => attempt(one, '203.0.113.200', 'wrong guess', t0)));
    assert.equal(fromOne.filter((o) => o === 'INVALID_CREDENTIALS').length, 4, fromOne.join());
    assert.equal(fromOne.filter((o) => code(o) === 'ACCOUNT_LOCKED').length, 16, fromOne.join());

    const many = await account('198.51.100.6');
    const fromMany = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(many, `203.0.114.${i}`, 'wrong guess', t0)));
    assert.equal(fromMany.filter((o) => o === 'INVALID_CREDENTIALS').length, 11, fromMany.join());
    assert.equal(fromMany.filter((o) => code(o) === 'LOGIN_THROTTLED').length, 19, fromMany.join());
  });

  it('checkPassword (the admin door) neither counts nor is refused by the limits', async () => {
    const t0 = new Date();
    const user = await account('198.51.100.7');
    for (let i = 0; i < 50; i++) assert.equal(await accounts.checkPassword({ username: user, password: 'wrong guess' }), undefined);
    assert.equal(await attempt(user, '203.0.113.250', PASSWORD, t0), 'ok', 'no lock and no slow-down from the failed checks');
    for (let i = 0; i < 5; i++) await attempt(user, '203.0.113.251', 'wrong guess', t0);
    assert.equal((await accounts.checkPassword({ username: user, password: PASSWORD }))?.username, user);
    assert.equal(await accounts.checkPassword({ username: 'nobody_at_all', password: PASSWORD }), undefined);
  });
});
