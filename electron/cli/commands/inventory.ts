/** `keywarden sync|list|show|reveal|test|create|revoke`: the inventory and the key workflows. */
import type { BackendType, Key, KeyFilter, KeyStatus } from '../../../shared/domain.js';
import { KEY_STATUSES, linkedKeyText } from '../../../shared/rules.js';
import { KeywardenError } from '../../core/errors.js';
import { confirm, day, parseWholeNumber, plural, table, visible } from '../io.js';
import type { CommandRun } from '../main.js';

export const sync: CommandRun = async ({ positionals, out, engine }) => {
  const core = await engine();
  const report = await core.sync(positionals, {
    onProgress: (progress) => {
      if (progress.phase === 'done') out.info(`${progress.backend}: ${plural(progress.keys, 'key')} in ${plural(progress.pages, 'page')}`);
      if (progress.phase === 'failed') out.info(`FAILED: ${progress.error} (the cached inventory of ${progress.backend} is kept)`);
    },
  });
  // The engine syncs only backends that can be listed. Say why a named manual backend, or an inventory of
  // manual backends only, was not synced (not "no backends", which reads as if it were missing).
  const named = positionals.length > 0;
  const unlisted = (named ? positionals.map((name) => core.getBackend(name)) : core.listBackends()).filter((backend) => !backend.capabilities.includes('list'));
  const notes =
    named || report.results.length === 0
      ? unlisted.map((backend) => `${backend.name}: ${backend.type} backends have nothing to sync; add its keys with "keywarden key add --backend ${backend.name} --name LABEL ..."`)
      : [];
  if (report.results.length > 0 || out.json) for (const note of notes) out.info(note);
  out.result(report, () => {
    const failed = report.results.filter((r) => !r.ok).length;
    if (report.results.length === 0) return notes.length > 0 ? notes.join('\n') : 'no backends to sync; add one with "keywarden backend add"';
    return failed === 0 ? `synced ${plural(report.results.length, 'backend')}` : `${failed} of ${plural(report.results.length, 'backend')} failed; see above`;
  });
  return report.ok ? 0 : 2;
};

export const list: CommandRun = async ({ values, out, engine }) => {
  const given: KeyFilter = {};
  if (values.backend !== undefined) given.backend = values.backend as string;
  if (values.status !== undefined) {
    if (!(KEY_STATUSES as readonly string[]).includes(values.status as string)) {
      throw new KeywardenError('invalid_input', `--status must be one of ${KEY_STATUSES.join(', ')}`);
    }
    given.status = values.status as KeyStatus;
  }
  const dueWithin = parseWholeNumber(values['due-within'] as string | undefined, '--due-within', 0, 36_500);
  if (dueWithin !== undefined) given.dueWithinDays = dueWithin;
  if (values.search !== undefined) given.search = values.search as string;
  const core = await engine();
  // A view saved in the console: its filters, in its order; an option given beside it replaces the view's own.
  const view = values.view === undefined ? null : core.savedViewQuery(values.view as string);
  const filter: KeyFilter & { vendor?: BackendType; overdue?: boolean } = { ...view?.filter, ...given };
  const keys = core.listKeys(filter, view?.sort);
  out.result(keys, () => (keys.length === 0 ? 'no keys match' : keyTable(keys)));
  return 0;
};

function keyTable(keys: readonly Key[]): string {
  return table(
    ['REF', 'NAME', 'PREFIX', 'STATUS', 'DUE', 'SECRET'],
    keys.map((k) => [k.ref, k.name, k.prefix ?? '-', k.status, day(k.status === 'grace' ? k.graceEndsAt : k.rotationDueAt), k.secretCached ? 'cached' : '-']),
  );
}

