/**
 * The Alerts panel's state (a part of Settings): the alert channels (`alerts:list`), adding one (`alerts:add`: its
 * secret typed once into a password field, sent with the add and never kept here), a test message (`alerts:test`) and
 * removing one (`alerts:remove`), each with the engine's answer or refusal in its words. Pure helpers are exported for
 * the tests; the panel (AlertsPanel.tsx) only lays them out.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AlertChannel, AlertChannelType, AlertTestResult, NewAlertChannelInput, SmtpSecurity } from '../../../shared/alerts.js';
import type { ContractClient } from '../../../shared/contract.js';
import { BACKEND_NAME_PATTERN, BACKEND_NAME_RULE, EMAIL_ADDRESS_PATTERN } from '../../../shared/rules.js';

export interface AlertsState {
  channels: AlertChannel[] | null;
  error: string | null;
  /** What the last action said (added, tested, removed), or why it was refused. */
  message: { ok: boolean; text: string } | null;
  busy: boolean;
  load: () => Promise<void>;
  add: (input: NewAlertChannelInput) => Promise<boolean>;
  test: (name: string) => Promise<AlertTestResult | null>;
  remove: (name: string) => Promise<void>;
}

export type AlertsStore = StoreApi<AlertsState>;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createAlertsStore(client: ContractClient): AlertsStore {
  return createStore<AlertsState>()((set, get) => ({
    channels: null,
    error: null,
    message: null,
    busy: false,
    async load() {
      try {
        set({ channels: await client['alerts:list'](), error: null });
      } catch (error) {
        set({ error: messageOf(error) });
      }
    },
    async add(input) {
      set({ busy: true, message: null });
      try {
        const channel = await client['alerts:add'](input);
        set({ message: { ok: true, text: `Added ${channel.type} channel "${channel.name}". Send it a test message to check it works.` } });
        await get().load();
        return true;
      } catch (error) {
        set({ message: { ok: false, text: messageOf(error) } });
        return false;
      } finally {
        set({ busy: false });
      }
    },
    async test(name) {
      set({ busy: true, message: null });
      try {
        const result = await client['alerts:test'](name);
        set({ message: { ok: result.ok, text: result.ok ? `"${name}" accepted the test message (${result.detail}).` : `"${name}" did not accept the test message: ${result.detail}` } });
        await get().load();
        return result;
      } catch (error) {
        set({ message: { ok: false, text: messageOf(error) } });
        return null;
      } finally {
        set({ busy: false });
      }
    },
    async remove(name) {
      set({ busy: true, message: null });
      try {
        await client['alerts:remove'](name);
        set({ message: { ok: true, text: `Removed "${name}".` } });
        await get().load();
      } catch (error) {
        set({ message: { ok: false, text: messageOf(error) } });
      } finally {
        set({ busy: false });
      }
    },
  }));
}

/** What the add form holds: text as typed. */
export interface AlertForm {
  type: AlertChannelType;
  name: string;
  url: string;
  /** Webhook: the signing secret; Slack: unused (its URL is the secret, typed in `url`). */
  secret: string;
  allowPrivateNetwork: boolean;
  smtpHost: string;
  smtpPort: string;
  smtpSecurity: SmtpSecurity;
  from: string;
  to: string;
  user: string;
  password: string;
}

export const EMPTY_FORM: AlertForm = {
  type: 'webhook',
  name: '',
  url: '',
  secret: '',
  allowPrivateNetwork: false,
  smtpHost: '',
  smtpPort: '',
  smtpSecurity: 'starttls',
  from: '',
  to: '',
  user: '',
  password: '',
};

export type AlertFormErrors = Partial<Record<keyof AlertForm, string>>;

/**
 * The form checked as the engine would (names, required fields, addresses), and the input to send when it passes.
 * The URL policy (https, private networks) is the engine's to judge: its refusal is shown as it words it.
 */
export function checkAlertForm(form: AlertForm, existing: readonly string[]): { errors: AlertFormErrors; input: NewAlertChannelInput | null } {
  const errors: AlertFormErrors = {};
  const name = form.name.trim();
  if (!BACKEND_NAME_PATTERN.test(name)) errors.name = `For the name, ${BACKEND_NAME_RULE}.`;
  else if (existing.includes(name)) errors.name = `A channel named "${name}" already exists.`;
  const base = { name, type: form.type, ...(form.allowPrivateNetwork ? { allowPrivateNetwork: true } : {}) };
  if (form.type === 'webhook') {
    if (!form.url.trim()) errors.url = 'Give the webhook URL (https://…).';
    if (form.secret && form.secret.length < 16) errors.secret = 'A signing secret has at least 16 characters.';
    return { errors, input: Object.keys(errors).length ? null : { ...base, url: form.url.trim(), ...(form.secret ? { secret: form.secret } : {}) } };
  }
  if (form.type === 'slack') {
    if (!form.url.trim()) errors.url = "Give the Slack incoming webhook's URL.";
    return { errors, input: Object.keys(errors).length ? null : { ...base, url: form.url.trim() } };
  }
  const to = form.to
    .split(/[,\s]+/)
    .map((address) => address.trim())
    .filter(Boolean);
  if (!form.smtpHost.trim()) errors.smtpHost = 'Give the SMTP server.';
  const port = form.smtpPort.trim() === '' ? undefined : Number(form.smtpPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) errors.smtpPort = 'A port is a whole number from 1 to 65535.';
  if (!EMAIL_ADDRESS_PATTERN.test(form.from.trim())) errors.from = 'Give one sender address, such as keywarden@example.com.';
  if (to.length === 0 || to.some((address) => !EMAIL_ADDRESS_PATTERN.test(address))) errors.to = 'Give one or more recipient addresses, separated by commas.';
  if (Boolean(form.user.trim()) !== Boolean(form.password)) errors.password = 'Give both the user name and the password, or neither.';
  if (Object.keys(errors).length) return { errors, input: null };
  return {
    errors,
    input: {
      ...base,
      email: {
        host: form.smtpHost.trim(),
        ...(port !== undefined ? { port } : {}),
        security: form.smtpSecurity,
        from: form.from.trim(),
        to,
        ...(form.user.trim() ? { user: form.user.trim(), password: form.password } : {}),
      },
    },
  };
}

/** A channel's state in words: failing with why and when it retries, fine since a day, or not used yet. */
export function channelStatus(channel: AlertChannel): { tone: 'failing' | 'ok' | 'new'; text: string } {
  if (channel.failing) {
    const retry = channel.nextAttemptAt ? `; retried after ${channel.nextAttemptAt.replace('T', ' ').slice(0, 16)} UTC` : '';
    return { tone: 'failing', text: `Failing: ${channel.lastError ?? 'the last attempt failed'}${retry}` };
  }
  if (channel.lastOkAt) return { tone: 'ok', text: `Working (last delivered ${channel.lastOkAt.slice(0, 10)})` };
  return { tone: 'new', text: 'Not used yet' };
}
