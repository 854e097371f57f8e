/**
 * The bar above the keys table: the saved views (the built-in "All keys" and the administrator's own, applied in one
 * click; save, rename and delete them) and the column chooser. Views live in the engine (`views-store.ts`), so they are
 * the same in every browser and for `keywarden list --view NAME`.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { ALL_KEYS_VIEW, INVENTORY_COLUMNS, sameViewName, type InventoryColumn } from '../../../shared/rules.js';
import { Dialog, DialogButtons, Field, focusFirstInvalid } from '../backends/controls.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { visibleText } from '../lib/visible-text.js';
import { useInventory, useInventoryStore, useViews } from '../state/context.js';
import { ALL_KEYS_LAYOUT } from '../state/inventory-store.js';
import { findView, viewChanged, type ViewActionResult } from '../state/views-store.js';
import { COLUMNS } from './KeyTable.js';
import { MenuButton, MenuItem, MenuItemCheckbox, MenuItemRadio, MenuSeparator } from './MenuButton.js';
import './views.css';

type Dialogs = { kind: 'save' } | { kind: 'rename'; name: string } | { kind: 'delete'; name: string } | null;

export function ViewBar() {
  const [dialog, setDialog] = useState<Dialogs>(null);
  const views = useViews((state) => state.views);
  const active = useViews((state) => state.active);
  const busy = useViews((state) => state.busy);
  const save = useViews((state) => state.save);
  const inventory = useInventoryStore();
  // Whether the table shows something else than the view applied: the search and filters asked for, the sort, the columns.
  const changed = useStore(inventory, (state) => viewChanged(views, active, { filters: state.filters, sort: state.sort, columns: state.columns }));
  const [saveError, setSaveError] = useState<string | null>(null);
  // A refusal is about the view it was for: another view applied, it goes.
  useEffect(() => setSaveError(null), [active]);
  // The first run (no backend yet): nothing to view or choose columns of, only how to add a backend.
  const firstRun = useInventory((state) => state.backends?.length === 0);
  /** Overwrites the applied view with what the table shows now; a refusal is said beside the bar. */
  const saveChanges = () => {
    if (busy || active === null) return;
    void save(active, { overwrite: true }).then((result) => setSaveError(result.ok ? null : result.error));
  };

  if (firstRun) return null;
  return (
    <div className="view-bar" role="group" aria-label="Views and columns">
      <ViewsMenu changed={changed} onDialog={setDialog} onSaveChanges={saveChanges} />
      {changed && active === null && (
        <button type="button" className="button subtle" onClick={() => setDialog({ kind: 'save' })}>
          Save as view…
        </button>
      )}
      {changed && active !== null && (
        <button type="button" className="button subtle" aria-disabled={busy || undefined} onClick={saveChanges}>
          Save changes
        </button>
      )}
      {saveError && (
        <span className="error-text view-bar-error" role="alert">
          <IsolatedText text={saveError} />
        </span>
      )}
      <ColumnsMenu />
      {dialog?.kind === 'save' && <NameDialog mode="save" onClose={() => setDialog(null)} />}
      {dialog?.kind === 'rename' && <NameDialog mode="rename" current={dialog.name} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'delete' && <DeleteDialog name={dialog.name} onClose={() => setDialog(null)} />}
    </div>
  );
}

function ViewsMenu({ changed, onDialog, onSaveChanges }: { changed: boolean; onDialog: (dialog: Dialogs) => void; onSaveChanges: () => void }) {
  const views = useViews((state) => state.views);
  const active = useViews((state) => state.active);
  const loadError = useViews((state) => state.loadError);
  const load = useViews((state) => state.load);
  const apply = useViews((state) => state.apply);
  const activeName = active ?? ALL_KEYS_VIEW;

  return (
    <MenuButton
      className="views-menu"
      menuLabel="Views"
      title={`View: ${visibleText(activeName)}${changed && active !== null ? ' (changed)' : ''}`}
      // Views saved in another window or browser since: the list is read again as the menu opens.
      onOpen={() => void load()}
      label={
        <>
          <span className="menu-button-label">View:</span> <IsolatedText className="menu-button-value" text={activeName} />
          {changed && active !== null && <span className="view-changed"> (changed)</span>}
        </>
      }
    >
      {(controls) => (
        <>
          <MenuItemRadio checked={active === null} onSelect={() => apply(null)} controls={controls}>
            {ALL_KEYS_VIEW}
          </MenuItemRadio>
          {views?.map((view) => (
            <MenuItemRadio key={view.name} checked={active !== null && sameViewName(active, view.name)} onSelect={() => apply(view.name)} controls={controls}>
              <IsolatedText text={view.name} />
            </MenuItemRadio>
          ))}
          {loadError && (
            <MenuItem disabled controls={controls} onSelect={() => {}}>
              <span className="error-text">
                Saved views could not be read: <IsolatedText text={loadError} />
              </span>
            </MenuItem>
          )}
          <MenuSeparator />
          <MenuItem controls={controls} onSelect={() => onDialog({ kind: 'save' })}>
            Save as new view…
          </MenuItem>
          {active !== null && (
            <>
              <MenuItem controls={controls} disabled={!changed} onSelect={onSaveChanges}>
                Save changes to “<IsolatedText text={active} />”
              </MenuItem>
              <MenuItem controls={controls} onSelect={() => onDialog({ kind: 'rename', name: active })}>
                Rename “<IsolatedText text={active} />
                ”…
              </MenuItem>
              <MenuItem controls={controls} onSelect={() => onDialog({ kind: 'delete', name: active })}>
                Delete “<IsolatedText text={active} />
                ”…
              </MenuItem>
            </>
          )}
        </>
      )}
    </MenuButton>
  );
}

