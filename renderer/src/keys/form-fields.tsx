/**
 * The pieces the key forms share (add and edit a manual key, describe a key): a labelled field whose hint and error
 * are tied to its control (aria-describedby, aria-invalid), tags as chips, and the engine's refusal put under the
 * field it names. The forms check nothing themselves: the engine's message is shown where it belongs.
 */
import { useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { IsolatedText } from '../lib/IsolatedText.js';
import './key-forms.css';

export { errorsFor } from './key-forms.js';

export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/** A label, its control (given the ids to use), the engine's error under it, then the hint. */
export function FormField({
  label,
  hint,
  error,
  className,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ');
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(described ? { 'aria-describedby': described } : {}), ...(error ? { 'aria-invalid': true as const } : {}) })}
      {error && (
        <p id={`${id}-error`} className="field-error error-text">
          <IsolatedText text={error} lines />
        </p>
      )}
      {hint && (
        <p id={`${id}-hint`} className="field-hint muted">
          {hint}
        </p>
      )}
    </div>
  );
}

/**
 * After a refusal, the field it is about takes the focus (else the form's message is read out by its alert role). A
 * control that cannot be invalid itself (a file chooser's button, the button that adds a column match) is marked
 * `data-refused` instead, with the refusal in its description.
 */
export function focusInvalid(form: HTMLElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"], [data-refused="true"]')?.focus());
}

/**
 * Tags as chips, each with its remove button, and a field that adds what is typed (Enter or Add). Nothing is checked
 * here: the engine says which tag it refuses, and why, when the form is saved.
 */
export function TagsInput({ tags, onChange, error, disabled }: { tags: readonly string[]; onChange: (tags: string[]) => void; error?: string | null; disabled?: boolean }) {
  const [typed, setTyped] = useState('');
  const id = useId();
  const add = () => {
    const tag = typed.trim();
    if (tag === '') return;
    if (!tags.includes(tag)) onChange([...tags, tag]);
    setTyped('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    // Enter adds the tag instead of submitting the whole form.
    if (event.key === 'Enter') {
      event.preventDefault();
      add();
    }
  };
  const described = [error ? `${id}-error` : null, `${id}-hint`].filter(Boolean).join(' ');
  return (
    <div className="field tags-field">
      <label htmlFor={id}>Tags</label>
      {tags.length > 0 && (
        <ul className="chips" aria-label="Chosen tags">
          {tags.map((tag) => (
            <li key={tag} className="chip">
              <IsolatedText text={tag} />
              <button type="button" className="chip-remove" aria-label={`Remove tag ${tag}`} onClick={() => onChange(tags.filter((other) => other !== tag))} disabled={disabled}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="inline-add">
        <input
          id={id}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          onKeyDown={onKeyDown}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={described}
          aria-invalid={error ? true : undefined}
          disabled={disabled}
        />
        <button type="button" className="button" onClick={add} disabled={disabled || typed.trim() === ''}>
          Add tag
        </button>
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error error-text">
          <IsolatedText text={error} lines />
        </p>
      )}
      <p id={`${id}-hint`} className="field-hint muted">
        One word each (e.g. prod, pci); Enter adds it.
      </p>
    </div>
  );
}

/** Said wherever notes are typed: they are stored, searched and exported as plain text. */
export const NOTES_HINT = 'Notes are not encrypted: never put a secret here.';

/**
 * The end of a key form: the engine's refusal that names no field ("Not added: …"), then Cancel and the submit
 * button, with what is under way said politely. Busy: aria-disabled, so the focus stays on the button.
 */
export function FormFooter({
  refusal,
  refusalLead,
  busy,
  busyText,
  submit,
  onCancel,
}: {
  refusal: string | null;
  refusalLead: string;
  busy: boolean;
  busyText: string;
  submit: string;
  onCancel: () => void;
}) {
  return (
    <>
      {refusal && (
        <p className="form-error" role="alert">
          <strong>{refusalLead}</strong> <IsolatedText text={refusal} lines />
        </p>
      )}
      <div className="modal-actions">
        <span className="muted" role="status" aria-live="polite">
          {busy ? busyText : ''}
        </span>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button primary" aria-disabled={busy || undefined} aria-busy={busy || undefined}>
          {submit}
        </button>
      </div>
    </>
  );
}
