/**
 * The settings as the console shows them, derived from the one schema (`Settings` in the shared domain): each field's
 * kind and bounds come from the schema, and a value is checked by the same schema the engine and the CLI check it
 * with, so the rules exist once. Words (label, unit, what it does, which section) are here; a setting the schema
 * gains without words here still appears, under "Other", with a label made from its name.
 */
import { z } from 'zod';
import { Settings } from '../../../shared/domain.js';

export type SettingName = keyof Settings;

export type SettingSection = 'Secrets on screen' | 'Lock' | 'Sync' | 'Reminders' | 'Other';

/** The sections in the order the view shows them ("Alerts" has its own slot after them, see SettingsView). */
export const SECTIONS: readonly SettingSection[] = ['Secrets on screen', 'Lock', 'Sync', 'Reminders', 'Other'];

interface Words {
  label: string;
  /** The unit a number is counted in, plural ("seconds"). */
  unit: string;
  hint: string;
  section: SettingSection;
  /** How the confirmation says the new value, e.g. "revealed secrets now hide after 10 seconds". */
  saved: (value: string) => string;
}

const WORDS: Record<string, Words> = {
  clipboardClearSeconds: {
    label: 'Clear the clipboard after',
    unit: 'seconds',
    hint: 'A copied secret is wiped from the clipboard this long after the copy, if the clipboard still holds it.',
    section: 'Secrets on screen',
    saved: (value) => `a copied secret is now cleared after ${value}`,
  },
  revealHideSeconds: {
    label: 'Hide a revealed secret after',
    unit: 'seconds',
    hint: 'A secret shown with Reveal (or a new key shown once) is hidden again this long after it appears.',
    section: 'Secrets on screen',
    saved: (value) => `revealed secrets now hide after ${value}`,
  },
  lockAfterIdleMinutes: {
    label: 'Lock after idle time',
    unit: 'minutes',
    hint: 'Keywarden locks (no secret revealed, copied or used) after this long: in the desktop app, the machine idle; in the browser console, no action from any tab.',
    section: 'Lock',
    saved: (value) => `Keywarden now locks after ${value} idle`,
  },
  backgroundSyncHours: {
    label: 'Sync every backend every',
    unit: 'hours',
    hint: 'The desktop app syncs in the background this often while it runs (not while offline). The browser console syncs when you press Sync now.',
    section: 'Sync',
    saved: (value) => `the desktop app now syncs every ${value}`,
  },
  maxRotationDays: {
    label: 'Longest rotation interval',
    unit: 'days',
    hint: "The organisation's rotation policy: Health lists the keys valid, or due for rotation, longer than this after their creation. Leave empty for no policy.",
    section: 'Reminders',
    saved: (value) => `Health now holds keys to ${value}`,
  },
  reminderLeadDays: {
    label: 'Remind me before a due date',
    unit: 'days',
    hint: 'Whole days before each due date, separated by commas (for example 30, 7, 1).',
    section: 'Reminders',
    saved: (value) => `reminders now come ${value} before a due date`,
  },
};

export type SettingField =
  /** `nullable`: empty means none (a policy that can be unset). */
  | { name: SettingName; kind: 'number'; min: number | null; max: number | null; nullable?: true; words: Words }
  | { name: SettingName; kind: 'days'; min: number | null; max: number | null; words: Words }
  | { name: SettingName; kind: 'toggle'; words: Words };

/** "lockAfterIdleMinutes" → "Lock after idle minutes": for a setting the console has no words for yet. */
function wordsFor(name: string): Words {
  const known = WORDS[name];
  if (known) return known;
  const label = name.replace(/([A-Z])/g, ' $1').toLowerCase();
  const title = label.charAt(0).toUpperCase() + label.slice(1);
  return { label: title, unit: '', hint: '', section: 'Other', saved: (value) => `${title.toLowerCase()} is now ${value}` };
}

