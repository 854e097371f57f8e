import { useState } from 'react';
import { CreateKeyDialog } from '../keys/CreateKeyDialog.js';
import { AddManualKeyButton } from '../keys/AddManualKeyButton.js';
import { ImportButton } from '../imports/ImportButton.js';
import { useInventory } from '../state/context.js';
import { StaleNotice } from './StaleNotice.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { visibleText } from '../lib/visible-text.js';
import { plural } from '../lib/dates.js';
import { failuresOf } from './labels.js';

/** Product name, the summary from the facets, "Create key", "Add key", "Import…", and "Sync now" with each backend's progress and result. */
export function Header() {
  const facets = useInventory((state) => state.facets);
  const sync = useInventory((state) => state.sync);
  const syncAll = useInventory((state) => state.syncAll);
  const dismissSync = useInventory((state) => state.dismissSync);
  const backends = useInventory((state) => state.backends);
  const select = useInventory((state) => state.select);
  const [creating, setCreating] = useState(false);
  const canCreate = backends?.some((backend) => backend.capabilities.includes('create')) ?? false;

  const rows = Object.values(sync.progress);
  const results = sync.results ?? [];
  return (
    <header className="header">
      <h1 className="view-title">Inventory</h1>
      <dl className="summary" aria-label="Summary">
        <div>
          <dt>Keys</dt>
          <dd>{facets?.total ?? '…'}</dd>
        </div>
        <div className={facets && facets.due.overdue > 0 ? 'tone-overdue' : undefined}>
          <dt>Overdue</dt>
          <dd>{facets?.due.overdue ?? '…'}</dd>
        </div>
        <div className={facets && facets.due.within7 > 0 ? 'tone-soon' : undefined}>
          <dt>Due within 7 days</dt>
          <dd>{facets?.due.within7 ?? '…'}</dd>
        </div>
        <div>
          <dt>Due within 30 days</dt>
          {/* The facets count each key once (overdue, 0-7 days, 8-30 days); "within 30 days" includes the 7-day ones. */}
          <dd>{facets ? facets.due.within7 + facets.due.within30 : '…'}</dd>
        </div>
      </dl>
      <StaleNotice />
      <div className="sync">
        <div className="sync-status" role="status" aria-live="polite">
          {sync.running && rows.length === 0 && <span>Starting sync…</span>}
          {sync.running &&
            rows.map((progress) => (
              <span key={progress.backend} className="sync-item">
                <strong>
                  <IsolatedText text={progress.backend} />
                </strong>{' '}
                {progress.phase === 'failed' ? 'failed' : progress.phase === 'done' ? 'done' : 'syncing'}: {plural(progress.pages, 'page')}, {plural(progress.keys, 'key')}
              </span>
            ))}
          {!sync.running && sync.error && (
            <span className="tone-overdue">
              Sync failed: <IsolatedText text={sync.error} lines />
            </span>
          )}
          {!sync.running && results.length > 0 && (
            <span className="sync-results">
              {results
                .filter((result) => result.ok)
                .map((result) => (
                  <span key={result.backend} className="sync-item" title={visibleText(result.note ?? '', { lines: true }) || undefined}>
                    <strong>
                      <IsolatedText text={result.backend} />
                    </strong>{' '}
                    {`synced, ${plural(result.keyCount, 'key')}`}
                  </span>
                ))}
              {failuresOf(results).map(({ error, backends }) => (
                <span key={error} className="sync-item tone-overdue" title={backends.length > 1 ? visibleText(backends.join(', ')) : undefined}>
                  {backends.length === 1 ? (
                    <strong>
                      <IsolatedText text={backends[0]!} />
                    </strong>
                  ) : (
                    <strong>{plural(backends.length, 'backend')}</strong>
                  )}{' '}
                  failed: <IsolatedText text={error} lines />
                </span>
              ))}
            </span>
          )}
          {!sync.running && (sync.error || results.some((result) => !result.ok)) && (
            <button type="button" className="button link" onClick={dismissSync}>
              Dismiss
            </button>
          )}
        </div>
        <button
          type="button"
          className="button"
          onClick={() => setCreating(true)}
          disabled={!canCreate}
          title={canCreate ? 'Create a key at a backend that issues keys' : 'No backend here can create keys'}
        >
          Create key
        </button>
        {/* Manual backends' keys are added by hand (keys/AddManualKeyButton.tsx; absent without a manual backend). */}
        <AddManualKeyButton backends={(backends ?? []).filter((backend) => backend.type === 'manual').map((backend) => backend.name)} onAdded={select} />
        {/* An existing inventory (KeePass, Bitwarden, 1Password, a spreadsheet) into a manual backend (imports/). */}
        <ImportButton />
        <button type="button" className="button primary" onClick={() => void syncAll()} disabled={sync.running || backends?.length === 0} aria-busy={sync.running}>
          Sync now
        </button>
      </div>
      {creating && <CreateKeyDialog onClose={() => setCreating(false)} onCreated={select} />}
    </header>
  );
}
