import { useEffect, useRef } from 'react';
import { RotationWizard } from '../rotation/RotationWizard.js';
import { useInventory, useRotation, useRotationStore } from '../state/context.js';
import { BulkBar } from './BulkBar.js';
import { Filters } from './Filters.js';
import { Header } from './Header.js';
import { KeyDetail } from './KeyDetail.js';
import { KeyTable } from './KeyTable.js';
import { ViewBar } from './ViewBar.js';

/** The inventory screen: summary and sync on top, filters on the left, the keys, and the selected key's detail. */
export function InventoryView() {
  const selected = useInventory((state) => state.selected);
  const rotations = useRotationStore();
  const rotating = useRotation((state) => state.ref !== null);
  const selectedRef = selected?.ref ?? null;
  const shownRef = useRef(selectedRef);

  // Choosing another key in the table while the wizard is open shows that key: the wizard closes (the rotation is
  // kept in the engine's journal, reopened from the reminders), instead of the click seeming to do nothing.
  useEffect(() => {
    if (shownRef.current === selectedRef) return;
    shownRef.current = selectedRef;
    const rotation = rotations.getState();
    if (selectedRef && rotation.ref && rotation.ref !== selectedRef) rotation.close();
  }, [selectedRef, rotations]);
  return (
    <div className={selected || rotating ? 'layout with-detail' : 'layout'}>
      <Header />
      <Filters />
      <main className="main" aria-label="Keys">
        <ViewBar />
        <BulkBar />
        <KeyTable />
      </main>
      {/* The rotation wizard takes the detail panel while it is open; closing it keeps the rotation (the engine's journal). */}
      {rotating ? <RotationWizard store={rotations} /> : selected && <KeyDetail key={selected.ref} />}
    </div>
  );
}
