/**
 * The small pieces the backends view's forms share: a modal dialog (the console's one `Modal`: focus moves
 * in, stays in, Escape closes, and focus goes back to the button that opened it), and a labelled field whose hint
 * and error are tied to it with aria-describedby.
 */
import { useId, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';
import { Modal } from '../keys/Modal.js';

/** A form dialog with its title: the console's one Modal (focus in, kept in, Escape closes, focus back to the opener). */
export function Dialog({ title, onClose, children, className }: { title: string; onClose: () => void; children: ReactNode; className?: string }) {
  const titleId = useId();
  return (
    // The opener may be gone (a removed backend's card): then the page's heading takes the focus.
    <Modal baseClass="dialog" labelledBy={titleId} onDismiss={onClose} returnFocus={() => document.getElementById('page-heading')} {...(className ? { className } : {})}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </Modal>
  );
}

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null | undefined;
  /** Further elements that describe the field (e.g. the engine's refusal). */
  describedBy?: string | undefined;
  ref?: Ref<HTMLInputElement>;
}

export function Field({ label, hint, error, describedBy, ref, className, ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [error ? errorId : null, hint ? hintId : null, describedBy ?? null].filter(Boolean).join(' ');
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input ref={ref} id={id} aria-describedby={described || undefined} aria-invalid={error ? true : undefined} {...input} />
      {error && (
        <p id={errorId} className="field-error error-text">
          {error}
        </p>
      )}
      {hint && (
        <p id={hintId} className="field-hint muted">
          {hint}
        </p>
      )}
    </div>
  );
}

/** After a submit with mistakes, the first field that has one takes the focus. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}

/** A dialog's Cancel and submit buttons; while busy the submit is aria-disabled (not disabled), so focus stays on it. */
export function DialogButtons({
  busy,
  submit,
  busyText,
  onClose,
  describedBy,
  danger,
  disabled,
}: {
  busy: boolean;
  submit: string;
  busyText: string;
  onClose: () => void;
  describedBy?: string;
  danger?: boolean;
  disabled?: boolean;
}) {
  return (
    <div className="dialog-buttons">
      <button type="button" className="button" onClick={onClose}>
        Cancel
      </button>
      {/* Busy: aria-disabled, not disabled, so the focus stays on the button while the engine answers. */}
      <button
        type="submit"
        className={danger ? 'button danger-solid' : 'button primary'}
        disabled={disabled}
        aria-disabled={busy || undefined}
        aria-busy={busy || undefined}
        aria-describedby={describedBy}
      >
        {busy ? busyText : submit}
      </button>
    </div>
  );
}
