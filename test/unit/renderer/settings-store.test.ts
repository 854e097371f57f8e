/**
 * The settings view's rules come from the shared schema: each field's bounds, what a typed value becomes, and the
 * mistake said in words; the store sends only a checked, changed value, keeps the stored one on a refusal, and tells
 * the console what was saved. The client is a stand-in that records calls and answers as the engine would.
 */
import { describe, expect, it } from 'vitest';
import type { ContractClient } from '../../../shared/contract.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../shared/domain.js';
import { parseSetting, settingFields, valueInWords } from '../../../renderer/src/admin/fields.js';
import { createSettingsStore } from '../../../renderer/src/state/settings-store.js';

function fakeClient(options: { refuse?: string } = {}) {
  let stored: Settings = { ...DEFAULT_SETTINGS };
  const sets: Array<Partial<Settings>> = [];
  const client = {
    'settings:get': async () => stored,
    'settings:set': async (changes: Partial<Settings>) => {
      sets.push(changes);
      if (options.refuse) throw new Error(options.refuse);
      stored = { ...stored, ...changes };
      return stored;
    },
  } as unknown as ContractClient;
  return { client, sets };
}

const field = (name: keyof Settings) => settingFields().find((candidate) => candidate.name === name)!;

describe('settings fields from the shared schema', () => {
  it('lists every setting of the schema with the schema’s bounds', () => {
    expect(settingFields().map((candidate) => candidate.name)).toEqual(Object.keys(DEFAULT_SETTINGS));
    expect(field('revealHideSeconds')).toMatchObject({ kind: 'number', min: 5, max: 600 });
    expect(field('lockAfterIdleMinutes')).toMatchObject({ kind: 'number', min: 1, max: 1440 });
    // A policy that can be unset: empty is none.
    expect(field('maxRotationDays')).toMatchObject({ kind: 'number', min: 1, max: 3650, nullable: true });
    expect(parseSetting(field('maxRotationDays'), '')).toEqual({ value: null });
    expect(parseSetting(field('maxRotationDays'), '90')).toEqual({ value: 90 });
    expect(parseSetting(field('maxRotationDays'), 'x')).toMatchObject({ error: expect.stringMatching(/or leave it empty for none/) });
    expect(valueInWords(field('maxRotationDays'), null)).toBe('none');
  });

  it('reads a whole number, and says a wrong one in words', () => {
    expect(parseSetting(field('revealHideSeconds'), ' 10 ')).toEqual({ value: 10 });
    expect(parseSetting(field('revealHideSeconds'), '4')).toEqual({ error: 'From 5 to 600 seconds, whole numbers.' });
    expect(parseSetting(field('revealHideSeconds'), '601')).toEqual({ error: 'From 5 to 600 seconds, whole numbers.' });
    expect(parseSetting(field('revealHideSeconds'), '7.5')).toEqual({ error: 'Type a whole number. From 5 to 600 seconds, whole numbers.' });
    expect(parseSetting(field('revealHideSeconds'), '')).toMatchObject({ error: expect.stringMatching(/^Type a whole number/) });
    expect(valueInWords(field('lockAfterIdleMinutes'), 1)).toBe('1 minute');
    expect(valueInWords(field('lockAfterIdleMinutes'), 15)).toBe('15 minutes');
  });
});

describe('the settings store', () => {
  it('saves a checked, changed value, confirms it in words, and tells the console', async () => {
    const { client, sets } = fakeClient();
    const saved: Settings[] = [];
    const store = createSettingsStore(client, { onSaved: (settings) => saved.push(settings) });
    await store.getState().load();
    expect(await store.getState().save(field('revealHideSeconds'), '10')).toBe(true);
    expect(sets).toEqual([{ revealHideSeconds: 10 }]);
    expect(store.getState().saved).toEqual({ name: 'revealHideSeconds', message: 'Saved: revealed secrets now hide after 10 seconds.' });
    expect(saved.map((settings) => settings.revealHideSeconds)).toEqual([10]);
    // The same value again is not sent.
    expect(await store.getState().save(field('revealHideSeconds'), '10')).toBe(true);
    expect(sets).toHaveLength(1);
  });

  it('sends nothing for a mistake, and keeps the stored value when the engine refuses', async () => {
    const { client, sets } = fakeClient();
    const store = createSettingsStore(client);
    await store.getState().load();
    expect(await store.getState().save(field('clipboardClearSeconds'), '3')).toBe(false);
    expect(sets).toEqual([]);
    expect(store.getState().errors.clipboardClearSeconds).toBe('From 5 to 3600 seconds, whole numbers.');

    const refusing = fakeClient({ refuse: 'the data folder is read-only' });
    const other = createSettingsStore(refusing.client);
    await other.getState().load();
    expect(await other.getState().save(field('clipboardClearSeconds'), '60')).toBe(false);
    expect(other.getState().errors.clipboardClearSeconds).toBe('Not saved: the data folder is read-only');
    expect(other.getState().settings?.clipboardClearSeconds).toBe(30);
  });
});
