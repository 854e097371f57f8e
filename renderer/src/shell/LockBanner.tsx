import { useShell } from '../state/context.js';
import { IsolatedText } from '../lib/IsolatedText.js';

/** While Keywarden is locked: says so, and why, with Unlock (which reads the data key from the OS keychain again). */
export function LockBanner() {
  const lock = useShell((state) => state.lock);
  const lockError = useShell((state) => state.lockError);
  const unlock = useShell((state) => state.unlock);
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
        {why ? ` ${why}` : ''}: secrets cannot be revealed or copied. The inventory and reminders stay available.
      </span>
      <button type="button" className="button primary" onClick={() => void unlock()}>
        Unlock
      </button>
      {lockError && (
        <span className="error-text">
          <IsolatedText text={lockError} lines />
        </span>
      )}
    </div>
  );
}
