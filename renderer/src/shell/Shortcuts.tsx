/**
 * The console's keyboard: "/" goes to the inventory's search box, "?" opens the list of shortcuts, and a skip link
 * (the first thing Tab reaches) goes past the top bar to the keys table, or to the view's heading elsewhere. A key
 * typed into a field, or while a dialog is open, is left alone.
 */
import { useEffect, useState } from 'react';
import { Dialog } from '../backends/controls.js';
import { hrefFor, type View } from '../routing.js';
import '../admin/admin.css';

/** The shortcuts, as the "?" dialog lists them. */
export const SHORTCUTS: ReadonlyArray<{ keys: string[]; does: string }> = [
  { keys: ['/'], does: 'Search the inventory' },
  { keys: ['?'], does: 'Show these shortcuts' },
  { keys: ['Esc'], does: "Close a dialog or the key's panel" },
  { keys: ['↑', '↓'], does: 'Move between keys in the table' },
  { keys: ['Enter'], does: 'Open the selected key' },
  { keys: ['Tab'], does: 'First, the link that skips to the keys table' },
];

/** Where typing belongs to the field (a shortcut would steal a character). */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
}

function focusSearch(): boolean {
  const search = document.querySelector<HTMLInputElement>('input#search[type="search"]');
  if (!search || search.getClientRects().length === 0) {
    // Folded away at a narrow width: the Filters button opens it first.
    const toggle = document.querySelector<HTMLButtonElement>('.filters-toggle');
    if (search && toggle && toggle.getClientRects().length > 0) toggle.click();
    else return false;
  }
  requestAnimationFrame(() => {
    search?.focus();
    search?.select();
  });
  return true;
}

export function Shortcuts({ view }: { view: View }) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (document.querySelector('dialog[open]')) return;
      if (event.key === '?') {
        event.preventDefault();
        setOpen(true);
      } else if (event.key === '/') {
        event.preventDefault();
        if (view === 'inventory') {
          focusSearch();
          return;
        }
        window.location.hash = hrefFor('inventory');
        // The inventory renders on the hash change; its search box is there a frame later.
        const started = Date.now();
        const tryFocus = () => {
          if (!focusSearch() && Date.now() - started < 1000) requestAnimationFrame(tryFocus);
        };
        requestAnimationFrame(tryFocus);
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [view]);

  return open ? (
    <Dialog title="Keyboard shortcuts" onClose={() => setOpen(false)} className="shortcuts-dialog">
      <dl className="shortcuts">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.does} style={{ display: 'contents' }}>
            <dt>
              {shortcut.keys.map((key, index) => (
                <span key={key}>
                  {index > 0 && ' '}
                  <kbd>{key}</kbd>
                </span>
              ))}
            </dt>
            <dd>{shortcut.does}</dd>
          </div>
        ))}
      </dl>
      <div className="dialog-buttons">
        <button type="button" className="button primary" onClick={() => setOpen(false)} autoFocus>
          Close
        </button>
      </div>
    </Dialog>
  ) : null;
}

/** The first stop of Tab: past the top bar to the keys table (its current row), or to the view's heading. */
export function SkipLink({ view }: { view: View }) {
  return (
    <a
      className="skip-link"
      href="#page-heading"
      onClick={(event) => {
        event.preventDefault();
        const row = view === 'inventory' ? document.querySelector<HTMLElement>('[role="table"][aria-label="Keys"] [tabindex="0"]') : null;
        const target = row ?? document.querySelector<HTMLElement>(view === 'inventory' ? '[role="table"][aria-label="Keys"]' : '#page-heading');
        if (!target) return;
        if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
        target.focus();
      }}
    >
      {view === 'inventory' ? 'Skip to the keys table' : 'Skip to the content'}
    </a>
  );
}
