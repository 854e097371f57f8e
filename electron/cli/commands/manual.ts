/**
 * `keywarden key add|edit`: keys of vendors without an API, recorded and kept by hand in a manual backend; and any key's
 * description (owner, environment, tags, notes), which `key edit` changes whatever the backend.
 */
import type { KeyDescriptionChange } from '../../../shared/domain.js';
import { MAX_POLICY_DAYS } from '../../../shared/rules.js';
import { parseUserDate } from '../../core/dates.js';
import { KeywardenError } from '../../core/errors.js';
import { day, parseWholeNumber, readSecretFromStdin, readTextFromStdin } from '../io.js';
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
  // The engine says this in the console's words; here it names the flag.
  if (test && !values['secret-stdin']) throw new KeywardenError('invalid_input', 'a test needs the key itself: pass it with --secret-stdin');
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
    description: await descriptionChange(values),
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
  const description = await descriptionChange(values);
  const datesChange = createdAt !== undefined || expiresAt !== undefined || rotateEveryDays !== undefined || noExpiry;
  if (!datesChange && Object.keys(description).length === 0) {
    throw new KeywardenError(
      'invalid_input',
      'nothing to change: give --owner, --env, --tag, --untag, --notes or --notes-stdin (any key), or --created-at, --expires-at, --rotate-every-days or --no-expiry (manual keys)',
    );
  }
  const opened = await engine();
  // The description first: it is Keywarden's own record and always allowed, so a refused date change (a vendor's
  // key) leaves the description written and says why the dates were not.
  let key = Object.keys(description).length > 0 ? await opened.describeKey(ref, description) : opened.getKey(ref);
  if (datesChange) {
    key = await opened.updateManualKey(ref, {
      ...(createdAt !== undefined ? { createdAt } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : noExpiry ? { expiresAt: null } : {}),
      ...(rotateEveryDays !== undefined ? { rotateEveryDays } : {}),
    });
  }
  out.result(key, () =>
    [
      `updated ${key.ref}`,
      datesChange ? (key.rotationDueAt ? `due ${day(key.rotationDueAt)}` : 'it has no due date now (give --expires-at or --rotate-every-days to be reminded)') : null,
      describeForTerminal(key),
    ]
      .filter(Boolean)
      .join('; '),
  );
  return 0;
};

/** The description options of `key add` and `key edit` as a change; the engine checks the text (key-descriptions.ts). */
async function descriptionChange(values: Record<string, unknown>): Promise<KeyDescriptionChange> {
  const change: KeyDescriptionChange = {};
  const pick = (flag: string, clear: string, field: 'owner' | 'environment' | 'notes') => {
    if (values[flag] !== undefined && values[clear]) throw new KeywardenError('invalid_input', `give --${flag} or --${clear}, not both`);
    if (values[flag] !== undefined) change[field] = values[flag] as string;
    else if (values[clear]) change[field] = null;
  };
  pick('owner', 'no-owner', 'owner');
  pick('env', 'no-env', 'environment');
  pick('notes', 'no-notes', 'notes');
  if (values['notes-stdin']) {
    if (change.notes !== undefined) throw new KeywardenError('invalid_input', 'give one of --notes, --notes-stdin and --no-notes');
    change.notes = await readTextFromStdin('notes');
  }
  // A tag option may hold several, comma-separated: "--tag prod,billing" as spreadsheets write them.
  const split = (list: unknown) => ((list as string[] | undefined) ?? []).flatMap((item) => item.split(','));
  if (values['no-tags']) {
    if (values.untag !== undefined) throw new KeywardenError('invalid_input', 'give --no-tags or --untag, not both');
    change.tags = split(values.tag);
  } else {
    if (values.tag !== undefined) change.addTags = split(values.tag);
    if (values.untag !== undefined) change.removeTags = split(values.untag);
  }
  return change;
}

function describeForTerminal(key: { owner: string | null; environment: string | null; tags: string[] }): string | null {
  const parts = [key.owner ? `owner ${key.owner}` : null, key.environment ? `env ${key.environment}` : null, key.tags.length ? `tags ${key.tags.join(', ')}` : null].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}

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
