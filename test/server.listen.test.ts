/**
 * Boot on a port that is taken (src/server.ts listenOrFail): the boot fails with the address and the reason,
 * stops what it started, and the process can boot a server afterwards (Colyseus' matchmaker was let go).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { bootTestServer } from './support/server.js';

describe('boot on a taken port (src/server.ts)', function () {
  this.timeout(60_000);

  it('fails with "cannot listen on host:port: EADDRINUSE" instead of waiting forever; a later boot works', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      await assert.rejects(bootTestServer({ PORT: String(port) }), (err: Error) => {
        assert.match(err.message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
        return true;
      });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    const t = await bootTestServer();
    try {
      const res = await fetch(`${t.url}/api/health`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, 'ok');
    } finally {
      await t.stop();
    }
  });
});
