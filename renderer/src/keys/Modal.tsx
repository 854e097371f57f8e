import { useEffect, useRef, type KeyboardEvent, type ReactNode, type RefObject, type SyntheticEvent } from 'react';
import './keys.css';

interface ModalProps {
  /** The id of the dialog's heading (its accessible name). */
  labelledBy: string;
  describedBy?: string;
  /**
   * While true nothing dismisses it: not Escape, not any other close request. For a shown-once secret not yet
   * copied or stored, and while a request that changes a key is in flight (its outcome must be seen).
   */
  locked?: boolean;
  /** Escape (a close request) when not locked; the owner unmounts the dialog. */
  onDismiss: () => void;
  /** Focused when the dialog opens; else the browser picks the first focusable control. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** Where focus goes when the dialog closes and the control that opened it is gone (e.g. Revoke after a revoke). */
  returnFocus?: () => HTMLElement | null;
  className?: string;
  /** The frame's class: `modal` (a body and actions inside) or `dialog` (the padded form dialogs of controls.tsx). */
  baseClass?: 'modal' | 'dialog';
  children: ReactNode;
}

/** What Tab can reach inside a dialog, in order (hidden and disabled controls left out). */
const FOCUSABLE = 'a[href], button:not(:disabled), input:not(:disabled):not([type="hidden"]), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])';

/**
 * The console's one modal dialog (the form dialogs of `backends/controls.tsx` are this too). A real modal: the native `<dialog>` opened with showModal(), so the page behind is inert (focus cannot leave it,
 * screen readers see only it) and it sits in the top layer. Open while mounted; focus goes back to the control that
 * opened it when it closes; Tab and Shift-Tab go round inside it. A backdrop click does nothing (a modal here always has its own Cancel or Close).
 */
export function Modal({ labelledBy, describedBy, locked = false, onDismiss, initialFocus, returnFocus, className, baseClass = 'modal', children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const lockedRef = useRef(locked);
  lockedRef.current = locked;
  const returnFocusRef = useRef(returnFocus);
  returnFocusRef.current = returnFocus;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    let unmounting = false;
    // A close the dialog did not ask for (the browser's close request despite `closedby`): open it again if locked.
    const onClose = () => {
      if (!unmounting && lockedRef.current) dialog.showModal();
    };
    dialog.addEventListener('close', onClose);
    if (!dialog.open) dialog.showModal();
    initialFocus?.current?.focus();
    return () => {
      unmounting = true;
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      const target = opener?.isConnected ? opener : (returnFocusRef.current?.() ?? null);
      target?.focus();
    };
    // Opened once per mount: the owner mounts it to open it and unmounts it to close it (initialFocus is read then).
  }, []);

  // `closedby="none"` makes Chromium ignore Escape altogether (no cancel event to refuse, so no "second Escape
  // closes anyway" anti-abuse rule); the handlers below hold for browsers without it.
  useEffect(() => {
    ref.current?.setAttribute('closedby', locked ? 'none' : 'closerequest');
  }, [locked]);

  const onCancel = (event: SyntheticEvent<HTMLDialogElement>) => {
    // The owner decides: React state opens and closes the dialog, never the browser by itself.
    event.preventDefault();
    if (!lockedRef.current) onDismiss();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key === 'Tab') {
      // The page behind is inert, but Chromium lets Tab leave the last control for the browser's own toolbar: the
      // focus goes round inside the dialog instead.
      const controls = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((element) => element.getClientRects().length > 0);
      const first = controls[0];
      const last = controls.at(-1);
      if (!first || !last) return;
      const active = document.activeElement;
      if (event.shiftKey && (active === first || !event.currentTarget.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !event.currentTarget.contains(active))) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    if (event.key !== 'Escape') return;
    // Escape belongs to the dialog: it must not also close the detail panel behind it.
    event.stopPropagation();
    if (lockedRef.current) event.preventDefault();
  };

  return (
    <dialog ref={ref} className={className ? `${baseClass} ${className}` : baseClass} aria-labelledby={labelledBy} aria-describedby={describedBy} onCancel={onCancel} onKeyDown={onKeyDown}>
      {children}
    </dialog>
  );
}
