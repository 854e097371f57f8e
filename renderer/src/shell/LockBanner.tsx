import { useShell } from '../state/context.js';
import { IsolatedText } from '../lib/IsolatedText.js';

/**
 * While Keywarden is locked: says so, and why, and what the lock protects, with Unlock (the passphrase where the data
 * folder has one, else the OS keychain). Where only the keychain holds the key, unlocking asks for nothing while
 * the OS session is unlocked; the banner says so honestly and offers to require a passphrase.
 */
export function LockBanner() {
  const lock = useShell((state) => state.lock);
  const lockError = useShell((state) => state.lockError);
  const unlock = useShell((state) => state.unlock);
  const askPassphrase = useShell((state) => state.askPassphrase);
  if (!lock?.locked)
    return lockError ? (
      <div className="banner" role="alert">
        <IsolatedText text={lockError} lines />
      </div>
    ) : null;
  const why = lock.reason === 'idle' ? 'after idle time' : lock.reason === 'screen' ? 'when the screen locked' : null;
  return (
    <div className="banner lock-banner" role="status">
      <span>
        <strong>Keywarden is locked</strong>
        {why ? ` ${why}` : ''}: no secret can be revealed, copied or used, and nothing is sent to a vendor until you unlock. The inventory and reminders stay available.
        {lock.unlockWith === 'keychain' && <> Unlocking reads the key from your OS keychain, which asks for nothing while your session is unlocked.</>}
      </span>
      <button type="button" className="button primary" onClick={() => void unlock()}>
        {lock.unlockWith === 'passphrase' ? 'Unlock with passphrase' : 'Unlock'}
      </button>
      {lock.unlockWith === 'keychain' && (
        <button type="button" className="button" onClick={() => askPassphrase('require')}>
          Require a passphrase
        </button>
      )}
      {lockError && (
        <span className="error-text">
          <IsolatedText text={lockError} lines />
        </span>
      )}
    </div>
  );
}