function bounds(schema: z.ZodType): { min: number | null; max: number | null } {
  if (schema instanceof z.ZodNumber) return { min: Number.isFinite(schema.minValue) ? schema.minValue : null, max: Number.isFinite(schema.maxValue) ? schema.maxValue : null };
  return { min: null, max: null };
}

/** Every setting of the schema, in the schema's order, with its kind and bounds. */
export function settingFields(): SettingField[] {
  const fields: SettingField[] = [];
  for (const [name, raw] of Object.entries(Settings.shape) as Array<[SettingName, z.ZodType]>) {
    const schema = raw instanceof z.ZodOptional || raw instanceof z.ZodDefault || raw instanceof z.ZodNullable ? (raw.unwrap() as z.ZodType) : raw;
    const words = wordsFor(name);
    if (schema instanceof z.ZodNumber) fields.push({ name, kind: 'number', ...bounds(schema), ...(raw instanceof z.ZodNullable ? { nullable: true as const } : {}), words });
    else if (schema instanceof z.ZodArray) fields.push({ name, kind: 'days', ...bounds(schema.element as z.ZodType), words });
    else if (schema instanceof z.ZodBoolean) fields.push({ name, kind: 'toggle', words });
  }
  return fields;
}

/** The value as the field shows it: a number, or a list of days "30, 7, 1". */
export function showValue(field: SettingField, value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return String(value);
  return '';
}

/** The value in words, with its unit: "10 seconds", "30, 7 and 1 days", "on". */
export function valueInWords(field: SettingField, value: unknown): string {
  if (field.kind === 'toggle') return value ? 'on' : 'off';
  if (value === null) return 'none';
  const unit = field.words.unit;
  if (Array.isArray(value)) {
    const days = value.map(String);
    const list = days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days.at(-1)}` : (days[0] ?? 'none');
    return unit ? `${list} ${days.length === 1 && days[0] === '1' ? unit.replace(/s$/, '') : unit}` : list;
  }
  const text = showValue(field, value);
  return unit ? `${text} ${text === '1' ? unit.replace(/s$/, '') : unit}` : text;
}

/** What the field should say of its range: "From 5 to 600 seconds, whole numbers." */
export function rangeInWords(field: SettingField): string {
  if (field.kind === 'toggle') return '';
  const unit = field.words.unit ? ` ${field.words.unit}` : '';
  if (field.min !== null && field.max !== null) return `From ${field.min} to ${field.max}${unit}, whole numbers.`;
  if (field.min !== null) return `At least ${field.min}${unit}, whole numbers.`;
  if (field.max !== null) return `At most ${field.max}${unit}, whole numbers.`;
  return 'Whole numbers.';
}

/**
 * Reads what was typed and checks it with the shared schema: the value to save, or a specific mistake in words.
 * Nothing is sent for a value the engine would refuse.
 */
export function parseSetting(field: SettingField, typed: string | boolean): { value: unknown } | { error: string } {
  let value: unknown = typed;
  if (field.kind !== 'toggle') {
    const text = String(typed).trim();
    if (field.kind === 'number') {
      if (text === '' && field.nullable) value = null;
      else if (!/^-?\d+$/.test(text)) return { error: `Type a whole number${field.nullable ? ', or leave it empty for none' : ''}. ${rangeInWords(field)}` };
      else value = Number(text);
    } else {
      const parts = text === '' ? [] : text.split(/[\s,;]+/).filter(Boolean);
      if (parts.some((part) => !/^-?\d+$/.test(part))) return { error: `Type whole days separated by commas. ${rangeInWords(field)}` };
      value = [...new Set(parts.map(Number))].sort((a, b) => b - a);
    }
  }
  const checked = Settings.shape[field.name].safeParse(value);
  if (checked.success) return { value: checked.data };
  const issue = checked.error.issues[0];
  if (field.kind !== 'toggle' && (issue?.code === 'too_big' || issue?.code === 'too_small') && issue.origin === 'number') return { error: rangeInWords(field) };
  return { error: `Not a valid value: ${issue?.message ?? 'invalid'}. ${rangeInWords(field)}`.trim() };
}
