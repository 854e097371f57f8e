/**
 * The unlock prompt on a real gnome-keyring (issue 26): reading an entry of a locked login keyring makes libsecret
 * (under keytar) call the Secret Service's org.freedesktop.Secret.Service.Unlock and show the Prompt it answers with
 * (the Secret Service API; without a display gcr's prompter cannot show it and the read answers null). Background
 * work must not put that prompt in front of anyone: here, in a keyring of the test's own
 * (test/support/private-keyring.ts) locked with the Service's Lock method, `dbus-monitor` watches for Unlock calls
 * while the built vault opens a sealed secret, first as background work, then for a person.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/cli.js';
import { runInPrivateKeyring } from '../support/private-keyring.js';

const usable = process.platform === 'linux' && process.env.KEYWARDEN_TEST_KEYCHAIN === 'isolated';

const PROBE = `
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
const { Vault, asBackgroundWork } = await import(process.env.DIST + '/electron/core/vault/vault.js');
const { createOsKeychain } = await import(process.env.DIST + '/electron/core/vault/keychain.js');
const values = new Map();
const meta = {
  getMeta: (name) => values.get(name) ?? null,
  setMeta: (name, value) => values.set(name, value),
  deleteMeta: (name) => values.delete(name),
  setMetaIfAbsent: (guard, entries) => {
    if (values.has(guard)) return false;
    for (const [name, value] of Object.entries(entries)) values.set(name, value);
    return true;
  },
  hasAnySealedRecord: () => values.size > 0,
};
const keychain = createOsKeychain();
const sealed = await new Vault(meta, keychain).seal('record-1', 'the secret');
execSync(process.env.LOCK, { stdio: 'ignore' });
const unlockCalls = () => (readFileSync(process.env.ROOT + '/unlocks.txt', 'utf8').match(/member=Unlock$/gm) ?? []).length;
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
const outcome = (opening) => opening.then(() => 'opened', (error) => error.code);
// A new Vault each time: a process whose data key is not in memory yet.
console.log('background ' + (await outcome(asBackgroundWork(() => new Vault(meta, keychain).open('record-1', sealed)))));
await settle();
console.log('unlock-calls ' + unlockCalls());
console.log('person ' + (await outcome(new Vault(meta, keychain).open('record-1', sealed))));
await settle();
console.log('unlock-calls ' + unlockCalls());
`;

describe.skipIf(!usable)('the unlock prompt of a real, locked gnome-keyring', () => {
  const root = mkdtempSync(join(tmpdir(), 'keywarden-prompt-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is never raised by background work (no Secret Service Unlock call), and is raised for a person', async () => {
    writeFileSync(join(root, 'probe.mjs'), PROBE);
    const result = await runInPrivateKeyring(
      `set -e
       dbus-monitor --session "type='method_call',interface='org.freedesktop.Secret.Service',member='Unlock'" > "$ROOT/unlocks.txt" 2>/dev/null &
       monitor=$!
       sleep 0.5
       node "$ROOT/probe.mjs"
       kill $monitor`,
      { ROOT: root, DIST: join(PROJECT_ROOT, 'dist') },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'background keychain_locked',
      'unlock-calls 0',
      // No display here: gcr's prompter cannot show the prompt, so the person's read ends as a locked keyring.
      'person keychain_locked',
      'unlock-calls 1',
    ]);
  });
});
