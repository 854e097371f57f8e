import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { BackendSummary, Key, RevokeResult } from '../../../shared/domain.js';
import { StatusBadge } from '../inventory/KeyTable.js';
import { calendarDaysUntil, formatDay as formatDate, formatDayTime as formatDateTime } from '../lib/dates.js';
import { useInventory } from '../state/context.js';
import { useKeyActions } from '../state/key-actions-context.js';
import { Modal } from './Modal.js';
import { dayCount, parseValidityDays } from './rules.js';
import { IsolatedText } from '../lib/IsolatedText.js';

/**
 * Revoke, confirmed in a modal: what will happen first (for a backend that issues a replacement, the validity of
 * the replacement and the old key's grace period), then the outcome: the revoked key's status, its grace end and
 * the days left, and the replacement, which can be opened from here.
 */
export function RevokeDialog({ keyRow, backend, onClose, returnFocus }: { keyRow: Key; backend: BackendSummary | null; onClose: () => void; returnFocus: () => HTMLElement | null }) {
  const id = useId();
  const revoke = useKeyActions((state) => (state.revoke.ref === keyRow.ref ? state.revoke : null));
  const revokeKey = useKeyActions((state) => state.revokeKey);
  const resetRevoke = useKeyActions((state) => state.resetRevoke);
  const terms = backend?.replacingRevoke ?? null;
  // The longest validity the vendor allows: a replacement is usually meant to last like the key it replaces.
  const [validity, setValidity] = useState(String(terms?.maxValidityDays ?? ''));
  const [validityError, setValidityError] = useState<string | null>(null);
  const [result, setResult] = useState<RevokeResult | null>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const replacing = terms !== null;
  const running = revoke?.running ?? false;

  // A dialog opens clean: no error left from an earlier attempt on this key.
  useEffect(() => {
    resetRevoke();
  }, [resetRevoke]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let validityDays: number | undefined;
    if (terms) {
      const parsed = parseValidityDays(validity, terms);
      if ('error' in parsed) {
        setValidityError(parsed.error);
        firstField.current?.focus();
        return;
      }
      validityDays = parsed.days;
    }
    setValidityError(null);
    const outcome = await revokeKey(keyRow.ref, validityDays !== undefined ? { validityDays } : {});
    if (outcome) setResult(outcome);
  };

  return (
    <Modal
      labelledBy={`${id}-title`}
      describedBy={result ? undefined : `${id}-what`}
      locked={running}
      onDismiss={onClose}
      initialFocus={replacing ? firstField : cancelButton}
      returnFocus={returnFocus}
    >
      {result ? (
        <RevokeOutcome titleId={`${id}-title`} keyRow={keyRow} result={result} onClose={onClose} />
      ) : (
        <form className="modal-body" onSubmit={(event) => void submit(event)}>
          <h2 id={`${id}-title`} className="modal-title">
            Revoke “<IsolatedText text={keyRow.name} />
            ”?
          </h2>
          <p className="modal-sub">
            <code className="wrap">
              <IsolatedText text={keyRow.ref} />
            </code>
          </p>
          <div id={`${id}-what`} className="consequence">
            {replacing ? (
              <>
                <p>
                  <strong>A replacement is issued now</strong>, and the current key keeps working for {dayCount(terms?.graceDays ?? 0)} (grace), then stops.
                </p>
                <p>Move everything that uses this key to the replacement before the grace period ends. The replacement’s secret is cached encrypted in Keywarden.</p>
              </>
            ) : (
              <p>
                <strong>This cannot be undone.</strong> <IsolatedText text={backend?.name ?? keyRow.backend} /> revokes the key: anything that still uses it loses access. No replacement is issued
                here.
              </p>
            )}
          </div>
          {replacing && (
            <div className="field">
              <label htmlFor={`${id}-validity`}>Validity of the replacement (days)</label>
              <input
                ref={firstField}
                id={`${id}-validity`}
                type="number"
                inputMode="numeric"
                min={terms?.minValidityDays}
                max={terms?.maxValidityDays}
                step={1}
                required
                value={validity}
                onChange={(event) => setValidity(event.target.value)}
                aria-describedby={`${id}-validity-hint`}
                aria-invalid={validityError !== null}
                disabled={running}
              />
              <span id={`${id}-validity-hint`} className="field-hint">
                {validityError ? <span className="error-text">{validityError}</span> : `${terms?.minValidityDays} to ${terms?.maxValidityDays} days; the replacement expires then.`}
              </span>
            </div>
          )}
          {revoke?.error && (
            <p className="error-text" role="alert">
              <IsolatedText text={revoke.error} lines />
            </p>
          )}
          <div className="modal-actions">
            <span className="muted" role="status" aria-live="polite">
              {running ? 'Revoking…' : ''}
            </span>
            <button ref={cancelButton} type="button" className="button" onClick={onClose} disabled={running}>
              Cancel
            </button>
            <button type="submit" className="button danger-solid" disabled={running} aria-busy={running}>
              Revoke key
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/** The outcome, in the same dialog: focus moves to its first button (Open replacement, else Close). */
function RevokeOutcome({ titleId, keyRow, result, onClose }: { titleId: string; keyRow: Key; result: RevokeResult; onClose: () => void }) {
  const select = useInventory((state) => state.select);
  const openButton = useRef<HTMLButtonElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const revoked = result.revoked;
  const replacement = result.replacement?.key ?? null;
  const now = new Date();
  const graceDays = revoked?.graceEndsAt ? calendarDaysUntil(revoked.graceEndsAt, now) : null;
  const validDays = replacement?.expiresAt ? calendarDaysUntil(replacement.expiresAt, now) : null;

  useEffect(() => {
    (openButton.current ?? closeButton.current)?.focus();
  }, []);

  return (
    <div className="modal-body">
      <h2 id={titleId} className="modal-title">
        Key revoked
      </h2>
      <dl className="facts outcome" aria-label="Outcome">
        <div>
          <dt>Revoked key</dt>
          <dd>
            <IsolatedText text={keyRow.name} />{' '}
            <code className="wrap">
              <IsolatedText text={keyRow.ref} />
            </code>
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            {revoked ? (
              <StatusBadge status={revoked.status} />
            ) : (
              <span className="muted">
                no longer listed by <IsolatedText text={keyRow.backend} />
              </span>
            )}
          </dd>
        </div>
        {revoked?.status === 'grace' && revoked.graceEndsAt && graceDays !== null && (
          <div>
            <dt>Grace ends</dt>
            <dd>
              {formatDateTime(revoked.graceEndsAt)}
              <br />
              <span className="tone-soon countdown">{graceDays > 0 ? `${dayCount(graceDays)} left` : 'ends today'}</span>
              <span className="muted">: the old key works until then</span>
            </dd>
          </div>
        )}
        {revoked?.status === 'revoked' && (
          <div>
            <dt>Works</dt>
            <dd>no longer</dd>
          </div>
        )}
        {replacement && (
          <div>
            <dt>Replacement</dt>
            <dd>
              <IsolatedText text={replacement.name} />{' '}
              <code className="wrap">
                <IsolatedText text={replacement.ref} />
              </code>
              <br />
              <span className="muted">
                {replacement.expiresAt ? `valid until ${formatDate(replacement.expiresAt)}${validDays !== null ? ` (${dayCount(validDays)})` : ''}; ` : ''}
                {result.replacement?.cached ? 'its secret is cached: Reveal or Copy it from its panel.' : ''}
              </span>
            </dd>
          </div>
        )}
      </dl>
      <div className="modal-actions">
        <button ref={closeButton} type="button" className="button" onClick={onClose}>
          Close
        </button>
        {replacement && (
          <button ref={openButton} type="button" className="button primary" onClick={() => select(replacement)}>
            Open replacement
          </button>
        )}
      </div>
    </div>
  );
}
