/**
 * A menu button (WAI-ARIA's menu button pattern): a button that opens a `role="menu"` list below it. Enter, Space or
 * Down on the button open it on its first entry (Up: its last), arrows, Home and End move between entries, Escape
 * closes it and gives the focus back to the button, Tab closes it and moves on, a click elsewhere closes it. The
 * inventory's Views and Columns menus are this.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

/** The entries a menu moves between (a separator or a note is not one). */
const ENTRIES = '[role="menuitem"], [role="menuitemcheckbox"], [role="menuitemradio"]';

export interface MenuControls {
  /** Closes the menu; with `focusButton`, the focus goes back to its button (after choosing an entry). */
  close: (focusButton?: boolean) => void;
}

export function MenuButton({
  label,
  menuLabel,
  align = 'start',
  className,
  title,
  onOpen,
  children,
}: {
  /** What the button shows (its accessible name). */
  label: ReactNode;
  /** The menu's accessible name. */
  menuLabel: string;
  /** Which edge of the button the menu lines up with: `end` for a button at the right of the window, so it never overflows. */
  align?: 'start' | 'end';
  className?: string;
  title?: string;
  onOpen?: () => void;
  children: (controls: MenuControls) => ReactNode;
}) {
  const [open, setOpen] = useState(false);
  /** Which entry takes the focus once the menu is on screen. */
  const [focusOn, setFocusOn] = useState<'first' | 'last' | 'checked'>('first');
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const id = useId();

  const entries = (): HTMLElement[] => [...(menuRef.current?.querySelectorAll<HTMLElement>(ENTRIES) ?? [])];

  const show = (on: 'first' | 'last' | 'checked') => {
    setFocusOn(on);
    setOpen(true);
    onOpen?.();
  };
  const close = (focusButton = false) => {
    setOpen(false);
    if (focusButton) buttonRef.current?.focus();
  };

  // Once open: the chosen entry takes the focus (a roving focus: only the focused entry is in the Tab order).
  useEffect(() => {
    if (!open) return;
    const all = entries();
    const target = focusOn === 'last' ? all.at(-1) : focusOn === 'checked' ? (all.find((entry) => entry.getAttribute('aria-checked') === 'true') ?? all[0]) : all[0];
    target?.focus();
  }, [open, focusOn]);

  // A press outside the menu and its button closes it (the focus stays where the press puts it); so does Escape
  // wherever the focus is (the menu's own handler comes first when it has the focus), the focus back on the button.
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node | null;
      if (target && !menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented || document.querySelector('dialog[open]')) return;
      // Handled: the key's panel (which skips a handled Escape) stays open.
      event.preventDefault();
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open]);

  const onButtonKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      show(event.key === 'ArrowUp' ? 'last' : 'checked');
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const all = entries();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      all[(target + all.length) % all.length]?.focus();
    } else if (event.key === 'Escape') {
      // Escape closes the menu only: not the key's panel behind it (which skips a handled Escape).
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  };

  return (
    <div className={className ? `menu-anchor ${className}` : 'menu-anchor'}>
      <button
        ref={buttonRef}
        id={`${id}-button`}
        type="button"
        className="button menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${id}-menu` : undefined}
        title={title}
        // A click opens it on its checked entry (the view applied), as the keyboard does; a second click closes it.
        onClick={() => (open ? close() : show('checked'))}
        onKeyDown={onButtonKeyDown}
      >
        {label}
        <span className="menu-caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div
          ref={menuRef}
          id={`${id}-menu`}
          role="menu"
          aria-label={menuLabel}
          className={`menu menu-${align}`}
          onKeyDown={onMenuKeyDown}
          // The focus leaving for another control (Shift-Tab, a click on a field) closes it.
          onBlur={(event) => {
            const next = event.relatedTarget as Node | null;
            if (next && !menuRef.current?.contains(next) && !buttonRef.current?.contains(next)) setOpen(false);
          }}
        >
          {children({ close })}
        </div>
      )}
    </div>
  );
}

/** An entry that does something (Save as new view…); it closes the menu first, the focus back on the button. */
export function MenuItem({ onSelect, controls, children, disabled }: { onSelect: () => void; controls: MenuControls; children: ReactNode; disabled?: boolean }) {
  return (
    <button
      type="button"
      role="menuitem"
      className="menu-item"
      tabIndex={-1}
      aria-disabled={disabled || undefined}
      onClick={() => {
        if (disabled) return;
        controls.close(true);
        onSelect();
      }}
    >
      {/* The mark's place left empty: every entry's words start at one edge. */}
      <span className="menu-check" aria-hidden="true" />
      <span className="menu-text">{children}</span>
    </button>
  );
}

/** One of a set, the checked one marked (a view); choosing it closes the menu. */
export function MenuItemRadio({ checked, onSelect, controls, children }: { checked: boolean; onSelect: () => void; controls: MenuControls; children: ReactNode }) {
  return (
    <button
      type="button"
      role="menuitemradio"
      aria-checked={checked}
      className="menu-item"
      tabIndex={-1}
      onClick={() => {
        controls.close(true);
        onSelect();
      }}
    >
      <span className="menu-check" aria-hidden="true">
        {checked ? '✓' : ''}
      </span>
      <span className="menu-text">{children}</span>
    </button>
  );
}

/** A box to tick (a column); the menu stays open, so several can be ticked in a row. */
export function MenuItemCheckbox({
  checked,
  onToggle,
  children,
  disabled,
  note,
}: {
  checked: boolean;
  onToggle: () => void;
  children: ReactNode;
  disabled?: boolean;
  /** Said after the label, muted (why it cannot be changed, or what the window's width does to it). */
  note?: ReactNode;
}) {
  return (
    <button
      type="button"
      role="menuitemcheckbox"
      aria-checked={checked}
      aria-disabled={disabled || undefined}
      className="menu-item"
      tabIndex={-1}
      onClick={() => {
        if (!disabled) onToggle();
      }}
    >
      <span className="menu-box" aria-hidden="true">
        {checked ? '✓' : ''}
      </span>
      <span className="menu-text">{children}</span>
      {note}
    </button>
  );
}

export function MenuSeparator() {
  return <div role="separator" className="menu-separator" />;
}
