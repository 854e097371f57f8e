/**
 * One backend: what it is, how fresh its data is (and, when its last sync failed, why, in plain words, and how
 * old the inventory shown for it is), its policy and credential, and what can be done with it.
 */
import { useId, useState } from 'react';
import type { BackendSummary } from '../../../shared/domain.js';
import { ageInWords, explainSyncError, syncedInWords } from '../lib/age.js';
import { formatDayTime as formatDateTime } from '../lib/dates.js';
import { useBackends, useInventory } from '../state/context.js';
import { actionKey } from '../state/backends-store.js';
import { CredentialDialog, IntervalDialog, PolicyDialog, RemoveDialog, type DialogKind } from './BackendDialogs.js';
import { syncLine } from './sync-text.js';
import { policyInWords, VENDORS } from './vendors.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { AddManualKeyButton } from '../keys/AddManualKeyButton.js';
import { openKeyInInventory } from './open-key.js';

/** A sync's progress and result for one backend, announced as it changes. */
export function SyncStatus({ name, requested }: { name: string; requested: boolean }) {
  const sync = useInventory((state) => state.sync);
  const line = syncLine(sync, name, requested);
  return (
    <p className={line ? `sync-line sync-${line.tone}` : 'sync-line'} role="status">
      {line && <IsolatedText text={line.text} lines />}
    </p>
  );
}

/** The last sync failed: what that means, the engine's own message, and how old the data shown is. */
function FailureNotice({ backend, now }: { backend: BackendSummary; now: Date }) {
  const plain = backend.lastError ? explainSyncError(backend.lastError) : null;
  return (
    <div className="backend-failure">
      <p className="failure-head">
        <span className="failure-mark" aria-hidden="true">
          !
        </span>
        Last sync failed{backend.lastSyncAt ? ` ${ageInWords(backend.lastSyncAt, now)}` : ''}
        {plain ? `: ${plain}` : '.'}
      </p>
      <p className="failure-detail">{backend.lastError && <IsolatedText text={backend.lastError} lines />}</p>
      <p className="failure-offline">
        {backend.lastSyncOkAt ? (
          <>
            <strong>Offline: showing data from {ageInWords(backend.lastSyncOkAt, now)}</strong> ({formatDateTime(backend.lastSyncOkAt)}): the inventory keeps its{' '}
            {backend.keyCount === 1 ? '1 key as it was' : `${backend.keyCount} keys as they were`} then.
          </>
        ) : (
          <strong>No data yet: this backend has never synced.</strong>
        )}
      </p>
    </div>
  );
}

export function BackendCard({ backend, now }: { backend: BackendSummary; now: Date }) {
  const vendor = VENDORS[backend.type];
  const headingId = useId();
  const [dialog, setDialog] = useState<DialogKind | null>(null);
  const [syncRequested, setSyncRequested] = useState(false);
  const syncing = useInventory((state) => state.sync.running);
  const syncBackends = useInventory((state) => state.syncBackends);
  const actions = useBackends((state) => state.actions);
  const canList = backend.capabilities.includes('list');
  const failing = canList && backend.lastError !== null;
  const done = (['credential', 'policy', 'interval'] as const).map((kind) => actions[actionKey(kind, backend.name)]?.done).filter(Boolean);

  const syncNow = () => {
    // One sync at a time (the store ignores a second); aria-disabled, not disabled, keeps the focus on the button.
    if (syncing) return;
    setSyncRequested(true);
    void syncBackends([backend.name]);
  };

  return (
    <li className={failing ? 'backend failing' : 'backend'}>
      <article aria-labelledby={headingId}>
        <div className="backend-head">
          <div className="backend-title">
            <h2 id={headingId}>
              <IsolatedText text={backend.name} />
            </h2>
            <span className={`vendor-tag vendor-${backend.type}`}>{vendor.label}</span>
            {backend.url && (
              <span className="backend-url mono">
                <IsolatedText text={backend.url} />
              </span>
            )}
          </div>
          <div className="backend-actions">
            {canList && (
              <button type="button" className="button" onClick={syncNow} aria-disabled={syncing || undefined} aria-busy={(syncing && syncRequested) || undefined}>
                Sync now
              </button>
            )}
            {vendor.credentialLabel && (
              <button type="button" className={backend.hasCredential ? 'button' : 'button attention'} onClick={() => setDialog('credential')}>
                Set credential
              </button>
            )}
            {backend.type === 'manual' && <AddManualKeyButton backends={[backend.name]} preselected={backend.name} onAdded={openKeyInInventory} />}
            <button type="button" className="button" onClick={() => setDialog('policy')}>
              Rotation policy
            </button>
            {backend.type === 'commbox' && (
              <button type="button" className="button" onClick={() => setDialog('interval')}>
                Replacement interval
              </button>
            )}
            <button type="button" className="button danger-quiet" onClick={() => setDialog('remove')}>
              Remove
            </button>
          </div>
        </div>

        {failing && <FailureNotice backend={backend} now={now} />}

        <dl className="backend-facts">
          <div>
            <dt>Keys</dt>
            <dd>{backend.keyCount}</dd>
          </div>
          <div>
            <dt>Last successful sync</dt>
            <dd>
              {canList ? (
                backend.lastSyncOkAt ? (
                  <>
                    <span className={failing ? 'tone-overdue' : undefined}>{syncedInWords(backend.lastSyncOkAt, now)}</span> <span className="muted">({formatDateTime(backend.lastSyncOkAt)})</span>
                  </>
                ) : (
                  <span className={failing ? 'tone-overdue' : 'muted'}>never synced</span>
                )
              ) : (
                <span className="muted">nothing to sync (entered by hand)</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Rotation policy</dt>
            <dd>{policyInWords(backend.type, backend.rotateEveryDays)}</dd>
          </div>
          <div>
            <dt>Credential</dt>
            <dd>
              {!vendor.credentialLabel ? (
                <span className="muted">none needed</span>
              ) : backend.hasCredential ? (
                <>
                  <span className="tone-active">Stored</span> <span className="muted">({vendor.credentialLabel}, encrypted)</span>
                </>
              ) : (
                <span className="tone-overdue">Missing: use Set credential</span>
              )}
            </dd>
          </div>
        </dl>

        {canList && <SyncStatus name={backend.name} requested={syncRequested} />}
        <p className="action-done" role="status">
          {done.join(' ')}
        </p>
      </article>

      {dialog === 'credential' && <CredentialDialog backend={backend} onClose={() => setDialog(null)} />}
      {dialog === 'policy' && <PolicyDialog backend={backend} onClose={() => setDialog(null)} />}
      {dialog === 'interval' && <IntervalDialog backend={backend} onClose={() => setDialog(null)} />}
      {dialog === 'remove' && <RemoveDialog backend={backend} onClose={() => setDialog(null)} />}
    </li>
  );
}
