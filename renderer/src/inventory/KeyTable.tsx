import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Key, KeySortField } from '../../../shared/domain.js';
import { dueDateOf, dueLabel } from '../lib/due.js';
import { formatDay, formatDayTime, formatTableDay, plural } from '../lib/dates.js';
import { useInventory } from '../state/context.js';
import { hasFilters, rowAt } from '../state/inventory-store.js';
import { FirstRun } from './FirstRun.js';
import { STATUS_LABEL, VENDOR_LABEL } from './labels.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useClock } from '../lib/use-now.js';
import { visibleText } from '../lib/visible-text.js';
import { type InventoryColumn, keyTell } from '../../../shared/rules.js';

const ROW_HEIGHT = 36;
/** How much of a long ID a row shows beside the name (its last characters). */
const ROW_ID_CHARS = 4;
const HEADER_HEIGHT = 34;

interface Column {
  /** Null for Name, which is always shown; else the column's ID in the column chooser and in saved views. */
  id: InventoryColumn | null;
  label: string;
  sort: KeySortField | null;
  className: string;
}

export const COLUMNS: Column[] = [
  { id: null, label: 'Name', sort: 'name', className: 'col-name' },
  { id: 'backend', label: 'Backend', sort: 'backend', className: 'col-backend' },
  { id: 'prefix', label: 'Prefix', sort: 'prefix', className: 'col-prefix' },
  { id: 'status', label: 'Status', sort: 'status', className: 'col-status' },
  { id: 'due', label: 'Due', sort: 'due', className: 'col-due' },
  { id: 'cached', label: 'Cached', sort: null, className: 'col-secret' },
  { id: 'tested', label: 'Last tested', sort: 'lastTestedAt', className: 'col-tested' },
  { id: 'synced', label: 'Last synced', sort: 'syncedAt', className: 'col-synced' },
];

/**
 * The table's classes for the columns the administrator hid: each hidden column's track is 0 wide and its cells are
 * not drawn (styles.css, "Columns"), so what is left shares the width; the narrow-window rules hide more the same way.
 */
function tableClass(shown: readonly InventoryColumn[]): string {
  return ['table', ...COLUMNS.filter((column) => column.id !== null && !shown.includes(column.id)).map((column) => `hide-${column.id}`)].join(' ');
}

export function StatusBadge({ status }: { status: Key['status'] }) {
  return (
    <span className={`badge tone-${status}`}>
      <span className="dot" aria-hidden="true" />
      {STATUS_LABEL[status]}
    </span>
  );
}

export function DueCell({ keyRow, now }: { keyRow: Key; now: Date }) {
  const due = dueDateOf(keyRow);
  if (!due) return <span className="muted">—</span>;
  const label = dueLabel(due, now);
  return (
    <span className="due">
      <time dateTime={due} title={formatDay(due)}>
        {formatTableDay(due)}
      </time>{' '}
      <span className={`due-label tone-${label.tone}`}>{label.text}</span>
    </span>
  );
}

/**
 * The key's name, and beside it what tells it from another of the same name (KeyName's rule): its ID when it has no
 * prefix, always; its prefix wherever the Prefix column is not shown (hidden by the administrator or by a narrow
 * window, styles.css), so two "Production" keys never look alike at any width, and the prefix is never said twice.
 * Plain spans: a row is drawn for every key scrolled past.
 */
function RowName({ row }: { row: Key }) {
  const tell = keyTell(row);
  const shown = tell !== row.name;
  // An ID is said short in a row, as vendors show a prefix ("…4f2a"): its end, where IDs differ (a manual key's random
  // tail, a UUID's last digits), so the name keeps the room. Whole in the title, the panel, Reminders and Health.
  const characters = [...tell];
  const said = row.prefix || characters.length <= ROW_ID_CHARS * 2 ? tell : `…${characters.slice(-ROW_ID_CHARS).join('')}`;
  return (
    <span className="row-name">
      <span className="name-text" title={visibleText(row.name)}>
        <IsolatedText text={row.name} />
      </span>
      {shown && ' '}
      {shown && (
        <span className={row.prefix ? 'key-tell row-tell tell-prefix' : 'key-tell row-tell tell-id'} title={visibleText(tell)}>
          <IsolatedText text={said} />
        </span>
      )}
    </span>
  );
}

interface CellsProps {
  row: Key;
  index: number;
  now: Date;
  checked: boolean;
  /** The store's action (stable): with the row and its index as props, an unchanged row's cells are not drawn again. */
  toggleRow: (index: number, key: Key, range: boolean) => void;
}

/**
 * A row's cells, drawn again only when what they show changes (memo): a keystroke in the search box changes the
 * table's query at once but its rows only when the answer comes, and drawing every visible row's cells in between
 * held the page's one thread when that answer arrived.
 */
