/**
 * Saved views of the inventory (shared/views.ts): one JSON list in the store's meta table, so views live in the data
 * folder (every face sees the same ones, a backup holds them) without a table of their own. Every write reads,
 * checks and writes the list in one transaction: two consoles saving at once both keep their view, and input that is
 * refused changes nothing. Views are the administrator's way of looking at the inventory, not a change to a key or a
 * backend: like the window's place, they are not audited.
 *
 * Writes check with the zod schema (loaded on first use); `viewQuery`, what `keywarden list --view` asks for, reads
 * without zod, checking only what it uses, so a script listing a view every minute does not load a schema library.
 */
import type { KeyFilter, BackendType, KeySortField, KeyStatus } from '../../../shared/domain.js';
import { BACKEND_NAME_PATTERN, BACKEND_TYPES, KEY_SORT_FIELDS, KEY_STATUSES, MAX_SEARCH_CHARS, SAVED_VIEW_LIMITS, sameViewName, viewNameProblem } from '../../../shared/rules.js';
import { parseSearch } from '../../../shared/search-query.js';
import type { SavedView, SavedViewInput, SaveViewOptions } from '../../../shared/views.js';
import { KeywardenError } from '../errors.js';
import type { EngineContext } from './context.js';

/** Where the views live: one JSON record of the meta table, a list of views. */
const VIEWS_META = 'inventory-views';

/** What `keywarden list --view` applies: the view's filters and its sort. */
export interface ViewQuery {
  filter: KeyFilter & { vendor?: BackendType; overdue?: boolean };
  sort: { field: KeySortField; direction: 'asc' | 'desc' };
}

export class SavedViewWorkflows {
  constructor(private readonly ctx: EngineContext) {}

  /** The saved views, by name; a stored view this version cannot read (a newer one wrote it) is left out. */
  async list(): Promise<SavedView[]> {
    const { SavedView: schema } = await import('../../../shared/views.js');
    const views: SavedView[] = [];
    for (const entry of this.stored()) {
      const parsed = schema.safeParse(entry);
      if (parsed.success) views.push(parsed.data);
    }
    return views.sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
  }

  /**
   * Saves a view under its name (trimmed). A view of that name (in any case) is replaced only with `overwrite`, else
   * refused with `conflict`; a new one is refused past SAVED_VIEW_LIMITS.views. Answers every view, as `list` does.
   */
  async save(input: SavedViewInput, options: SaveViewOptions = {}): Promise<SavedView[]> {
    const view = await this.checked(input);
    this.ctx.store.transaction(() => {
      const entries = this.stored();
      const index = this.indexOf(entries, view.name);
      if (index >= 0 && !options.overwrite) {
        throw new KeywardenError('conflict', `a view named "${nameOf(entries[index]) ?? view.name}" exists already: replace it, or choose another name`, { field: 'name' });
      }
      if (index < 0 && entries.length >= SAVED_VIEW_LIMITS.views) {
        throw new KeywardenError('invalid_input', `Keywarden keeps at most ${SAVED_VIEW_LIMITS.views} saved views: delete one you no longer use first`, { field: 'name' });
      }
      if (index >= 0) entries[index] = view;
      else entries.push(view);
      this.write(entries);
    });
    return this.list();
  }

  /** Renames a view; the new name follows the rules of a new one, and may not be another view's. */
  async rename(from: string, to: string): Promise<SavedView[]> {
    const problem = viewNameProblem(to);
    if (problem) throw new KeywardenError('invalid_input', problem, { field: 'name' });
    const name = to.trim();
    this.ctx.store.transaction(() => {
      const entries = this.stored();
      const index = this.requireIndex(entries, from);
      const taken = this.indexOf(entries, name);
      if (taken >= 0 && taken !== index) throw new KeywardenError('conflict', `a view named "${nameOf(entries[taken])}" exists already: choose another name`, { field: 'name' });
      entries[index] = { ...(entries[index] as object), name };
      this.write(entries);
    });
    return this.list();
  }

  async remove(name: string): Promise<SavedView[]> {
    this.ctx.store.transaction(() => {
      const entries = this.stored();
      entries.splice(this.requireIndex(entries, name), 1);
      this.write(entries);
    });
    return this.list();
  }

