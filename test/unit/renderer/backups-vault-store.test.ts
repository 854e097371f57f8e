/**
 * The backups and vault stores: a restore is asked only after a confirmation and names the backup by its file name;
 * a refusal stays in the dialog; a passphrase change sends the current passphrase only when replacing one, and no
 * passphrase is kept in the store's state.
 */
import { describe, expect, it } from 'vitest';
import type { ContractClient } from '../../../shared/contract.js';
import { createBackupsStore } from '../../../renderer/src/state/backups-store.js';
import { createVaultStore } from '../../../renderer/src/state/vault-store.js';

const BACKUP = {
  path: '/data/backups/keywarden-2026-12-01T10-00-00-000Z-manual.db',
  name: 'keywarden-2026-12-01T10-00-00-000Z-manual.db',
  createdAt: '2026-12-01T10:00:00.000Z',
  reason: 'manual',
  bytes: 4096,
  schema: 7,
  backends: 1,
  keys: 2,
  problem: null,
};

describe('the backups store', () => {
  it('restores the confirmed backup by its name, and keeps a refusal in the dialog', async () => {
    const restores: unknown[] = [];
    let refuse = true;
    const client = {
      'store:backups': async () => [BACKUP],
      'store:restore': async (args: unknown) => {
        restores.push(args);
        if (refuse) throw new Error('the inventory database is open in another process');
        return { restoredFrom: BACKUP, before: { ...BACKUP, name: 'before', reason: 'before-restore' }, schema: 7, backends: 1, keys: 2, warnings: [] };
      },
    } as unknown as ContractClient;
    const store = createBackupsStore(client);
    await store.getState().load();
    await store.getState().restore();
    expect(restores).toEqual([]);
    store.getState().askRestore(store.getState().backups![0]!);
    await store.getState().restore();
    expect(restores).toEqual([{ name: BACKUP.name }]);
    expect(store.getState()).toMatchObject({ confirming: BACKUP, restoreError: 'the inventory database is open in another process', restored: null });
    refuse = false;
    await store.getState().restore();
    expect(store.getState()).toMatchObject({ confirming: null, restoreError: null, restored: { keys: 2 } });
  });
});

describe('the vault store', () => {
  it('sends the current passphrase only when replacing one, and keeps none in its state', async () => {
    const calls: unknown[] = [];
    let slot: unknown = null;
    const client = {
      'vault:status': async () => ({
        created: true,
        vaultId: 'v',
        keychainEntry: null,
        keychain: 'holds-key',
        keychainDetail: null,
        passphraseSlot: slot,
        sealed: { keySecrets: 0, credentials: 0 },
      }),
      'vault:passphrase': async (args: unknown) => {
        calls.push(args);
        slot = { kdf: 'scrypt', N: 1, r: 1, p: 1 };
        return { locked: false, since: null, reason: null, unlockWith: 'passphrase' };
      },
    } as unknown as ContractClient;
    const store = createVaultStore(client);
    await store.getState().load();
    await store.getState().changePassphrase('first passphrase here');
    expect(store.getState().done).toBe('The passphrase was added: unlocking now asks for it.');
    await store.getState().changePassphrase('second passphrase here', 'first passphrase here');
    expect(store.getState().done).toBe('The passphrase was changed: unlocking now asks for the new one.');
    expect(calls).toEqual([{ passphrase: 'first passphrase here' }, { passphrase: 'second passphrase here', current: 'first passphrase here' }]);
    expect(JSON.stringify(store.getState())).not.toContain('passphrase here');
  });
});
