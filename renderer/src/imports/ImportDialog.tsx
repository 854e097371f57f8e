/**
 * Import (the inventory's header): an existing inventory brought in, as `keywarden import` does, in three steps in
 * one dialog. Choose: the file (chosen or dropped; read by the engine, not kept), its format (the engine's suggestion,
 * changeable), the KeePass password and key file where the format needs them, the manual backend (an existing one, or
 * a new name the import creates), and the options. Preview: what each entry becomes, with the counts. Result: what was
 * imported. The engine decides and words everything; its refusal is shown under the field it names.
 *
 * The password lives in this component's state only (never the store's), is sent with the preview and the import, and
 * goes with the dialog.
 */
import { useEffect, useId, useRef, useState, type DragEvent, type FormEvent, type ReactNode, type RefObject } from 'react';
import { BACKEND_NAME_RULE } from '../../../shared/rules.js';
import { DATE_ORDERS, IMPORT_FIELDS, IMPORT_FORMAT_LABELS, IMPORT_FORMATS, type DateOrder, type ImportField, type ImportFormat, type ImportReport } from '../../../shared/imports.js';
import { FormField, focusInvalid } from '../keys/form-fields.js';
import { Modal } from '../keys/Modal.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { datesInText, plural } from '../lib/dates.js';
import type { ChosenFile, ImportOptions, ImportStore } from '../state/import-store.js';
import { useStore } from 'zustand';
import { ImportPlan } from './ImportPlan.js';
import './imports.css';

/** The choice in the backend list that asks for a new backend's name. */
const NEW_BACKEND = '\u0000new';

/** A new backend's suggested name per format (a manual backend named after where the keys came from). */
const SUGGESTED_BACKEND: Record<ImportFormat, string> = {
  kdbx: 'keepass',
  'keepass-xml': 'keepass',
  'bitwarden-json': 'bitwarden',
  'bitwarden-sm-json': 'secrets-manager',
  '1pux': '1password',
  csv: 'spreadsheet',
};

const DATE_ORDER_LABEL: Record<DateOrder, string> = { 'day-month': 'Day first: 31/12/2027', 'month-day': 'Month first: 12/31/2027' };

/** The dialog's fields, by the names the engine gives them in a refusal (`details.field`). */
const FIELDS = ['file', 'format', 'password', 'keyFile', 'backend', 'map', 'dateOrder'] as const;

interface ColumnMatch {
  column: string;
  field: ImportField;
}

export function ImportDialog({
  store,
  manualBackends,
  onClose,
  onShowKeys,
}: {
  store: ImportStore;
  manualBackends: readonly string[];
  onClose: () => void;
  /** After an import: the inventory filtered to the backend the keys went into. */
  onShowKeys: (backend: string) => void;
}) {
  const id = useId();
  const step = useStore(store, (state) => state.step);
  const busy = useStore(store, (state) => state.busy);
  const error = useStore(store, (state) => state.error);
  const preview = useStore(store, (state) => state.preview);
  const result = useStore(store, (state) => state.result);
  const importing = busy === 'import';
  const chooseButton = useRef<HTMLButtonElement>(null);

  // The password is typed here and sent with each call; it leaves the page with the dialog (this state).
  const [password, setPassword] = useState('');

  const close = () => {
    if (importing) return;
    void store.getState().discard();
    onClose();
  };

  return (
    <Modal labelledBy={`${id}-title`} locked={importing} onDismiss={close} className="import-modal" initialFocus={chooseButton}>
      {step === 'choose' && (
        <ChooseStep store={store} titleId={`${id}-title`} manualBackends={manualBackends} password={password} setPassword={setPassword} chooseButton={chooseButton} onCancel={close} />
      )}
      {step === 'preview' && preview && (
        <PreviewStep
          titleId={`${id}-title`}
          report={preview.report}
          fileName={store.getState().source?.name ?? ''}
          busy={importing}
          error={error?.message ?? null}
          onBack={() => store.getState().editOptions()}
          onCancel={close}
          onImport={() => void store.getState().runImport(password || null)}
        />
      )}
      {step === 'result' && result && (
        <ResultStep
          titleId={`${id}-title`}
          report={result}
          onShowKeys={() => {
            onShowKeys(result.backend);
            close();
          }}
          onDone={close}
        />
      )}
    </Modal>
  );
}

