import { useEffect, useState, type ReactNode, type RefObject } from 'react';
import type { ActionAvailability, BackendSummary, Key } from '../../../shared/domain.js';
import { calendarDaysUntil, datesInText, formatDay as formatDate, formatDayTime as formatDateTime } from '../lib/dates.js';
import { useInventory } from '../state/context.js';
import { useKeyActions } from '../state/key-actions-context.js';
import { DeleteDialog } from './DeleteDialog.js';
import { RevokeDialog } from './RevokeDialog.js';
import { dayCount, deleteReachesVendor } from './rules.js';
import './keys.css';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useSecondsLeft } from '../lib/use-seconds-left.js';

/**
 * The detail panel's actions for one key: Test, Reveal, Copy, Revoke and Delete, each a button when the engine's
 * `key:actions` allows it and the engine's reason in its place when not (never a button that can only fail).
 */
export function KeyActionsSection({ keyRow, backend, headingRef }: { keyRow: Key; backend: BackendSummary | null; headingRef: RefObject<HTMLHeadingElement | null> }) {
  const actions = useKeyActions((state) => (state.ref === keyRow.ref ? state.actions : null));
  const actionsError = useKeyActions((state) => (state.ref === keyRow.ref ? state.actionsError : null));
  const loadActions = useKeyActions((state) => state.loadActions);
  const [dialog, setDialog] = useState<'revoke' | 'delete' | null>(null);

  // On selection, and whenever the key changes (the inventory store replaces it after every change event).
  useEffect(() => {
    void loadActions(keyRow.ref);
  }, [keyRow, loadActions]);

  const focusHeading = () => headingRef.current;
  const capabilities = backend?.capabilities ?? [];

  return (
    <section className="actions key-actions" aria-label="Actions">
      {!actions && !actionsError && <p className="muted action-note">Checking what can be done with this key…</p>}
      {actionsError && (
        <p className="error-text action-note">
          Actions unavailable: <IsolatedText text={actionsError} lines />
        </p>
      )}
      {actions && (
        <>
          <Available name="Test" availability={actions.test}>
            <TestAction />
          </Available>
          <SecretActions keyRow={keyRow} reveal={actions.reveal} copy={actions.copy} />
          <div className="action-group" role="group" aria-label="Change the key at its backend">
            <Available name="Revoke" availability={actions.revoke}>
              <div className="action">
                <button type="button" className="button danger" onClick={() => setDialog('revoke')}>
                  Revoke
                </button>
                <span className="action-result muted">
                  {backend?.replacingRevoke ? `Issues a replacement now; this key keeps working for ${dayCount(backend.replacingRevoke.graceDays)}.` : 'The key stops working at its backend.'}
                </span>
              </div>
            </Available>
            <Available name="Delete" availability={actions.delete}>
              <div className="action">
                <button type="button" className="button danger" onClick={() => setDialog('delete')}>
                  Delete
                </button>
                <span className="action-result muted">{deleteReachesVendor(capabilities) ? 'Irreversible at the vendor.' : 'Removes it from Keywarden only.'}</span>
              </div>
            </Available>
          </div>
        </>
      )}
      <RevokeOutcomeNote keyRow={keyRow} />
      {dialog === 'revoke' && <RevokeDialog keyRow={keyRow} backend={backend} onClose={() => setDialog(null)} returnFocus={focusHeading} />}
      {dialog === 'delete' && <DeleteDialog keyRow={keyRow} backend={backend} onClose={() => setDialog(null)} returnFocus={focusHeading} />}
    </section>
  );
}

/** The action's control when the engine allows it, else its name and the engine's reason, muted. */
function Available({ name, availability, children }: { name: string; availability: ActionAvailability; children: ReactNode }) {
  if (availability.available) return <>{children}</>;
  return <Unavailable name={name} reason={availability.reason} />;
}

function Unavailable({ name, reason }: { name: string; reason: string | null }) {
  return (
    <div className="action-unavailable">
      <span className="action-name">{name}</span>
      <span className="muted action-reason">
        <IsolatedText text={datesInText(reason ?? 'not available for this key')} lines />
      </span>
    </div>
  );
}

function TestAction() {
  const detail = useInventory((state) => state.detail);
  const testSelected = useInventory((state) => state.testSelected);
  return (
    <div className="action">
      <button type="button" className="button" onClick={() => void testSelected()} disabled={detail.testing} aria-busy={detail.testing}>
        Test
      </button>
      <div className="action-result" role="status" aria-live="polite">
        {detail.testing && 'Testing…'}
        {!detail.testing && detail.test && (
          <span className={detail.test.ok ? 'tone-active' : 'tone-overdue'}>
            {detail.test.ok ? 'Works' : 'Failed'}: <IsolatedText text={detail.test.detail} lines /> <span className="muted">({formatDateTime(detail.test.checkedAt)})</span>
          </span>
        )}
        {!detail.testing && detail.testError && (
          <span className="error-text">
            <IsolatedText text={detail.testError} lines />
          </span>
        )}
      </div>
    </div>
  );
}

