/**
 * Vault: whether Keywarden is locked, where this data folder's key lives (the OS keychain, a passphrase slot, or
 * both), what the lock protects and what it does not, Lock and Unlock, and adding or changing the passphrase in a
 * dialog (the current one where there is one, the new one twice, a strength hint). A passphrase lives only in the
 * dialog's fields until it is handed to the engine once.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { VaultState } from '../../../shared/domain.js';
import { Dialog, DialogButtons, Field } from '../backends/controls.js';
import { formatDayTime } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useClient, useShell } from '../state/context.js';
import { createVaultStore, type VaultViewStore } from '../state/vault-store.js';
import './admin.css';

/** The engine's minimum (the contract refuses shorter): said here so the dialog can explain it before a round trip. */
const MIN_PASSPHRASE_LENGTH = 12;

const KEYCHAIN_WORDS: Record<NonNullable<VaultState['keychain']>, string> = {
  'holds-key': 'holds the key',
  missing: 'does not hold the key (the entry is missing)',
  locked: 'is locked, so it could not be asked',
  unavailable: 'is not available on this machine',
  'wrong-key': "holds another data folder's key",
};

export function VaultView() {
  const client = useClient();
  const [store] = useState(() => createVaultStore(client));
  const changes = useShell((state) => state.changes);
  const lock = useShell((state) => state.lock);
  const lockNow = useShell((state) => state.lockNow);
  const unlock = useShell((state) => state.unlock);
  const lockError = useShell((state) => state.lockError);
  const status = useStore(store, (state) => state.status);
  const loadError = useStore(store, (state) => state.loadError);
  const dialogOpen = useStore(store, (state) => state.dialogOpen);
  const done = useStore(store, (state) => state.done);
  const load = useStore(store, (state) => state.load);
  const openDialog = useStore(store, (state) => state.openDialog);
  useEffect(() => void load(), [load, changes, lock?.locked, lock?.unlockWith]);

  const hasPassphrase = status?.passphraseSlot != null;
  return (
    <main className="page admin" aria-labelledby="page-heading">
      <h1 id="page-heading" tabIndex={-1}>
        Vault
      </h1>
      <p className="page-intro muted">Cached secrets and backend credentials are sealed with this data folder&apos;s key. Here is how that key is opened.</p>
      {loadError && (
        <p className="view-error error-text" role="alert">
          Could not read the vault&apos;s state: <IsolatedText text={loadError} lines />
        </p>
      )}
      <section className="admin-section" aria-labelledby="vault-lock">
        <h2 id="vault-lock">Lock</h2>
        <div className="admin-row">
          <p className="admin-fact" role="status">
            {lock === null ? (
              'Reading the lock…'
            ) : lock.locked ? (
              <>
                <strong>Locked</strong>
                {lock.since ? ` since ${formatDayTime(lock.since)}` : ''}
                {lock.reason === 'idle' ? ', after idle time' : lock.reason === 'screen' ? ', when the screen locked' : ''}.
              </>
            ) : (
              <>
                <strong>Unlocked.</strong> Secrets can be revealed, copied and used.
              </>
            )}
          </p>
          {lock && lock.unlockWith !== null && (
            <span className="admin-actions">
              {lock.locked ? (
                <button type="button" className="button primary" onClick={() => void unlock()}>
                  {lock.unlockWith === 'passphrase' ? 'Unlock with passphrase' : 'Unlock'}
                </button>
              ) : (
                <button type="button" className="button" onClick={() => void lockNow()}>
                  Lock now
                </button>
              )}
            </span>
          )}
        </div>
        {lockError && (
          <p className="error-text">
            <IsolatedText text={lockError} lines />
          </p>
        )}
        <div className="admin-note">
          <p>
            <strong>What the lock protects.</strong> While Keywarden is locked nothing uses the data key: no secret is revealed, copied or tested, and nothing is sent to a vendor (sync, create,
            revoke, rotation steps). The key leaves memory. The inventory, reminders, audit trail, exports and backups keep working.
          </p>
          <p>
            <strong>What it does not.</strong>{' '}
            {hasPassphrase
              ? 'Unlocking asks for the passphrase, even where the OS keychain could answer. '
              : 'Without a passphrase, unlocking reads the key from your OS keychain, which asks for nothing while your OS session is unlocked: the lock keeps someone at your unlocked screen out of this console, not someone who can run programs as you. '}
            The lock belongs to this running console; a keywarden command in a terminal opens the vault itself.
          </p>
        </div>
      </section>
      <section className="admin-section" aria-labelledby="vault-key">
        <h2 id="vault-key">Where the key lives</h2>
        {status === null ? (
          !loadError && <p className="muted">Reading…</p>
        ) : !status.created ? (
          <p>No key yet: one is made the first time a secret or a credential is stored.</p>
        ) : (
          <dl className="admin-facts">
            <dt>OS keychain</dt>
            <dd>
              {status.keychain ? `The keychain ${KEYCHAIN_WORDS[status.keychain]}` : 'Not used'}
              {status.keychainEntry && (
                <>
                  {' '}
                  (entry <span className="mono">{status.keychainEntry}</span>)
                </>
              )}
              .
            </dd>
            <dt>Passphrase</dt>
            <dd>{hasPassphrase ? 'Set: the key is also sealed under a passphrase (scrypt), which opens it where no keychain can.' : 'None.'}</dd>
            <dt>Sealed under the key</dt>
            <dd>
              {status.sealed.keySecrets} cached {status.sealed.keySecrets === 1 ? 'secret' : 'secrets'}, {status.sealed.credentials} backend{' '}
              {status.sealed.credentials === 1 ? 'credential' : 'credentials'}.
            </dd>
          </dl>
        )}
        <div className="admin-row">
          <p className="admin-fact muted">
            {hasPassphrase
              ? 'Changing the passphrase needs the current one; Keywarden never stores either.'
              : 'A passphrase makes unlocking ask for it, and opens this data folder where no OS keychain is available (SSH, a jump host).'}
          </p>
          <span className="admin-actions">
            <button type="button" className="button" onClick={openDialog} disabled={status === null || Boolean(hasPassphrase && lock?.locked)}>
              {hasPassphrase ? 'Change passphrase' : 'Add a passphrase'}
            </button>
          </span>
        </div>
        {hasPassphrase && lock?.locked && <p className="muted">Unlock first to change the passphrase.</p>}
        <p className="admin-done" role="status">
          {done}
        </p>
      </section>
      {dialogOpen && <PassphraseChange store={store} replacing={hasPassphrase} />}
    </main>
  );
}