const COLUMN_LABEL: Record<InventoryColumn, string> = Object.fromEntries(COLUMNS.filter((column) => column.id !== null).map((column) => [column.id, column.label])) as Record<
  InventoryColumn,
  string
>;

/**
 * Where a column goes when the window is too narrow for it (styles.css hides it then, whatever is ticked): said beside
 * its box only at those widths (views.css), so a ticked column missing from the table is explained.
 */
const NARROW_NOTE: Partial<Record<InventoryColumn, string>> = {
  prefix: 'beside the name at this width',
  cached: "in the key's panel at this width",
  tested: "in the key's panel at this width",
  synced: "in the key's panel at this width",
};

function ColumnsMenu() {
  const columns = useInventory((state) => state.columns);
  const setColumnShown = useInventory((state) => state.setColumnShown);
  const applyLayout = useInventory((state) => state.applyLayout);
  const inventory = useInventoryStore();
  const hidden = INVENTORY_COLUMNS.length - columns.length;
  return (
    <MenuButton
      className="columns-menu"
      menuLabel="Columns"
      align="end"
      label={
        <>
          Columns
          {hidden > 0 && <span className="muted menu-button-count"> ({hidden} hidden)</span>}
        </>
      }
    >
      {(controls) => (
        <>
          <MenuItemCheckbox checked disabled onToggle={() => {}} note={<span className="menu-note">always shown</span>}>
            Name
          </MenuItemCheckbox>
          {INVENTORY_COLUMNS.map((column) => (
            <MenuItemCheckbox
              key={column}
              checked={columns.includes(column)}
              onToggle={() => setColumnShown(column, !columns.includes(column))}
              note={NARROW_NOTE[column] && <span className={`menu-note narrow-note narrow-note-${column}`}>{NARROW_NOTE[column]}</span>}
            >
              {COLUMN_LABEL[column]}
            </MenuItemCheckbox>
          ))}
          <MenuSeparator />
          <MenuItem
            controls={controls}
            disabled={hidden === 0}
            onSelect={() => {
              const { filters, sort } = inventory.getState();
              applyLayout({ filters, sort, columns: ALL_KEYS_LAYOUT.columns });
            }}
          >
            Show every column
          </MenuItem>
        </>
      )}
    </MenuButton>
  );
}

/** The engine's refusal in a dialog: under the name when it is about the name, else above the buttons. */
function fieldError(result: ViewActionResult | null): { name: string | null; other: string | null } {
  if (!result || result.ok) return { name: null, other: null };
  return result.field === 'name' ? { name: result.error, other: null } : { name: null, other: result.error };
}

/** "Save as new view" (the search, filters, sort and columns now, under a name) and "Rename". */
function NameDialog({ mode, current, onClose }: { mode: 'save' | 'rename'; current?: string; onClose: () => void }) {
  const views = useViews((state) => state.views);
  const busy = useViews((state) => state.busy);
  const save = useViews((state) => state.save);
  const rename = useViews((state) => state.rename);
  const [name, setName] = useState(current ?? '');
  const [result, setResult] = useState<ViewActionResult | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const otherId = useId();
  // Saving under a name taken replaces that view: said before it happens, and the button says so (the engine
  // replaces only when asked to).
  const taken = findView(views, name.trim());
  const replaces = mode === 'save' && taken !== undefined;
  const errors = fieldError(result);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const answer = mode === 'save' ? await save(name, { overwrite: replaces }) : await rename(current!, name);
    if (answer.ok) {
      onClose();
      return;
    }
    setResult(answer);
    focusFirstInvalid(formRef.current);
  };

  return (
    <Dialog title={mode === 'save' ? 'Save as new view' : `Rename “${visibleText(current ?? '')}”`} onClose={onClose} className="view-dialog">
      <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate>
        {mode === 'save' && <p className="dialog-text">The search, filters, sort and columns shown now, under a name: applied again in one click from the View menu.</p>}
        <Field
          label="Name"
          value={name}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => {
            setName(event.target.value);
            setResult(null);
          }}
          error={errors.name}
          hint={
            replaces ? (
              <>
                A view named “<IsolatedText text={taken.name} />” exists: saving replaces it.
              </>
            ) : (
              <>
                {/* Straight quotes: what is copied from here is pasted into a shell. */}
                Also for scripts: <code>keywarden list --view "{name.trim() || 'NAME'}"</code>
              </>
            )
          }
          describedBy={errors.other ? otherId : undefined}
        />
        <p id={otherId} className="form-error" role="alert" hidden={!errors.other}>
          {errors.other && <IsolatedText text={errors.other} lines />}
        </p>
        <DialogButtons busy={busy} submit={mode === 'rename' ? 'Rename view' : replaces ? 'Replace view' : 'Save view'} busyText="Saving…" onClose={onClose} />
      </form>
    </Dialog>
  );
}

function DeleteDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const busy = useViews((state) => state.busy);
  const remove = useViews((state) => state.remove);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const answer = await remove(name);
    if (answer.ok) onClose();
    else setError(answer.error);
  };

  return (
    <Dialog title={`Delete the view “${visibleText(name)}”?`} onClose={onClose} className="view-dialog danger-dialog">
      <form onSubmit={(event) => void submit(event)} noValidate>
        <p className="dialog-text">
          Only the view goes: no key changes, and the table keeps what it shows now. <code>keywarden list --view</code> no longer knows it.
        </p>
        <p id={errorId} className="form-error" role="alert" hidden={!error}>
          {error && <IsolatedText text={error} lines />}
        </p>
        <DialogButtons busy={busy} submit="Delete view" busyText="Deleting…" danger onClose={onClose} describedBy={error ? errorId : undefined} />
      </form>
    </Dialog>
  );
}
