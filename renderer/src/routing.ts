/**
 * The console's routes live in the URL's hash (`#/backends`), because `keywarden ui` answers only `/` and the
 * files of the build, and the desktop window loads one file: a hash never reaches a server. A key is opened by
 * `#/inventory?key=<ref>` (what a reminder links to); the inventory opens it and takes it out of the hash.
 * `#/audit?key=<ref>` opens the audit trail filtered to that key (a key's history links to it). `#/backends?add`
 * opens the add form the same way.
 */
import { useSyncExternalStore } from 'react';

export const VIEWS = ['inventory', 'backends', 'reminders', 'health', 'audit', 'team', 'backups', 'vault', 'settings'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_TITLES: Record<View, string> = {
  inventory: 'Inventory',
  backends: 'Backends',
  reminders: 'Reminders',
  health: 'Health',
  audit: 'Audit trail',
  team: 'Team',
  backups: 'Backups',
  vault: 'Vault',
  settings: 'Settings',
};

export interface Route {
  view: View;
  /** A key to open in the inventory's detail panel, or to filter the audit trail by. */
  key: string | null;
  /** `#/backends?add`: the backends view opens its add form (the first run's "Add a backend"). */
  add: boolean;
}

/** Where the first run's "Add a backend" goes. */
export const ADD_BACKEND_HREF = '#/backends?add';

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const view = (VIEWS as readonly string[]).includes(path) ? (path as View) : 'inventory';
  const params = new URLSearchParams(query);
  const key = params.get('key');
  return { view, key: (view === 'inventory' || view === 'audit') && key ? key : null, add: view === 'backends' && params.has('add') };
}

export function hrefFor(view: View, key?: string): string {
  return `#/${view}${key ? `?key=${encodeURIComponent(key)}` : ''}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current route; components re-render when the hash changes. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseHash(hash);
}

/** Drops a handled `?key=` from the address without a new history entry (so Back does not reopen it). */
export function replaceRoute(view: View): void {
  const url = `${window.location.pathname}${window.location.search}${hrefFor(view)}`;
  window.history.replaceState(null, '', url);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
