/**
 * The console's way to hand the engine a file to import: the page reads the file the administrator chose and sends it
 * in chunks (`import:stage`), which this staging area holds in memory until the import runs, is discarded, or expires.
 * A staged file is never written anywhere (no copy of the source exists on disk), never logged, and its buffer is
 * zeroed when it is dropped. Bounded: each file by what the CLI reads from a path (64 MiB, 1 MiB for a key file), a
 * few files at once and a total, each for ten minutes after its last chunk.
 *
 * What a reader makes of the bytes (JavaScript strings of a CSV's cells, kdbxweb's copy of a database) is not this
 * module's: those are dropped with the reader's result and left to the garbage collector.
 */
import { randomBytes } from 'node:crypto';
import {
  IMPORT_CHUNK_BYTES,
  MAX_IMPORT_FILE_BYTES,
  MAX_KEY_FILE_BYTES,
  type ImportStageChunk,
  type ImportReport,
  type StagedFileKind,
  type StagedImportFile,
  type StagedImportRequest,
} from '../../../shared/imports.js';
import { KeywardenError } from '../errors.js';
import { detectImportFormat } from './detect.js';
import { importError } from './entry.js';
import type { ImportRequest } from './workflow.js';
import { CONSOLE_WORDS } from './words.js';

export interface StagingLimits {
  maxSourceBytes: number;
  maxKeyFileBytes: number;
  /** Files held at once: a source and its key file, and one more (a second tab, a file chosen again). */
  maxFiles: number;
  /** All staged files together. */
  maxTotalBytes: number;
  /** How long a staged file is kept after its last chunk or use. */
  ttlMs: number;
}

export const STAGING_LIMITS: StagingLimits = {
  maxSourceBytes: MAX_IMPORT_FILE_BYTES,
  maxKeyFileBytes: MAX_KEY_FILE_BYTES,
  maxFiles: 4,
  maxTotalBytes: 2 * MAX_IMPORT_FILE_BYTES,
  ttlMs: 10 * 60_000,
};

interface StagedFile {
  id: string;
  kind: StagedFileKind;
  name: string;
  bytes: Buffer;
  received: number;
  expiresAt: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** Imports reading it now: it is dropped when the last one is done, never under a reader. */
  users: number;
  /** Dropped (discarded, expired) while in use: zeroed when the last user is done. */
  dropWanted: boolean;
}

export class ImportStaging {
  private readonly files = new Map<string, StagedFile>();

