import { useInventory } from '../state/context.js';
import { Filters } from './Filters.js';
import { Header } from './Header.js';
import { KeyDetail } from './KeyDetail.js';
import { KeyTable } from './KeyTable.js';

/** The inventory screen: summary and sync on top, filters on the left, the keys, and the selected key's detail. */
export function InventoryView() {
  const selected = useInventory((state) => state.selected);
  return (
    <div className={selected ? 'layout with-detail' : 'layout'}>
      <Header />
      <Filters />
      <main className="main" aria-label="Keys">
        <KeyTable />
      </main>
      {selected && <KeyDetail key={selected.ref} />}
    </div>
  );
}
