/**
 * "Edit dates" of a manual key (`manual:edit`): its created day, and either an expiry day, a rotation interval, or
 * neither (no expiry: the backend's rotation policy decides). Only what changed is sent; the engine checks it and its
 * refusal is shown under the field it names. Days are typed `YYYY-MM-DD`, kept by the engine as that calendar day.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Key } from '../../../shared/domain.js';
import { dayInput } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useKeyEdit } from '../state/key-edit-context.js';
import { focusInvalid, FormField, FormFooter } from './form-fields.js';
import { datesChange, errorsFor, type DueMode } from './key-forms.js';
import { DueChoice } from './ManualKeyDialog.js';
import { Modal } from './Modal.js';

const FIELDS = ['createdAt', 'expiresAt', 'rotateEveryDays'] as const;

export function EditDatesDialog({ keyRow, rotateEveryDays, onClose }: { keyRow: Key; rotateEveryDays: number | null; onClose: () => void }) {
  const id = useId();
  const request = useKeyEdit((state) => state.edit);
  const editManualKey = useKeyEdit((state) => state.editManualKey);
  const resetForm = useKeyEdit((state) => state.resetForm);
  const before: { createdAt: string; mode: DueMode; expiresAt: string; interval: number | null } = {
    createdAt: dayInput(keyRow.createdAt),
    mode: keyRow.expiresAt ? 'expires' : rotateEveryDays !== null ? 'interval' : 'none',
    expiresAt: dayInput(keyRow.expiresAt),
    interval: rotateEveryDays,
  };
  const [createdAt, setCreatedAt] = useState(before.createdAt);
  const [mode, setMode] = useState<DueMode>(before.mode);
  const [expiresAt, setExpiresAt] = useState(before.expiresAt);
  const [interval, setIntervalDays] = useState(rotateEveryDays === null ? '' : String(rotateEveryDays));
  const [missing, setMissing] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);
  const firstInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    resetForm('edit');
    return () => resetForm('edit');
  }, [resetForm]);

  const engine = errorsFor(request.ref === keyRow.ref ? request : { error: null, field: null }, FIELDS);
  const errors: Record<string, string> = { ...engine.byField, ...missing };
  const running = request.running;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (running) return;
    const decided = datesChange(before, { createdAt, mode, expiresAt, interval });
    if ('error' in decided) {
      resetForm('edit');
      setMissing({ [decided.field]: decided.error });
      focusInvalid(formRef.current);
      return;
    }
    setMissing({});
    if (Object.keys(decided.changes).length === 0) {
      onClose();
      return;
    }
    if (await editManualKey(keyRow.ref, decided.changes)) onClose();
    else focusInvalid(formRef.current);
  };

  return (
    <Modal labelledBy={`${id}-title`} locked={running} onDismiss={onClose} initialFocus={firstInput} className="key-form-modal">
      <form ref={formRef} className="modal-body key-form" onSubmit={(event) => void submit(event)} noValidate>
        <h2 id={`${id}-title`} className="modal-title">
          Edit dates of <IsolatedText text={keyRow.name} />
        </h2>
        <p className="modal-sub muted">Its reminders follow at once. The secret and its test stay as they are.</p>
        <FormField label="Created" className="date-field" error={errors.createdAt} hint="YYYY-MM-DD.">
          {(control) => (
            <input
              ref={firstInput}
              {...control}
              value={createdAt}
              onChange={(event) => setCreatedAt(event.target.value)}
              placeholder="YYYY-MM-DD"
              inputMode="numeric"
              autoComplete="off"
              disabled={running}
            />
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
          noneLabel="No expiry: the backend’s rotation policy decides"
        />
        <FormFooter refusal={engine.general ?? null} refusalLead="Not saved:" busy={running} busyText="Saving…" submit="Save dates" onCancel={onClose} />
      </form>
    </Modal>
  );
}