  constructor(
    private readonly limits: StagingLimits = STAGING_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts a staged file with its first chunk, or adds the next chunk; what has arrived so far. */
  stage(chunk: ImportStageChunk): StagedImportFile {
    this.dropExpired();
    const data = Buffer.from(chunk.data, 'base64');
    try {
      if (data.length > IMPORT_CHUNK_BYTES) throw new KeywardenError('invalid_input', `a chunk carries at most ${IMPORT_CHUNK_BYTES} bytes of the file`);
      const file = 'id' in chunk ? this.require(chunk.id, null) : this.open(chunk.name, chunk.kind, chunk.size);
      const offset = 'id' in chunk ? chunk.offset : 0;
      if (offset !== file.received) {
        throw new KeywardenError('conflict', `the chunk starts at byte ${offset}, but ${file.received} bytes of the file have arrived: send the file again from its start`);
      }
      if (file.received + data.length > file.bytes.length) {
        this.drop(file.id);
        throw new KeywardenError('invalid_input', `more bytes arrived than the file's size (${file.bytes.length}); nothing was kept: send the file again`);
      }
      data.copy(file.bytes, file.received);
      file.received += data.length;
      this.touch(file);
      return this.describe(file);
    } finally {
      // The decoded chunk was copied into the staged buffer; this copy of it goes now.
      data.fill(0);
    }
  }

  /** What is known of a staged file (not its bytes). */
  private describe(file: StagedFile): StagedImportFile {
    const complete = file.received === file.bytes.length;
    return {
      id: file.id,
      kind: file.kind,
      name: file.name,
      size: file.bytes.length,
      received: file.received,
      complete,
      detectedFormat: complete && file.kind === 'source' ? detectImportFormat(file.name, file.bytes) : null,
    };
  }

  /**
   * Runs `use` with the complete bytes of the staged files named (a source and its key file): neither is dropped
   * while it runs, whatever expires or is discarded meanwhile; with `dropAfter`, both go once it is done.
   */
  async withFiles<T>(ids: { source: string; keyFile: string | null }, dropAfter: boolean, use: (source: Buffer, keyFile: Buffer | null) => Promise<T>): Promise<T> {
    this.dropExpired();
    const source = this.requireComplete(ids.source, 'source');
    const keyFile = ids.keyFile ? this.requireComplete(ids.keyFile, 'key-file') : null;
    const held = keyFile ? [source, keyFile] : [source];
    for (const file of held) {
      file.users += 1;
      if (dropAfter) file.dropWanted = true;
    }
    try {
      return await use(source.bytes, keyFile?.bytes ?? null);
    } finally {
      for (const file of held) {
        file.users -= 1;
        if (file.dropWanted) this.drop(file.id);
        else this.touch(file);
      }
    }
  }

  /** Drops a staged file (zeroing its bytes), now or, if an import is reading it, when that import is done. */
  drop(id: string): void {
    const file = this.files.get(id);
    if (!file) return;
    if (file.users > 0) {
      file.dropWanted = true;
      return;
    }
    if (file.timer) clearTimeout(file.timer);
    file.bytes.fill(0);
    this.files.delete(id);
  }

  /** Drops every staged file (the engine closing). */
  clear(): void {
    for (const id of [...this.files.keys()]) this.drop(id);
  }

  /** How many files and bytes are staged (for the tests and the limits). */
  held(): { files: number; bytes: number } {
    let bytes = 0;
    for (const file of this.files.values()) bytes += file.bytes.length;
    return { files: this.files.size, bytes };
  }

  private open(name: string, kind: StagedFileKind, size: number): StagedFile {
    const max = kind === 'key-file' ? this.limits.maxKeyFileBytes : this.limits.maxSourceBytes;
    if (size > max) {
      throw importError('import_too_large', `the ${what(kind)} is ${inMiB(size)}, over the ${inMiB(max)} Keywarden reads; is it the right file? Nothing was kept`, {
        field: kind === 'key-file' ? 'keyFile' : 'file',
      });
    }
    const held = this.held();
    if (held.files >= this.limits.maxFiles || held.bytes + size > this.limits.maxTotalBytes) {
      throw new KeywardenError(
        'conflict',
        `other imports hold ${held.files === 1 ? 'a staged file' : `${held.files} staged files`} (${inMiB(held.bytes)}): finish or cancel them, or wait ten minutes for them to expire`,
        { field: kind === 'key-file' ? 'keyFile' : 'file' },
      );
    }
    const id = randomBytes(16).toString('base64url');
    const file: StagedFile = { id, kind, name, bytes: Buffer.alloc(size), received: 0, expiresAt: 0, timer: null, users: 0, dropWanted: false };
    this.files.set(id, file);
    this.touch(file);
    return file;
  }

  /** Pushes a file's expiry ten minutes on; the timer drops it then even if nothing else is ever called. */
  private touch(file: StagedFile): void {
    if (file.timer) clearTimeout(file.timer);
    file.expiresAt = this.clock() + this.limits.ttlMs;
    file.timer = setTimeout(() => this.drop(file.id), this.limits.ttlMs);
    // A staged file must not keep a process (a test, the CLI's console) alive.
    file.timer.unref();
  }

  private dropExpired(): void {
    const now = this.clock();
    for (const file of [...this.files.values()]) if (now >= file.expiresAt) this.drop(file.id);
  }

  /** The staged file `id` (of `kind`, when the caller expects one: a refusal then names that field). */
  private require(id: string, kind: StagedFileKind | null): StagedFile {
    const file = this.files.get(id);
    if (!file || file.dropWanted) {
      throw new KeywardenError('not_found', `the ${what(kind ?? 'source')} is no longer held (it was imported, cancelled, or left for more than ten minutes): choose it again`, {
        field: kind === 'key-file' ? 'keyFile' : 'file',
      });
    }
    return file;
  }

  private requireComplete(id: string, kind: StagedFileKind): StagedFile {
    const file = this.require(id, kind);
    const field = kind === 'key-file' ? 'keyFile' : 'file';
    if (file.kind !== kind) throw new KeywardenError('invalid_input', `that staged file is a ${file.kind === 'key-file' ? 'key file' : 'file to import'}`, { field });
    if (file.received !== file.bytes.length) {
      throw new KeywardenError('invalid_input', `only ${file.received} of the ${what(kind)}'s ${file.bytes.length} bytes have arrived: send the rest first`, { field });
    }
    return file;
  }
}

function what(kind: StagedFileKind): string {
  return kind === 'key-file' ? 'key file' : 'file';
}

/** A size in MiB to a tenth, rounded up: a file a byte over 64 MiB reads as 64.1 MiB, never as the limit itself. */
function inMiB(bytes: number): string {
  const tenths = Math.ceil((bytes / 1024 / 1024) * 10) / 10;
  return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)} MiB`;
}

/** Where the console shows a refusal of the file itself: under the file (a wrong password under the password). */
const FIELD_OF_CODE: Partial<Record<string, string>> = {
  import_wrong_password: 'password',
  import_malformed: 'file',
  import_unsupported: 'file',
  import_too_large: 'file',
};

/**
 * `import:preview` (a dry run) and `import:run` on staged files: the engine's one import workflow (`run`, the same as
 * `keywarden import`), given the staged bytes and the console's words; a refusal names the field it is about
 * (`details.field`). After a run, whatever its outcome, the staged files are dropped: a file that was imported is
 * not kept, and one that failed is chosen again (the page still has it).
 */
export async function importStaged(staging: ImportStaging, request: StagedImportRequest, dryRun: boolean, run: (request: ImportRequest) => Promise<ImportReport>): Promise<ImportReport> {
  const { file, keyFile, ...options } = request;
  try {
    return await staging.withFiles({ source: file, keyFile: keyFile ?? null }, !dryRun, (bytes, keyFileBytes) => run({ ...options, bytes, keyFile: keyFileBytes, dryRun, words: CONSOLE_WORDS }));
  } catch (error) {
    const field = error instanceof KeywardenError && error.details.field === undefined ? FIELD_OF_CODE[error.code] : undefined;
    if (error instanceof KeywardenError && field) throw new KeywardenError(error.code, error.message, { ...error.details, field }, { cause: error });
    throw error;
  }
}
