/**
 * The inventory's Import dialog: a file the administrator chose (or dropped) is read here, a chunk at a time, and sent
 * to the engine's memory with `import:stage` (never uploaded anywhere else; the engine holds it until the import, a
 * discard or ten idle minutes); `import:preview` says what each entry becomes, `import:run` imports it. Like every
 * store it calls only the ContractClient it was created with.
 *
 * The engine decides everything (the format's reader, the plan, the refusals); nothing is checked here but what the
 * form needs to build a request. A refusal is kept with the field it names (`details.field`) to be shown under it.
 *
 * Secrets: the KeePass password passes through `preview`'s and `run`'s argument to the engine, once per call; it is
 * never put in the state. The chosen files stay in this store's closure (the page needs them to stage again after a
 * run, which drops the engine's copy, or after the staged copy expired), never in the state.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import { type DateOrder, IMPORT_CHUNK_BYTES, type ImportFormat, type ImportReport, type StagedFileKind, type StagedImportRequest } from '../../../shared/imports.js';
import { fieldOf } from './key-edit-store.js';
import { messageOf } from './inventory-store.js';

/** A file chosen in the dialog, as far as it has reached the engine. */
export interface ChosenFile {
  name: string;
  size: number;
  /** The engine's handle once staged (null until then, and again after a run dropped it). */
  stagedId: string | null;
  /** Bytes the engine has received, for the progress of a large file. */
  received: number;
  /** The format the engine says the file's content suggests (the source file only). */
  detectedFormat: ImportFormat | null;
}

/** What the dialog asks besides the files: as `keywarden import` takes them, without the password. */
export interface ImportOptions {
  format: ImportFormat;
  backend: string;
  createBackend: boolean;
  /** CSV: `column=field` matches. */
  map: string[];
  dateOrder: DateOrder | null;
  overwrite: boolean;
}

export type ImportStep = 'choose' | 'preview' | 'result';

export interface ImportState {
  step: ImportStep;
  source: ChosenFile | null;
  keyFile: ChosenFile | null;
  /** What is under way: a file being sent, a preview, the import. */
  busy: 'staging' | 'preview' | 'import' | null;
  /** The last preview's plan, and the options it was made with (the import uses exactly these). */
  preview: { report: ImportReport; options: ImportOptions } | null;
  result: ImportReport | null;
  /** The engine's refusal, with the field it names (null: the dialog as a whole) and what it refused. */
  error: { message: string; field: string | null; during: 'staging' | 'preview' | 'import' } | null;

  /** Chooses (or clears, with null) the file to import or the key file; it is sent to the engine at once. */
  chooseFile: (kind: StagedFileKind, file: File | null) => Promise<void>;
  /** Asks what the import would do; true when the plan came back (the dialog then shows it). */
  previewImport: (options: ImportOptions, password: string | null) => Promise<boolean>;
  /** Imports with the options of the preview shown; true when done (the dialog then shows the result). */
  runImport: (password: string | null) => Promise<boolean>;
  /** Back from the plan to the options, to change something. */
  editOptions: () => void;
  /** Drops the engine's staged copies (the dialog is closing). */
  discard: () => Promise<void>;
}

export type ImportStore = StoreApi<ImportState>;

/** Bytes as base64, without a data URL's prefix (btoa over code units, 32 KiB at a time to stay within call limits). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  return btoa(binary);
}

/** The request for `import:preview` and `import:run` from the options and what is staged. */
export function stagedRequest(options: ImportOptions, sourceId: string, keyFileId: string | null, password: string | null): StagedImportRequest {
  return {
    file: sourceId,
    format: options.format,
    backend: options.backend,
    createBackend: options.createBackend,
    ...(keyFileId && options.format === 'kdbx' ? { keyFile: keyFileId } : {}),
    ...(password && options.format === 'kdbx' ? { password } : {}),
    ...(options.map.length > 0 && options.format === 'csv' ? { map: options.map } : {}),
    ...(options.dateOrder ? { dateOrder: options.dateOrder } : {}),
    ...(options.overwrite ? { overwrite: true } : {}),
  };
}

