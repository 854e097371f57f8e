import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Key } from '../../../shared/domain.js';
import { useKeyActions } from '../state/key-actions-context.js';
import { ISSUED_REF } from '../state/key-actions-store.js';
import { CopyStatus } from './KeyActionsSection.js';
import { Modal } from './Modal.js';
import { shownOnceLocked } from './rules.js';
import { IsolatedText } from '../lib/IsolatedText.js';

interface CreateKeyDialogProps {
  /** Preselects this backend (the backends view opens it for one backend). */
  preselectedBackend?: string;
  onClose: () => void;
  /** After the shown-once secret was dealt with, e.g. to open the new key in the inventory. */
  onCreated?: (key: Key) => void;
}

/**
 * Create key: choose a backend that can create keys and type a label; then the shown-once secret, in the same
 * modal, which cannot be dismissed (Escape, Close) until the secret was copied or the administrator says it is
 * stored. When Keywarden could not store it (`cached` false), copying is not enough: the acknowledgement is
 * required, since the clipboard is cleared and the vendor never shows the secret again.
 */
export function CreateKeyDialog({ preselectedBackend, onClose, onCreated }: CreateKeyDialogProps) {
  const id = useId();
  const backends = useKeyActions((state) => state.backends);
  const backendsError = useKeyActions((state) => state.backendsError);
  const create = useKeyActions((state) => state.create);
  const loadBackends = useKeyActions((state) => state.loadBackends);
  const createKey = useKeyActions((state) => state.createKey);
  const resetCreate = useKeyActions((state) => state.resetCreate);
  const dismissIssued = useKeyActions((state) => state.dismissIssued);
  const [backend, setBackend] = useState(preselectedBackend ?? '');
  const [label, setLabel] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const labelInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    resetCreate();
    void loadBackends();
  }, [resetCreate, loadBackends]);

  const creators = (backends ?? []).filter((summary) => summary.capabilities.includes('create'));
  const others = (backends ?? []).filter((summary) => !summary.capabilities.includes('create'));
  const chosen = creators.some((summary) => summary.name === backend) ? backend : (creators[0]?.name ?? '');

  const issued = create.issued;
  const mustAcknowledge = issued !== null && !issued.cached;
  const locked = shownOnceLocked({ running: create.running, issued, copied: create.copied, acknowledged });

  const finish = () => {
    if (locked) return;
    const key = issued?.key ?? null;
    dismissIssued();
    onClose();
    if (key) onCreated?.(key);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen || !label.trim() || create.running) return;
    await createKey(chosen, label.trim());
  };

  return (
    <Modal labelledBy={`${id}-title`} locked={locked} onDismiss={finish} initialFocus={labelInput} className={issued ? 'shown-once' : undefined}>
      {issued ? (
        <ShownOnce titleId={`${id}-title`} acknowledged={acknowledged} setAcknowledged={setAcknowledged} locked={locked} mustAcknowledge={mustAcknowledge} onDone={finish} />
      ) : (
        <form className="modal-body" onSubmit={(event) => void submit(event)}>
          <h2 id={`${id}-title`} className="modal-title">
            Create key
          </h2>
          <p className="modal-sub muted">The vendor issues the key and shows its secret once; Keywarden stores it encrypted.</p>
          <div className="field">
            <label htmlFor={`${id}-backend`}>Backend</label>
            <select id={`${id}-backend`} value={chosen} onChange={(event) => setBackend(event.target.value)} disabled={create.running || creators.length === 0}>
              {creators.map((summary) => (
                <option key={summary.name} value={summary.name}>
                  {summary.name}
                </option>
              ))}
            </select>
            {backends === null && !backendsError && <span className="field-hint">Loading backends…</span>}
            {backends !== null && creators.length === 0 && <span className="field-hint">No backend can create keys.</span>}
            {backendsError && (
              <span className="field-hint error-text">
                <IsolatedText text={backendsError} lines />
              </span>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-label`}>Label</label>
            <input
              ref={labelInput}
              id={`${id}-label`}
              value={label}
              onChange={(event) => setLabel(event.target.value)}
              maxLength={100}
              required
              autoComplete="off"
              spellCheck={false}
              aria-describedby={`${id}-label-hint`}
              disabled={create.running}
            />
            <span id={`${id}-label-hint`} className="field-hint">
              The key’s name at the vendor, which checks its own rules (e.g. lower case letters, digits and dashes).
            </span>
          </div>
          {others.length > 0 && (
            <details className="cannot-create">
              <summary>Backends that cannot create keys ({others.length})</summary>
              <ul>
                {others.map((summary) => (
                  <li key={summary.name}>
                    <strong>
                      <IsolatedText text={summary.name} />
                    </strong>
                    :{' '}
                    <span className="muted">
                      <IsolatedText text={summary.unsupported.create ?? 'no create'} lines />
                    </span>
                  </li>
                ))}
              </ul>
            </details>
          )}
          {create.error && (
            <p className="error-text" role="alert">
              <IsolatedText text={create.error} lines />
            </p>
          )}
          <div className="modal-actions">
            <span className="muted" role="status" aria-live="polite">
              {create.running ? 'Creating…' : ''}
            </span>
            <button type="button" className="button" onClick={onClose} disabled={create.running}>
              Cancel
            </button>
            <button type="submit" className="button primary" disabled={create.running || !chosen || !label.trim()} aria-busy={create.running}>
              Create
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

interface ShownOnceProps {
  titleId: string;
  acknowledged: boolean;
  setAcknowledged: (value: boolean) => void;
  locked: boolean;
  mustAcknowledge: boolean;
  onDone: () => void;
}

/** The new key's secret, once: a read-only field, Copy, and "I have stored this key". */
function ShownOnce({ titleId, acknowledged, setAcknowledged, locked, mustAcknowledge, onDone }: ShownOnceProps) {
  const issued = useKeyActions((state) => state.create.issued);
  const copy = useKeyActions((state) => (state.copy.ref === ISSUED_REF ? state.copy : null));
  const copyIssued = useKeyActions((state) => state.copyIssued);
  const [refused, setRefused] = useState(false);
  const copyButton = useRef<HTMLButtonElement>(null);
  const checkbox = useRef<HTMLInputElement>(null);

  // The form's label field had focus and is gone: focus the first thing to do now.
  useEffect(() => {
    copyButton.current?.focus();
  }, []);

  if (!issued) return null;
  const close = () => {
    if (!locked) {
      onDone();
      return;
    }
    setRefused(true);
    checkbox.current?.focus();
  };

  return (
    <div className="modal-body">
      <h2 id={titleId} className="modal-title">
        Store the new key now
      </h2>
      <p className="modal-sub">
        <strong>
          <IsolatedText text={issued.key.name} />
        </strong>{' '}
        was created:{' '}
        <code className="wrap">
          <IsolatedText text={issued.key.ref} />
        </code>
      </p>
      {issued.cached ? (
        <p className="consequence">The vendor shows this secret only once. Keywarden has stored it encrypted (Reveal and Copy work later), but put it where it will be used now.</p>
      ) : (
        <div className="consequence warning-box" role="alert">
          <p>
            <strong>Keywarden could not store this key.</strong> Its database stayed locked by another process, so this secret exists nowhere else: save it now (e.g. in your password manager).
            Once this dialog closes it cannot be shown again by anyone.
          </p>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${titleId}-secret`}>Secret</label>
        <input id={`${titleId}-secret`} className="mono secret-once" readOnly value={issued.secret ?? ''} spellCheck={false} autoComplete="off" onFocus={(event) => event.currentTarget.select()} />
      </div>
      <div className="action">
        <button ref={copyButton} type="button" className={locked ? 'button primary' : 'button'} onClick={() => void copyIssued()} disabled={copy?.phase === 'copying'}>
          Copy
        </button>
        <div className="action-result" role="status" aria-live="polite">
          <CopyStatus state={copy} />
        </div>
      </div>
      <label className="acknowledge">
        <input ref={checkbox} type="checkbox" checked={acknowledged} onChange={(event) => setAcknowledged(event.target.checked)} />I have stored this key
      </label>
      {refused && locked && (
        <p className="error-text" role="alert">
          {mustAcknowledge
            ? 'Confirm that you have stored the key before closing: it cannot be shown again.'
            : 'Copy the key or confirm that you have stored it before closing: the vendor will not show it again.'}
        </p>
      )}
      <div className="modal-actions">
        <span className="muted">{locked ? (mustAcknowledge ? 'Closes once you confirm it is stored.' : 'Closes once it is copied or stored.') : ''}</span>
        <button type="button" className={locked ? 'button' : 'button primary'} onClick={close}>
          Close
        </button>
      </div>
    </div>
  );
}
