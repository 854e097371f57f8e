/**
 * "Add key" for a manual backend (a vendor without an API): what `keywarden key add` asks, in one dialog. Name and
 * vendor; the created day and either an expiry day or a rotation interval; the secret (optional, a password field);
 * the HTTP test (optional); owner, environment, tags and notes. The engine checks all of it (`manual:add`) and its
 * refusal is shown under the field it names; nothing is added then.
 *
 * Days are typed as `YYYY-MM-DD` and sent as typed: the engine keeps a day as that calendar day in every time zone,
 * as the CLI does. The secret lives in this component's state until the request is sent, then is dropped.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Key, NewManualKeyInput } from '../../../shared/domain.js';
import { MAX_POLICY_DAYS } from '../../../shared/rules.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useKeyEdit } from '../state/key-edit-context.js';
import { focusInvalid, FormField, FormFooter, NOTES_HINT, TagsInput } from './form-fields.js';
import { errorsFor, wholeNumber, type DueMode } from './key-forms.js';
import { Modal } from './Modal.js';

const FIELDS = [
  'backend',
  'name',
  'vendor',
  'createdAt',
  'expiresAt',
  'rotateEveryDays',
  'secret',
  'testUrl',
  'testHeader',
  'testValue',
  'testExpectStatus',
  'owner',
  'environment',
  'tags',
  'notes',
] as const;

export function ManualKeyDialog({ backends, preselected, onClose, onAdded }: { backends: readonly string[]; preselected?: string; onClose: () => void; onAdded: (key: Key) => void }) {
  const id = useId();
  const request = useKeyEdit((state) => state.add);
  const addManualKey = useKeyEdit((state) => state.addManualKey);
  const resetForm = useKeyEdit((state) => state.resetForm);
  const [backend, setBackend] = useState(preselected && backends.includes(preselected) ? preselected : (backends[0] ?? ''));
  const [name, setName] = useState('');
  const [vendor, setVendor] = useState('');
  const [createdAt, setCreatedAt] = useState('');
  const [mode, setMode] = useState<DueMode>('expires');
  const [expiresAt, setExpiresAt] = useState('');
  const [interval, setIntervalDays] = useState('');
  const [secret, setSecret] = useState('');
  const [testUrl, setTestUrl] = useState('');
  const [testHeader, setTestHeader] = useState('Authorization');
  const [testValue, setTestValue] = useState('Bearer {secret}');
  const [testStatus, setTestStatus] = useState('200');
  const [allowPrivate, setAllowPrivate] = useState(false);
  const [owner, setOwner] = useState('');
  const [environment, setEnvironment] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [notes, setNotes] = useState('');
  /** What the form itself must ask for before anything is sent (a number where one is needed). */
  const [missing, setMissing] = useState<Record<string, string>>({});
  const nameInput = useRef<HTMLInputElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    resetForm('add');
    return () => resetForm('add');
  }, [resetForm]);

  const engine = errorsFor(request, FIELDS);
  const errors: Record<string, string> = { ...engine.byField, ...missing };
  const running = request.running;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (running) return;
    const days = wholeNumber(interval);
    const status = wholeNumber(testStatus);
    const asked: Record<string, string> = {};
    if (mode === 'interval' && days === null) asked.rotateEveryDays = `Enter the number of days, 1 to ${MAX_POLICY_DAYS}.`;
    if (testUrl.trim() && status === null) asked.testExpectStatus = 'Enter the HTTP status the test expects, e.g. 200.';
    setMissing(asked);
    if (Object.keys(asked).length > 0) {
      resetForm('add');
      focusInvalid(formRef.current);
      return;
    }
    const input: NewManualKeyInput = {
      name,
      vendor: vendor.trim() || null,
      createdAt: createdAt.trim() || null,
      expiresAt: mode === 'expires' ? expiresAt.trim() || null : null,
      rotateEveryDays: mode === 'interval' ? days : null,
      secret: secret === '' ? null : secret,
      description: { owner: owner.trim() || null, environment: environment.trim() || null, tags, notes: notes.trim() ? notes : null },
      test: testUrl.trim() ? { url: testUrl.trim(), header: testHeader.trim(), valueTemplate: testValue, expectStatus: status ?? 0, allowPrivateNetwork: allowPrivate } : null,
    };
    const key = await addManualKey(backend, input);
    if (key) {
      // The secret has gone to the engine: it leaves the page with the form.
      setSecret('');
      onAdded(key);
      return;
    }
    focusInvalid(formRef.current);
  };

  return (
    <Modal labelledBy={`${id}-title`} locked={running} onDismiss={onClose} initialFocus={nameInput} className="key-form-modal">
      <form ref={formRef} className="modal-body key-form" onSubmit={(event) => void submit(event)} noValidate>
        <h2 id={`${id}-title`} className="modal-title">
          Add key
        </h2>
        <p className="modal-sub muted">A key of a vendor without an API, recorded by hand: Keywarden reminds you of its dates and can test it.</p>

        {backends.length > 1 ? (
          <FormField label="Backend" error={errors.backend}>
            {(control) => (
              <select {...control} value={backend} onChange={(event) => setBackend(event.target.value)} disabled={running}>
                {backends.map((candidate) => (
                  <option key={candidate} value={candidate}>
                    {candidate}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        ) : (
          <p className="muted">
            Backend: <IsolatedText text={backend} />
          </p>
        )}

        <div className="form-columns">
          <FormField label="Name" error={errors.name} hint="As you call it, e.g. “Stripe prod”.">
            {(control) => <input ref={nameInput} {...control} value={name} onChange={(event) => setName(event.target.value)} maxLength={200} autoComplete="off" required disabled={running} />}
          </FormField>
          <FormField label="Vendor (optional)" error={errors.vendor} hint="Shown and searched, e.g. Stripe.">
            {(control) => <input {...control} value={vendor} onChange={(event) => setVendor(event.target.value)} maxLength={100} autoComplete="off" disabled={running} />}
          </FormField>
        </div>

        <fieldset className="form-group">
          <legend>Dates</legend>
          <FormField label="Created (optional)" className="date-field" error={errors.createdAt} hint="YYYY-MM-DD. Empty: today.">
            {(control) => (
              <input {...control} value={createdAt} onChange={(event) => setCreatedAt(event.target.value)} placeholder="YYYY-MM-DD" inputMode="numeric" autoComplete="off" disabled={running} />
            )}
          </FormField>
          <DueChoice
            mode={mode}
            setMode={setMode}
            expiresAt={expiresAt}
            setExpiresAt={setExpiresAt}
            interval={interval}
            setIntervalDays={setIntervalDays}
            errors={errors}
            disabled={running}
            noneLabel="Neither: the backend’s rotation policy decides"
          />
        </fieldset>

        <FormField label="Secret (optional)" error={errors.secret} hint="Stored encrypted; needed for Reveal, Copy and the test. Never shown in this form again.">
          {(control) => <input {...control} type="password" value={secret} onChange={(event) => setSecret(event.target.value)} autoComplete="new-password" spellCheck={false} disabled={running} />}
        </FormField>

        <fieldset className="form-group">
          <legend>HTTP test (optional)</legend>
          <p className="field-hint muted">Test sends one GET request with the secret in a header, and expects one status. Leave the URL empty for no test.</p>
          <FormField label="URL" error={errors.testUrl} hint="https:// only, e.g. https://api.vendor.example/v1/me">
            {(control) => <input {...control} type="url" value={testUrl} onChange={(event) => setTestUrl(event.target.value)} autoComplete="off" spellCheck={false} disabled={running} />}
          </FormField>
          <div className="form-columns">
            <FormField label="Header name" error={errors.testHeader}>
              {(control) => <input {...control} value={testHeader} onChange={(event) => setTestHeader(event.target.value)} autoComplete="off" spellCheck={false} disabled={running} />}
            </FormField>
            <FormField label="Header value" error={errors.testValue} hint="{secret} is where the key goes.">
              {(control) => (
                <input {...control} className="mono" value={testValue} onChange={(event) => setTestValue(event.target.value)} autoComplete="off" spellCheck={false} disabled={running} />
              )}
            </FormField>
          </div>
          <FormField label="Expected status" className="narrow" error={errors.testExpectStatus}>
            {(control) => <input {...control} inputMode="numeric" value={testStatus} onChange={(event) => setTestStatus(event.target.value)} autoComplete="off" disabled={running} />}
          </FormField>
          <label className="check">
            <input type="checkbox" checked={allowPrivate} onChange={(event) => setAllowPrivate(event.target.checked)} disabled={running} />
            <span>
              Allow a URL on this machine or the local network
              <span className="field-hint muted block">
                Off, the test refuses such addresses, so a changed DNS answer cannot send the key into your network. Turn it on only for a vendor you reach there on purpose.
              </span>
            </span>
          </label>
        </fieldset>

        <fieldset className="form-group">
          <legend>Description (optional)</legend>
          <div className="form-columns">
            <FormField label="Owner" error={errors.owner} hint="Who answers for it.">
              {(control) => <input {...control} value={owner} onChange={(event) => setOwner(event.target.value)} autoComplete="off" disabled={running} />}
            </FormField>
            <FormField label="Environment" error={errors.environment} hint="e.g. prod, staging.">
              {(control) => <input {...control} value={environment} onChange={(event) => setEnvironment(event.target.value)} autoComplete="off" disabled={running} />}
            </FormField>
          </div>
          <TagsInput tags={tags} onChange={setTags} error={errors.tags ?? null} disabled={running} />
          <FormField label="Notes" error={errors.notes} hint={NOTES_HINT}>
            {(control) => <textarea {...control} rows={3} value={notes} onChange={(event) => setNotes(event.target.value)} disabled={running} />}
          </FormField>
        </fieldset>

        <FormFooter refusal={engine.general ?? null} refusalLead="Not added:" busy={running} busyText="Adding…" submit="Add key" onCancel={onClose} />
      </form>
    </Modal>
  );
}

/** Expires on a day, or rotates every N days, or neither: one of them, as the engine allows. */
export function DueChoice({
  mode,
  setMode,
  expiresAt,
  setExpiresAt,
  interval,
  setIntervalDays,
  errors,
  disabled,
  noneLabel,
}: {
  mode: DueMode;
  setMode: (mode: DueMode) => void;
  expiresAt: string;
  setExpiresAt: (value: string) => void;
  interval: string;
  setIntervalDays: (value: string) => void;
  errors: Record<string, string>;
  disabled: boolean;
  noneLabel: string;
}) {
  const name = useId();
  return (
    <div className="due-choice" role="radiogroup" aria-label="When it is due">
      <label className="check">
        <input type="radio" name={name} checked={mode === 'expires'} onChange={() => setMode('expires')} disabled={disabled} />
        <span>Expires on a day</span>
      </label>
      {mode === 'expires' && (
        <FormField label="Expiry date" className="date-field indented" error={errors.expiresAt} hint="YYYY-MM-DD: it is due that day wherever it is read.">
          {(control) => (
            <input {...control} value={expiresAt} onChange={(event) => setExpiresAt(event.target.value)} placeholder="YYYY-MM-DD" inputMode="numeric" autoComplete="off" disabled={disabled} />
          )}
        </FormField>
      )}
      <label className="check">
        <input type="radio" name={name} checked={mode === 'interval'} onChange={() => setMode('interval')} disabled={disabled} />
        <span>Rotate every … days</span>
      </label>
      {mode === 'interval' && (
        <FormField label="Rotation interval in days" className="narrow indented" error={errors.rotateEveryDays} hint="Counted from the created day.">
          {(control) => <input {...control} value={interval} onChange={(event) => setIntervalDays(event.target.value)} inputMode="numeric" autoComplete="off" disabled={disabled} />}
        </FormField>
      )}
      <label className="check">
        <input type="radio" name={name} checked={mode === 'none'} onChange={() => setMode('none')} disabled={disabled} />
        <span>{noneLabel}</span>
      </label>
      {mode === 'none' && errors.expiresAt && <p className="field-error error-text">{errors.expiresAt}</p>}
    </div>
  );
}