/** Reveal (shown in the panel, hidden again after the setting's delay) and Copy (to the clipboard, cleared after its own). */
function SecretActions({ keyRow, reveal, copy }: { keyRow: Key; reveal: ActionAvailability; copy: ActionAvailability }) {
  const detail = useInventory((state) => state.detail);
  const hidesIn = useSecondsLeft(useInventory((state) => state.detail.secretHidesAt));
  const revealSelected = useInventory((state) => state.revealSelected);
  const hideSecret = useInventory((state) => state.hideSecret);
  const copyState = useKeyActions((state) => (state.copy.ref === keyRow.ref ? state.copy : null));
  const copySecret = useKeyActions((state) => state.copySecret);

  // The engine refuses both for the same reason (no secret held): say it once.
  if (!reveal.available && !copy.available && reveal.reason === copy.reason) return <Unavailable name="Reveal and Copy" reason={reveal.reason} />;

  return (
    <>
      <Available name="Reveal" availability={reveal}>
        <div className="action">
          {detail.secret === null ? (
            <button type="button" className="button" onClick={() => void revealSelected()} disabled={detail.revealing} aria-busy={detail.revealing}>
              Reveal
            </button>
          ) : (
            <button type="button" className="button" onClick={hideSecret}>
              Hide
            </button>
          )}
          <div className="action-result" role="status" aria-live="polite">
            {detail.revealing && 'Revealing…'}
            {detail.secret !== null && (
              <span>
                {/* A timer is not read out at every tick (its live region is off), unlike this status. */}
                Secret shown; <span role="timer">hidden in {hidesIn ?? 0} s</span>.
              </span>
            )}
            {detail.revealError && (
              <span className="error-text">
                <IsolatedText text={detail.revealError} lines />
              </span>
            )}
          </div>
        </div>
      </Available>
      {detail.secret !== null && (
        <label className="secret">
          <span className="visually-hidden">Secret</span>
          <input className="mono" readOnly value={detail.secret} aria-label="Secret" onFocus={(event) => event.currentTarget.select()} spellCheck={false} />
        </label>
      )}
      <Available name="Copy" availability={copy}>
        <div className="action">
          <button type="button" className="button" onClick={() => void copySecret(keyRow.ref)} disabled={copyState?.phase === 'copying'} aria-busy={copyState?.phase === 'copying'}>
            Copy
          </button>
          <div className="action-result" role="status" aria-live="polite">
            <CopyStatus state={copyState} />
          </div>
        </div>
      </Available>
    </>
  );
}

/** What happened to a copy, in words (shared with the shown-once dialog). */
export function CopyStatus({ state }: { state: { phase: string; seconds: number; note: string | null; error: string | null } | null }) {
  if (!state) return null;
  switch (state.phase) {
    case 'copying':
      return <>Copying…</>;
    case 'copied':
      return (
        <span className="tone-active">
          Copied; cleared in {state.seconds} s{state.note ? <> ({state.note})</> : null}
        </span>
      );
    case 'cleared':
      return (
        <span className="muted">
          {state.note ? (
            <>
              Clipboard cleared: <IsolatedText text={state.note} lines />.
            </>
          ) : (
            'Clipboard cleared.'
          )}
        </span>
      );
    case 'replaced':
      return <span className="muted">Not cleared: the clipboard holds something else now.</span>;
    case 'failed':
      return <span className="error-text">{state.error && <IsolatedText text={state.error} lines />}</span>;
    default:
      return null;
  }
}

/** After a revoke of this key, in the panel: the grace end and the replacement, with a way to open it. */
function RevokeOutcomeNote({ keyRow }: { keyRow: Key }) {
  const revoke = useKeyActions((state) => (state.revoke.ref === keyRow.ref ? state.revoke : null));
  const select = useInventory((state) => state.select);
  const result = revoke?.result;
  if (!result) return null;
  const graceEnds = result.revoked?.status === 'grace' ? result.revoked.graceEndsAt : null;
  const replacement = result.replacement?.key ?? null;
  return (
    <div className="revoke-note">
      <p>
        Revoked.{' '}
        {graceEnds && (
          <>
            Keeps working until {formatDate(graceEnds)} ({dayCount(calendarDaysUntil(graceEnds, new Date()))} left).{' '}
          </>
        )}
      </p>
      {replacement && (
        <p>
          Replacement{' '}
          <code className="wrap">
            <IsolatedText text={replacement.ref} />
          </code>{' '}
          <button type="button" className="button link" onClick={() => select(replacement)}>
            Open replacement
          </button>
        </p>
      )}
    </div>
  );
}
