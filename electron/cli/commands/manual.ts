/** `keywarden key add|edit`: keys of vendors without an API, recorded and kept by hand in a manual backend. */
import { MAX_POLICY_DAYS } from '../../../shared/rules.js';
import { parseUserDate } from '../../core/dates.js';
import { KeywardenError } from '../../core/errors.js';
import { day, parseWholeNumber, readSecretFromStdin } from '../io.js';
import type { CommandRun } from '../main.js';

export const keyAdd: CommandRun = async ({ values, out, engine }) => {
  const backend = values.backend as string | undefined;
  const name = values.name as string | undefined;
  if (!backend || !name) throw new KeywardenError('invalid_input', 'key add needs --backend N and --name LABEL');
  const rotateEveryDays = parseWholeNumber(values['rotate-every-days'] as string | undefined, '--rotate-every-days', 1, MAX_POLICY_DAYS);
  const createdAt = (values['created-at'] as string | undefined) ?? null;
  const expiresAt = (values['expires-at'] as string | undefined) ?? null;
  // Checked here too (the engine checks again) so that a typo is reported before a secret is typed.
  if (createdAt !== null) parseUserDate(createdAt, 'created date');
  if (expiresAt !== null) parseUserDate(expiresAt, 'expiry date');
  const test = parseTestTemplate(values);
  const secret = values['secret-stdin'] ? await readSecretFromStdin('key') : null;
  const key = await (
    await engine()
  ).addManualKey(backend, {
    name,
    vendor: (values.vendor as string | undefined) ?? null,
    createdAt,
    expiresAt,
    rotateEveryDays: rotateEveryDays ?? null,
    secret,
    test,
  });
  out.result(
    key,
    () =>
      `added ${key.ref}${key.rotationDueAt ? `, due ${day(key.rotationDueAt)}` : ' (no due date: give --expires-at or --rotate-every-days to be reminded)'}${key.secretCached ? '; secret cached encrypted' : ''}`,
  );
  return 0;
};

export const keyEdit: CommandRun = async ({ values, positionals, out, engine }) => {
  const ref = positionals[0]!;
  const createdAt = values['created-at'] as string | undefined;
  const expiresAt = values['expires-at'] as string | undefined;
  const rotateEveryDays = parseWholeNumber(values['rotate-every-days'] as string | undefined, '--rotate-every-days', 1, MAX_POLICY_DAYS);
  const noExpiry = Boolean(values['no-expiry']);
  if ([expiresAt !== undefined, rotateEveryDays !== undefined, noExpiry].filter(Boolean).length > 1) {
    throw new KeywardenError('invalid_input', 'give one of --expires-at, --rotate-every-days and --no-expiry');
  }
  if (createdAt === undefined && expiresAt === undefined && rotateEveryDays === undefined && !noExpiry) {
    throw new KeywardenError('invalid_input', 'nothing to change: give --created-at, --expires-at, --rotate-every-days or --no-expiry');
  }
  const key = await (
    await engine()
  ).updateManualKey(ref, {
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : noExpiry ? { expiresAt: null } : {}),
    ...(rotateEveryDays !== undefined ? { rotateEveryDays } : {}),
  });
  out.result(key, () => `updated ${key.ref}${key.rotationDueAt ? `, due ${day(key.rotationDueAt)}` : '; it has no due date now (give --expires-at or --rotate-every-days to be reminded)'}`);
  return 0;
};

interface TestTemplate {
  url: string;
  header: string;
  valueTemplate: string;
  expectStatus: number;
  /** Lets the test request reach a private or loopback address (an emulator, an internal service); refused by default. */
  allowPrivateNetwork?: true;
}

function parseTestTemplate(values: Record<string, unknown>): TestTemplate | null {
  const url = values['test-url'] as string | undefined;
  const header = values['test-header'] as string | undefined;
  if (url === undefined && header === undefined) {
    if (values['test-allow-private-network']) throw new KeywardenError('invalid_input', '--test-allow-private-network only applies to a key test: give it with --test-url and --test-header');
    return null;
  }
  if (!url || !header) throw new KeywardenError('invalid_input', 'a key test needs both --test-url and --test-header "Name: value with {secret}"');
  const colon = header.indexOf(':');
  if (colon <= 0) throw new KeywardenError('invalid_input', '--test-header looks like "Authorization: Bearer {secret}"');
  try {
    new URL(url);
  } catch {
    throw new KeywardenError('invalid_input', `--test-url "${url}" is not a URL`);
  }
  const expectStatus = parseWholeNumber(values['test-expect'] as string | undefined, '--test-expect', 100, 599) ?? 200;
  const template: TestTemplate = { url, header: header.slice(0, colon).trim(), valueTemplate: header.slice(colon + 1).trim(), expectStatus };
  if (values['test-allow-private-network']) template.allowPrivateNetwork = true;
  return template;
}
