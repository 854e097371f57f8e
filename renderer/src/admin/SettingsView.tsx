/**
 * Settings: every preference of the shared schema (admin/fields.ts), grouped in sections, each saved when it changes
 * (leaving the field, or Enter) and confirmed in words beside it; a mistake is said under the field and nothing is
 * sent. The rules are the schema's, as the CLI's `keywarden settings set` checks them.
 */
import { AlertsPanel } from '../alerts/AlertsPanel.js';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { Settings } from '../../../shared/domain.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useClient, useInventoryStore, useShell } from '../state/context.js';
import { createSettingsStore, type SettingsStore } from '../state/settings-store.js';
import { rangeInWords, SECTIONS, type SettingField, settingFields, showValue } from './fields.js';
import './admin.css';

const FIELDS = settingFields();

export function SettingsView() {
  const client = useClient();
  const inventory = useInventoryStore();
  // A saved change takes effect at once: the inventory's reveal timer reads its delay from its own state.
  const [store] = useState(() => createSettingsStore(client, { onSaved: (settings: Settings) => inventory.setState({ revealHideSeconds: settings.revealHideSeconds }) }));
  const changes = useShell((state) => state.changes);
  const settings = useStore(store, (state) => state.settings);
  const loadError = useStore(store, (state) => state.loadError);
  const load = useStore(store, (state) => state.load);
  useEffect(() => void load(), [load, changes]);

  return (
    <main className="page admin" aria-labelledby="page-heading">
      <h1 id="page-heading" tabIndex={-1}>
        Settings
      </h1>
      <p className="page-intro muted">Shared by the desktop app, this console and the keywarden command on this data folder. Each change is saved as soon as you leave the field.</p>
      {loadError && (
        <p className="view-error error-text" role="alert">
          Could not read the settings: <IsolatedText text={loadError} lines />
        </p>
      )}
      {settings &&
        SECTIONS.map((section) => {
          const fields = FIELDS.filter((field) => field.words.section === section);
          if (fields.length === 0) return null;
          return (
            <section key={section} className="admin-section" aria-labelledby={`settings-${section.replace(/\W+/g, '-')}`}>
              <h2 id={`settings-${section.replace(/\W+/g, '-')}`}>{section}</h2>
              {fields.map((field) => (
                <SettingRow key={field.name} store={store} field={field} value={settings[field.name]} />
              ))}
            </section>
          );
        })}
      {/* Alert channels (webhook, Slack, email), their tests and failures: their own section and store. */}
      <AlertsPanel />
    </main>
  );
}

function SettingRow({ store, field, value }: { store: SettingsStore; field: SettingField; value: unknown }) {
  const id = useId();
  const error = useStore(store, (state) => state.errors[field.name]);
  const saving = useStore(store, (state) => state.saving === field.name);
  const saved = useStore(store, (state) => (state.saved?.name === field.name ? state.saved.message : null));
  const save = useStore(store, (state) => state.save);
  const [draft, setDraft] = useState(() => showValue(field, value));
  // The stored value changed (saved here, or elsewhere): the field shows it, unless it holds a mistake being fixed.
  useEffect(() => {
    if (!error) setDraft(showValue(field, value));
  }, [field, value, error]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    void save(field, draft);
  };
  if (field.kind === 'toggle') {
    return (
      <div className="setting">
        <label className="setting-toggle" htmlFor={id}>
          <input id={id} type="checkbox" checked={Boolean(value)} onChange={(event) => void save(field, event.target.checked)} aria-describedby={`${id}-hint ${id}-status`} />
          {field.words.label}
        </label>
        <p id={`${id}-hint`} className="field-hint muted">
          {field.words.hint}
        </p>
        <p id={`${id}-status`} className="setting-status" role="status">
          {saved}
        </p>
      </div>
    );
  }
  return (
    <form className="setting" onSubmit={submit} noValidate>
      <label htmlFor={id} className="setting-label">
        {field.words.label}
      </label>
      <div className="setting-input">
        <input
          id={id}
          type="text"
          inputMode={field.kind === 'number' ? 'numeric' : 'text'}
          className={field.kind === 'number' ? 'setting-number' : 'setting-days'}
          value={draft}
          // A policy that can be unset says so when empty.
          placeholder={field.kind === 'number' && field.nullable ? 'none' : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-hint ${id}-status`}
          aria-busy={saving || undefined}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => submit()}
        />
        {field.words.unit && <span className="setting-unit muted">{field.words.unit}</span>}
      </div>
      <p id={`${id}-hint`} className="field-hint muted">
        {field.words.hint} {rangeInWords(field)}
      </p>
      <p id={`${id}-status`} className={error ? 'setting-status field-error error-text' : 'setting-status setting-saved'} role="status">
        {error ?? (saving ? 'Saving…' : saved)}
      </p>
    </form>
  );
}
