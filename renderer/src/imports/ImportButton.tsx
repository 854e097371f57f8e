/**
 * "Import…" in the inventory's header: opens the Import dialog with a store of its own (one import at a time per
 * dialog; closing it drops what the engine staged). Shown with or without backends: an import can create its manual
 * backend.
 */
import { useState } from 'react';
import { useClient, useInventory, useInventoryStore } from '../state/context.js';
import { createImportStore, type ImportStore } from '../state/import-store.js';
import { ImportDialog } from './ImportDialog.js';

export function ImportButton({ className = 'button' }: { className?: string }) {
  const client = useClient();
  const inventory = useInventoryStore();
  const backends = useInventory((state) => state.backends);
  const [store, setStore] = useState<ImportStore | null>(null);
  const manualBackends = (backends ?? []).filter((backend) => backend.type === 'manual').map((backend) => backend.name);
  return (
    <>
      <button type="button" className={className} onClick={() => setStore(createImportStore(client))} title="Bring in keys from KeePass, Bitwarden, 1Password or a spreadsheet">
        Import…
      </button>
      {store && (
        <ImportDialog
          store={store}
          manualBackends={manualBackends}
          onClose={() => setStore(null)}
          onShowKeys={(backend) => {
            const state = inventory.getState();
            state.clearFilters();
            state.setFilter('backend', backend);
          }}
        />
      )}
    </>
  );
}