export const show: CommandRun = async ({ positionals, out, engine }) => {
  const core = await engine();
  const key = core.getKey(positionals[0]!);
  // Where `test` sends the key, so it can be checked before the secret goes anywhere.
  const testTarget = await core.testTarget(key.ref);
  const { replaces, replacedBy } = core.keyLineage(key.ref);
  // Each line is one field: vendor text in it (the name) cannot start another line or move the cursor.
  out.result({ ...key, testTarget, replaces, replacedBy }, () =>
    [
      `ref:            ${key.ref}`,
      `name:           ${key.name}`,
      `backend:        ${key.backend} (${key.backendType})`,
      `prefix:         ${key.prefix ?? '-'}`,
      `status:         ${key.status}`,
      `created:        ${key.createdAt ?? '-'}`,
      `expires:        ${key.expiresAt ?? '-'}`,
      `grace ends:     ${key.graceEndsAt ?? '-'}`,
      `rotation due:   ${key.rotationDueAt ?? '-'}`,
      `last used:      ${key.lastUsedAt ?? '-'}`,
      `last tested:    ${key.lastTestedAt ? `${key.lastTestedAt} (${key.lastTestOk ? 'ok' : 'failed'})` : '-'}`,
      `secret cached:  ${key.secretCached ? 'yes (encrypted)' : 'no'}`,
      `test sends to:  ${testTarget ?? '-'}`,
      `synced:         ${key.syncedAt ?? '-'}`,
      `replaces:       ${replaces ? `${replaces.ref} ${linkedKeyText(replaces)}` : '-'}`,
      `replaced by:    ${replacedBy ? `${replacedBy.ref} ${linkedKeyText(replacedBy)}` : '-'}`,
      `owner:          ${key.owner ?? '-'}`,
      `environment:    ${key.environment ?? '-'}`,
      `tags:           ${key.tags.length ? key.tags.join(', ') : '-'}`,
      // Notes keep their line breaks, each line indented under the label (and each through `visible` like every line).
      ...(key.notes === null ? ['notes:          -'] : ['notes:', ...key.notes.split('\n').map((line) => `  ${line}`)]),
    ]
      .map((line) => visible(line))
      .join('\n'),
  );
  return 0;
};

export const reveal: CommandRun = async ({ positionals, out, engine }) => {
  const ref = positionals[0]!;
  const secret = await (await engine()).reveal(ref);
  // The secret is the whole of stdout, so `$(keywarden reveal REF)` works; nothing else is printed.
  // It is printed exactly as stored (not through `visible`): anything else would be a different secret.
  if (out.json) out.result({ ref, secret }, () => secret);
  else process.stdout.write(`${secret}\n`);
  return 0;
};

export const test: CommandRun = async ({ positionals, out, engine }) => {
  const result = await (await engine()).testKey(positionals[0]!);
  out.result(result, () => `${result.ref}: ${result.ok ? 'OK' : 'FAILED'} (${result.detail})`);
  return result.ok ? 0 : 1;
};

export const create: CommandRun = async ({ values, out, engine }) => {
  const backend = values.backend as string | undefined;
  const name = values.name as string | undefined;
  if (!backend || !name) throw new KeywardenError('invalid_input', 'create needs --backend N and --name LABEL');
  const issued = await (await engine()).createKey(backend, name);
  if (!issued.cached) {
    // Never a bare failure: the vendor made the key and will not show its secret again.
    out.info(
      `keywarden: WARNING: ${issued.key.ref} was created, but its secret could NOT be cached: the inventory database stayed locked by another process. Store the secret below yourself now; do not run create again (that would make a second key).`,
    );
  }
  if (issued.teamPending) {
    // Not a failure: the key and its secret are kept here; the team gets them when its server is back.
    out.info(
      `keywarden: the team's server could not take ${issued.key.ref} just now: it is kept (encrypted) in this data folder and pushed to the team by the next team operation ("keywarden team sync"); "keywarden team status" counts what waits. Do not run create again.`,
    );
  }
  out.result(issued, () =>
    [
      issued.cached
        ? `created ${issued.key.ref}; its secret is cached encrypted. The vendor shows it only this once:`
        : `created ${issued.key.ref}; its secret is NOT cached. The vendor shows it only this once:`,
      '',
      issued.secret ?? '(none)',
      '',
    ].join('\n'),
  );
  // Exit 3: scripts must not treat this as success (nothing cached) nor as failure (never retry a create).
  return issued.cached ? 0 : 3;
};