const Cells = memo(function Cells({ row, index, now, checked, toggleRow }: CellsProps) {
  const onCheck = (range: boolean) => toggleRow(index, row, range);
  return (
    <>
      <div role="cell" className="col-name">
        <input
          type="checkbox"
          className="select-box"
          checked={checked}
          aria-label={`Select ${visibleText(row.name)} (${visibleText(row.ref)})`}
          tabIndex={-1}
          // The box selects; the row around it opens the key. Shift-click ticks the range from the last ticked row.
          onClick={(event) => {
            event.stopPropagation();
            onCheck(event.shiftKey);
          }}
          onChange={() => {}}
        />
        <RowName row={row} />
      </div>
      <div role="cell" className="col-backend" title={`${row.backend} (${VENDOR_LABEL[row.backendType]})`}>
        <IsolatedText text={row.backend} /> <span className="muted backend-vendor">{VENDOR_LABEL[row.backendType]}</span>
      </div>
      <div role="cell" className="col-prefix mono" title={row.prefix === null ? undefined : visibleText(row.prefix)}>
        {row.prefix === null ? <span className="muted">—</span> : <IsolatedText text={row.prefix} />}
      </div>
      <div role="cell" className="col-status">
        <StatusBadge status={row.status} />
      </div>
      <div role="cell" className="col-due">
        <DueCell keyRow={row} now={now} />
      </div>
      <div role="cell" className="col-secret">
        {row.secretCached ? 'yes' : <span className="muted">—</span>}
      </div>
      <div role="cell" className="col-tested">
        {row.lastTestedAt ? (
          <>
            <span title={formatDayTime(row.lastTestedAt)}>{formatDay(row.lastTestedAt)}</span>{' '}
            {row.lastTestOk === false ? <span className="tone-overdue">failed</span> : row.lastTestOk ? <span className="muted">ok</span> : null}
          </>
        ) : (
          <span className="muted">never</span>
        )}
      </div>
      <div role="cell" className="col-synced">
        {row.syncedAt ? <span title={formatDayTime(row.syncedAt)}>{formatDay(row.syncedAt)}</span> : <span className="muted">—</span>}
      </div>
    </>
  );
});

function EmptyState() {
  const filters = useInventory((state) => state.filters);
  const facets = useInventory((state) => state.facets);
  const backends = useInventory((state) => state.backends);
  const clearFilters = useInventory((state) => state.clearFilters);
  if (hasFilters(filters)) {
    return (
      <div className="empty" role="status">
        <h2>No keys match</h2>
        <p>Nothing in the inventory matches this search and these filters.</p>
        <button type="button" className="button" onClick={clearFilters}>
          Clear filters
        </button>
      </div>
    );
  }
  if (backends && backends.length === 0) return <FirstRun />;
  return (
    <div className="empty" role="status">
      <h2>No keys yet</h2>
      <p>{facets && facets.total === 0 ? 'Your backends have no keys in Keywarden yet. Use “Sync now” to fetch them from the vendors.' : 'The inventory is empty.'}</p>
    </div>
  );
}

