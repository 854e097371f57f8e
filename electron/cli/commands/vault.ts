/** `keywarden vault ...`: how this data folder's key is opened (OS keychain, passphrase), and starting over. */
import type { VaultStatus } from '../../core/vault/vault.js';
import { confirm, plural } from '../io.js';
import type { CommandRun } from '../main.js';
import { readNewPassphrase } from '../passphrase.js';

const KEYCHAIN_STATES: Record<NonNullable<VaultStatus['keychain']>, string> = {
  'holds-key': 'holds the key',
  missing: 'MISSING: the entry is not in the keychain',
  locked: 'LOCKED: unlock your login keyring',
  unavailable: 'UNAVAILABLE: no keychain reachable',
  'wrong-key': 'WRONG KEY: the entry holds another key',
};

function describe(status: VaultStatus & { sealed?: { keySecrets: number; credentials: number; alertSecrets?: number } }): string {
  if (!status.created) {
    return ['vault:       not created yet (it is created when the first secret or credential is stored)', `passphrase:  ${status.passphraseSlot ? 'set' : 'none'}`].join('\n');
  }
  const lines = [
    `vault:       ${status.vaultId}`,
    `keychain:    ${status.keychainEntry}: ${KEYCHAIN_STATES[status.keychain!]}`,
    `passphrase:  ${status.passphraseSlot ? `set (scrypt N=${status.passphraseSlot.N}, r=${status.passphraseSlot.r}, p=${status.passphraseSlot.p})` : 'none ("keywarden vault add-passphrase" adds one)'}`,
  ];
  if (status.sealed) {
    const alerts = status.sealed.alertSecrets ? `, ${plural(status.sealed.alertSecrets, 'alert channel secret')}` : '';
    lines.push(`sealed:      ${plural(status.sealed.keySecrets, 'cached secret')}, ${plural(status.sealed.credentials, 'backend credential')}${alerts}`);
  }
  if (status.keychainDetail && status.keychain !== 'holds-key') lines.push(`             ${status.keychainDetail}`);
  return lines.join('\n');
}

export const vaultStatus: CommandRun = async ({ out, engine }) => {
  const status = await (await engine()).vaultStatus();
  out.result(status, () => describe(status));
  return 0;
};

export const vaultAddPassphrase: CommandRun = async ({ out, engine }) => {
  const core = await engine();
  const passphrase = await readNewPassphrase();
  const status = await core.addPassphrase(passphrase);
  out.result(status, () => `the data key of ${core.home} now also opens with this passphrase; keep it somewhere safe (a password manager), it is not stored`);
  return 0;
};

export const vaultRemovePassphrase: CommandRun = async ({ values, out, engine }) => {
  const core = await engine();
  await confirm("Remove the passphrase? Afterwards only the OS keychain opens this data folder's key.", Boolean(values.yes));
  const status = await core.removePassphrase();
  out.result(status, () => 'the passphrase was removed; the OS keychain still holds the key');
  return 0;
};

export const vaultReset: CommandRun = async ({ values, out, engine }) => {
  const core = await engine();
  const before = await core.vaultStatus();
  await confirm(
    `Start the vault of ${core.home} over? This drops ${plural(before.sealed.keySecrets, 'cached secret')}, ${plural(before.sealed.credentials, 'backend credential')} and ${plural(before.sealed.alertSecrets, 'alert channel secret')} for good (shown-once keys cannot be shown again); the inventory, dates and audit trail stay.`,
    Boolean(values.yes),
  );
  const result = await core.resetVault({ leaveTeam: Boolean(values['leave-team']) });
  out.result(result, () =>
    [
      ...(result.leftTeam
        ? [`this folder is no longer linked to team "${result.leftTeam.team}"; ask an admin to run "keywarden team remove ${result.leftTeam.member}", then join again with "keywarden team join"`]
        : []),
      `dropped ${plural(result.dropped.keySecrets, 'cached secret')}, ${plural(result.dropped.credentials, 'credential')} and ${plural(result.dropped.alertSecrets, 'alert channel secret')}; a new data key is made when a secret is next stored`,
      ...(result.keychainEntry
        ? [
            result.keychainEntryRemoved
              ? `removed the keychain entry ${result.keychainEntry}`
              : `the keychain entry ${result.keychainEntry} was not removed${result.keychainProblem ? ` (${result.keychainProblem})` : ' (it was not there)'}`,
          ]
        : []),
      ...result.backendsNeedingCredential.map((name) => `set the credential of "${name}" again: keywarden backend set-credential ${name} --credential-stdin`),
      ...(result.backendsNeedingCredential.length ? ['CommBox secrets are cached again on the next sync.'] : []),
      ...(result.dropped.alertSecrets ? ['alert channels whose secret was dropped must be removed and added again ("keywarden alerts list" names them)'] : []),
    ].join('\n'),
  );
  return 0;
};