  /**
   * The filters and sort of the view named `name` (in any case), for `keywarden list --view`. Read without zod: each
   * part it uses is checked here, and a view this version cannot read is refused in words, never half applied.
   */
  viewQuery(name: string): ViewQuery {
    const entries = this.stored();
    const entry = entries[this.requireIndex(entries, name)] as { name: string; query?: unknown; sort?: unknown };
    const unreadable = (what: string) =>
      new KeywardenError('invalid_input', `the saved view "${entry.name}" cannot be read by this version of Keywarden (${what}): save it again in the console`, { view: entry.name });
    const query = entry.query;
    if (typeof query !== 'object' || query === null || Array.isArray(query)) throw unreadable('no filters');
    const filter: ViewQuery['filter'] = {};
    for (const [field, value] of Object.entries(query)) {
      if (field === 'search' && typeof value === 'string' && value.length <= MAX_SEARCH_CHARS && parseSearch(value).ok) filter.search = value;
      else if (field === 'status' && (KEY_STATUSES as readonly unknown[]).includes(value)) filter.status = value as KeyStatus;
      else if (field === 'vendor' && (BACKEND_TYPES as readonly unknown[]).includes(value)) filter.vendor = value as BackendType;
      else if (field === 'backend' && typeof value === 'string' && BACKEND_NAME_PATTERN.test(value)) filter.backend = value;
      else if (field === 'overdue' && typeof value === 'boolean') filter.overdue = value;
      else if (field === 'dueWithinDays' && Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 36_500) filter.dueWithinDays = value as number;
      else throw unreadable(`its filter "${field}"`);
    }
    const sort = entry.sort as { field?: unknown; direction?: unknown } | null | undefined;
    if (!sort || !(KEY_SORT_FIELDS as readonly unknown[]).includes(sort.field) || (sort.direction !== 'asc' && sort.direction !== 'desc')) throw unreadable('its sort');
    return { filter, sort: { field: sort.field as KeySortField, direction: sort.direction } };
  }

  /** The view checked against the schema, its name trimmed and an empty search dropped; refusals name the field. */
  private async checked(input: SavedViewInput): Promise<SavedView> {
    const { SavedView: schema } = await import('../../../shared/views.js');
    const given: unknown = typeof input?.name === 'string' ? { ...input, name: input.name.trim() } : input;
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'view';
      const message = issue?.message ?? 'invalid';
      throw new KeywardenError('invalid_input', field === 'name' ? message : `the view's ${field} is not valid: ${message}`, { field });
    }
    const view = parsed.data;
    const search = view.query.search?.trim();
    if (search) {
      const read = parseSearch(search);
      if (!read.ok) throw new KeywardenError('invalid_input', `the view's search cannot be read: ${read.error}`, { field: 'query.search' });
    }
    const { search: _search, ...filters } = view.query;
    return { ...view, query: search ? { search, ...filters } : filters };
  }

  /** The list as stored, each entry as written (one this version cannot read is kept as it is by every write). */
  private stored(): unknown[] {
    const text = this.ctx.store.meta.get(VIEWS_META);
    if (text === null) return [];
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? value : [];
    } catch {
      return [];
    }
  }

  private write(entries: readonly unknown[]): void {
    this.ctx.store.meta.set(VIEWS_META, JSON.stringify(entries));
  }

  private indexOf(entries: readonly unknown[], name: string): number {
    return entries.findIndex((entry) => {
      const stored = nameOf(entry);
      return stored !== null && sameViewName(stored, name);
    });
  }

  private requireIndex(entries: readonly unknown[], name: string): number {
    const index = this.indexOf(entries, name);
    if (index >= 0) return index;
    const names = entries
      .map(nameOf)
      .filter((stored): stored is string => stored !== null)
      .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
    throw new KeywardenError(
      'not_found',
      names.length === 0
        ? `no saved view "${name.trim()}": there are no saved views yet (save one in the console: Views, then "Save as new view")`
        : `no saved view "${name.trim()}"; the saved views are: ${names.map((stored) => `"${stored}"`).join(', ')}`,
      { view: name.trim() },
    );
  }
}

function nameOf(entry: unknown): string | null {
  const name = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : null;
}
