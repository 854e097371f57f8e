/**
 * The keychain's unlock prompt, by who is asking (electron/core/vault/keychain.ts, vault.ts; issue 26).
 *
 * Reading an entry of a locked login keyring raises the OS's unlock prompt: libsecret, under keytar, first asks the
 * Secret Service to Unlock the collection and shows the Prompt it answers with (the Secret Service API,
 * org.freedesktop.Secret.Service.Unlock / Prompt.Prompt; test/integration/keychain-prompt.test.ts sees it happen on a
 * real gnome-keyring), and the call answers only once the person has typed the password or cancelled. So:
 *
 * - a person (reveal, copy, create, unlock, a CLI command) is waited for: no 15 s cap, but a documented bound
 *   (KEYCHAIN_PROMPT_TIMEOUT_MS, 5 minutes); the prompt's Cancel ends it sooner;
 * - background work (the desktop's background sync) never raises the prompt: where the keyring is locked and the key
 *   is not in memory it is refused at once, and the background sync skips, saying so once.
 *
 * Stand-ins: a keytar that answers late, as one behind a prompt does, and the memory keychain locked
 * (test/support/memory-keychain.ts), which counts the prompts its calls raise.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackgroundSync } from '../../electron/core/desktop/background-sync.js';
import { createOsKeychain, KEYCHAIN_PROMPT_TIMEOUT_MS, KEYCHAIN_TIMEOUT_MS, type Keytar } from '../../electron/core/vault/keychain.js';
import { asBackgroundWork, Vault } from '../../electron/core/vault/vault.js';
import { failure } from '../support/connectors.js';
import { memoryKeychain } from '../support/memory-keychain.js';
import { MemoryMeta } from '../support/memory-meta.js';

/** A keytar whose every answer comes `delayMs` later: the person at the unlock prompt takes that long. */
function slowKeytar(delayMs: number): Keytar {
  const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), delayMs));
  return { getPassword: () => later('the-data-key'), setPassword: () => later(undefined), deletePassword: () => later(true) };
}

/** A vault whose key is sealed already, opened again by a new process (the key not in memory) with the keyring locked. */
async function lockedKeyringVault() {
  const meta = new MemoryMeta();
  const keychain = memoryKeychain();
  const sealed = await new Vault(meta, keychain).seal('record-1', 'the secret');
  meta.sealedRecords = true;
  keychain.locked = true;
  return { vault: new Vault(meta, keychain), keychain, sealed };
}

describe("the OS keychain's time limit, by who is asking", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for a person at the unlock prompt past 15 s (a first reveal used to fail while the prompt stayed up)', async () => {
    vi.useFakeTimers();
    const keychain = createOsKeychain({ loadKeytar: async () => slowKeytar(60_000) });
    const answer = keychain.get('Keywarden', 'data-key:1', 'person');
    const settled = vi.fn();
    void answer.then(settled, settled);
    await vi.advanceTimersByTimeAsync(KEYCHAIN_TIMEOUT_MS + 1_000);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(answer).resolves.toBe('the-data-key');
    // Unsaid is a person: the CLI and the console's requests.
    const unsaid = keychain.get('Keywarden', 'data-key:1');
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(unsaid).resolves.toBe('the-data-key');
  });

  it('gives up on a prompt nobody answers after the documented bound (5 minutes), saying so', async () => {
    vi.useFakeTimers();
    expect(KEYCHAIN_PROMPT_TIMEOUT_MS).toBe(5 * 60_000);
    const keychain = createOsKeychain({ loadKeytar: async () => slowKeytar(60 * 60_000) });
    const answer = failure(keychain.get('Keywarden', 'data-key:1', 'person'));
    await vi.advanceTimersByTimeAsync(KEYCHAIN_PROMPT_TIMEOUT_MS);
    expect((await answer).message).toMatch(/within 5 minutes.*unlock prompt was not answered/);
  });

  it('does not wait on a prompt for background work: 15 s', async () => {
    vi.useFakeTimers();
    const keychain = createOsKeychain({ loadKeytar: async () => slowKeytar(60_000) });
    const answer = failure(keychain.get('Keywarden', 'data-key:1', 'background'));
    await vi.advanceTimersByTimeAsync(KEYCHAIN_TIMEOUT_MS);
    expect((await answer).code).toBe('keychain_unavailable');
  });
});

