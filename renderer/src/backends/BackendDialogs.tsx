/**
 * The per-backend changes, each in a dialog: Set credential, Rotation policy, Replacement interval (CommBox) and
 * Remove. Each shows the engine's refusal as-is in place; on success the dialog closes and the backend's card
 * says what was done.
 */
import { useId, useRef, useState, type FormEvent } from 'react';
import type { BackendSummary } from '../../../shared/domain.js';
import { MAX_POLICY_DAYS } from '../../../shared/rules.js';
import { useBackends } from '../state/context.js';
import { actionKey, IDLE, type BackendActionKind } from '../state/backends-store.js';
import { Dialog, DialogButtons as Buttons, Field, focusFirstInvalid } from './controls.js';
import { parseDays, policyInWords, VENDORS } from './vendors.js';
import { IsolatedText } from '../lib/IsolatedText.js';

export type DialogKind = Exclude<BackendActionKind, 'add'>;

interface DialogProps {
  backend: BackendSummary;
  onClose: () => void;
}

/** An action's state, and how the dialog is left without doing it (a refusal shown in it is forgotten). */
function useAction(kind: DialogKind, name: string, onClose: () => void) {
  const state = useBackends((store) => store.actions[actionKey(kind, name)] ?? IDLE);
  const clear = useBackends((store) => store.clearAction);
  const cancel = () => {
    if (state.error) clear(kind, name);
    onClose();
  };
  return { state, cancel };
}

/** The engine's refusal, announced, and tied to what it refuses by id. */
function EngineError({ id, message }: { id: string; message: string | null }) {
  return (
    <p id={id} className="form-error" role="alert" hidden={!message}>
      {message && (
        <>
          <strong>Refused:</strong> <IsolatedText text={message} lines />
        </>
      )}
    </p>
  );
}

export function CredentialDialog({ backend, onClose }: DialogProps) {
  const vendor = VENDORS[backend.type];
  const setCredential = useBackends((store) => store.setCredential);
  const { state, cancel } = useAction('credential', backend.name, onClose);
  // The credential lives in this field only: typed once, sent once, never kept in a store nor shown again.
  const [credential, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const label = vendor.credentialLabel ?? 'Credential';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (state.busy) return;
    if (!credential) {
      setError(`Enter the ${label}.`);
      focusFirstInvalid(formRef.current);
      return;
    }
    setError(null);
    if (await setCredential(backend.name, credential)) return onClose();
    // Refused: the field is emptied for the next try, which starts there.
    setValue('');
    inputRef.current?.focus();
  };

  return (
    <Dialog title={`Set credential: ${backend.name}`} onClose={cancel}>
      <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate>
        <p className="dialog-text">
          Keywarden tests the new {label} at {vendor.label} first, then stores it encrypted. The old one stays in place unless the new one works. It is never shown again.
        </p>
        <Field
          ref={inputRef}
          label={label}
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={credential}
          onChange={(event) => setValue(event.target.value)}
          hint={vendor.credentialHint}
          error={error}
          describedBy={state.error ? errorId : undefined}
        />
        <EngineError id={errorId} message={state.error} />
        <Buttons busy={state.busy} submit="Test and save" busyText={`Testing at ${vendor.label}…`} onClose={cancel} describedBy={state.error ? errorId : undefined} />
      </form>
    </Dialog>
  );
}