/** The keys, one virtualised table over every matching row; pages are fetched as they scroll into view. */
export function KeyTable() {
  const total = useInventory((state) => state.total);
  const pages = useInventory((state) => state.pages);
  const sort = useInventory((state) => state.sort);
  const setSort = useInventory((state) => state.setSort);
  const ensureRange = useInventory((state) => state.ensureRange);
  const select = useInventory((state) => state.select);
  const selected = useInventory((state) => state.selected);
  const rowsQuery = useInventory((state) => state.rowsQuery);
  const loadError = useInventory((state) => state.loadError);
  const selection = useInventory((state) => state.selection);
  const toggleRow = useInventory((state) => state.toggleRow);
  const selectAllMatching = useInventory((state) => state.selectAllMatching);
  const clearSelection = useInventory((state) => state.clearSelection);
  const columns = useInventory((state) => state.columns);

  // The time due dates are counted from, taken when rows arrive and every minute: the same for a render that changes
  // no row, so its cells are not drawn again (Cells is memoised).
  const clock = useClock();
  const now = useMemo(() => new Date(), [pages, clock]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [activeIndex, setActiveIndex] = useState(0);
  const [focusWanted, setFocusWanted] = useState<number | null>(null);
  const count = total ?? 0;

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // Rows drawn beyond the visible ones: a keystroke's new rows are all drawn again, so each one costs every keystroke
    // (12 cost about 2 ms more per keystroke than 4); rows of a fixed height scroll in without a gap at 4.
    overscan: 4,
    scrollMargin: HEADER_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  // The rows scrolled into view. A new query fetches the same range by itself (the store's restart): the table does
  // not follow the query's generation, so a keystroke does not draw it until its rows arrive.
  useEffect(() => {
    void ensureRange(first, last);
  }, [first, last, ensureRange]);

  // A new query's rows start at the top, when they arrive (a refresh keeps the place). The virtualizer's offset
  // follows scroll events: read instead of the element's scrollTop, it forces no layout when already at the top.
  useEffect(() => {
    if ((virtualizer.scrollOffset ?? 0) > 0) scrollRef.current?.scrollTo({ top: 0 });
    setActiveIndex(0);
  }, [rowsQuery]);

  useEffect(() => {
    if (focusWanted === null) return;
    const element = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${focusWanted}"]`);
    if (element) {
      element.focus({ preventScroll: true });
      setFocusWanted(null);
    }
  });

  const moveTo = (index: number) => {
    const target = Math.max(0, Math.min(count - 1, index));
    setActiveIndex(target);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    setFocusWanted(target);
  };

  const onRowKeyDown = (event: KeyboardEvent<HTMLDivElement>, index: number, row: Key | undefined) => {
    const page = Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 400) - HEADER_HEIGHT) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: count - 1 };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      moveTo(target);
    } else if ((event.key === 'a' || event.key === 'A') && (event.ctrlKey || event.metaKey)) {
      // Ctrl/Cmd-A in the table selects every key matching the search and filters (as a query, not row by row).
      event.preventDefault();
      selectAllMatching();
    } else if (event.key === 'x' && row) {
      // x ticks the focused row (as in mail clients); Shift-x ticks the range from the last ticked row.
      event.preventDefault();
      toggleRow(index, row, event.shiftKey);
    } else if ((event.key === 'Enter' || event.key === ' ') && row) {
      event.preventDefault();
      select(row);
    }
  };
  const isChecked = (ref: string) => (selection.mode === 'all' ? !selection.except[ref] : Boolean(selection.refs[ref]));
  const allChecked = selection.mode === 'all' && Object.keys(selection.except).length === 0;
  const someChecked = selection.mode === 'all' || Object.keys(selection.refs).length > 0;

  if (total === 0) return <EmptyState />;

  return (
    <div className="table-wrap">
      {loadError && (
        <p className="error" role="alert">
          <IsolatedText text={loadError} lines />
        </p>
      )}
      <div className="table-scroll" ref={scrollRef}>
        <div role="table" aria-label="Keys" aria-rowcount={count + 1} className={tableClass(columns)} aria-busy={total === null}>
          <div role="rowgroup" className="thead">
            <div role="row" aria-rowindex={1} className="tr">
              {COLUMNS.map((column) => {
                const active = column.sort !== null && sort.field === column.sort;
                return (
                  <div
                    key={column.label}
                    role="columnheader"
                    className={column.className}
                    aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : column.sort ? 'none' : undefined}
                  >
                    {column.className === 'col-name' && (
                      <input
                        type="checkbox"
                        className="select-box"
                        aria-label={allChecked ? 'Clear the selection' : 'Select every key matching the search and filters'}
                        title="Select every matching key (Ctrl+A in the table)"
                        checked={allChecked}
                        ref={(box) => {
                          if (box) box.indeterminate = someChecked && !allChecked;
                        }}
                        onChange={() => (someChecked ? clearSelection() : selectAllMatching())}
                      />
                    )}
                    {column.sort ? (
                      <button type="button" className="sort" onClick={() => column.sort && setSort(column.sort)}>
                        {column.label}
                        <span className="sort-mark" aria-hidden="true">
                          {active ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
                        </span>
                      </button>
                    ) : (
                      column.label
                    )}
                  </div>
                );
              })}
            </div>
          </div>
          <div role="rowgroup" className="tbody" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const row = rowAt(pages, item.index);
              const isSelected = row !== undefined && selected?.ref === row.ref;
              return (
                <div
                  // Keyed by position, not by key: a new query's rows reuse the elements on screen (their cells are drawn
                  // again) instead of removing every row and creating new ones, which a keystroke paid for in full.
                  key={item.index}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={isSelected}
                  data-index={item.index}
                  tabIndex={item.index === activeIndex ? 0 : -1}
                  className={isSelected ? 'tr row selected' : 'tr row'}
                  style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
                  onClick={() => {
                    setActiveIndex(item.index);
                    if (row) select(row);
                  }}
                  onKeyDown={(event) => onRowKeyDown(event, item.index, row)}
                  onFocus={() => setActiveIndex(item.index)}
                >
                  {row ? (
                    <Cells row={row} index={item.index} now={now} checked={isChecked(row.ref)} toggleRow={toggleRow} />
                  ) : (
                    <div role="cell" className="loading">
                      Loading…
                    </div>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <p className="table-foot" aria-live="polite">
        {total === null ? 'Loading keys…' : plural(total, 'key')}
      </p>
    </div>
  );
}
