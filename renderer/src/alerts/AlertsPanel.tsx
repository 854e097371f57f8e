/**
 * The Alerts panel, for the console's Settings: the alert channels (where reminders go beyond this machine: a signed
 * webhook, Slack, email), each with where it sends (never a secret), whether it works, what waits for a retry, and
 * Send test / Remove; then a form to add one. Self-contained (it makes its own store from the contract client) and
 * not wired into navigation: place `<AlertsPanel />` where Settings wants it.
 *
 * Secrets (a signing secret, a Slack webhook URL, an SMTP password) are typed once into password fields, sent with the
 * add and dropped with the form: never kept in a store, never shown again.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { AlertChannel, AlertChannelType } from '../../../shared/alerts.js';
import { Field } from '../backends/controls.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useClient } from '../state/context.js';
import { channelStatus, checkAlertForm, createAlertsStore, EMPTY_FORM, type AlertForm, type AlertFormErrors, type AlertsStore } from './alerts-store.js';
import './alerts.css';

const TYPE_WORDS: Record<AlertChannelType, string> = { webhook: 'Webhook (signed JSON)', slack: 'Slack (incoming webhook)', email: 'Email (SMTP)' };

export function AlertsPanel() {
  const client = useClient();
  const [store] = useState(() => createAlertsStore(client));
  const channels = useStore(store, (state) => state.channels);
  const error = useStore(store, (state) => state.error);
  const message = useStore(store, (state) => state.message);
  const load = useStore(store, (state) => state.load);
  const headingId = useId();

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="alerts-panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Alerts</h2>
      <p className="muted">
        Reminders also go to a team channel or a mailbox, once per key and stage (the reminder lead times, then overdue), from this app and from <code>keywarden notify</code> alike.
      </p>
      {error && (
        <p className="view-error" role="alert">
          <span className="error-text">
            Could not load the alert channels: <IsolatedText text={error} lines />
          </span>
        </p>
      )}
      {message && (
        <p role="status" className={message.ok ? 'muted' : 'error-text'}>
          <IsolatedText text={message.text} lines />
        </p>
      )}
      {channels === null ? (
        !error && (
          <p className="muted" role="status">
            Loading…
          </p>
        )
      ) : channels.length === 0 ? (
        <p className="muted">No alert channels yet.</p>
      ) : (
        <ul className="alert-channels">
          {channels.map((channel) => (
            <ChannelItem key={channel.name} channel={channel} store={store} />
          ))}
        </ul>
      )}
      <AddChannelForm store={store} existing={(channels ?? []).map((channel) => channel.name)} />
    </section>
  );
}

function ChannelItem({ channel, store }: { channel: AlertChannel; store: AlertsStore }) {
  const busy = useStore(store, (state) => state.busy);
  const test = useStore(store, (state) => state.test);
  const remove = useStore(store, (state) => state.remove);
  const [confirming, setConfirming] = useState(false);
  const status = channelStatus(channel);
  return (
    <li className="alert-channel" data-tone={status.tone}>
      <div className="alert-channel-head">
        <IsolatedText className="alert-channel-name" text={channel.name} />
        <span className="muted">
          {TYPE_WORDS[channel.type]}
          {channel.signed ? ', signed' : ''}
        </span>
      </div>
      <IsolatedText className="alert-channel-target muted" text={channel.target} />
      <p className={status.tone === 'failing' ? 'error-text' : 'muted'}>
        <IsolatedText text={status.text} />
        {` · ${channel.sent} sent`}
        {channel.pending > 0 ? ` · ${channel.pending} waiting` : ''}
      </p>
      <div className="alert-channel-actions">
        <button type="button" className="button" disabled={busy} onClick={() => void test(channel.name)}>
          Send test
        </button>
        {confirming ? (
          <>
            <button type="button" className="button danger" disabled={busy} onClick={() => void remove(channel.name)}>
              Remove {channel.name}
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="button" disabled={busy} onClick={() => setConfirming(true)}>
            Remove…
          </button>
        )}
      </div>
    </li>
  );
}

function AddChannelForm({ store, existing }: { store: AlertsStore; existing: string[] }) {
  const busy = useStore(store, (state) => state.busy);
  const add = useStore(store, (state) => state.add);
  const [form, setForm] = useState<AlertForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<AlertFormErrors>({});
  const set = <K extends keyof AlertForm>(field: K, value: AlertForm[K]) => setForm((current) => ({ ...current, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const { errors: found, input } = checkAlertForm(form, existing);
    setErrors(found);
    if (!input) return;
    // Added: the secrets leave with the form. Refused: the engine's words are shown, and what was typed stays to fix.
    if (await add(input)) setForm({ ...EMPTY_FORM, type: form.type });
  };

  return (
    <form className="alert-add" onSubmit={(event) => void submit(event)} noValidate>
      <fieldset>
        <legend>Add a channel</legend>
        {(['webhook', 'slack', 'email'] as const).map((type) => (
          <label key={type} className="choice">
            <input type="radio" name="alert-type" value={type} checked={form.type === type} onChange={() => setForm({ ...EMPTY_FORM, type, name: form.name })} /> {TYPE_WORDS[type]}
          </label>
        ))}
      </fieldset>
      <Field label="Name" hint="Lowercase, as in commands: keywarden alerts test NAME" value={form.name} error={errors.name} onChange={(event) => set('name', event.target.value)} />
      {form.type === 'webhook' && (
        <>
          <Field label="URL" type="url" placeholder="https://alerts.example.com/keywarden" value={form.url} error={errors.url} onChange={(event) => set('url', event.target.value)} />
          <Field
            label="Signing secret (optional)"
            type="password"
            autoComplete="off"
            hint="Receivers check the Keywarden-Signature header with it. At least 16 characters; kept encrypted, never shown again."
            value={form.secret}
            error={errors.secret}
            onChange={(event) => set('secret', event.target.value)}
          />
        </>
      )}
      {form.type === 'slack' && (
        <Field
          label="Incoming webhook URL"
          type="password"
          autoComplete="off"
          hint="The URL is itself the secret: kept encrypted, shown afterwards as its host only."
          value={form.url}
          error={errors.url}
          onChange={(event) => set('url', event.target.value)}
        />
      )}
      {form.type === 'email' && (
        <>
          <Field label="SMTP server" placeholder="smtp.example.com" value={form.smtpHost} error={errors.smtpHost} onChange={(event) => set('smtpHost', event.target.value)} />
          <Field label="Port (optional)" inputMode="numeric" placeholder="587" value={form.smtpPort} error={errors.smtpPort} onChange={(event) => set('smtpPort', event.target.value)} />
          <label className="field">
            Protection{' '}
            <select value={form.smtpSecurity} onChange={(event) => set('smtpSecurity', event.target.value as AlertForm['smtpSecurity'])}>
              <option value="starttls">STARTTLS (port 587)</option>
              <option value="tls">TLS (port 465)</option>
              <option value="plain">None: a relay on this machine only</option>
            </select>
          </label>
          <Field label="From" type="email" value={form.from} error={errors.from} onChange={(event) => set('from', event.target.value)} />
          <Field label="To" hint="One or more addresses, separated by commas." value={form.to} error={errors.to} onChange={(event) => set('to', event.target.value)} />
          <Field label="User name (optional)" autoComplete="off" value={form.user} onChange={(event) => set('user', event.target.value)} />
          <Field label="Password" type="password" autoComplete="off" value={form.password} error={errors.password} onChange={(event) => set('password', event.target.value)} />
        </>
      )}
      <label className="choice">
        <input type="checkbox" checked={form.allowPrivateNetwork} onChange={(event) => set('allowPrivateNetwork', event.target.checked)} /> Allow a target on this machine or the local network
      </label>
      <button type="submit" className="button primary" disabled={busy}>
        {busy ? 'Adding…' : 'Add channel'}
      </button>
    </form>
  );
}
