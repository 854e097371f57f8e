/** `keywarden settings [set]`: the preferences the desktop app, the console and the CLI share. */
import type { Settings } from '../../../shared/domain.js';
import { leadDaysProblem, MAX_LEAD_TIMES, MAX_POLICY_DAYS } from '../../../shared/rules.js';
import { KeywardenError } from '../../core/errors.js';
import { parseWholeNumber, table, visible } from '../io.js';
import type { CommandRun } from '../main.js';

/** A setting whose value is a number (or none, where it can be unset): the list of lead times is apart. */
type NumberSetting = { [K in keyof Settings]: Settings[K] extends number | null ? K : never }[keyof Settings];

/** Each setting with a number, its flag, its range and what it does, in the order they are shown. */
const SETTINGS: ReadonlyArray<{ name: NumberSetting; flag: string; range: [number, number]; unit: string; meaning: string; unset?: string }> = [
  { name: 'clipboardClearSeconds', flag: '--clipboard-clear-seconds', range: [5, 3_600], unit: 's', meaning: 'clear a copied secret from the clipboard after' },
  { name: 'backgroundSyncHours', flag: '--background-sync-hours', range: [1, 168], unit: 'h', meaning: 'the desktop app syncs every backend every' },
  { name: 'revealHideSeconds', flag: '--reveal-hide-seconds', range: [5, 600], unit: 's', meaning: 'the console hides a revealed secret after' },
  {
    name: 'lockAfterIdleMinutes',
    flag: '--lock-after-idle-minutes',
    range: [1, 1_440],
    unit: 'min',
    meaning: 'Keywarden locks (the desktop app: the machine idle; keywarden ui: no call from any tab) after',
  },
  {
    name: 'maxRotationDays',
    flag: '--max-rotation-days',
    range: [1, 3_650],
    unit: 'days',
    meaning: "the organisation's longest rotation interval: Health lists keys valid or rotated longer ('none': no policy)",
    unset: 'none',
  },
];

/** The reminder lead times: a list of days, e.g. `60,30,14,7,1`. */
const LEAD_DAYS_FLAG = '--reminder-lead-days';

function describe(settings: Settings): string {
  return table(
    ['SETTING', 'VALUE', 'MEANING'],
    [
      ...SETTINGS.map((setting) => [setting.flag.slice(2), settings[setting.name] === null ? (setting.unset ?? '') : `${settings[setting.name]} ${setting.unit}`, setting.meaning]),
      [
        LEAD_DAYS_FLAG.slice(2),
        `${settings.reminderLeadDays.join(',')} d`,
        'the tray, notifications and alerts speak up this many days before a due date, and once overdue; Health says "due soon" within the largest',
      ],
    ],
  );
}

/**
 * `60,30,14,7,1` (spaces allowed, any order): whole days from 1 to 3650, each once, at most 10. Checked here as the
 * engine checks it, so a mistake is named with the flag.
 */
export function parseLeadDays(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part))) {
    throw new KeywardenError(
      'invalid_input',
      `${LEAD_DAYS_FLAG} takes whole days separated by commas, e.g. 60,30,14,7,1 (at most ${MAX_LEAD_TIMES}, each from 1 to ${MAX_POLICY_DAYS}; overdue is always a stage), not "${visible(value)}"`,
    );
  }
  const days = parts.map(Number);
  const problem = leadDaysProblem(days);
  if (problem) throw new KeywardenError('invalid_input', `${LEAD_DAYS_FLAG}: ${problem}`);
  return days;
}

export const showSettings: CommandRun = async ({ out, engine }) => {
  const settings = await (await engine()).settings();
  out.result(settings, () => describe(settings));
  return 0;
};

export const setSettings: CommandRun = async ({ values, out, engine }) => {
  const changes: Partial<Settings> = {};
  for (const setting of SETTINGS) {
    const text = values[setting.flag.slice(2)] as string | undefined;
    // A setting that can be unset takes its word for none ("--max-rotation-days none").
    if (setting.unset !== undefined && text === setting.unset) {
      (changes as Record<string, number | null>)[setting.name] = null;
      continue;
    }
    const value = parseWholeNumber(text, setting.flag, ...setting.range);
    if (value !== undefined) (changes as Record<string, number | null>)[setting.name] = value;
  }
  const leadDays = parseLeadDays(values[LEAD_DAYS_FLAG.slice(2)] as string | undefined);
  if (leadDays !== undefined) changes.reminderLeadDays = leadDays;
  if (Object.keys(changes).length === 0) {
    throw new KeywardenError('invalid_input', `nothing to change: give ${[...SETTINGS.map((setting) => setting.flag), LEAD_DAYS_FLAG].join(', ')}`);
  }
  const settings = await (await engine()).updateSettings(changes);
  out.result(settings, () => describe(settings));
  return 0;
};
