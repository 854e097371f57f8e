/**
 * Backups: the data folder's rolling backups (when, why, size, schema, what each holds), Back up now, and Restore
 * with a confirmation that names what is replaced. The engine backs the current state up first, closes its
 * database, restores and opens it again; the result says which backup holds the state that was replaced.
 */
import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import { KEEP_BACKUPS } from '../../../shared/rules.js';
import { Dialog, DialogButtons } from '../backends/controls.js';
import { formatDayTimeSeconds as formatDayTime, plural } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useClient, useInventory, useShell } from '../state/context.js';
import { type BackupListing, type BackupsStore, createBackupsStore } from '../state/backups-store.js';
import './admin.css';

/** Why a backup was made, in words. */
export function reasonInWords(reason: string): string {
  if (reason === 'daily') return 'Daily';
  if (reason === 'manual') return 'Made by hand';
  if (reason === 'before-restore') return 'Before a restore';
  const schema = /^before-schema-(\d+)$/.exec(reason);
  if (schema) return `Before the upgrade to schema ${schema[1]}`;
  return reason;
}

/** "128 KB", "2.4 MB". */
export function sizeInWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function BackupsView() {
  const client = useClient();
  const [store] = useState(() => createBackupsStore(client));
  const changes = useShell((state) => state.changes);
  const backups = useStore(store, (state) => state.backups);
  const loadError = useStore(store, (state) => state.loadError);
  const making = useStore(store, (state) => state.making);
  const made = useStore(store, (state) => state.made);
  const makeError = useStore(store, (state) => state.makeError);
  const restored = useStore(store, (state) => state.restored);
  const confirming = useStore(store, (state) => state.confirming);
  const load = useStore(store, (state) => state.load);
  const makeNow = useStore(store, (state) => state.makeNow);
  const askRestore = useStore(store, (state) => state.askRestore);
  useEffect(() => void load(), [load, changes]);

  return (
    <main className="page admin" aria-labelledby="page-heading">
      <h1 id="page-heading" tabIndex={-1}>
        Backups
      </h1>
      <p className="page-intro muted">
        Keywarden backs the database up once a day while it runs, before a schema upgrade and before a restore, and keeps the last {KEEP_BACKUPS}. A backup holds the inventory, settings, audit
        trail and the cached secrets still sealed with this data folder&apos;s key.
      </p>
      <div className="admin-row">
        <p className="admin-fact" role="status">
          {making && 'Backing up…'}
          {made && (
            <>
              Backed up as <span className="mono">{made.name}</span>.
            </>
          )}
          {makeError && (
            <span className="error-text">
              The backup failed: <IsolatedText text={makeError} lines />
            </span>
          )}
          {restored && (
            <>
              Restored the backup of {formatDayTime(restored.restoredFrom.createdAt)}: {plural(restored.keys, 'key')} in {plural(restored.backends, 'backend')}. The state it replaced is kept as
              the backup of {formatDayTime(restored.before.createdAt)} ({reasonInWords(restored.before.reason).toLowerCase()}).
              {restored.warnings.map((warning) => (
                <span key={warning} className="admin-warning">
                  {' '}
                  <IsolatedText text={warning} lines />
                </span>
              ))}
            </>
          )}
        </p>
        <span className="admin-actions">
          <button type="button" className="button primary" onClick={() => void makeNow()} aria-disabled={making || undefined} aria-busy={making || undefined}>
            Back up now
          </button>
        </span>
      </div>
      {loadError && (
        <p className="view-error error-text" role="alert">
          Could not list the backups: <IsolatedText text={loadError} lines />
        </p>
      )}
      {backups && backups.length === 0 && <p className="muted">No backup yet. Back up now makes the first one.</p>}
      {backups && backups.length > 0 && (
        <div className="admin-table-wrap">
          <table className="admin-table" aria-label="Backups">
            <thead>
              <tr>
                <th scope="col">Made</th>
                <th scope="col">Why</th>
                <th scope="col">Holds</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col" className="num">
                  Schema
                </th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {backups.map((backup) => (
                <tr key={backup.name}>
                  <th scope="row" className="admin-when">
                    {formatDayTime(backup.createdAt)}
                  </th>
                  <td>{reasonInWords(backup.reason)}</td>
                  <td>
                    {backup.problem ? <span className="error-text">Cannot be restored: {backup.problem}</span> : `${plural(backup.keys ?? 0, 'key')} in ${plural(backup.backends ?? 0, 'backend')}`}
                  </td>
                  <td className="num">{sizeInWords(backup.bytes)}</td>
                  <td className="num">{backup.schema ?? '—'}</td>
                  <td className="admin-cell-action">
                    <button
                      type="button"
                      className="button"
                      onClick={() => askRestore(backup)}
                      disabled={backup.problem !== null}
                      aria-label={`Restore the backup of ${formatDayTime(backup.createdAt)}`}
                    >
                      Restore…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming && <ConfirmRestore store={store} backup={confirming} />}
    </main>
  );
}

function ConfirmRestore({ store, backup }: { store: BackupsStore; backup: BackupListing }) {
  const restoring = useStore(store, (state) => state.restoring);
  const error = useStore(store, (state) => state.restoreError);
  const cancel = useStore(store, (state) => state.cancelRestore);
  const restore = useStore(store, (state) => state.restore);
  const total = useInventory((state) => state.total);
  const errorId = useId();
  const when = formatDayTime(backup.createdAt);
  return (
    <Dialog title={`Restore the backup of ${when}?`} onClose={cancel} className="danger-dialog">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void restore();
        }}
      >
        <p className="dialog-text">
          This replaces everything in this data folder&apos;s database{total !== null ? ` (the inventory of ${plural(total, 'key')} now)` : ''}: keys and their dates, backends and their
          credentials, cached secrets, settings, rotations and the audit trail, with the backup&apos;s{' '}
          <strong>
            {plural(backup.keys ?? 0, 'key')} in {plural(backup.backends ?? 0, 'backend')}
          </strong>{' '}
          ({reasonInWords(backup.reason).toLowerCase()}, {when}).
        </p>
        <p className="dialog-text">Anything changed since then is replaced. The current state is backed up first, so restoring that backup brings it back. Nothing changes at any vendor.</p>
        {error && (
          <p id={errorId} className="error-text" role="alert">
            Not restored: <IsolatedText text={error} lines />
          </p>
        )}
        <DialogButtons busy={restoring} submit="Restore this backup" busyText="Restoring…" onClose={cancel} danger {...(error ? { describedBy: errorId } : {})} />
      </form>
    </Dialog>
  );
}
