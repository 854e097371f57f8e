/**
 * The data folder's passphrase, asked by the console itself: to unlock (where the folder has a passphrase, unlocking
 * always asks for it), to open the vault where no OS keychain holds its key (the console on a jump host), or to set
 * one so that unlocking asks for it. The passphrase lives only in this dialog's field, and is handed to the engine
 * once; it is never put in a store, the address, or web storage.
 */
import { useState, type FormEvent } from 'react';
import { Dialog, DialogButtons, Field } from '../backends/controls.js';
import { useShell } from '../state/context.js';

/** The engine's own minimum (electron/core/vault): said here so the field can explain it before a round trip. */
const MIN_PASSPHRASE_LENGTH = 12;

export function PassphraseDialog() {
  const kind = useShell((state) => state.passphraseDialog);
  if (!kind) return null;
  return kind === 'unlock' ? <UnlockWithPassphrase /> : <RequirePassphrase />;
}

function UnlockWithPassphrase() {
  const lock = useShell((state) => state.lock);
  const busy = useShell((state) => state.passphraseBusy);
  const error = useShell((state) => state.passphraseError);
  const unlock = useShell((state) => state.unlock);
  const close = useShell((state) => state.closePassphrase);
  const [passphrase, setPassphrase] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy || passphrase === '') return;
    const given = passphrase;
    setPassphrase('');
    void unlock(given);
  };
  return (
    <Dialog title={lock?.locked ? 'Unlock Keywarden' : "Open this data folder's vault"} onClose={close}>
      <form onSubmit={submit} noValidate>
        <p>
          {lock?.locked
            ? "Enter this data folder's passphrase to use secrets again."
            : "No OS keychain holds this data folder's key here, so its passphrase opens it: enter it to reveal, copy, test and sync."}
        </p>
        <Field label="Passphrase" type="password" autoComplete="current-password" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} error={error ?? undefined} autoFocus />
        <DialogButtons busy={busy} submit="Unlock" busyText="Unlocking…" onClose={close} disabled={passphrase === ''} />
      </form>
    </Dialog>
  );
}

function RequirePassphrase() {
  const busy = useShell((state) => state.passphraseBusy);
  const error = useShell((state) => state.passphraseError);
  const requirePassphrase = useShell((state) => state.requirePassphrase);
  const close = useShell((state) => state.closePassphrase);
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [mistake, setMistake] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if ([...first].length < MIN_PASSPHRASE_LENGTH) return setMistake(`At least ${MIN_PASSPHRASE_LENGTH} characters; a few unrelated words make a good one.`);
    if (first !== second) return setMistake('The two passphrases differ.');
    setMistake(null);
    const given = first;
    setFirst('');
    setSecond('');
    void requirePassphrase(given);
  };
  return (
    <Dialog title="Require a passphrase to unlock" onClose={close}>
      <form onSubmit={submit} noValidate>
        <p>
          From now on, unlocking Keywarden asks for this passphrase, and it also opens this data folder where no OS keychain is available (SSH, cron with KEYWARDEN_PASSPHRASE_FILE). Keywarden
          never stores it: if you forget it, the OS keychain still opens the folder on this machine.
        </p>
        <Field label="New passphrase" type="password" autoComplete="new-password" value={first} onChange={(event) => setFirst(event.target.value)} autoFocus />
        <Field
          label="The same passphrase again"
          type="password"
          autoComplete="new-password"
          value={second}
          onChange={(event) => setSecond(event.target.value)}
          error={mistake ?? error ?? undefined}
        />
        <DialogButtons busy={busy} submit="Require passphrase" busyText="Saving…" onClose={close} />
      </form>
    </Dialog>
  );
}
