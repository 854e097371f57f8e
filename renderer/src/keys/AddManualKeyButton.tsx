/**
 * "Add key" for manual backends: a button and the dialog it opens. Shown where manual backends are (the inventory's
 * summary bar when there is one, each manual backend's card, the notice after adding one), never where it could only
 * fail: with no manual backend it is not there.
 */
import { useState } from 'react';
import type { Key } from '../../../shared/domain.js';
import { ManualKeyDialog } from './ManualKeyDialog.js';

export function AddManualKeyButton({
  backends,
  preselected,
  onAdded,
  className = 'button',
  label = 'Add key',
}: {
  /** The manual backends' names. */
  backends: readonly string[];
  preselected?: string;
  onAdded: (key: Key) => void;
  className?: string;
  label?: string;
}) {
  const [open, setOpen] = useState(false);
  if (backends.length === 0) return null;
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)} title="Add a key of a vendor without an API, by hand">
        {label}
      </button>
      {open && (
        <ManualKeyDialog
          backends={backends}
          {...(preselected ? { preselected } : {})}
          onClose={() => setOpen(false)}
          onAdded={(key) => {
            setOpen(false);
            onAdded(key);
          }}
        />
      )}
    </>
  );
}
