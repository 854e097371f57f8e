/**
 * The backends view (#/backends): every backend with the age of its data and its last error, what can be done
 * with each (sync, credential, policy, CommBox's interval, remove), and "Add a backend". Its store is created here
 * from the client and reloads whenever the engine reports a change (the shell's `changes`).
 */
import { useEffect, useRef, useState } from 'react';
import { replaceRoute, useRoute } from '../routing.js';
import { BackendsContext, useBackends, useClient, useShell } from '../state/context.js';
import { createBackendsStore } from '../state/backends-store.js';
import { useNow } from '../lib/use-now.js';
import { AddBackendForm } from './AddBackendForm.js';
import { BackendCard, SyncStatus } from './BackendCard.js';
import { VENDORS } from './vendors.js';
import { useInventory } from '../state/context.js';
import './backends.css';
import { IsolatedText } from '../lib/IsolatedText.js';
import { AddManualKeyButton } from '../keys/AddManualKeyButton.js';
import { openKeyInInventory } from './open-key.js';

export function BackendsView() {
  const client = useClient();
  const [store] = useState(() => createBackendsStore(client));
  const changes = useShell((state) => state.changes);

  useEffect(() => {
    void store.getState().load();
  }, [store, changes]);

  return (
    <BackendsContext value={store}>
      <BackendsPage />
    </BackendsContext>
  );
}

/** After an add: what was added, and the offer to fetch its keys now. */
function AddedNotice({ onDone }: { onDone: () => void }) {
  const added = useBackends((state) => state.added);
  const syncing = useInventory((state) => state.sync.running);
  const syncBackends = useInventory((state) => state.syncBackends);
  const [requested, setRequested] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), [added?.name]);
  if (!added) return null;
  const vendor = VENDORS[added.type];
  const canList = added.capabilities.includes('list');
  return (
    <section className="added-panel" aria-labelledby="added-heading">
      <h2 id="added-heading" ref={headingRef} tabIndex={-1}>
        Added <IsolatedText text={added.name} /> ({vendor.label})
      </h2>
      <p>
        {canList
          ? `The ${vendor.credentialLabel ?? 'credential'} worked at ${vendor.label} and is stored encrypted. Its keys appear in the inventory after a sync.`
          : 'A manual backend holds keys you add by hand: their dates, and (if you give it) the secret and a test request.'}
      </p>
      <div className="added-buttons">
        {!canList && <AddManualKeyButton backends={[added.name]} preselected={added.name} onAdded={openKeyInInventory} className="button primary" />}
        {canList && (
          <button
            type="button"
            className="button primary"
            aria-disabled={syncing || undefined}
            onClick={() => {
              if (syncing) return;
              setRequested(true);
              void syncBackends([added.name]);
            }}
          >
            Sync now
          </button>
        )}
        <button type="button" className="button" onClick={onDone}>
          {canList && !requested ? 'Later' : 'Done'}
        </button>
      </div>
      {canList && <SyncStatus name={added.name} requested={requested} />}
    </section>
  );
}

function BackendsPage() {
  const route = useRoute();
  const backends = useBackends((state) => state.backends);
  const loadError = useBackends((state) => state.loadError);
  const notice = useBackends((state) => state.notice);
  const dismissAdded = useBackends((state) => state.dismissAdded);
  const [adding, setAdding] = useState(false);
  const addButtonRef = useRef<HTMLButtonElement>(null);
  const now = useNow();

  // The first run's "Add a backend" (#/backends?add): open the form, then take the request out of the address.
  useEffect(() => {
    if (!route.add) return;
    setAdding(true);
    dismissAdded();
    replaceRoute('backends');
  }, [route.add, dismissAdded]);

  const closeForm = () => {
    setAdding(false);
    requestAnimationFrame(() => addButtonRef.current?.focus());
  };

  return (
    <main className="page backends-page" aria-labelledby="page-heading">
      <div className="page-head">
        <h1 id="page-heading" tabIndex={-1}>
          Backends
        </h1>
        {!adding && (
          <button
            ref={addButtonRef}
            type="button"
            className="button primary"
            onClick={() => {
              dismissAdded();
              setAdding(true);
            }}
          >
            Add backend
          </button>
        )}
      </div>
      <p className="muted page-intro">The vendors whose keys Keywarden lists. Removing one here never changes anything at the vendor.</p>

      {loadError && (
        <p className="form-error" role="alert">
          Could not load the backends: <IsolatedText text={loadError} lines />
        </p>
      )}
      <p className="page-notice" role="status">
        {notice && <IsolatedText text={notice} lines />}
      </p>

      {adding && <AddBackendForm onClose={closeForm} onAdded={() => setAdding(false)} />}
      <AddedNotice
        onDone={() => {
          dismissAdded();
          requestAnimationFrame(() => addButtonRef.current?.focus());
        }}
      />

      {backends === null && !loadError && <p className="muted">Loading backends…</p>}
      {backends?.length === 0 && !adding && (
        <div className="empty">
          <h2>No backends yet</h2>
          <p>Add the first one: a CommBox, BoxWatch or Nitrobox account, or a manual backend for keys of vendors without an API.</p>
        </div>
      )}
      {backends && backends.length > 0 && (
        <ul className="backend-list" aria-label="Backends">
          {backends.map((backend) => (
            <BackendCard key={backend.name} backend={backend} now={now} />
          ))}
        </ul>
      )}
    </main>
  );
}