function ChooseStep({
  store,
  titleId,
  manualBackends,
  password,
  setPassword,
  chooseButton,
  onCancel,
}: {
  store: ImportStore;
  titleId: string;
  manualBackends: readonly string[];
  password: string;
  setPassword: (password: string) => void;
  chooseButton: RefObject<HTMLButtonElement | null>;
  onCancel: () => void;
}) {
  const source = useStore(store, (state) => state.source);
  const keyFile = useStore(store, (state) => state.keyFile);
  const busy = useStore(store, (state) => state.busy);
  const error = useStore(store, (state) => state.error);
  const previous = useStore(store, (state) => state.preview?.options ?? null);
  const formRef = useRef<HTMLFormElement>(null);
  const previewButton = useRef<HTMLButtonElement>(null);

  const [format, setFormat] = useState<ImportFormat | ''>(previous?.format ?? '');
  const [backendChoice, setBackendChoice] = useState(previous ? (previous.createBackend ? NEW_BACKEND : previous.backend) : (manualBackends[0] ?? NEW_BACKEND));
  const [newBackend, setNewBackend] = useState(previous?.createBackend ? previous.backend : '');
  const [dateOrder, setDateOrder] = useState<DateOrder | ''>(previous?.dateOrder ?? '');
  const [overwrite, setOverwrite] = useState(previous?.overwrite ?? false);
  const [matches, setMatches] = useState<ColumnMatch[]>(previous?.map.map(parseMatch) ?? []);
  const [missing, setMissing] = useState<Record<string, string>>({});

  // Back from the plan (or refused by the import): the focus goes where the form is sent from again.
  useEffect(() => {
    if (previous || store.getState().error) previewButton.current?.focus();
  }, [previous, store]);

  // The format the engine suggests, once the file has arrived (until the administrator picked one).
  const detected = source?.detectedFormat ?? null;
  const [formatTouched, setFormatTouched] = useState(previous !== null);
  useEffect(() => {
    if (detected && !formatTouched) setFormat(detected);
  }, [detected, formatTouched]);
  // A new backend is named after where the keys come from, until the administrator types a name.
  const [nameTouched, setNameTouched] = useState(Boolean(previous?.createBackend));
  useEffect(() => {
    if (!nameTouched && format) setNewBackend(uniqueName(SUGGESTED_BACKEND[format], manualBackends));
  }, [format, nameTouched, manualBackends]);

  const engine: Record<string, string> = {};
  let general: string | null = null;
  if (error) {
    if (error.field && (FIELDS as readonly string[]).includes(error.field)) engine[error.field] = error.message;
    else general = error.message;
  }
  const errors: Record<string, string> = { ...engine, ...missing };
  const staging = busy === 'staging';
  const working = busy !== null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (working) return;
    const asked: Record<string, string> = {};
    if (!source) asked.file = 'Choose the file to import, or drop it here.';
    if (!format) asked.format = 'Choose the format of the file.';
    const creating = backendChoice === NEW_BACKEND;
    if (creating && !newBackend.trim()) asked.backend = 'Type a name for the new backend.';
    if (format === 'csv' && matches.some((match) => !match.column.trim())) asked.map = 'Type the name of each column you match, as in the file’s first row.';
    setMissing(asked);
    if (Object.keys(asked).length > 0 || !format) {
      focusInvalid(formRef.current);
      return;
    }
    const options: ImportOptions = {
      format,
      backend: creating ? newBackend.trim() : backendChoice,
      createBackend: creating,
      map: format === 'csv' ? matches.map((match) => `${match.column.trim()}=${match.field}`) : [],
      dateOrder: dateOrder || null,
      overwrite,
    };
    if (!(await store.getState().previewImport(options, format === 'kdbx' ? password : null))) focusInvalid(formRef.current);
  };

  const choose = (kind: 'source' | 'key-file', file: File | null) => {
    setMissing({});
    if (kind === 'source') setFormatTouched(false);
    void store.getState().chooseFile(kind, file);
  };

  return (
    <form ref={formRef} className="modal-body key-form import-form" onSubmit={(event) => void submit(event)} noValidate>
      <h2 id={titleId} className="modal-title">
        Import keys
      </h2>
      <p className="modal-sub muted">
        From a KeePass database or XML export, a Bitwarden or 1Password export, or a spreadsheet, into a manual backend. Keywarden reads the file here and keeps none of it but the keys; the
        preview comes first and changes nothing.
      </p>

      <FileDrop
        label="File"
        file={source}
        error={errors.file ?? null}
        busy={staging && source !== null && source.stagedId === null}
        buttonRef={chooseButton}
        onChoose={(file) => choose('source', file)}
        hint="KeePass (.kdbx, .xml), Bitwarden (.json), 1Password (.1pux) or CSV, up to 64 MiB."
        drop
      />

      <FormField label="Format" error={errors.format} hint={detected && format === detected ? 'As the file’s content suggests; change it if it is wrong.' : undefined}>
        {(control) => (
          <select
            {...control}
            value={format}
            onChange={(event) => {
              setFormatTouched(true);
              setFormat(event.target.value as ImportFormat);
            }}
            disabled={working}
          >
            {!format && <option value="">Choose the file’s format</option>}
            {IMPORT_FORMATS.map((candidate) => (
              <option key={candidate} value={candidate}>
                {IMPORT_FORMAT_LABELS[candidate]}
              </option>
            ))}
          </select>
        )}
      </FormField>

      {format === 'kdbx' && (
        <fieldset className="form-group">
          <legend>Opening the database</legend>
          <FormField label="Database password" error={errors.password} hint="Used to open the database for this import; not stored.">
            {(control) => <input {...control} type="password" value={password} onChange={(event) => setPassword(event.target.value)} autoComplete="off" spellCheck={false} disabled={working} />}
          </FormField>
          <FileDrop
            label="Key file (optional)"
            file={keyFile}
            error={errors.keyFile ?? null}
            busy={false}
            onChoose={(file) => choose('key-file', file)}
            hint="Only if the database needs one besides its password."
          />
        </fieldset>
      )}

      <div className="form-columns">
        <FormField label="Into the manual backend" error={backendChoice === NEW_BACKEND ? undefined : errors.backend}>
          {(control) => (
            <select {...control} value={backendChoice} onChange={(event) => setBackendChoice(event.target.value)} disabled={working}>
              {manualBackends.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
              <option value={NEW_BACKEND}>New backend…</option>
            </select>
          )}
        </FormField>
        {backendChoice === NEW_BACKEND && (
          <FormField label="New backend’s name" error={errors.backend} hint={`The import creates it; ${BACKEND_NAME_RULE}.`}>
            {(control) => (
              <input
                {...control}
                value={newBackend}
                onChange={(event) => {
                  setNameTouched(true);
                  setNewBackend(event.target.value);
                }}
                autoComplete="off"
                spellCheck={false}
                disabled={working}
              />
            )}
          </FormField>
        )}
      </div>

      <details className="import-options" open={Boolean(errors.map || errors.dateOrder || matches.length > 0 || dateOrder || overwrite) || undefined}>
        <summary>More options</summary>
        <div className="import-options-body">
          <FormField
            label="Dates like 03/04/2027"
            error={errors.dateOrder}
            hint="Read as the file says (a date such as 31/12 decides); where nothing says, such dates are refused until you choose."
          >
            {(control) => (
              <select {...control} value={dateOrder} onChange={(event) => setDateOrder(event.target.value as DateOrder | '')} disabled={working}>
                <option value="">As the file says</option>
                {DATE_ORDERS.map((order) => (
                  <option key={order} value={order}>
                    {DATE_ORDER_LABEL[order]}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <label className="check">
            <input type="checkbox" checked={overwrite} onChange={(event) => setOverwrite(event.target.checked)} disabled={working} />
            <span>
              Replace keys edited in Keywarden
              <span className="field-hint muted block">Off, a key changed here since the last import of this file is left as it is, and the preview says so.</span>
            </span>
          </label>
          {format === 'csv' && <ColumnMatches matches={matches} setMatches={setMatches} error={errors.map ?? null} disabled={working} />}
        </div>
      </details>

      {general && (
        <p className="form-error" role="alert">
          <strong>{error?.during === 'import' ? 'Not imported:' : error?.during === 'staging' ? 'The file was not read:' : 'Not previewed:'}</strong> <IsolatedText text={general} lines />
        </p>
      )}
      <div className="modal-actions">
        <span className="muted" role="status" aria-live="polite">
          {busy === 'preview' ? 'Reading the file…' : staging ? stagingText(source) : ''}
        </span>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button ref={previewButton} type="submit" className="button primary" aria-disabled={working || undefined} aria-busy={busy === 'preview' || undefined}>
          Preview
        </button>
      </div>
    </form>
  );
}

/** A file chooser: a button that opens the system's, and (for the file to import) a zone a file can be dropped on. */
function FileDrop({
  label,
  file,
  error,
  busy,
  hint,
  drop = false,
  buttonRef,
  onChoose,
}: {
  label: string;
  file: ChosenFile | null;
  error: string | null;
  busy: boolean;
  hint: string;
  drop?: boolean;
  buttonRef?: RefObject<HTMLButtonElement | null>;
  onChoose: (file: File | null) => void;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const described = [error ? `${id}-error` : null, `${id}-hint`].filter(Boolean).join(' ');
  const dropHandlers = drop
    ? {
        onDragOver: (event: DragEvent<HTMLDivElement>) => {
          if (!event.dataTransfer.types.includes('Files')) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setOver(true);
        },
        onDragLeave: () => setOver(false),
        onDrop: (event: DragEvent<HTMLDivElement>) => {
          event.preventDefault();
          setOver(false);
          const dropped = event.dataTransfer.files[0];
          if (dropped) onChoose(dropped);
        },
      }
    : {};
  return (
    <div className="field">
      <span className="field-label" id={`${id}-label`}>
        {label}
      </span>
      <div className={`file-drop${drop ? ' droppable' : ''}${over ? ' over' : ''}${error ? ' invalid' : ''}`} {...dropHandlers}>
        <input
          ref={input}
          type="file"
          hidden
          aria-labelledby={`${id}-label`}
          onChange={(event) => {
            onChoose(event.target.files?.[0] ?? null);
            // The same file chosen again (after a change on disk) is a new choice.
            event.target.value = '';
          }}
        />
        {file ? (
          <span className="file-chosen">
            <IsolatedText text={file.name} className="file-name" /> <span className="muted">{sizeInWords(file.size)}</span>
          </span>
        ) : (
          drop && <span className="muted">Drop the file here, or</span>
        )}
        <button
          ref={buttonRef}
          type="button"
          className="button"
          aria-describedby={described}
          data-refused={error ? true : undefined}
          aria-label={file ? `${label}: ${file.name}. Choose another` : undefined}
          onClick={() => input.current?.click()}
        >
          {file ? 'Choose another…' : 'Choose file…'}
        </button>
        {file && !drop && (
          <button type="button" className="button subtle" onClick={() => onChoose(null)}>
            Remove
          </button>
        )}
        {busy && file && (
          <progress className="file-progress" max={file.size || 1} value={file.received} aria-label={`Sending ${file.name} to Keywarden`}>
            {Math.round((file.received / (file.size || 1)) * 100)}%
          </progress>
        )}
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error error-text">
          <IsolatedText text={error} lines />
        </p>
      )}
      <p id={`${id}-hint`} className="field-hint muted">
        {hint}
      </p>
    </div>
  );
}

/** CSV: say what a column holds when its header is not recognised (`--map` of the CLI). */
function ColumnMatches({ matches, setMatches, error, disabled }: { matches: ColumnMatch[]; setMatches: (matches: ColumnMatch[]) => void; error: string | null; disabled: boolean }) {
  const id = useId();
  const change = (index: number, change: Partial<ColumnMatch>) => setMatches(matches.map((match, at) => (at === index ? { ...match, ...change } : match)));
  return (
    <fieldset className="form-group column-matches" aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}>
      <legend>Column matches</legend>
      <p id={`${id}-hint`} className="field-hint muted">
        Columns are recognised by their header (Name, Expires, Secret, Owner…). Where a header is not, say what its column holds.
      </p>
      {matches.map((match, index) => (
        <div key={index} className="column-match">
          <FormField label={`Column ${index + 1}`}>
            {(control) => (
              <input
                {...control}
                value={match.column}
                onChange={(event) => change(index, { column: event.target.value })}
                placeholder="As in the file’s first row"
                autoComplete="off"
                spellCheck={false}
                disabled={disabled}
              />
            )}
          </FormField>
          <FormField label="holds">
            {(control) => (
              <select {...control} value={match.field} onChange={(event) => change(index, { field: event.target.value as ImportField })} disabled={disabled}>
                {IMPORT_FIELDS.map((field) => (
                  <option key={field} value={field}>
                    {field}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <button
            type="button"
            className="button subtle"
            aria-label={`Remove the match of column ${index + 1}`}
            onClick={() => setMatches(matches.filter((_, at) => at !== index))}
            disabled={disabled}
          >
            Remove
          </button>
        </div>
      ))}
      {error && (
        <p id={`${id}-error`} className="field-error error-text">
          <IsolatedText text={error} lines />
        </p>
      )}
      <div>
        <button
          type="button"
          className="button"
          onClick={() => setMatches([...matches, { column: '', field: 'name' }])}
          disabled={disabled}
          aria-describedby={error ? `${id}-error` : undefined}
          data-refused={error ? true : undefined}
        >
          Match a column
        </button>
      </div>
    </fieldset>
  );
}

function PreviewStep({
  titleId,
  report,
  fileName,
  busy,
  error,
  onBack,
  onCancel,
  onImport,
}: {
  titleId: string;
  report: ImportReport;
  fileName: string;
  busy: boolean;
  error: string | null;
  onBack: () => void;
  onCancel: () => void;
  onImport: () => void;
}) {
  const { created, updated, entries } = report.counts;
  const writes = created + updated;
  const importButton = useRef<HTMLButtonElement>(null);
  const backButton = useRef<HTMLButtonElement>(null);
  // The plan replaced the form: the focus goes to what comes next (the import, or Back when there is nothing to import).
  useEffect(() => {
    (writes > 0 ? importButton : backButton).current?.focus();
  }, [writes]);
  return (
    <div className="modal-body import-form">
      <h2 id={titleId} className="modal-title">
        Import keys: preview
      </h2>
      <p className="modal-sub muted">Nothing has changed yet.</p>
      <Counts report={report}>
        {plural(entries, 'entry', 'entries')} in <IsolatedText text={fileName} />, into <IsolatedText text={report.backend} />
        {report.createsBackend ? ' (a new manual backend, created by the import)' : ''}:
      </Counts>
      {report.dateOrder && (
        <p className="muted">
          <IsolatedText text={datesInText(report.dateOrder)} />
        </p>
      )}
      {entries > 0 && <ImportPlan items={report.items} label="What each entry becomes" />}
      {error && (
        <p className="form-error" role="alert">
          <strong>Not imported:</strong> <IsolatedText text={error} lines />
        </p>
      )}
      <div className="modal-actions">
        <span className="muted" role="status" aria-live="polite">
          {busy ? 'Importing…' : ''}
        </span>
        <button ref={backButton} type="button" className="button" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button ref={importButton} type="button" className="button primary" onClick={onImport} disabled={writes === 0} aria-disabled={busy || undefined} aria-busy={busy || undefined}>
          {writes === 0 ? 'Nothing to import' : `Import ${plural(writes, 'key')}`}
        </button>
      </div>
    </div>
  );
}

function ResultStep({ titleId, report, onShowKeys, onDone }: { titleId: string; report: ImportReport; onShowKeys: () => void; onDone: () => void }) {
  const skippedItems = report.items.filter((item) => item.action === 'skip');
  const doneButton = useRef<HTMLButtonElement>(null);
  useEffect(() => doneButton.current?.focus(), []);
  return (
    <div className="modal-body import-form">
      <h2 id={titleId} className="modal-title">
        Imported
      </h2>
      <Counts report={report} done>
        Into <IsolatedText text={report.backend} />
        {report.createsBackend ? ' (created)' : ''}, from {plural(report.counts.entries, 'entry', 'entries')}:
      </Counts>
      {report.team ? (
        <p className="muted">
          Written to team <IsolatedText text={report.team} />, secrets sealed under the team key: the other members&apos; copies have these keys at their next pull. The file itself was not kept.
          The team&apos;s audit trail has each batch with its counts.
        </p>
      ) : (
        <p className="muted">Secrets are cached encrypted; the file itself was not kept. The audit trail has the import with its counts.</p>
      )}
      {skippedItems.length > 0 && <ImportPlan items={skippedItems} label="Entries skipped" />}
      <div className="modal-actions">
        <span />
        <button type="button" className="button" onClick={onShowKeys}>
          Show these keys
        </button>
        <button ref={doneButton} type="button" className="button primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function Counts({ report, done = false, children }: { report: ImportReport; done?: boolean; children: ReactNode }) {
  const { created, updated, skipped } = report.counts;
  return (
    <div className="import-counts" role="status">
      <p>{children}</p>
      <ul>
        <li>
          <strong>{created}</strong> {done ? 'created' : 'to create'}
        </li>
        <li>
          <strong>{updated}</strong> {done ? 'updated' : 'to update'}
        </li>
        <li>
          <strong>{skipped}</strong> {done ? 'skipped' : 'to skip'}
        </li>
      </ul>
    </div>
  );
}

function stagingText(file: ChosenFile | null): string {
  if (!file || file.size === 0) return 'Reading the file…';
  return `Sending the file to Keywarden: ${Math.floor((file.received / file.size) * 100)}%`;
}

function sizeInWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function parseMatch(option: string): ColumnMatch {
  const equals = option.lastIndexOf('=');
  return { column: option.slice(0, equals), field: option.slice(equals + 1) as ImportField };
}

/** `base`, or `base-2`, `base-3`… when a manual backend already has that name (the import would go into it). */
function uniqueName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let index = 2; ; index++) if (!taken.includes(`${base}-${index}`)) return `${base}-${index}`;
}
