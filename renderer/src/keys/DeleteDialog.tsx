import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { BackendSummary, Key } from '../../../shared/domain.js';
import { formatDay as formatDate } from '../lib/dates.js';
import { useInventory } from '../state/context.js';
import { useKeyActions } from '../state/key-actions-context.js';
import { Modal } from './Modal.js';
import { deleteReachesVendor } from './rules.js';
import { IsolatedText } from '../lib/IsolatedText.js';

/**
 * Delete, confirmed by typing the key's reference: irreversible, so the button stays disabled until the reference
 * is typed exactly (as `keywarden delete REF --confirm REF`). Done, the panel closes; the change event refreshes
 * the inventory.
 */
export function DeleteDialog({ keyRow, backend, onClose, returnFocus }: { keyRow: Key; backend: BackendSummary | null; onClose: () => void; returnFocus: () => HTMLElement | null }) {
  const id = useId();
  const state = useKeyActions((s) => (s.delete.ref === keyRow.ref ? s.delete : null));
  const deleteKey = useKeyActions((s) => s.deleteKey);
  const resetDelete = useKeyActions((s) => s.resetDelete);
  const keyRemoval = useInventory((s) => s.keyRemoval);
  const [typed, setTyped] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const running = state?.running ?? false;
  const matches = typed === keyRow.ref;
  const atVendor = deleteReachesVendor(backend?.capabilities ?? []);
  const stillWorks = keyRow.status === 'active' || keyRow.status === 'grace';

  useEffect(() => {
    resetDelete();
  }, [resetDelete]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!matches || running) return;
    keyRemoval(keyRow.ref);
    // Done, the panel closes (keyRemoval): nothing asks for the deleted key again.
    keyRemoval(keyRow.ref, await deleteKey(keyRow.ref));
  };

  return (
    <Modal labelledBy={`${id}-title`} describedBy={`${id}-what`} locked={running} onDismiss={onClose} initialFocus={input} returnFocus={returnFocus}>
      <form className="modal-body" onSubmit={(event) => void submit(event)}>
        <h2 id={`${id}-title`} className="modal-title">
          Delete “<IsolatedText text={keyRow.name} />
          ”?
        </h2>
        <div id={`${id}-what`} className="consequence danger-box">
          {atVendor ? (
            <p>
              <strong>This is irreversible at the vendor.</strong> <IsolatedText text={keyRow.backend} /> deletes the key for good
              {stillWorks ? ': anything that still uses it stops working' : ''}, and Keywarden forgets it and its cached secret.
            </p>
          ) : (
            <p>
              <strong>This cannot be undone.</strong> Keywarden forgets the key and its cached secret. Nothing changes at the key’s vendor: revoke it there if it still works.
            </p>
          )}
          {keyRow.status === 'grace' && keyRow.graceEndsAt && <p>It is in its grace period (until {formatDate(keyRow.graceEndsAt)}); deleting it ends that now.</p>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-confirm`}>
            Type{' '}
            <code className="confirm-ref">
              <IsolatedText text={keyRow.ref} />
            </code>{' '}
            to confirm
          </label>
          <input
            ref={input}
            id={`${id}-confirm`}
            className="mono"
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-hint`}
            disabled={running}
          />
          <span id={`${id}-hint`} className="field-hint">
            {typed && !matches ? 'Not the reference yet: it must match exactly.' : 'The Delete key button works once the reference matches.'}
          </span>
        </div>
        {state?.error && (
          <p className="error-text" role="alert">
            <IsolatedText text={state.error} lines />
          </p>
        )}
        <div className="modal-actions">
          <span className="muted" role="status" aria-live="polite">
            {running ? 'Deleting…' : ''}
          </span>
          <button type="button" className="button" onClick={onClose} disabled={running}>
            Cancel
          </button>
          <button type="submit" className="button danger-solid" disabled={!matches || running} aria-busy={running}>
            Delete key
          </button>
        </div>
      </form>
    </Modal>
  );
}
