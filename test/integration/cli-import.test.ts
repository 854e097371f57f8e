/**
 * `keywarden import` as a script runs it (the compiled command in a child process): the password from standard input,
 * a dry run's --json that names every entry and never its secret, and refusals with their codes and exit 1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../shared/imports.js';
import { type CliHome, hasIsolatedKeychain, makeCliHome } from '../support/cli.js';

const hasKeepassxc = spawnSync('sh', ['-c', 'command -v keepassxc-cli']).status === 0;

describe.skipIf(!hasIsolatedKeychain || !hasKeepassxc)('keywarden import', () => {
  let home: CliHome;
  beforeEach(() => {
    home = makeCliHome();
  });
  const files: string[] = [];
  afterEach(() => {
    home.remove();
    for (const file of files.splice(0)) rmSync(file, { force: true });
  });

  it('a dry run of a KeePass database says what it would do and stores nothing; the import then does it; nothing secret is printed', async () => {
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const secret = `sk_live_${randomBytes(18).toString('base64url')}`;
    const file = join(home.home, '..', `${randomBytes(4).toString('hex')}-team.kdbx`);
    files.push(file);
    execFileSync('keepassxc-cli', ['db-create', '-q', '-p', file], { input: `${password}\n${password}\n` });
    execFileSync('keepassxc-cli', ['add', '-q', '-p', '--url', 'https://api.stripe.com', file, 'Stripe prod'], { input: `${password}\n${secret}\n` });
    execFileSync('keepassxc-cli', ['add', '-q', file, 'Empty'], { input: `${password}\n` });

    const dry = await home.run(['import', '--from', 'kdbx', file, '--backend', 'vault', '--create-backend', '--dry-run', '--password-stdin', '--json'], { input: password });
    expect(dry.code).toBe(0);
    const report = dry.json<ImportReport>();
    expect(report).toMatchObject({ dryRun: true, createsBackend: true, counts: { entries: 2, created: 1, updated: 0, skipped: 1 } });
    expect(report.items.map((item) => [item.name, item.action, item.reason])).toEqual([
      ['Stripe prod', 'create', null],
      ['Empty', 'skip', 'no secret'],
    ]);
    for (const output of [dry.stdout, dry.stderr]) for (const word of [secret, password]) expect(output).not.toContain(word);
    expect((await home.run(['backend', 'list', '--json'])).json()).toEqual([]);

    const wrong = await home.run(['import', '--from', 'kdbx', file, '--backend', 'vault', '--create-backend', '--password-stdin', '--json'], { input: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.json<{ error: { code: string } }>().error.code).toBe('import_wrong_password');

    const done = await home.run(['import', '--from', 'kdbx', file, '--backend', 'vault', '--create-backend', '--password-stdin'], { input: password });
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('imported into vault (created): 1 created, 0 updated, 1 skipped of 2 entries');
    expect(done.stdout).toContain('Empty');
    expect(done.stdout + done.stderr).not.toContain(secret);
    const listed = (await home.run(['list', '--json'])).json<Array<{ name: string; ref: string }>>();
    expect(listed.map((key) => key.name)).toEqual(['Stripe prod']);
    expect((await home.run(['reveal', listed[0]!.ref])).stdout.trim()).toBe(secret);
  });

  it('a backend that does not exist is named, with the option that creates it', async () => {
    const file = join(home.home, '..', `${randomBytes(4).toString('hex')}.csv`);
    files.push(file);
    writeFileSync(file, 'name,secret\nA,abc\n');
    const result = await home.run(['import', '--from', 'csv', file, '--backend', 'nowhere', '--json']);
    expect(result.code).toBe(1);
    expect(result.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'not_found', message: expect.stringContaining('--create-backend') });
  });
});