describe('the vault with the login keyring locked', () => {
  it('raises the unlock prompt for a person, waits for the answer, then opens', async () => {
    const { vault, keychain, sealed } = await lockedKeyringVault();
    const opened = vault.open('record-1', sealed);
    await vi.waitFor(() => expect(keychain.prompts).toBe(1));
    keychain.answerPrompts();
    await expect(opened).resolves.toBe('the secret');
    expect(keychain.askers.at(-1)).toBe('person');
  });

  it('does not use what the prompt answers once Keywarden was locked meanwhile (the screen locked while the person was away)', async () => {
    const { vault, keychain, sealed } = await lockedKeyringVault();
    const opened = failure(vault.open('record-1', sealed));
    await vi.waitFor(() => expect(keychain.prompts).toBe(1));
    vault.lock('screen');
    keychain.answerPrompts();
    expect((await opened).code).toBe('locked');
  });

  it('refuses background work at once, without raising the prompt or reading the keychain', async () => {
    const { vault, keychain, sealed } = await lockedKeyringVault();
    const reads = keychain.askers.length;
    const error = await failure(asBackgroundWork(() => vault.hold(() => vault.open('record-1', sealed))));
    expect(error.code).toBe('keychain_locked');
    expect(error.details).toEqual({ asker: 'background' });
    expect(keychain.prompts).toBe(0);
    expect(keychain.askers.length).toBe(reads);
  });

  it('lets background work use a key already in memory, locked keyring or not (it needs no prompt)', async () => {
    const { vault, keychain, sealed } = await lockedKeyringVault();
    const person = vault.open('record-1', sealed);
    await vi.waitFor(() => expect(keychain.prompts).toBe(1));
    keychain.answerPrompts();
    await person;
    keychain.locked = true;
    await expect(asBackgroundWork(() => vault.open('record-1', sealed))).resolves.toBe('the secret');
    expect(keychain.prompts).toBe(1);
  });

  it("does not join a person's read that waits on the prompt", async () => {
    const { vault, keychain, sealed } = await lockedKeyringVault();
    const person = vault.open('record-1', sealed);
    await vi.waitFor(() => expect(keychain.prompts).toBe(1));
    expect((await failure(asBackgroundWork(() => vault.open('record-1', sealed)))).code).toBe('keychain_locked');
    keychain.answerPrompts();
    await expect(person).resolves.toBe('the secret');
  });
});

describe('the background sync while the login keyring is locked', () => {
  it('skips without a prompt, says so once over many checks, and runs once the keyring is unlocked', async () => {
    const { vault, keychain, sealed } = await lockedKeyringVault();
    const logs: string[] = [];
    let synced = 0;
    const background = new BackgroundSync({
      engine: {
        listBackends: () => [{ capabilities: ['list'], lastSyncAt: null }],
        settings: async () => ({ backgroundSyncHours: 6 }),
        lockState: () => ({ locked: false, since: null, reason: null, unlockWith: null }),
      },
      isOnline: () => true,
      // What a sync does first: opens the vault to read the backends' credentials (workflows/sync.ts).
      sync: () =>
        vault.hold(async () => {
          await vault.open('record-1', sealed);
          synced += 1;
        }),
      log: (message) => logs.push(message),
    });
    for (let check = 0; check < 3; check += 1) await background.check();
    expect(keychain.prompts).toBe(0);
    expect(synced).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^background sync due but skipped until the OS keychain is unlocked/);

    keychain.locked = false;
    await background.check();
    expect(synced).toBe(1);
    expect(keychain.askers.at(-1)).toBe('background');
    expect(keychain.prompts).toBe(0);
    expect(logs).toHaveLength(1);
  });
});
