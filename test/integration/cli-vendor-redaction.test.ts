/**
 * A vendor that echoes the credential in its error text, through the real `keywarden` command: a small CommBox on
 * 127.0.0.1 accepts the admin token when the backend is added, then answers every call with 403 and a message
 * quoting the token whole and in part (and a key it leaked too). What an administrator checks: the token is nowhere
 * in the database file's bytes (the file, its WAL and shared memory), in `backend list --json`, in the sync's
 * report or in a backup; the status (403) and the vendor's error code are still there to act on.
 * The token is lower-case hex, not key-shaped: only knowing it was sent can take it out.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, BackendSummary, SyncReport } from '../../shared/domain.js';
import { type CliHome, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

describe.skipIf(!hasIsolatedKeychain)('a vendor echoing the credential in a 403', () => {
  let server: Server;
  let url: string;
  let cli: CliHome;
  let refusing = false;
  const token = randomBytes(12).toString('hex');
  const leakedKey = `cbx_${randomBytes(27)
    .toString('base64')
    .replace(/[^0-9A-Za-z]/g, 'q')
    .slice(0, 36)}`;

  beforeEach(async () => {
    refusing = false;
    server = createServer((request, response) => {
      const authorised = request.headers.authorization === `Bearer ${token}`;
      const [status, body] =
        authorised && !refusing
          ? [200, { data: [], nextCursor: null, rotation: { intervalDays: 365 } }]
          : [403, { error: 'insufficient_scope', message: `token ${token} (${token.slice(0, 14)}...) may not read keys; key ${leakedKey} is not yours` }];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cli = makeCliHome();
  });

  afterEach(async () => {
    cli.remove();
    await new Promise((resolve) => server.close(resolve));
  });

  const leaks = (bytes: Buffer | string) => [token, token.slice(0, 14), leakedKey].filter((secret) => bytes.includes(secret));

  it('leaves no trace of the token in the database bytes, backend list, the sync report, the audit trail or a backup; the 403 and the vendor code remain', async () => {
    const added = await cli.run(['backend', 'add', '--type', 'commbox', '--name', 'acme', '--url', url, '--credential-stdin'], { input: token });
    expect(added.code, added.stderr).toBe(0);
    refusing = true;

    const sync = await cli.run(['sync', '--json']);
    expect(sync.code).toBe(2);
    const [result] = sync.json<SyncReport>().results;
    expect(result).toMatchObject({ backend: 'acme', ok: false, errorCode: 'forbidden' });
    expect(result!.error).toMatch(
      /^acme: not allowed while listing keys \(403\) \(insufficient_scope: token \[redacted\] \(\[redacted\]\.\.\.\) may not read keys; key \[redacted\] is not yours\)$/,
    );
    expect(leaks(sync.stdout + sync.stderr)).toEqual([]);

    const listed = await cli.run(['backend', 'list', '--json']);
    const [backend] = listed.json<BackendSummary[]>();
    expect(backend!.lastError).toBe(result!.error);
    expect(leaks(listed.stdout)).toEqual([]);
    const shown = await cli.run(['backend', 'list']);
    expect(shown.stdout).toMatch(/error: acme: not allowed while listing keys \(403\) \(insufficient_scope/);
    expect(leaks(shown.stdout)).toEqual([]);

    const audit = await cli.run(['audit', '--json']);
    expect(audit.json<AuditEvent[]>().find((event) => event.action === 'sync')).toMatchObject({ outcome: 'failed', detail: 'forbidden' });
    expect(leaks(audit.stdout)).toEqual([]);

    // The sync's own write, in the file, its WAL and shared memory, as they are on disk now.
    for (const bytes of cli.filesContent()) expect(leaks(bytes)).toEqual([]);
    const backup = join(cli.home, 'copy.db');
    expect((await cli.run(['backup', '--output', backup])).code).toBe(0);
    expect(leaks(readFileSync(backup))).toEqual([]);
  });
});