export const revoke: CommandRun = async ({ values, positionals, out, engine }) => {
  const ref = positionals[0]!;
  const validityDays = parseWholeNumber(values['validity-days'] as string | undefined, '--validity-days', 1, 365);
  const showSecret = Boolean(values['show-secret']);
  const core = await engine();
  const key = core.getKey(ref);
  // A key that is also the backend's credential (BoxWatch's one key per account) takes Keywarden's access
  // with it: say so every time, also with --yes (a script's log is where someone will look afterwards).
  if (await core.isCredentialKey(ref)) {
    const { backendDefinition } = require('../../core/backends/registry.js') as typeof import('../../core/backends/registry.js');
    out.info(
      `keywarden: warning: ${ref} is the key Keywarden uses to reach ${backendDefinition(key.backendType).displayName}: once it is revoked the account has no working key until you create one in the vendor's dashboard and run "keywarden backend set-credential ${key.backend} --credential-stdin"; Keywarden drops its copy and marks the backend as needing a credential.`,
    );
  }
  await confirm(`Revoke ${ref} ("${visible(key.name)}")?`, Boolean(values.yes));
  // The replacement's secret comes back (and is audited as a reveal) only with --show-secret.
  const result = await core.revokeKey(ref, { ...(validityDays !== undefined ? { validityDays } : {}), revealReplacement: showSecret });
  out.result(result, () => {
    const lines = [`revoked ${ref}${result.revoked?.status === 'grace' ? ` (it keeps working until ${result.revoked.graceEndsAt})` : ''}`];
    const replacement = result.replacement;
    if (replacement) {
      lines.push(`replacement ${replacement.key.ref} expires ${day(replacement.key.expiresAt)}; its secret is cached encrypted ("keywarden reveal ${replacement.key.ref}")`);
      if (replacement.secret !== null) lines.push('', replacement.secret, '');
    }
    return lines.join('\n');
  });
  return 0;
};

export const deleteKey: CommandRun = async ({ values, positionals, out, engine }) => {
  const ref = positionals[0]!;
  if (values.confirm !== ref) {
    throw new KeywardenError('invalid_input', `deleting is irreversible: repeat the reference to confirm, e.g. "keywarden delete ${ref} --confirm ${ref}"`);
  }
  await (await engine()).deleteKey(ref);
  out.result({ deleted: ref }, () => `deleted ${ref}`);
  return 0;
};

/**
 * The clipboard is always cleared: 0 ("never") is refused, and under 5 s there is no time to paste.
 * An hour is the most: a secret left longer is one forgotten in the clipboard.
 */
const CLEAR_AFTER_RANGE = [5, 3600] as const;

export const copy: CommandRun = async ({ values, positionals, out, engine }) => {
  const ref = positionals[0]!;
  const chosen = parseWholeNumber(values['clear-after'] as string | undefined, '--clear-after', ...CLEAR_AFTER_RANGE, 'seconds');
  const core = await engine();
  // The same delay the desktop app uses, unless this command says otherwise.
  const clearAfter = chosen ?? (await core.settings()).clipboardClearSeconds;
  const secret = await core.reveal(ref, 'copy');
  const { copyToClipboard } = await import('../clipboard.js');
  await copyToClipboard(secret, clearAfter);
  out.result({ copied: ref, clearAfterSeconds: clearAfter }, () => `copied the secret of ${ref}; the clipboard is cleared in ${clearAfter} s if it still holds it`);
  return 0;
};
