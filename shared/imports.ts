/**
 * Imports of an existing inventory (KeePass, Bitwarden, 1Password, a spreadsheet): the formats, the field names a
 * CSV column can be mapped to, and the report a preview or an import answers with. The report crosses the CLI's
 * --json and the console's contract, so it is declared here; it carries names, dates and reasons, never a secret.
 * Also the console's way in: a file staged in the engine's memory chunk by chunk, then previewed and imported.
 */
import { z } from 'zod';
import { BackendName } from './domain.js';

export const IMPORT_FORMATS = ['kdbx', 'keepass-xml', 'bitwarden-json', 'bitwarden-sm-json', '1pux', 'csv'] as const;
export const ImportFormat = z.enum(IMPORT_FORMATS);
export type ImportFormat = z.infer<typeof ImportFormat>;

/** Each format as the console names it (and as the engine names it in a message meant for the console). */
export const IMPORT_FORMAT_LABELS: Readonly<Record<ImportFormat, string>> = {
  kdbx: 'KeePass database (.kdbx)',
  'keepass-xml': 'KeePass XML export',
  'bitwarden-json': 'Bitwarden export (.json)',
  'bitwarden-sm-json': 'Bitwarden Secrets Manager export (.json)',
  '1pux': '1Password export (.1pux)',
  csv: 'Spreadsheet (.csv)',
};

/** The largest source file read (64 MiB), by the CLI from a path and by the console from a staged file. */
export const MAX_IMPORT_FILE_BYTES = 64 * 1024 * 1024;
/** The largest KeePass key file read: real ones are a few hundred bytes. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

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
  /** A team home's import: the team its batches are written to (docs/team.md); null in a personal data folder. */
  team: z.string().nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

/**
 * The most one `import:stage` call carries (512 KiB of the file): its base64 text (under 700 KiB) fits the console's
 * 1 MiB request body with room, and a 64 MiB file takes 128 calls.
 */
export const IMPORT_CHUNK_BYTES = 512 * 1024;
/** A chunk's length as base64 text: the contract's bound on `data`. */
export const IMPORT_CHUNK_BASE64_CHARS = Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4;

/** A staged file's handle: 128 random bits, base64url, chosen by the engine. */
export const StagedFileId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a staged file id is the one import:stage answered');
export type StagedFileId = z.infer<typeof StagedFileId>;

/** What a staged file is for: the file to import, or a KeePass database's key file. */
export const StagedFileKind = z.enum(['source', 'key-file']);
export type StagedFileKind = z.infer<typeof StagedFileKind>;

const ChunkData = z.base64().max(IMPORT_CHUNK_BASE64_CHARS);

/**
 * One `import:stage` call: the first chunk of a file with its name (for the format), size and kind, which makes a
 * staged file; or the next chunk of one, at the offset the engine has received so far. The size is not bounded here:
 * the engine refuses a file over what it reads in its own words, and nothing is kept then.
 */
export const ImportStageChunk = z.union([
  z
    .object({
      name: z.string().min(1).max(255),
      kind: StagedFileKind,
      size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      data: ChunkData,
    })
    .strict(),
  z.object({ id: StagedFileId, offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), data: ChunkData }).strict(),
]);
export type ImportStageChunk = z.infer<typeof ImportStageChunk>;

/** A staged file as the engine holds it: how much has arrived, and (once whole) the format its content says. */
export const StagedImportFile = z.object({
  id: StagedFileId,
  kind: StagedFileKind,
  name: z.string(),
  size: z.number().int().nonnegative(),
  received: z.number().int().nonnegative(),
  complete: z.boolean(),
  /** The format the file's first bytes and name say (a source file, once complete); null when they say none. */
  detectedFormat: ImportFormat.nullable(),
});
export type StagedImportFile = z.infer<typeof StagedImportFile>;

/**
 * `import:preview` and `import:run`: a staged file read as `format` into the manual backend `backend` (made by the
 * import when `createBackend`), as `keywarden import` takes them. The password is used for that call only, kept nowhere.
 */
export const StagedImportRequest = z
  .object({
    file: StagedFileId,
    format: ImportFormat,
    backend: BackendName,
    createBackend: z.boolean().optional(),
    password: z.string().min(1).max(1024).optional(),
    keyFile: StagedFileId.optional(),
    /** CSV: `column=field`, as `--map` takes them. */
    map: z.array(z.string().min(1).max(300)).max(50).optional(),
    dateOrder: DateOrder.optional(),
    overwrite: z.boolean().optional(),
  })
  .strict();
export type StagedImportRequest = z.infer<typeof StagedImportRequest>;
