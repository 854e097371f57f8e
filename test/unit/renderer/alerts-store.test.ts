/**
 * The Alerts panel's store and helpers (renderer/src/alerts/), over a real ContractClient with an in-memory transport:
 * the form checked as the engine would and turned into `alerts:add`'s input (secrets only where they belong), a
 * channel's state in words, and the store's answers (added, tested, removed, refused) in the engine's words.
 */
import { describe, expect, it } from 'vitest';
import { channelStatus, checkAlertForm, createAlertsStore, EMPTY_FORM } from '../../../renderer/src/alerts/alerts-store.js';
import { leadDaysInWords } from '../../../renderer/src/state/reminders-store.js';
import type { AlertChannel } from '../../../shared/alerts.js';
import { buildContractClient, type ContractMethod } from '../../../shared/contract.js';

const channel = (overrides: Partial<AlertChannel> = {}): AlertChannel => ({
  name: 'ops',
  type: 'webhook',
  target: 'https://alerts.example.com/hook',
  signed: true,
  allowPrivateNetwork: false,
  email: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  lastAttemptAt: null,
  lastOkAt: null,
  lastError: null,
  failing: false,
  failures: 0,
  sent: 0,
  pending: 0,
  nextAttemptAt: null,
  ...overrides,
});

describe('the alerts panel', () => {
  it('checks the form and builds the input for each type', () => {
    expect(checkAlertForm({ ...EMPTY_FORM, name: 'Ops', url: '' }, []).errors).toMatchObject({ name: expect.stringMatching(/lowercase/), url: expect.any(String) });
    expect(checkAlertForm({ ...EMPTY_FORM, name: 'ops', url: 'https://a.example/h' }, ['ops']).errors.name).toMatch(/already exists/);
    expect(checkAlertForm({ ...EMPTY_FORM, name: 'ops', url: 'https://a.example/h', secret: 'short' }, []).errors.secret).toMatch(/16 characters/);
    expect(checkAlertForm({ ...EMPTY_FORM, name: 'ops', url: ' https://a.example/h ', secret: 'a-long-enough-signing-secret' }, []).input).toEqual({
      name: 'ops',
      type: 'webhook',
      url: 'https://a.example/h',
      secret: 'a-long-enough-signing-secret',
    });
    expect(checkAlertForm({ ...EMPTY_FORM, type: 'slack', name: 'team', url: 'https://hooks.slack.com/services/x', allowPrivateNetwork: true }, []).input).toEqual({
      name: 'team',
      type: 'slack',
      url: 'https://hooks.slack.com/services/x',
      allowPrivateNetwork: true,
    });
    const email = { ...EMPTY_FORM, type: 'email' as const, name: 'mail', smtpHost: 'smtp.example.com', from: 'k@example.com', to: 'a@example.com, b@example.com' };
    expect(checkAlertForm({ ...email, user: 'k' }, []).errors.password).toMatch(/both/);
    expect(checkAlertForm({ ...email, to: 'Ops <a@example.com>' }, []).errors.to).toBeDefined();
    expect(checkAlertForm({ ...email, smtpPort: '70000' }, []).errors.smtpPort).toBeDefined();
    expect(checkAlertForm({ ...email, smtpPort: '465', smtpSecurity: 'tls', user: 'k', password: 'pw' }, []).input).toEqual({
      name: 'mail',
      type: 'email',
      email: { host: 'smtp.example.com', port: 465, security: 'tls', from: 'k@example.com', to: ['a@example.com', 'b@example.com'], user: 'k', password: 'pw' },
    });
  });

  it('says how a channel stands', () => {
    expect(channelStatus(channel())).toEqual({ tone: 'new', text: 'Not used yet' });
    expect(channelStatus(channel({ lastOkAt: '2026-12-03T10:00:00.000Z' }))).toEqual({ tone: 'ok', text: 'Working (last delivered 2026-12-03)' });
    expect(channelStatus(channel({ failing: true, lastError: 'the channel answered HTTP 500', nextAttemptAt: '2026-12-04T10:01:00.000Z' }))).toEqual({
      tone: 'failing',
      text: 'Failing: the channel answered HTTP 500; retried after 2026-12-04 10:01 UTC',
    });
  });

  it('loads, adds, tests and removes through the contract, saying what the engine answered', async () => {
    let channels: AlertChannel[] = [];
    const calls: string[] = [];
    const client = buildContractClient({
      async invoke(method: ContractMethod, args: unknown[]) {
        calls.push(method);
        if (method === 'alerts:list') return channels;
        if (method === 'alerts:add') {
          const input = args[0] as { name: string };
          if (input.name === 'bad') throw new Error('the alert URL points at 10.0.0.1, a private address');
          channels = [channel({ name: input.name })];
          return channels[0];
        }
        if (method === 'alerts:test') return { channel: args[0], ok: false, at: '2026-12-04T10:00:00.000Z', detail: 'the channel answered HTTP 503' };
        if (method === 'alerts:remove') {
          channels = [];
          return null;
        }
        throw new Error(`not faked: ${method}`);
      },
    });
    const store = createAlertsStore(client);
    await store.getState().load();
    expect(store.getState().channels).toEqual([]);
    expect(await store.getState().add({ name: 'bad', type: 'webhook', url: 'https://10.0.0.1/' })).toBe(false);
    expect(store.getState().message).toEqual({ ok: false, text: 'the alert URL points at 10.0.0.1, a private address' });
    expect(await store.getState().add({ name: 'ops', type: 'webhook', url: 'https://a.example/h' })).toBe(true);
    expect(store.getState().channels!.map((each) => each.name)).toEqual(['ops']);
    await store.getState().test('ops');
    expect(store.getState().message).toEqual({ ok: false, text: '"ops" did not accept the test message: the channel answered HTTP 503' });
    await store.getState().remove('ops');
    expect(store.getState().channels).toEqual([]);
    expect(calls).toEqual(['alerts:list', 'alerts:add', 'alerts:add', 'alerts:list', 'alerts:test', 'alerts:list', 'alerts:remove', 'alerts:list']);
  });

  it('says the lead times in words, largest first', () => {
    expect(leadDaysInWords([1, 30, 7])).toBe('30, 7 and 1 days');
    expect(leadDaysInWords([14])).toBe('14 days');
    expect(leadDaysInWords([1])).toBe('1 day');
  });
});
