/**
 * A TCP proxy in front of the test PostgreSQL, to cause real connection failures
 * without faking the database: `down()` cuts every connection and refuses new ones
 * (ECONNREFUSED, as a stopped server), `up()` accepts again on the same port, and
 * `loseNextCommitAck()` lets the next COMMIT reach the server but cuts the client's
 * connection before the server's answer arrives: the transaction is committed and the
 * client sees a broken connection (a lost commit acknowledgement), and
 * `holdCommitAfter()` keeps a transaction open on the server until its client dies.
 */
import net from 'node:net';
import { freePort } from '../../src/net.js';

export class PgProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private losingAck = false;
  private holding: { statement: RegExp; resolve: () => void } | undefined;
  /** Commit acknowledgements swallowed so far. */
  lostAcks = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<PgProxy> {
    const proxy = new PgProxy(await freePort(), target);
    await proxy.up();
    return proxy;
  }

  /** `url` (a database on the target) reached through this proxy. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  up(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** Stops listening and cuts every open connection. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  loseNextCommitAck(): void {
    this.losingAck = true;
  }

  /**
   * Holds back the COMMIT of the next transaction that ran a statement matching
   * `statement`: the transaction stays open on the server (its writes done, not
   * committed) and nothing more from that connection is forwarded. Resolves when the
   * COMMIT is held: the moment to kill the client mid-transaction. When the client's
   * connection then closes, the server rolls the transaction back.
   */
  holdCommitAfter(statement: RegExp): Promise<void> {
    return new Promise((resolve) => (this.holding = { statement, resolve }));
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    let commitSent = false;
    let matched = false;
    let held = false;
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('data', (chunk) => {
      if (held) return;
      const query = chunk[0] === 0x51 ? chunk.subarray(5).toString('latin1') : '';
      const isCommit = /^commit\b/i.test(query);
      const hold = this.holding;
      if (hold && !matched && hold.statement.test(chunk.toString('latin1'))) matched = true;
      if (hold && matched && isCommit) {
        this.holding = undefined;
        held = true;
        hold.resolve();
        return;
      }
      if (isCommit || /^rollback\b/i.test(query)) matched = false;
      // A simple-query message ('Q') carrying COMMIT: let it through, swallow its answer.
      if (this.losingAck && isCommit) {
        this.losingAck = false;
        commitSent = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (commitSent) {
        this.lostAcks++;
        close();
        return;
      }
      client.write(chunk);
    });
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  async stop(): Promise<void> {
    await this.down();
  }
}
