/**
 * KEYWARDEN_HTTP_TIMEOUT_MS bounds a whole request, not only its pauses: `keywarden test` on a manual key
 * whose test target trickles its answer one byte at a time stops at twice that timeout (the total
 * deadline), where it used to wait for the server to finish.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Key } from '../../shared/domain.js';
import { type CliHome, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

describe.skipIf(!hasIsolatedKeychain)('keywarden CLI and a server that trickles its answer', () => {
  let home: CliHome;
  let server: Server;
  let port: number;

  beforeEach(async () => {
    home = makeCliHome();
    // Headers at once, then one byte every 100 ms for 20 s: never a pause long enough for the body timeout.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const started = Date.now();
      const timer = setInterval(() => {
        if (Date.now() - started < 20_000) return void res.write('.');
        clearInterval(timer);
        res.end();
      }, 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    home.remove();
  });

  it('gives up with a timeout after twice KEYWARDEN_HTTP_TIMEOUT_MS instead of waiting for the last byte', async () => {
    expect((await home.run(['backend', 'add', '--type', 'manual', '--name', 'hand'])).code).toBe(0);
    const added = await home.run(
      // The slow server is on this machine: the test there is allowed explicitly.
      [
        ...['key', 'add', '--backend', 'hand', '--name', 'slow', '--secret-stdin', '--test-url', `http://127.0.0.1:${port}/me`, '--test-header', 'Authorization: Bearer {secret}'],
        ...['--test-allow-private-network', '--json'],
      ],
      { input: `sk_${randomBytes(18).toString('base64url')}\n` },
    );
    expect(added.code, added.stderr).toBe(0);
    const key = added.json<Key>();

    const tested = await home.run(['test', key.ref], { env: { KEYWARDEN_HTTP_TIMEOUT_MS: '500' } });

    expect(tested.code).not.toBe(0);
    expect(tested.stderr).toMatch(/did not arrive within 1 s/);
  });
});
