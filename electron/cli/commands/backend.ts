/** `keywarden backend ...`: register backends and manage their credentials and policies. */
import type { BackendType } from '../../../shared/domain.js';
import { BACKEND_TYPES, MAX_POLICY_DAYS } from '../../../shared/rules.js';
import { KeywardenError } from '../../core/errors.js';
import { confirm, day, parseWholeNumber, plural, readSecretFromStdin, table } from '../io.js';
import type { CommandRun } from '../main.js';

export const backendAdd: CommandRun = async ({ values, out, engine }) => {
  const type = values.type as string | undefined;
  const name = values.name as string | undefined;
  if (!type || !(BACKEND_TYPES as readonly string[]).includes(type)) {
    throw new KeywardenError('invalid_input', `--type must be one of ${BACKEND_TYPES.join(', ')}`);
  }
  if (!name) throw new KeywardenError('invalid_input', '--name is required');
  const rotateEveryDays = parseWholeNumber(values['rotate-every-days'] as string | undefined, '--rotate-every-days', 1, MAX_POLICY_DAYS) ?? null;
  const url = (values.url as string | undefined) ?? null;
  const core = await engine();
  // Before stdin is read: a manual backend refuses a credential, so none should be asked for.
  const { refuseUnusedBackendInput } = require('../../core/engine.js') as typeof import('../../core/engine.js');
  refuseUnusedBackendInput(type as BackendType, { url, credential: Boolean(values['credential-stdin']) });
  const credential = values['credential-stdin'] ? await readSecretFromStdin('credential') : null;
  const backend = await core.addBackend({ name, type: type as BackendType, url, credential, rotateEveryDays });
  const next = backend.capabilities.includes('list')
    ? `run "keywarden sync ${backend.name}"`
    : `record its keys with "keywarden key add --backend ${backend.name} --name LABEL [--expires-at DATE | --rotate-every-days D] [--secret-stdin]"`;
  out.result(backend, () => `added ${backend.type} backend "${backend.name}"${backend.hasCredential ? ' (credential tested and stored encrypted)' : ''}; ${next}`);
  return 0;
};

export const backendList: CommandRun = async ({ out, engine }) => {
  const backends = (await engine()).listBackends();
  out.result(backends, () =>
    backends.length === 0
      ? 'no backends yet; add one with "keywarden backend add" or try "keywarden demo"'
      : table(
          ['NAME', 'TYPE', 'KEYS', 'LAST OK SYNC', 'STATUS'],
          backends.map((b) => [b.name, b.type, String(b.keyCount), day(b.lastSyncOkAt), b.lastError ? `error: ${b.lastError}` : 'ok']),
        ),
  );
  return 0;
};

export const backendRemove: CommandRun = async ({ values, positionals, out, engine }) => {
  const name = positionals[0]!;
  const core = await engine();
  const backend = core.getBackend(name);
  await confirm(`Remove backend "${name}" with its ${plural(backend.keyCount, 'key')} and cached secrets from Keywarden? Nothing changes at the vendor.`, Boolean(values.yes));
  await core.removeBackend(name);
  out.result({ removed: name }, () => `removed backend "${name}"`);
  return 0;
};

export const backendSetCredential: CommandRun = async ({ values, positionals, out, engine }) => {
  if (!values['credential-stdin']) throw new KeywardenError('invalid_input', 'pass the new credential on standard input with --credential-stdin');
  const name = positionals[0]!;
  const credential = await readSecretFromStdin('credential');
  const backend = await (await engine()).setCredential(name, credential);
  out.result(backend, () => `the new credential of "${name}" was tested and stored encrypted; it replaces the old one`);
  return 0;
};

export const backendSetPolicy: CommandRun = async ({ values, positionals, out, engine }) => {
  const name = positionals[0]!;
  const days = parseWholeNumber(values['rotate-every-days'] as string | undefined, '--rotate-every-days', 1, MAX_POLICY_DAYS);
  if (days !== undefined && values['vendor-default']) {
    throw new KeywardenError('invalid_input', 'give either --rotate-every-days D or --vendor-default, not both: they set opposite policies');
  }
  if (days === undefined && !values['vendor-default']) throw new KeywardenError('invalid_input', 'give --rotate-every-days D or --vendor-default');
  const backend = await (await engine()).setRotationPolicy(name, days ?? null);
  out.result(backend, () => `keys of "${name}" without vendor expiry are now due ${backend.rotateEveryDays ? `${plural(backend.rotateEveryDays, 'day')} after creation` : 'never (no policy)'}`);
  return 0;
};

export const backendSetInterval: CommandRun = async ({ values, positionals, out, engine }) => {
  const name = positionals[0]!;
  const days = parseWholeNumber(values.days as string | undefined, '--days', 1, 365);
  if (days === undefined) throw new KeywardenError('invalid_input', 'give the interval with --days D (1 to 365)');
  const core = await engine();
  const result = await core.setVendorRotationInterval(name, days);
  const active = core.listKeys({ backend: name, status: 'active' });
  out.result({ ...result, activeKeys: active }, () =>
    [`the replacement interval of "${name}" is now ${plural(result.intervalDays, 'day')}`, ...active.map((key) => `active key ${key.ref} now expires ${day(key.expiresAt)}`)].join('\n'),
  );
  return 0;
};