export function createImportStore(client: ContractClient): ImportStore {
  /** The files themselves, to send again when the engine no longer holds them. */
  const files: Record<StagedFileKind, File | null> = { source: null, 'key-file': null };
  /** A newer choice of the same kind wins over a send still under way. */
  const generation: Record<StagedFileKind, number> = { source: 0, 'key-file': 0 };
  const slot = (kind: StagedFileKind): 'source' | 'keyFile' => (kind === 'source' ? 'source' : 'keyFile');

  return createStore<ImportState>()((set, get) => {
    const forget = (id: string | null | undefined) => {
      // The engine drops it after ten idle minutes anyway: a lost discard costs nothing.
      if (id) void client['import:discard'](id).catch(() => undefined);
    };

    /** Sends the chosen file of `kind` to the engine; its staged id, or null when a newer choice replaced it. */
    const stage = async (kind: StagedFileKind): Promise<string | null> => {
      const file = files[kind];
      const mine = generation[kind];
      if (!file) return null;
      let id: string | null = null;
      let received = 0;
      do {
        const chunk = new Uint8Array(await file.slice(received, received + IMPORT_CHUNK_BYTES).arrayBuffer());
        const data = toBase64(chunk);
        chunk.fill(0);
        const answer = await client['import:stage'](id ? { id, offset: received, data } : { name: file.name, kind, size: file.size, data });
        if (generation[kind] !== mine) {
          forget(answer.id);
          return null;
        }
        ({ id, received } = answer);
        set({ [slot(kind)]: { name: file.name, size: file.size, stagedId: answer.complete ? id : null, received, detectedFormat: answer.detectedFormat } });
        if (answer.complete) return id;
      } while (received < file.size);
      return id;
    };

    /** The staged id of `kind`, sending the file again when the engine no longer holds it. */
    const staged = async (kind: StagedFileKind): Promise<string | null> => get()[slot(kind)]?.stagedId ?? (await stage(kind));

    /** Marks both files as no longer held by the engine (a run dropped them, or one expired). */
    const unstaged = () =>
      set((state) => ({
        source: state.source ? { ...state.source, stagedId: null } : null,
        keyFile: state.keyFile ? { ...state.keyFile, stagedId: null } : null,
      }));

    const request = async (options: ImportOptions, password: string | null): Promise<StagedImportRequest | null> => {
      const sourceId = await staged('source');
      if (!sourceId) return null;
      const keyFileId = options.format === 'kdbx' && files['key-file'] ? await staged('key-file') : null;
      return stagedRequest(options, sourceId, keyFileId, password);
    };

    const refused = (error: unknown, during: 'staging' | 'preview' | 'import') => set({ busy: null, error: { message: messageOf(error), field: fieldOf(error), during } });
    /** The staged copy expired (or another tab's run took it): the file is sent again, once. */
    const expired = (error: unknown) => (error as { code?: unknown }).code === 'not_found' && ['file', 'keyFile'].includes(fieldOf(error) ?? '');

    return {
      step: 'choose',
      source: null,
      keyFile: null,
      busy: null,
      preview: null,
      result: null,
      error: null,

      async chooseFile(kind, file) {
        const key = slot(kind);
        forget(get()[key]?.stagedId);
        files[kind] = file;
        generation[kind] += 1;
        set({ [key]: file ? { name: file.name, size: file.size, stagedId: null, received: 0, detectedFormat: null } : null, error: null, preview: null, step: 'choose' });
        if (!file) return;
        set({ busy: 'staging' });
        try {
          await stage(kind);
          if (files[kind] === file) set({ busy: null });
        } catch (error) {
          if (files[kind] === file) refused(error, 'staging');
        }
      },

      async previewImport(options, password) {
        if (get().busy) return false;
        set({ busy: 'preview', error: null });
        for (let attempt = 0; ; attempt++) {
          try {
            const args = await request(options, password);
            if (!args) {
              set({ busy: null });
              return false;
            }
            const report = await client['import:preview'](args);
            set({ busy: null, step: 'preview', preview: { report, options } });
            return true;
          } catch (error) {
            if (attempt === 0 && expired(error)) {
              unstaged();
              continue;
            }
            refused(error, 'preview');
            return false;
          }
        }
      },

      async runImport(password) {
        const preview = get().preview;
        if (get().busy || !preview) return false;
        set({ busy: 'import', error: null });
        try {
          const args = await request(preview.options, password);
          if (!args) {
            set({ busy: null });
            return false;
          }
          const result = await client['import:run'](args);
          set({ busy: null, step: 'result', result });
          return true;
        } catch (error) {
          // The plan may no longer hold (a refusal, or the file changed): the options again, with the refusal.
          set({ step: 'choose', preview: null });
          refused(error, 'import');
          return false;
        } finally {
          // A run drops the engine's copies, whatever its outcome.
          unstaged();
        }
      },

      editOptions() {
        if (!get().busy) set({ step: 'choose', preview: null, error: null });
      },

      async discard() {
        generation.source += 1;
        generation['key-file'] += 1;
        forget(get().source?.stagedId);
        forget(get().keyFile?.stagedId);
        files.source = null;
        files['key-file'] = null;
        unstaged();
      },
    };
  });
}
