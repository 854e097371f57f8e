import { lazy, Suspense, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { Connection } from './connection.js';
import { InventoryView } from './inventory/InventoryView.js';
import { hrefFor, replaceRoute, useRoute, VIEW_TITLES } from './routing.js';
import { guardVault } from './contract/vault-guard.js';
import { LockBanner } from './shell/LockBanner.js';
import { PassphraseDialog } from './shell/PassphraseDialog.js';
import { Shortcuts, SkipLink } from './shell/Shortcuts.js';
import { TopBar } from './shell/TopBar.js';
import { ClientContext, InventoryContext, RotationContext, ShellContext, ViewsContext } from './state/context.js';
import { createInventoryStore } from './state/inventory-store.js';
import { KeyActionsContext } from './state/key-actions-context.js';
import { createKeyActionsStore } from './state/key-actions-store.js';
import { KeyEditContext } from './state/key-edit-context.js';
import { createKeyEditStore } from './state/key-edit-store.js';
import { createShellStore } from './state/shell-store.js';
import { createViewsStore } from './state/views-store.js';
import { createRotationStore } from './rotation/rotation-store.js';

/*
 * The inventory is where the console opens; every other view is its own chunk, so the first rows wait for less script
 * to be parsed and run. The chunks are fetched once the browser is idle after that (VIEW_CHUNKS), so moving to another
 * view does not wait for one either.
 */
const VIEW_CHUNKS = {
  backends: () => import('./backends/BackendsView.js').then((module) => ({ default: module.BackendsView })),
  reminders: () => import('./reminders/RemindersView.js').then((module) => ({ default: module.RemindersView })),
  health: () => import('./health/HealthView.js').then((module) => ({ default: module.HealthView })),
  audit: () => import('./audit/AuditView.js').then((module) => ({ default: module.AuditView })),
  team: () => import('./team/TeamView.js').then((module) => ({ default: module.TeamView })),
  backups: () => import('./admin/BackupsView.js').then((module) => ({ default: module.BackupsView })),
  vault: () => import('./admin/VaultView.js').then((module) => ({ default: module.VaultView })),
  settings: () => import('./admin/SettingsView.js').then((module) => ({ default: module.SettingsView })),
};
const BackendsView = lazy(VIEW_CHUNKS.backends);
const RemindersView = lazy(VIEW_CHUNKS.reminders);
const HealthView = lazy(VIEW_CHUNKS.health);
const AuditView = lazy(VIEW_CHUNKS.audit);
const TeamView = lazy(VIEW_CHUNKS.team);
const BackupsView = lazy(VIEW_CHUNKS.backups);
const VaultView = lazy(VIEW_CHUNKS.vault);
const SettingsView = lazy(VIEW_CHUNKS.settings);

export function App({ connection }: { connection: Connection }) {
  const [shell] = useState(() => createShellStore(connection.client));
  // Every view's calls: a refusal for want of the vault's passphrase opens the shell's passphrase dialog.
  const [client] = useState(() => guardVault(connection.client, () => shell.getState().askPassphrase('unlock')));
  const [store] = useState(() => {
    const inventory = createInventoryStore(client);
    // The first page, the counts and the settings are asked for as the console first renders, not after: the engine
    // answers them while React builds the page (by POST: the socket is still opening), and the rows come in one render.
    void inventory.getState().init();
    return inventory;
  });
  const [views] = useState(() => createViewsStore(client, store));
  const [rotations] = useState(() => createRotationStore(client));
  const rotatingRef = useStore(rotations, (state) => state.ref);
  const [keyActions] = useState(() => createKeyActionsStore(client, { hostClipboard: connection.hostClipboard }));
  const [keyEdit] = useState(() => createKeyEditStore(client));
  const [disconnected, setDisconnected] = useState(false);
  const route = useRoute();

  useEffect(() => {
    void views.getState().load();
    void shell.getState().load();
    // A sync sends both events (and answers the Sync now button): one refresh for the lot.
    let pending: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        void store.getState().refresh();
        shell.getState().changed();
      }, 50);
    };
    const unsubscribe = connection.subscribe(
      {
        onSyncProgress: (progress) => store.getState().onSyncProgress(progress),
        onInventoryChanged: refresh,
        onRemindersChanged: refresh,
        onLockChanged: (lock) => {
          shell.getState().lockChanged(lock);
          // Whatever was revealed goes away the moment Keywarden locks, whoever locked it; a refusal for the lock
          // goes once it is unlocked.
          store.getState().lockChanged(lock.locked);
          if (!lock.locked) keyActions.getState().clearFailedCopy();
        },
        onOpenKey: ({ ref }) => {
          window.location.hash = hrefFor('inventory', ref);
        },
        onRotationChanged: (change) => void rotations.getState().changed(change),
      },
      () => setDisconnected(true),
    );
    return () => {
      if (pending) clearTimeout(pending);
      unsubscribe();
    };
  }, [store, views, shell, rotations, keyActions, connection]);

  // The wizard lives in the inventory's side panel: reopening a rotation from another view goes there.
  useEffect(() => {
    if (rotatingRef && route.view !== 'inventory') window.location.hash = hrefFor('inventory');
  }, [rotatingRef, route.view]);

  // A link to a key (from a reminder, the audit trail, a notification): open it, then take it out of the address.
  useEffect(() => {
    if (route.view !== 'inventory' || !route.key) return;
    void store.getState().openRef(route.key);
    replaceRoute('inventory');
  }, [route.view, route.key, store]);

  useEffect(() => {
    document.title = `${VIEW_TITLES[route.view]} · Keywarden`;
  }, [route.view]);

  // The other views' chunks, fetched when nothing else is to be done (a chunk is fetched once; lazy() reuses it).
  useEffect(() => {
    const prefetch = () => {
      for (const load of Object.values(VIEW_CHUNKS)) void load();
    };
    const handle = window.requestIdleCallback ? window.requestIdleCallback(prefetch, { timeout: 3000 }) : window.setTimeout(prefetch, 1000);
    return () => (window.cancelIdleCallback ? window.cancelIdleCallback(handle) : window.clearTimeout(handle));
  }, []);

  return (
    <ClientContext value={client}>
      <ShellContext value={shell}>
        <InventoryContext value={store}>
          <ViewsContext value={views}>
            <RotationContext value={rotations}>
              <KeyActionsContext value={keyActions}>
                <KeyEditContext value={keyEdit}>
                  <div className="app">
                    <SkipLink view={route.view} />
                    {disconnected && (
                      <div className="banner" role="alert">
                        The connection to <code>keywarden ui</code> was lost. If it stopped or restarted, run it again and open the URL it prints.
                      </div>
                    )}
                    <TopBar view={route.view} />
                    <LockBanner />
                    <PassphraseDialog />
                    <Shortcuts view={route.view} />
                    <div className="view">
                      <Suspense
                        fallback={
                          <p className="view-loading" role="status">
                            Loading…
                          </p>
                        }
                      >
                        {route.view === 'inventory' && <InventoryView />}
                        {route.view === 'backends' && <BackendsView />}
                        {route.view === 'reminders' && <RemindersView />}
                        {route.view === 'health' && <HealthView />}
                        {route.view === 'audit' && <AuditView />}
                        {route.view === 'team' && <TeamView />}
                        {route.view === 'backups' && <BackupsView />}
                        {route.view === 'vault' && <VaultView />}
                        {route.view === 'settings' && <SettingsView />}
                      </Suspense>
                    </div>
                  </div>
                </KeyEditContext>
              </KeyActionsContext>
            </RotationContext>
          </ViewsContext>
        </InventoryContext>
      </ShellContext>
    </ClientContext>
  );
}
