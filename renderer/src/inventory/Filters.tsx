import { useState, type ReactNode } from 'react';
import { useInventory } from '../state/context.js';
import { hasFilters } from '../state/inventory-store.js';
import { STATUS_LABEL, STATUS_ORDER, VENDOR_LABEL } from './labels.js';
import type { BackendType } from '../../../shared/domain.js';
import { saveTextFile } from '../lib/save-file.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { SearchHelpDialog } from './SearchHelp.js';
import './bulk.css';

function FilterButton({
  pressed,
  onToggle,
  count,
  children,
  tone,
  title,
}: {
  pressed: boolean;
  onToggle: () => void;
  count: number | undefined;
  children: ReactNode;
  tone?: string;
  title?: string;
}) {
  return (
    <li>
      <button type="button" className="filter" aria-pressed={pressed} onClick={onToggle} title={title}>
        <span className="filter-label">
          {tone && <span className={`dot tone-${tone}`} aria-hidden="true" />}
          {children}
        </span>
        <span className="count">{count ?? ''}</span>
      </button>
    </li>
  );
}

/**
 * The search box, on its own: a keystroke draws it (and the table when its rows arrive), not the whole sidebar, whose
 * filters and counts a keystroke does not change.
 */
function SearchBox() {
  const searchInput = useInventory((state) => state.searchInput);
  const searchError = useInventory((state) => state.searchError);
  const setSearchInput = useInventory((state) => state.setSearchInput);
  const [help, setHelp] = useState(false);
  return (
    <>
      <div className="search">
        <label htmlFor="search">Search keys</label>
        <div className="search-row">
          <input
            id="search"
            type="search"
            placeholder="e.g. stripe tag:prod"
            value={searchInput}
            onChange={(event) => setSearchInput(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={searchError !== null}
            aria-describedby={searchError ? 'search-error' : undefined}
          />
          <button type="button" className="button icon search-help-button" onClick={() => setHelp(true)} aria-label="Search syntax" title="Search syntax">
            ?
          </button>
        </div>
        {searchError && (
          <p id="search-error" className="search-error error-text" role="alert">
            <IsolatedText text={searchError} />
          </p>
        )}
      </div>
      {help && <SearchHelpDialog onClose={() => setHelp(false)} />}
    </>
  );
}

/** The search box and the filters, with the facets' counts over the whole inventory. */
export function Filters() {
  const facets = useInventory((state) => state.facets);
  // The filters one by one, not their object: the search is in it too, and a keystroke changes the object.
  const overdue = useInventory((state) => state.filters.overdue);
  const dueWithin30 = useInventory((state) => state.filters.dueWithin30);
  const statusFilter = useInventory((state) => state.filters.status);
  const vendorFilter = useInventory((state) => state.filters.vendor);
  const backendFilter = useInventory((state) => state.filters.backend);
  const active = useInventory((state) => hasFilters(state.filters));
  const setFilter = useInventory((state) => state.setFilter);
  const clearFilters = useInventory((state) => state.clearFilters);
  const exportInventory = useInventory((state) => state.exportInventory);
  const exporting = useInventory((state) => state.exporting);
  const dismissExport = useInventory((state) => state.dismissExport);

  const [open, setOpen] = useState(false);

  const vendors = facets ? (Object.entries(facets.vendors) as [BackendType, number][]).filter(([, count]) => count > 0) : [];
  return (
    <nav className={open ? 'sidebar open' : 'sidebar'} aria-label="Filters">
      {/* Shown only in a narrow window (styles.css), where the filters fold away so the table keeps its columns. */}
      <button type="button" className="button filters-toggle" aria-expanded={open} aria-controls="filters-body" onClick={() => setOpen(!open)}>
        Filters{active ? ' (on)' : ''}
      </button>
      <div id="filters-body" className="filters-body">
        <SearchBox />

        {facets?.total !== 0 && (
          <>
            <section aria-labelledby="quick-heading">
              <h2 id="quick-heading">Quick filters</h2>
              <ul>
                <FilterButton pressed={overdue} onToggle={() => setFilter('overdue', !overdue)} count={facets?.due.overdue} tone="overdue">
                  Overdue
                </FilterButton>
                <FilterButton
                  pressed={dueWithin30}
                  onToggle={() => setFilter('dueWithin30', !dueWithin30)}
                  count={facets ? facets.due.overdue + facets.due.within7 + facets.due.within30 : undefined}
                  tone="soon"
                  title="Keys that need action within a month: overdue ones included"
                >
                  {/* The filter returns overdue keys too (what needs action within a month), and so does its count. Said on screen:
                    "Due within 30 days" alone means not overdue, in the summary above and in the reminders. */}
                  Overdue + next 30 days
                </FilterButton>
              </ul>
            </section>

            <section aria-labelledby="status-heading">
              <h2 id="status-heading">Status</h2>
              <ul>
                {STATUS_ORDER.map((status) => (
                  <FilterButton
                    key={status}
                    pressed={statusFilter === status}
                    onToggle={() => setFilter('status', statusFilter === status ? null : status)}
                    count={facets?.status[status] ?? 0}
                    tone={status}
                  >
                    {STATUS_LABEL[status]}
                  </FilterButton>
                ))}
              </ul>
            </section>
          </>
        )}

        {vendors.length > 0 && (
          <section aria-labelledby="vendor-heading">
            <h2 id="vendor-heading">Vendor</h2>
            <ul>
              {vendors.map(([vendor, count]) => (
                <FilterButton key={vendor} pressed={vendorFilter === vendor} onToggle={() => setFilter('vendor', vendorFilter === vendor ? null : vendor)} count={count}>
                  {VENDOR_LABEL[vendor]}
                </FilterButton>
              ))}
            </ul>
          </section>
        )}

        {facets && facets.backends.length > 0 && (
          <section aria-labelledby="backend-heading">
            <h2 id="backend-heading">Backend</h2>
            <ul>
              {facets.backends.map((backend) => (
                <FilterButton
                  key={backend.name}
                  pressed={backendFilter === backend.name}
                  onToggle={() => setFilter('backend', backendFilter === backend.name ? null : backend.name)}
                  count={backend.count}
                >
                  <IsolatedText text={backend.name} />
                </FilterButton>
              ))}
            </ul>
          </section>
        )}

        {active && (
          <button type="button" className="button link" onClick={clearFilters}>
            Clear filters
          </button>
        )}

        <section aria-labelledby="export-heading" className="export">
          <h2 id="export-heading">Export inventory</h2>
          <div className="export-buttons">
            <button type="button" className="button" onClick={() => void exportInventory('csv', saveTextFile)} disabled={exporting.running}>
              CSV
            </button>
            <button type="button" className="button" onClick={() => void exportInventory('json', saveTextFile)} disabled={exporting.running}>
              JSON
            </button>
          </div>
          <p className="muted export-status" role="status">
            {exporting.running ? (
              'Exporting…'
            ) : exporting.error ? (
              <>
                <span className="error-text">
                  <IsolatedText text={exporting.error} lines />
                </span>{' '}
                <button type="button" className="button link" onClick={dismissExport}>
                  Dismiss
                </button>
              </>
            ) : (
              (exporting.done ?? 'Every key with its dates; never a secret.')
            )}
          </p>
        </section>
      </div>
    </nav>
  );
}
