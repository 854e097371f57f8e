import { useEffect, useState } from 'react';
import type { Connection } from './connection.js';
import { InventoryView } from './inventory/InventoryView.js';
import { InventoryContext } from './state/context.js';
import { createInventoryStore } from './state/inventory-store.js';

export function App({ connection }: { connection: Connection }) {
  const [store] = useState(() => createInventoryStore(connection.client));
  const [disconnected, setDisconnected] = useState(false);

  useEffect(() => {
    void store.getState().init();
    // A sync sends both events (and answers the Sync now button): one refresh for the lot.
    let pending: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        void store.getState().refresh();
      }, 50);
    };
    const unsubscribe = connection.subscribe(
      {
        onSyncProgress: (progress) => store.getState().onSyncProgress(progress),
        onInventoryChanged: refresh,
        onRemindersChanged: refresh,
      },
      () => setDisconnected(true),
    );
    return () => {
      if (pending) clearTimeout(pending);
      unsubscribe();
    };
  }, [store, connection]);

  return (
    <InventoryContext value={store}>
      {disconnected && (
        <div className="banner" role="alert">
          The connection to <code>keywarden ui</code> was lost. If it stopped or restarted, run it again and open the URL it prints.
        </div>
      )}
      <InventoryView />
    </InventoryContext>
  );
}
