/** `keywarden settings [set]`: the preferences the desktop app, the console and the CLI share. */
import type { Settings } from '../../../shared/domain.js';
import { KeywardenError } from '../../core/errors.js';
import { parseWholeNumber, table } from '../io.js';
import type { CommandRun } from '../main.js';

/** Each setting, its flag, its range and what it does, in the order they are shown. */
const SETTINGS: ReadonlyArray<{ name: keyof Settings; flag: string; range: [number, number]; unit: string; meaning: string; unset?: string }> = [
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

function describe(settings: Settings): string {
  return table(
    ['SETTING', 'VALUE', 'MEANING'],
    SETTINGS.map((setting) => [setting.flag.slice(2), settings[setting.name] === null ? (setting.unset ?? '') : `${settings[setting.name]} ${setting.unit}`, setting.meaning]),
  );
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
  if (Object.keys(changes).length === 0) throw new KeywardenError('invalid_input', `nothing to change: give ${SETTINGS.map((setting) => setting.flag).join(', ')}`);
  const settings = await (await engine()).updateSettings(changes);
  out.result(settings, () => describe(settings));
  return 0;
};