export function PolicyDialog({ backend, onClose }: DialogProps) {
  const vendor = VENDORS[backend.type];
  const setPolicy = useBackends((store) => store.setPolicy);
  const { state, cancel } = useAction('policy', backend.name, onClose);
  const current = backend.rotateEveryDays;
  const isDefault = current === vendor.defaultPolicyDays;
  const [mode, setMode] = useState<'default' | 'days'>(isDefault ? 'default' : 'days');
  const [days, setDays] = useState(current !== null && !isDefault ? String(current) : '');
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (state.busy) return;
    let value: number | null = null;
    if (mode === 'days') {
      const parsed = parseDays(days);
      if ('error' in parsed) {
        setError(parsed.error);
        focusFirstInvalid(formRef.current);
        return;
      }
      value = parsed.days;
    }
    setError(null);
    if (await setPolicy(backend.name, value)) onClose();
  };

  return (
    <Dialog title={`Rotation policy: ${backend.name}`} onClose={cancel}>
      <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate>
        <p className="dialog-text">
          When a key without an expiry at the vendor is due for rotation: this many days after it was created. Keys with a vendor expiry are due on that date. Now:{' '}
          <strong>{policyInWords(backend.type, current)}</strong>.
        </p>
        <fieldset className="choices">
          <legend>Rotate keys</legend>
          <label className="choice">
            <input type="radio" name="policy-mode" checked={mode === 'default'} onChange={() => setMode('default')} />
            <span>Vendor default: {vendor.defaultPolicyWords}</span>
          </label>
          <label className="choice">
            <input type="radio" name="policy-mode" checked={mode === 'days'} onChange={() => setMode('days')} />
            <span>A number of days after creation</span>
          </label>
        </fieldset>
        {mode === 'days' && (
          <Field
            className="narrow"
            label="Days after creation"
            inputMode="numeric"
            value={days}
            onChange={(event) => setDays(event.target.value)}
            hint={`1 to ${MAX_POLICY_DAYS}.`}
            error={error}
            describedBy={state.error ? errorId : undefined}
          />
        )}
        <EngineError id={errorId} message={state.error} />
        <Buttons busy={state.busy} submit="Save policy" busyText="Saving…" onClose={cancel} describedBy={state.error ? errorId : undefined} />
      </form>
    </Dialog>
  );
}

export function IntervalDialog({ backend, onClose }: DialogProps) {
  const setIntervalDays = useBackends((store) => store.setInterval);
  const { state, cancel } = useAction('interval', backend.name, onClose);
  const [days, setDays] = useState('');
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (state.busy) return;
    const parsed = parseDays(days, 365);
    if ('error' in parsed) {
      setError(parsed.error);
      focusFirstInvalid(formRef.current);
      return;
    }
    setError(null);
    if (await setIntervalDays(backend.name, parsed.days)) onClose();
  };

  return (
    <Dialog title={`Replacement interval: ${backend.name}`} onClose={cancel}>
      <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate>
        <p className="dialog-text">
          This changes the interval <strong>at CommBox</strong>: the active key then expires this many days after it was created. If that moment has already passed, CommBox rotates the key at once
          (the old key keeps working for 30 days of grace). Keywarden syncs afterwards.
        </p>
        <Field
          className="narrow"
          label="Replacement interval in days"
          inputMode="numeric"
          value={days}
          onChange={(event) => setDays(event.target.value)}
          hint="1 to 365; CommBox’s default is 365."
          error={error}
          describedBy={state.error ? errorId : undefined}
        />
        <EngineError id={errorId} message={state.error} />
        <Buttons busy={state.busy} submit="Set at CommBox" busyText="Setting at CommBox…" onClose={cancel} describedBy={state.error ? errorId : undefined} />
      </form>
    </Dialog>
  );
}

export function RemoveDialog({ backend, onClose }: DialogProps) {
  const vendor = VENDORS[backend.type];
  const remove = useBackends((store) => store.remove);
  const { state, cancel } = useAction('remove', backend.name, onClose);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errorId = useId();
  const keys = `${backend.keyCount} ${backend.keyCount === 1 ? 'key' : 'keys'}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (state.busy) return;
    if (typed.trim() !== backend.name) {
      setError(`Type ${backend.name} to confirm.`);
      focusFirstInvalid(formRef.current);
      return;
    }
    setError(null);
    if (await remove(backend.name)) onClose();
  };

  return (
    <Dialog title={`Remove ${backend.name}?`} className="danger-dialog" onClose={cancel}>
      <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate>
        <p className="dialog-text">
          {backend.type === 'manual' ? (
            <>Keywarden forgets this manual backend: its {keys} and their stored secrets are removed from Keywarden. The keys themselves keep working wherever they are used.</>
          ) : (
            <>
              <strong>Nothing changes at {vendor.label}:</strong> no key is revoked or deleted there, and they keep working. Only Keywarden’s copy is removed: the cached inventory of {keys}, their
              cached secrets, and the stored {vendor.credentialLabel ?? 'credential'}.
            </>
          )}
        </p>
        <Field
          label={
            <>
              Type <strong className="mono">{backend.name}</strong> to confirm
            </>
          }
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          error={error}
          describedBy={state.error ? errorId : undefined}
        />
        <EngineError id={errorId} message={state.error} />
        <Buttons
          busy={state.busy}
          submit="Remove from Keywarden"
          busyText="Removing…"
          onClose={cancel}
          danger
          disabled={typed.trim() !== backend.name}
          describedBy={state.error ? errorId : undefined}
        />
      </form>
    </Dialog>
  );
}