/** A rough strength hint from length and variety: said, never enforced beyond the engine's minimum. */
export function passphraseStrength(passphrase: string): { level: 'short' | 'fair' | 'good' | 'strong'; words: string } {
  const length = [...passphrase].length;
  if (length < MIN_PASSPHRASE_LENGTH) return { level: 'short', words: `Too short: at least ${MIN_PASSPHRASE_LENGTH} characters (${length} so far).` };
  const words = passphrase.trim().split(/\s+/).length;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^a-zA-Z\d\s]/].filter((pattern) => pattern.test(passphrase)).length;
  if (length >= 24 || (words >= 4 && length >= 20)) return { level: 'strong', words: 'Strong: long, and hard to guess if the words are unrelated.' };
  if (length >= 16 || (words >= 3 && classes >= 2)) return { level: 'good', words: 'Good. A few more unrelated words make it stronger.' };
  return { level: 'fair', words: 'Fair: long enough, but a phrase of four or more unrelated words is stronger.' };
}

function PassphraseChange({ store, replacing }: { store: VaultViewStore; replacing: boolean }) {
  const busy = useStore(store, (state) => state.busy);
  const error = useStore(store, (state) => state.dialogError);
  const close = useStore(store, (state) => state.closeDialog);
  const changePassphrase = useStore(store, (state) => state.changePassphrase);
  const [current, setCurrent] = useState('');
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [mistake, setMistake] = useState<string | null>(null);
  const strength = first === '' ? null : passphraseStrength(first);
  const currentRefused = error !== null && /current passphrase/i.test(error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (replacing && current === '') return setMistake('Type the current passphrase.');
    if ([...first].length < MIN_PASSPHRASE_LENGTH) return setMistake(`The new passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters.`);
    if (first !== second) return setMistake('The two new passphrases differ.');
    setMistake(null);
    const given = { next: first, current: replacing ? current : undefined };
    setCurrent('');
    setFirst('');
    setSecond('');
    void changePassphrase(given.next, given.current);
  };
  return (
    <Dialog title={replacing ? 'Change the passphrase' : 'Add a passphrase'} onClose={close} className="admin-dialog">
      <form onSubmit={submit} noValidate>
        <p className="dialog-text">
          {replacing
            ? 'From now on unlocking asks for the new passphrase, and it opens this data folder where no OS keychain is available.'
            : 'From now on unlocking asks for this passphrase, and it opens this data folder where no OS keychain is available (SSH, a jump host). If you forget it, the OS keychain still opens the folder on this machine.'}{' '}
          Keywarden never stores it.
        </p>
        {replacing && (
          <Field
            label="Current passphrase"
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
            error={currentRefused ? error : mistake === 'Type the current passphrase.' ? mistake : undefined}
            autoFocus
          />
        )}
        <Field
          label="New passphrase"
          type="password"
          autoComplete="new-password"
          value={first}
          onChange={(event) => setFirst(event.target.value)}
          hint={strength ? <span className={`strength strength-${strength.level}`}>{strength.words}</span> : `At least ${MIN_PASSPHRASE_LENGTH} characters; a few unrelated words make a good one.`}
          autoFocus={!replacing}
        />
        <Field
          label="The new passphrase again"
          type="password"
          autoComplete="new-password"
          value={second}
          onChange={(event) => setSecond(event.target.value)}
          error={(mistake !== 'Type the current passphrase.' ? mistake : null) ?? (!currentRefused ? error : null) ?? undefined}
        />
        <DialogButtons busy={busy} submit={replacing ? 'Change passphrase' : 'Add passphrase'} busyText="Saving…" onClose={close} />
      </form>
    </Dialog>
  );
}
