/**
 * Imports of an existing inventory (KeePass, Bitwarden, 1Password, a spreadsheet): the formats, the field names a
 * CSV column can be mapped to, and the report a preview or an import answers with. The report crosses the CLI's
 * --json and the console's contract, so it is declared here; it carries names, dates and reasons, never a secret.
 */
import { z } from 'zod';

export const IMPORT_FORMATS = ['kdbx', 'keepass-xml', 'bitwarden-json', 'bitwarden-sm-json', '1pux', 'csv'] as const;
export const ImportFormat = z.enum(IMPORT_FORMATS);
export type ImportFormat = z.infer<typeof ImportFormat>;

/** What a CSV column can hold (`--map column=field`). */
export const IMPORT_FIELDS = ['name', 'vendor', 'expires', 'created', 'rotate-every', 'owner', 'environment', 'tags', 'notes', 'secret', 'url', 'group', 'ignore'] as const;
export const ImportField = z.enum(IMPORT_FIELDS);
export type ImportField = z.infer<typeof ImportField>;

/** In which order a day/month date (03/04/2027) is read: said by the file itself when some date has a part above 12, or given. */
export const DATE_ORDERS = ['day-month', 'month-day'] as const;
export const DateOrder = z.enum(DATE_ORDERS);
export type DateOrder = z.infer<typeof DateOrder>;

export const ImportAction = z.enum(['create', 'update', 'skip']);
export type ImportAction = z.infer<typeof ImportAction>;

export const ImportPlanItem = z.object({
  /** Where the entry is in the source: "row 4", "Vendors/Stripe prod". */
  source: z.string(),
  name: z.string(),
  action: ImportAction,
  /** Why it is skipped (or, for an update, what makes it one); null for a plain create. */
  reason: z.string().nullable(),
  /** The key it creates or updates (`backend/id`); null when skipped without one. */
  ref: z.string().nullable(),
  vendor: z.string().nullable(),
  createdAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  rotateEveryDays: z.number().int().nullable(),
  group: z.string().nullable(),
  owner: z.string().nullable(),
  environment: z.string().nullable(),
  tags: z.array(z.string()),
  /** Something read differently from the source, said so (a rotation interval dropped for an expiry). */
  warnings: z.array(z.string()),
});
export type ImportPlanItem = z.infer<typeof ImportPlanItem>;

export const ImportReport = z.object({
  format: ImportFormat,
  backend: z.string(),
  dryRun: z.boolean(),
  /** The backend does not exist yet and the import creates it (or, in a dry run, would). */
  createsBackend: z.boolean(),
  /** How day/month dates were read, and why; null when the source had none. */
  dateOrder: z.string().nullable(),
  counts: z.object({ entries: z.number().int(), created: z.number().int(), updated: z.number().int(), skipped: z.number().int() }),
  items: z.array(ImportPlanItem),
});
export type ImportReport = z.infer<typeof ImportReport>;
