/**
 * A key's description in its detail panel (any key: Keywarden's own record, never sent to a vendor): owner,
 * environment, tags and notes at rest, and Edit / Save / Cancel through `key:describe`. The engine checks what is
 * typed and its refusal is shown under the field it names. Escape in the form cancels the edit, not the panel.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Key } from '../../../shared/domain.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useKeyEdit } from '../state/key-edit-context.js';
import { errorsFor, focusInvalid, FormField, NOTES_HINT, TagsInput } from './form-fields.js';

const FIELDS = ['owner', 'environment', 'tags', 'notes'] as const;

export function DescriptionSection({ keyRow }: { keyRow: Key }) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const described = keyRow.owner !== null || keyRow.environment !== null || keyRow.tags.length > 0 || keyRow.notes !== null;
  const close = () => {
    setEditing(false);
    requestAnimationFrame(() => editButton.current?.focus());
  };
  return (
    <section className="key-section" aria-labelledby="describe-heading">
      <div className="key-section-head">
        <h3 id="describe-heading">Description</h3>
        {!editing && (
          <button ref={editButton} type="button" className="button" onClick={() => setEditing(true)}>
            Edit description
          </button>
        )}
      </div>
      {editing ? (
        <DescribeForm keyRow={keyRow} onDone={close} />
      ) : described ? (
        <dl className="facts">
          <div>
            <dt>Owner</dt>
            <dd>{keyRow.owner === null ? <span className="muted">—</span> : <IsolatedText text={keyRow.owner} />}</dd>
          </div>
          <div>
            <dt>Environment</dt>
            <dd>{keyRow.environment === null ? <span className="muted">—</span> : <IsolatedText text={keyRow.environment} />}</dd>
          </div>
          <div>
            <dt>Tags</dt>
            <dd>
              {keyRow.tags.length === 0 ? (
                <span className="muted">—</span>
              ) : (
                <ul className="chips" aria-label="Tags">
                  {keyRow.tags.map((tag) => (
                    <li key={tag} className="chip static">
                      <IsolatedText text={tag} />
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </div>
          {keyRow.notes !== null && (
            <div>
              <dt>Notes</dt>
              <dd>
                <p className="notes-text">
                  <IsolatedText text={keyRow.notes} lines />
                </p>
              </dd>
            </div>
          )}
        </dl>
      ) : (
        <p className="muted action-note">No owner, environment, tags or notes yet.</p>
      )}
    </section>
  );
}

function DescribeForm({ keyRow, onDone }: { keyRow: Key; onDone: () => void }) {
  const request = useKeyEdit((state) => state.describe);
  const describeKey = useKeyEdit((state) => state.describeKey);
  const resetForm = useKeyEdit((state) => state.resetForm);
  const [owner, setOwner] = useState(keyRow.owner ?? '');
  const [environment, setEnvironment] = useState(keyRow.environment ?? '');
  const [tags, setTags] = useState<string[]>(keyRow.tags);
  const [notes, setNotes] = useState(keyRow.notes ?? '');
  const formRef = useRef<HTMLFormElement>(null);
  const ownerInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    resetForm('describe');
    ownerInput.current?.focus();
    return () => resetForm('describe');
  }, [resetForm]);

  const engine = errorsFor(request.ref === keyRow.ref ? request : { error: null, field: null }, FIELDS);
  const running = request.running;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (running) return;
    // Empty means none; the engine trims and checks the rest.
    const saved = await describeKey(keyRow.ref, { owner: owner.trim() || null, environment: environment.trim() || null, tags, notes: notes.trim() ? notes : null });
    if (saved) onDone();
    else focusInvalid(formRef.current);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key !== 'Escape' || running) return;
    // The edit is what Escape ends here; the panel stays open.
    event.preventDefault();
    event.stopPropagation();
    onDone();
  };

  return (
    <form ref={formRef} className="describe-form" onSubmit={(event) => void submit(event)} onKeyDown={onKeyDown} noValidate aria-label="Edit description">
      <FormField label="Owner" error={engine.byField.owner} hint="Who answers for this key.">
        {(control) => <input ref={ownerInput} {...control} value={owner} onChange={(event) => setOwner(event.target.value)} autoComplete="off" disabled={running} />}
      </FormField>
      <FormField label="Environment" error={engine.byField.environment} hint="e.g. prod, staging.">
        {(control) => <input {...control} value={environment} onChange={(event) => setEnvironment(event.target.value)} autoComplete="off" disabled={running} />}
      </FormField>
      <TagsInput tags={tags} onChange={setTags} error={engine.byField.tags ?? null} disabled={running} />
      <FormField label="Notes" error={engine.byField.notes} hint={<strong>{NOTES_HINT}</strong>}>
        {(control) => <textarea {...control} rows={4} value={notes} onChange={(event) => setNotes(event.target.value)} disabled={running} />}
      </FormField>
      {engine.general && (
        <p className="form-error" role="alert">
          <strong>Not saved:</strong> <IsolatedText text={engine.general} lines />
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" aria-disabled={running || undefined} aria-busy={running || undefined}>
          {running ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button" onClick={onDone} disabled={running}>
          Cancel
        </button>
      </div>
    </form>
  );
}
