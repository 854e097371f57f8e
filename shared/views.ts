/**
 * Saved views of the inventory: a search, filters, a sort and the table's columns under a name, kept by the engine in
 * the data folder (one record of the meta table: `electron/core/workflows/saved-views.ts`), so a view is the same in
 * the desktop window and in any browser, goes into every backup, and `keywarden list --view NAME` lists its keys.
 *
 * The query is the engine's own (`InventoryQuery`'s filters), not the console's widgets: what the CLI applies is
 * exactly what the console asked for. Bounds live in `rules.ts` (zod-free, for the CLI's hot path).
 */
import { z } from 'zod';
import { InventoryQuery, KeySortField } from './domain.js';
import { INVENTORY_COLUMNS, SAVED_VIEW_LIMITS, viewNameProblem } from './rules.js';

/** A saved view's name: 1 to 60 characters once trimmed, nothing invisible, not "All keys" (`viewNameProblem`). */
export const ViewName = z
  .string()
  .max(SAVED_VIEW_LIMITS.name * 4)
  .superRefine((name, context) => {
    const problem = viewNameProblem(name);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/**
 * The name of a view that exists, to rename or delete it: only bounded, so a view stored under a name an older version
 * allowed can still be removed.
 */
export const StoredViewName = z
  .string()
  .min(1)
  .max(SAVED_VIEW_LIMITS.name * 4);

export const InventoryColumn = z.enum(INVENTORY_COLUMNS);

/** The filters of a view: the inventory query's, without its sort and page. */
export const ViewQuery = InventoryQuery.omit({ sort: true, offset: true, limit: true });
export type ViewQuery = z.infer<typeof ViewQuery>;

export const ViewSort = z.object({ field: KeySortField, direction: z.enum(['asc', 'desc']) }).strict();
export type ViewSort = z.infer<typeof ViewSort>;

export const SavedView = z
  .object({
    name: ViewName,
    query: ViewQuery,
    sort: ViewSort,
    /** The optional columns the view shows, each once (their order on screen is the table's). */
    columns: z
      .array(InventoryColumn)
      .max(INVENTORY_COLUMNS.length)
      .refine((columns) => new Set(columns).size === columns.length, 'list each column once'),
  })
  .strict();
export type SavedView = z.infer<typeof SavedView>;

/**
 * A view as `views:save` takes it: its name only bounded, so the engine judges it and says what is wrong in words, under
 * the name's field (the contract's own refusal would read as a schema's).
 */
export const SavedViewInput = SavedView.extend({ name: StoredViewName });
export type SavedViewInput = z.infer<typeof SavedViewInput>;

/** How `views:save` treats a view of the same name: refused (`conflict`) unless `overwrite`. */
export const SaveViewOptions = z.object({ overwrite: z.boolean().optional() }).strict();
export type SaveViewOptions = z.infer<typeof SaveViewOptions>;
