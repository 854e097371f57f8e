/**
 * The administrator's preferences and the desktop window's size and place: one JSON record each in the store's meta
 * table (`store/meta.ts`). Preferences are checked against the schema in `shared/domain.ts` (loaded on first use, so
 * commands that never read settings do not pay for zod) and audited when changed; the window's place is not audited.
 */
import type { Settings } from '../../../shared/domain.js';
import { DEFAULT_LEAD_DAYS, leadDaysProblem, normaliseLeadDays } from '../../../shared/rules.js';
import { parseWindowState, type WindowState } from '../desktop/window-state.js';
import { KeywardenError } from '../errors.js';
import type { InventoryStore } from '../store/store.js';
import type { EngineContext } from './context.js';

/** Where the preferences live: one JSON record in the store's meta table. */
const SETTINGS_META = 'settings';

/**
 * The reminder lead times (the `reminderLeadDays` setting), largest first, read without zod: the reminder scan, the
 * tray, notifications, alerts and Health read them on every check. The defaults when never set, or when the stored
 * value does not fit (written by another version), as `settings()` reads it.
 */
export function storedLeadDays(store: Pick<InventoryStore, 'meta'>): number[] {
  const stored = store.meta.get(SETTINGS_META);
  let value: unknown;
  try {
    value = stored ? (JSON.parse(stored) as { reminderLeadDays?: unknown }).reminderLeadDays : undefined;
  } catch {
    value = undefined;
  }
  return value !== undefined && leadDaysProblem(value) === null ? normaliseLeadDays(value as number[]) : [...DEFAULT_LEAD_DAYS];
}

/** Where the desktop window's size and place live: one JSON record in the meta table. */
const WINDOW_STATE_META = 'window-state';

export class SettingsWorkflows {
  constructor(private readonly ctx: EngineContext) {}

  /** The administrator's preferences, defaults filled in for anything never set. */
  async settings(): Promise<Settings> {
    const domain = await import('../../../shared/domain.js');
    return this.read(domain);
  }

  private read({ DEFAULT_SETTINGS, Settings: schema }: typeof import('../../../shared/domain.js')): Settings {
    const stored = this.ctx.store.meta.get(SETTINGS_META);
    const parsed = schema.partial().safeParse(stored ? JSON.parse(stored) : {});
    // A value written by another version that no longer fits is ignored, not fatal.
    return { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
  }

  /**
   * Changes some preferences; the others keep their values. Audited with what changed. The record is read and
   * written in one transaction: the desktop app and a CLI changing two different settings at once both keep theirs.
   */
  async update(changes: Partial<Settings>): Promise<Settings> {
    const domain = await import('../../../shared/domain.js');
    const checked = domain.Settings.partial().strict().safeParse(changes);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new KeywardenError('invalid_input', `the setting ${issue?.path.join('.') || '(unknown)'} is not valid: ${issue?.message ?? 'invalid'}`);
    }
    // Lead times are kept largest first, whatever order they were given in.
    if (checked.data.reminderLeadDays) checked.data.reminderLeadDays = normaliseLeadDays(checked.data.reminderLeadDays);
    const next = this.ctx.store.transaction(() => {
      const merged = { ...this.read(domain), ...checked.data };
      this.ctx.store.meta.set(SETTINGS_META, JSON.stringify(merged));
      return merged;
    });
    const described = Object.entries(checked.data).map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(',') : String(value)}`);
    this.ctx.audit('settings.update', null, null, 'ok', described.join(', ') || 'no change');
    return next;
  }

  /**
   * The organisation's rotation policy alone, for Health, without loading zod (`keywarden health` never needs the
   * schema): the stored value when it is a whole number of days within the setting's bounds, else none.
   */
  maxRotationDays(): number | null {
    const stored = this.ctx.store.meta.get(SETTINGS_META);
    const value = stored ? (JSON.parse(stored) as { maxRotationDays?: unknown }).maxRotationDays : undefined;
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 3_650 ? value : null;
  }

  /** The desktop window's last size and place, or null (never saved, or a record this version cannot read). */
  windowState(): WindowState | null {
    const stored = this.ctx.store.meta.get(WINDOW_STATE_META);
    if (stored === null) return null;
    try {
      return parseWindowState(JSON.parse(stored));
    } catch {
      return null;
    }
  }

  /** Remembers the desktop window's size and place; a value that is not a window state is refused, never stored. */
  saveWindowState(state: WindowState): void {
    const checked = parseWindowState(state);
    if (!checked) throw new KeywardenError('invalid_input', 'not a window size and place');
    this.ctx.store.meta.set(WINDOW_STATE_META, JSON.stringify(checked));
  }
}
