/**
 * The `keywarden` command: a thin client of the engine for scripts, cron and offline review.
 *
 * Start-up cost matters (scripts run it often), so this file holds only the command table; each
 * command's code, the engine and everything it needs are imported when that command runs.
 * Exit codes: 0 success, 1 error, 2 sync finished with some backends failed, 3 a shown-once key was
 * created and printed but could not be cached, 4 a rotation is paused (it waits for the administrator), 5 the audit
 * trail's hash chain does not verify (`audit verify`, `export --evidence`); `notify` exits 2 when some alert was not
 * delivered (retried on a later run).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EngineOptions, KeywardenEngine } from '../core/engine.js';
import { KEEP_BACKUPS } from '../../shared/rules.js';
import { KeywardenError, toKeywardenError } from '../core/errors.js';
import type { Output } from './io.js';

export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  out: Output;
  /** Opens the engine on first use (so `--help` never touches the database); a command may adjust the options (the demo's own folder). */
  engine: (overrides?: Partial<EngineOptions>) => Promise<KeywardenEngine>;
}

export type CommandRun = (context: CommandContext) => Promise<number>;

interface CommandSpec {
  usage: string;
  summary: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  positionals: [min: number, max: number];
  /**
   * What the command does to the data folder: `read` opens it read-only and never creates it (a
   * mistyped --home is named, a read-only copy can be listed); `write` needs it to exist; `create`
   * makes it when missing (only commands that add something).
   */
  access: 'read' | 'write' | 'create';
  load(): Promise<CommandRun>;
  /** False for a command that cannot end with one JSON document (it runs until stopped): --json is refused. */
  json?: false;
  /** The exit code for an error, when 1 already means something else for this command (`check`: 1 is "something is due"). */
  errorExit?: number;
}

const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  home: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** A key's description, as `key add` and `key edit` take it. */
const DESCRIPTION_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  owner: { type: 'string' },
  env: { type: 'string' },
  tag: { type: 'string', multiple: true },
  notes: { type: 'string' },
};

// Lazy loads use require(), not import(): in compiled CommonJS an import() goes through Node's ESM
// loader and its export scanner, which costs a script that runs `keywarden list` every minute ~10-15 ms.
const backendCommands = () => require('./commands/backend.js') as typeof import('./commands/backend.js');
const inventoryCommands = () => require('./commands/inventory.js') as typeof import('./commands/inventory.js');
const reportCommands = () => require('./commands/reports.js') as typeof import('./commands/reports.js');
const manualCommands = () => require('./commands/manual.js') as typeof import('./commands/manual.js');
const demoCommands = () => require('./commands/demo.js') as typeof import('./commands/demo.js');
const vaultCommands = () => require('./commands/vault.js') as typeof import('./commands/vault.js');
const settingsCommands = () => require('./commands/settings.js') as typeof import('./commands/settings.js');
const uiCommands = () => require('./commands/ui.js') as typeof import('./commands/ui.js');
const rotationCommands = () => require('./commands/rotation.js') as typeof import('./commands/rotation.js');
const healthCommands = () => require('./commands/health.js') as typeof import('./commands/health.js');
const checkCommands = () => require('./commands/check.js') as typeof import('./commands/check.js');
const importCommands = () => require('./commands/import.js') as typeof import('./commands/import.js');
const backupCommands = () => require('./commands/backup.js') as typeof import('./commands/backup.js');
const teamCommands = () => require('./commands/team.js') as typeof import('./commands/team.js');
const alertCommands = () => require('./commands/alerts.js') as typeof import('./commands/alerts.js');

const COMMANDS: Record<string, CommandSpec> = {
  'backend add': {
    usage: 'backend add --type T --name N [--url U] [--credential-stdin] [--rotate-every-days D] [--json]',
    summary: 'register a backend; its credential is read from stdin and tested before it is stored',
    options: { type: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' }, 'credential-stdin': { type: 'boolean' }, 'rotate-every-days': { type: 'string' } },
    positionals: [0, 0],
    access: 'create',
    load: async () => backendCommands().backendAdd,
  },
  'backend list': {
    usage: 'backend list [--json]',
    summary: 'list backends with their last sync',
    positionals: [0, 0],
    access: 'read',
    load: async () => backendCommands().backendList,
  },
  'backend remove': {
    usage: 'backend remove NAME [--yes] [--json]',
    summary: 'remove a backend and its cached inventory and secrets (nothing is changed at the vendor)',
    options: { yes: { type: 'boolean' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => backendCommands().backendRemove,
  },
  'backend set-credential': {
    usage: 'backend set-credential NAME --credential-stdin [--json]',
    summary: 'replace a backend credential; the new one is tested before it replaces the old one',
    options: { 'credential-stdin': { type: 'boolean' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => backendCommands().backendSetCredential,
  },
  'backend set-policy': {
    usage: 'backend set-policy NAME (--rotate-every-days D | --vendor-default) [--json]',
    summary: 'set how many days after creation a key without vendor expiry is due for rotation',
    options: { 'rotate-every-days': { type: 'string' }, 'vendor-default': { type: 'boolean' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => backendCommands().backendSetPolicy,
  },
  'backend set-interval': {
    usage: 'backend set-interval NAME --days D [--json]',
    summary: "CommBox: set the admin's key replacement interval (1-365 days) at the vendor; the active key's expiry follows",
    options: { days: { type: 'string' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => backendCommands().backendSetInterval,
  },
  'key add': {
    usage:
      'key add --backend N --name LABEL [--vendor V] [--created-at DATE] [--expires-at DATE | --rotate-every-days D] [--owner NAME] [--env NAME] [--tag T]... [--notes TEXT] [--secret-stdin] [--test-url URL --test-header "Name: value with {secret}" [--test-expect STATUS] [--test-allow-private-network]] [--json]',
    summary: 'record a key of a vendor without an API in a manual backend',
    options: {
      backend: { type: 'string' },
      name: { type: 'string' },
      vendor: { type: 'string' },
      'created-at': { type: 'string' },
      'expires-at': { type: 'string' },
      'rotate-every-days': { type: 'string' },
      'secret-stdin': { type: 'boolean' },
      'test-url': { type: 'string' },
      'test-header': { type: 'string' },
      'test-expect': { type: 'string' },
      'test-allow-private-network': { type: 'boolean' },
      ...DESCRIPTION_OPTIONS,
    },
    positionals: [0, 0],
    access: 'write',
    load: async () => manualCommands().keyAdd,
  },
  'key edit': {
    usage:
      'key edit REF [--owner NAME | --no-owner] [--env NAME | --no-env] [--tag T]... [--untag T]... [--no-tags] [--notes TEXT | --notes-stdin | --no-notes] [--created-at DATE] [--expires-at DATE | --rotate-every-days D | --no-expiry] [--json]',
    summary: "describe any key (owner, environment, tags, notes); change a manual key's dates, and its due date and reminders follow",
    options: {
      'created-at': { type: 'string' },
      'expires-at': { type: 'string' },
      'rotate-every-days': { type: 'string' },
      'no-expiry': { type: 'boolean' },
      ...DESCRIPTION_OPTIONS,
      untag: { type: 'string', multiple: true },
      'no-owner': { type: 'boolean' },
      'no-env': { type: 'boolean' },
      'no-tags': { type: 'boolean' },
      'no-notes': { type: 'boolean' },
      'notes-stdin': { type: 'boolean' },
    },
    positionals: [1, 1],
    access: 'write',
    load: async () => manualCommands().keyEdit,
  },
  sync: {
    usage: 'sync [NAME...] [--json]',
    summary: 'fetch the inventory of every (or the named) backend; exit 2 if some failed',
    positionals: [0, 1000],
    access: 'write',
    load: async () => inventoryCommands().sync,
  },
  list: {
    usage: 'list [--json] [--view NAME] [--backend N] [--status S] [--due-within DAYS] [--search QUERY]',
    summary: 'list keys from the local inventory (works offline); --view lists a view saved in the console, in its order',
    options: { view: { type: 'string' }, backend: { type: 'string' }, status: { type: 'string' }, 'due-within': { type: 'string' }, search: { type: 'string' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => inventoryCommands().list,
  },
  show: {
    usage: 'show REF [--json]',
    summary: 'show one key',
    positionals: [1, 1],
    access: 'read',
    load: async () => inventoryCommands().show,
  },
  reveal: {
    usage: 'reveal REF [--json]',
    summary: 'print a key secret from the encrypted cache (audited)',
    positionals: [1, 1],
    access: 'write',
    load: async () => inventoryCommands().reveal,
  },
  test: {
    usage: 'test REF [--json]',
    summary: 'test a key against its vendor; exit 1 if it does not work',
    positionals: [1, 1],
    access: 'write',
    load: async () => inventoryCommands().test,
  },
  create: {
    usage: 'create --backend N --name LABEL [--json]',
    summary: 'create a key; a shown-once secret is printed once, after it is cached encrypted',
    options: { backend: { type: 'string' }, name: { type: 'string' } },
    positionals: [0, 0],
    access: 'write',
    load: async () => inventoryCommands().create,
  },
  revoke: {
    usage: 'revoke REF [--validity-days D] [--yes] [--show-secret] [--json]',
    summary: 'revoke a key (CommBox issues a replacement valid for D days, cached encrypted; --show-secret prints its secret, audited as a reveal)',
    options: { 'validity-days': { type: 'string' }, yes: { type: 'boolean' }, 'show-secret': { type: 'boolean' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => inventoryCommands().revoke,
  },
  delete: {
    usage: 'delete REF --confirm REF [--json]',
    summary: 'delete a key at its vendor (irreversible); --confirm must repeat the reference',
    options: { confirm: { type: 'string' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => inventoryCommands().deleteKey,
  },
  copy: {
    usage: 'copy REF [--clear-after SECONDS] [--json]',
    summary: 'copy a key secret to the clipboard, cleared after 30 s (or SECONDS, 5 to 3600) if unchanged',
    options: { 'clear-after': { type: 'string' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => inventoryCommands().copy,
  },
  rotate: {
    usage: 'rotate REF [--yes] [--validity-days D] [--order paste-first|revoke-first] [--new-name ID] [--secret-stdin] [--plan] [--json]',
    summary:
      "rotate a key the vendor's way, step by step from a crash-safe journal: the plan (downtime, warnings) is shown first; --yes takes every step, --secret-stdin reads a pasted key, --plan only shows the plan",
    options: {
      yes: { type: 'boolean' },
      'validity-days': { type: 'string' },
      order: { type: 'string' },
      'new-name': { type: 'string' },
      'secret-stdin': { type: 'boolean' },
      plan: { type: 'boolean' },
    },
    positionals: [1, 1],
    access: 'write',
    load: async () => rotationCommands().rotate,
  },
  'rotation list': {
    usage: 'rotation list [--all] [--json]',
    summary: 'rotations in progress (also those stopped by a crash or a closed app); --all includes finished ones',
    options: { all: { type: 'boolean' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => rotationCommands().rotationList,
  },
  'rotation resume': {
    usage: 'rotation resume [ID | --all] [--yes] [--secret-stdin] [--json]',
    summary: 'continue a rotation where it stopped; an unknown vendor outcome is looked up by re-listing, never repeated',
    options: { all: { type: 'boolean' }, yes: { type: 'boolean' }, 'secret-stdin': { type: 'boolean' } },
    positionals: [0, 1],
    access: 'write',
    load: async () => rotationCommands().rotationResume,
  },
  'rotation abandon': {
    usage: 'rotation abandon ID [--json]',
    summary: 'stop a rotation where it stands; nothing at the vendor is undone (the answer says what was done there)',
    positionals: [1, 1],
    access: 'write',
    load: async () => rotationCommands().rotationAbandon,
  },
  'key consumers': {
    usage: 'key consumers REF [--add NAME | --remove NAME | --clear] [--json]',
    summary: 'a key\'s named consumers ("CI pipeline"), ticked off in its rotation before the old key goes',
    options: { add: { type: 'string' }, remove: { type: 'string' }, clear: { type: 'boolean' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => rotationCommands().keyConsumers,
  },
  check: {
    usage: 'check [--within DAYS] [--backend NAME]... [--format text|json|junit] [--json]',
    summary: 'a gate for pipelines: exit 0 nothing due within DAYS (default 30), 1 something due, 2 overdue or expired, 3 could not check',
    options: { within: { type: 'string' }, backend: { type: 'string', multiple: true }, format: { type: 'string' } },
    positionals: [0, 0],
    access: 'read',
    errorExit: 3,
    load: async () => checkCommands().check,
  },
  health: {
    usage: 'health [--within DAYS] [--unused-days N] [--stale-days N] [--json]',
    summary: 'findings to act on, most severe first: overdue keys, failed tests, failing backends, stopped rotations...',
    options: { within: { type: 'string' }, 'unused-days': { type: 'string' }, 'stale-days': { type: 'string' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => healthCommands().health,
  },
  reminders: {
    usage: 'reminders [--within DAYS] [--json]',
    summary: 'keys due for rotation, expiring or leaving their grace period (default: within the largest reminder lead time, 30 days unless set)',
    options: { within: { type: 'string' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => reportCommands().reminders,
  },
  audit: {
    usage: 'audit [--limit N] [--json]',
    summary: 'the audit trail of every action (never contains secrets)',
    options: { limit: { type: 'string' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => reportCommands().audit,
  },
  'audit verify': {
    usage: 'audit verify [--head HASH] [--json]',
    summary:
      "walk the audit trail's hash chain: exit 0 with the number of events and the head hash (record it elsewhere), exit 5 naming the first edited, removed or reordered event; --head checks a head hash recorded earlier is still in the chain",
    options: { head: { type: 'string' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => reportCommands().auditVerify,
  },
  export: {
    usage: 'export (--format csv|json|ics | --evidence) [--output FILE [--force]] [--json]',
    summary:
      'export the inventory (never secrets; ics: the due dates as a calendar) to stdout or a new 0600 file (an existing one is refused; --force replaces it); --evidence writes the pack for auditors (inventory by prefix, the chained audit trail, its head hash and verdict; exit 5 if the chain does not verify); with --json, the JSON export (or, with --output, a summary) on stdout',
    options: { format: { type: 'string' }, output: { type: 'string' }, evidence: { type: 'boolean' }, force: { type: 'boolean' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => reportCommands().exportInventory,
  },
  import: {
    usage:
      'import --from kdbx|keepass-xml|bitwarden-json|bitwarden-sm-json|1pux|csv FILE --backend NAME [--create-backend] [--dry-run] [--map COLUMN=FIELD ...] [--date-order day-month|month-day] [--overwrite] [--password-stdin] [--key-file F] [--json]',
    summary:
      'bring keys in from KeePass, Bitwarden, 1Password or a spreadsheet into a manual backend; a second import updates instead of duplicating, and keys edited here since are kept unless --overwrite',
    options: {
      from: { type: 'string' },
      backend: { type: 'string' },
      'create-backend': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      map: { type: 'string', multiple: true },
      'date-order': { type: 'string' },
      overwrite: { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
      'key-file': { type: 'string' },
    },
    positionals: [1, 1],
    access: 'create',
    load: async () => importCommands().importInventory,
  },
  'vault status': {
    usage: 'vault status [--json]',
    summary: "how this data folder's key is opened: the OS keychain entry, the passphrase, what is sealed",
    positionals: [0, 0],
    access: 'read',
    load: async () => vaultCommands().vaultStatus,
  },
  'vault add-passphrase': {
    usage: 'vault add-passphrase [--json]',
    summary: 'add a passphrase that opens the data key without the keychain (typed twice, or from the file named by $KEYWARDEN_PASSPHRASE_FILE)',
    positionals: [0, 0],
    access: 'create',
    load: async () => vaultCommands().vaultAddPassphrase,
  },
  'vault remove-passphrase': {
    usage: 'vault remove-passphrase [--yes] [--json]',
    summary: 'remove the passphrase (only while the OS keychain holds the key)',
    options: { yes: { type: 'boolean' } },
    positionals: [0, 0],
    access: 'write',
    load: async () => vaultCommands().vaultRemovePassphrase,
  },
  'vault reset': {
    usage: 'vault reset [--yes] [--leave-team] [--json]',
    summary: 'start the vault over: drop cached secrets and credentials and the keychain entry, keep the inventory (a team home: --leave-team unlinks it)',
    options: { yes: { type: 'boolean' }, 'leave-team': { type: 'boolean' } },
    positionals: [0, 0],
    access: 'write',
    load: async () => vaultCommands().vaultReset,
  },
  settings: {
    usage: 'settings [--json]',
    summary: 'show the preferences the desktop app, the console and the CLI share',
    positionals: [0, 0],
    access: 'read',
    load: async () => settingsCommands().showSettings,
  },
  'settings set': {
    usage:
      'settings set [--clipboard-clear-seconds N] [--background-sync-hours N] [--reveal-hide-seconds N] [--lock-after-idle-minutes N] [--max-rotation-days N|none] [--reminder-lead-days D,D,...] [--json]',
    summary: 'change preferences; the others keep their values (--reminder-lead-days 60,30,14,7,1: when the tray, notifications and alerts speak up)',
    options: {
      'clipboard-clear-seconds': { type: 'string' },
      'background-sync-hours': { type: 'string' },
      'reveal-hide-seconds': { type: 'string' },
      'lock-after-idle-minutes': { type: 'string' },
      'max-rotation-days': { type: 'string' },
      'reminder-lead-days': { type: 'string' },
    },
    positionals: [0, 0],
    access: 'write',
    load: async () => settingsCommands().setSettings,
  },
  'alerts add': {
    usage:
      'alerts add --type webhook|slack|email --name N [--url URL] [--secret-stdin] [--allow-private-network] [--smtp-host H --from ADDR --to ADDR... [--smtp-port P] [--smtp-security starttls|tls|plain] [--smtp-ca-file FILE] [--user U --password-stdin]] [--json]',
    summary:
      'add an alert channel for reminders beyond this machine: a webhook (--url; --secret-stdin reads its signing secret), Slack (--secret-stdin reads the incoming webhook URL, itself a secret) or email over SMTP (STARTTLS); secrets are sealed',
    options: {
      type: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      'secret-stdin': { type: 'boolean' },
      'allow-private-network': { type: 'boolean' },
      'smtp-host': { type: 'string' },
      'smtp-port': { type: 'string' },
      'smtp-security': { type: 'string' },
      'smtp-ca-file': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string', multiple: true },
      user: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
    positionals: [0, 0],
    access: 'create',
    load: async () => alertCommands().alertsAdd,
  },
  'alerts list': {
    usage: 'alerts list [--json]',
    summary: 'the alert channels: where each sends, its last attempt, failures and alerts waiting for a retry (never a secret)',
    positionals: [0, 0],
    access: 'read',
    load: async () => alertCommands().alertsList,
  },
  'alerts test': {
    usage: 'alerts test NAME [--json]',
    summary: 'send the channel a clearly marked test message now; exit 1 if it did not accept it',
    positionals: [1, 1],
    access: 'write',
    load: async () => alertCommands().alertsTest,
  },
  'alerts remove': {
    usage: 'alerts remove NAME [--json]',
    summary: 'remove an alert channel and the alerts it waits to send',
    positionals: [1, 1],
    access: 'write',
    load: async () => alertCommands().alertsRemove,
  },
  notify: {
    usage: 'notify [--dry-run] [--channel NAME] [--json]',
    summary:
      'send what is due to the alert channels, each key and stage once per channel (for cron and systemd timers); exit 0 all sent or nothing due, 2 some not delivered (retried on a later run)',
    options: { 'dry-run': { type: 'boolean' }, channel: { type: 'string' } },
    positionals: [0, 0],
    access: 'write',
    load: async () => alertCommands().notify,
  },
  backup: {
    usage: 'backup [--output FILE [--force]] [--json]',
    summary: `back the database up now (checked, 0600) into the backups folder, where the last ${KEEP_BACKUPS} are kept, or to FILE (an existing one is refused; --force replaces it); prints its path`,
    options: { output: { type: 'string' }, force: { type: 'boolean' } },
    positionals: [0, 0],
    // Reads the database (a read-only open, so a read-only copy can be backed up with --output); writes only the backup.
    access: 'read',
    load: async () => backupCommands().backup,
  },
  'backup list': {
    usage: 'backup list [--json]',
    summary: 'the rolling backups in the data folder, newest first',
    positionals: [0, 0],
    access: 'read',
    load: async () => backupCommands().backupList,
  },
  restore: {
    usage: 'restore FILE|--latest [--yes] [--json]',
    summary: 'replace the database with a backup (checked first; the current file is kept aside); refused while another process has it open',
    options: { latest: { type: 'boolean' }, yes: { type: 'boolean' } },
    positionals: [0, 1],
    access: 'write',
    load: async () => backupCommands().restore,
  },
  'team init': {
    usage: 'team init --database URL [--team NAME] [--json]',
    summary:
      'create a team inventory in an existing PostgreSQL database (schema NAME, default keywarden): you become its first admin and this data folder its first inventory; the password comes from PGPASSWORD or PGPASSFILE, never the URL',
    options: { database: { type: 'string' }, team: { type: 'string' } },
    positionals: [0, 0],
    access: 'create',
    load: async () => teamCommands().teamInit,
  },
  'team join': {
    usage: 'team join --database URL [--team NAME] [--json]',
    summary: "ask to join a team from a new data folder; prints your key's fingerprint to read to an admin",
    options: { database: { type: 'string' }, team: { type: 'string' } },
    positionals: [0, 0],
    access: 'create',
    load: async () => teamCommands().teamJoin,
  },
  'team members': {
    usage: 'team members [--json]',
    summary: 'members with their role, state (pending, approved, left) and key fingerprint',
    positionals: [0, 0],
    access: 'read',
    load: async () => teamCommands().teamMembers,
  },
  'team approve': {
    usage: 'team approve MEMBER --role viewer|operator|admin --fingerprint F [--json]',
    summary: "admin: approve a member (or change a member's role) after comparing the fingerprint they read to you; operators and admins get the team key",
    options: { role: { type: 'string' }, fingerprint: { type: 'string' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => teamCommands().teamApprove,
  },
  'team remove': {
    usage: 'team remove MEMBER [--yes] [--json]',
    summary: 'admin: remove a member, rotate the team key and re-seal every secret; lists the keys they could have read, to rotate',
    options: { yes: { type: 'boolean' } },
    positionals: [1, 1],
    access: 'write',
    load: async () => teamCommands().teamRemove,
  },
  'team status': {
    usage: 'team status [--json]',
    summary: "this team home: the team, your role and fingerprint, the local copy's age, the server's state (or why it is unreachable)",
    positionals: [0, 0],
    access: 'read',
    load: async () => teamCommands().teamStatus,
  },
  'team sync': {
    usage: 'team sync [--json]',
    summary: "pull the team's changes into the local copy (secrets re-sealed under this data folder's key)",
    positionals: [0, 0],
    access: 'write',
    load: async () => teamCommands().teamSync,
  },
  'team audit': {
    usage: 'team audit [--limit N] [--json] | team audit --verify [--head HASH] [--json]',
    summary:
      "the team's audit trail on the server, newest first (100 events unless --limit); --verify walks its hash chain: exit 0 with the head hash, exit 5 naming the first event altered, removed or reordered on the server; --head checks a head hash recorded earlier is still in the chain (exit 5 when the trail was rewritten or rolled back)",
    options: { limit: { type: 'string' }, verify: { type: 'boolean' }, head: { type: 'string' } },
    positionals: [0, 0],
    access: 'read',
    load: async () => teamCommands().teamAudit,
  },
  'team leave': {
    usage: 'team leave [--yes] [--json]',
    summary: 'stop following the team (the local copy stays readable); an admin then removes you',
    options: { yes: { type: 'boolean' } },
    positionals: [0, 0],
    access: 'write',
    load: async () => teamCommands().teamLeave,
  },
  demo: {
    usage: 'demo',
    summary: 'start the three vendor emulators with sample keys, register them here, and keep them running until Ctrl-C',
    positionals: [0, 0],
    access: 'create',
    load: async () => demoCommands().demo,
    json: false,
  },
  ui: {
    usage: 'ui [--port N] [--no-open] [--json]',
    summary: 'serve the console on 127.0.0.1 (a free port, or N) and open it in the default browser, until Ctrl-C; prints a one-time sign-in URL (Enter prints another)',
    options: { port: { type: 'string' }, 'no-open': { type: 'boolean' } },
    positionals: [0, 0],
    access: 'create',
    load: async () => uiCommands().ui,
  },
};

function helpText(): string {
  const lines = Object.values(COMMANDS).map((spec) => `  keywarden ${spec.usage}\n      ${spec.summary}`);
  return [
    'keywarden: API key inventory, reminders and vendor workflows',
    '',
    'Usage:',
    ...lines,
    '',
    'Global options:',
    "  --home DIR   data folder (default: $KEYWARDEN_HOME, else the desktop app's folder)",
    '  --json       print exactly one JSON document on stdout; messages go to stderr',
    '  -h, --help   this help',
    '',
    'Secrets and credentials are read from standard input, never from arguments; a passphrase from a prompt or $KEYWARDEN_PASSPHRASE_FILE.',
    'Exit codes: 0 success, 1 error, 2 sync with some backends failed (notify: some alert not delivered), 3 key created and printed but not cached, 4 rotation paused (waits for you), 5 the audit trail does not verify; "check" has its own (0 nothing due, 1 due, 2 overdue, 3 could not check).',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const { createOutput, visible } = require('./io.js') as typeof import('./io.js');
  const out = createOutput(json);
  let engine: KeywardenEngine | null = null;
  let errorExit = 1;
  try {
    const found = findCommand(argv);
    if (!found) return helpOrUnknownCommand(argv, out);
    const spec = COMMANDS[found.name]!;
    errorExit = spec.errorExit ?? 1;
    const parsed = parseCommandLine(found.rest, found.name, spec);
    if (parsed.values.help) {
      commandHelp(found.name, out);
      return 0;
    }
    if (parsed.values.json && spec.json === false) {
      throw new KeywardenError('invalid_input', `"keywarden ${found.name}" has no --json output: it runs until stopped and reports on standard error`);
    }
    const run = await spec.load();
    return await run({
      values: parsed.values,
      positionals: parsed.positionals,
      out,
      engine: async (overrides = {}) => {
        if (engine) return engine;
        const { KeywardenEngine } = require('../core/engine.js') as typeof import('../core/engine.js');
        const { resolveHome } = require('../core/paths.js') as typeof import('../core/paths.js');
        const { cliPassphraseSource } = require('./passphrase.js') as typeof import('./passphrase.js');
        engine = await KeywardenEngine.start({
          home: resolveHome(parsed.values.home as string | undefined),
          http: httpOptionsFromEnv(),
          readOnly: spec.access === 'read',
          mustExist: spec.access !== 'create',
          passphrase: cliPassphraseSource(),
          ...overrides,
        });
        for (const warning of engine.warnings) out.info(`keywarden: warning: ${warning}`);
        return engine;
      },
    });
  } catch (error) {
    const typed = toKeywardenError(error);
    // Messages can quote vendor text (a key name, a vendor's error): never let it drive the terminal.
    process.stderr.write(`keywarden: ${visible(typed.message)}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: typed.toJSON() }, null, 2)}\n`);
    return errorExit;
  } finally {
    await (engine as KeywardenEngine | null)?.close();
  }
}

/** Two-word commands by their first word ("backend" → add, list, ...), for help and for naming what exists. */
function groups(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const name of Object.keys(COMMANDS)) {
    const [group, sub] = name.split(' ');
    if (sub !== undefined) found.set(group!, [...(found.get(group!) ?? []), sub]);
  }
  return found;
}

/**
 * No command matched: the general help when that is what was asked for (`keywarden`, `keywarden -h`,
 * `keywarden help [COMMAND]`), else an error naming the unknown command, even with --help: a typo must
 * not look like success to a script.
 */
function helpOrUnknownCommand(argv: string[], out: Output): number {
  const words = commandWords(argv);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (words[0] === 'help') {
    const topic = words.slice(1);
    if (topic.length === 0) return generalHelp(out, 0);
    const name = topic.slice(0, 2).join(' ');
    if (COMMANDS[name] && topic.length <= 2) return commandHelp(name, out);
    if (COMMANDS[topic[0]!] && topic.length === 1) return commandHelp(topic[0]!, out);
    if (topic.length === 1 && groups().has(topic[0]!)) return groupHelp(topic[0]!, out);
    throw new KeywardenError('invalid_input', `unknown command "${topic.join(' ')}"; run "keywarden --help" for the list`);
  }
  if (words.length === 0) {
    if (argv.length === 0) return generalHelp(out, 1);
    if (wantsHelp) return generalHelp(out, 0);
    throw new KeywardenError('invalid_input', 'no command given; run "keywarden --help" for the list');
  }
  const subcommands = groups().get(words[0]!);
  if (subcommands) {
    if (words.length === 1 && wantsHelp) return groupHelp(words[0]!, out);
    throw new KeywardenError(
      'invalid_input',
      words.length === 1
        ? `"${words[0]}" needs a subcommand: ${subcommands.join(', ')}; run "keywarden ${words[0]} --help"`
        : `unknown command "${words.slice(0, 2).join(' ')}"; the ${words[0]} commands are: ${subcommands.join(', ')}`,
    );
  }
  throw new KeywardenError('invalid_input', `unknown command "${words[0]}"; run "keywarden --help" for the list`);
}

function generalHelp(out: Output, code: number): number {
  out.result({ commands: Object.values(COMMANDS).map((spec) => ({ usage: `keywarden ${spec.usage}`, summary: spec.summary })) }, helpText);
  return code;
}

function groupHelp(group: string, out: Output): number {
  const names = Object.keys(COMMANDS).filter((name) => name.startsWith(`${group} `));
  out.result({ commands: names.map((name) => ({ usage: `keywarden ${COMMANDS[name]!.usage}`, summary: COMMANDS[name]!.summary })) }, () =>
    ['Usage:', ...names.map((name) => `  keywarden ${COMMANDS[name]!.usage}\n      ${COMMANDS[name]!.summary}`)].join('\n'),
  );
  return 0;
}

function commandHelp(name: string, out: Output): number {
  const spec = COMMANDS[name]!;
  out.result({ usage: `keywarden ${spec.usage}`, summary: spec.summary }, () => `Usage: keywarden ${spec.usage}\n  ${spec.summary}`);
  return 0;
}

/** Index of the first word that is not a global option (skipping `--home DIR`). */
function firstWordIndex(argv: string[]): number {
  let index = 0;
  while (index < argv.length && argv[index]!.startsWith('-')) index += argv[index] === '--home' ? 2 : 1;
  return index;
}

/** The words a command name would be made of: those after the global options, up to the next option. */
function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (let index = firstWordIndex(argv); index < argv.length && !argv[index]!.startsWith('-'); index++) words.push(argv[index]!);
  return words;
}

/**
 * Finds the command words (one or two) wherever they stand among the global options, e.g.
 * `keywarden --home /tmp/x backend add ...`; returns the arguments without them.
 */
function findCommand(argv: string[]): { name: string; rest: string[] } | null {
  const index = firstWordIndex(argv);
  const first = argv[index];
  if (first === undefined) return null;
  const second = argv[index + 1];
  const twoWords = second !== undefined && !second.startsWith('-') ? `${first} ${second}` : null;
  if (twoWords && COMMANDS[twoWords]) return { name: twoWords, rest: [...argv.slice(0, index), ...argv.slice(index + 2)] };
  if (COMMANDS[first]) return { name: first, rest: [...argv.slice(0, index), ...argv.slice(index + 1)] };
  return null;
}

/**
 * Reads the options with `util.parseArgs` in its lenient mode and judges its tokens here, so every
 * mistake gets Keywarden's own one-line message instead of Node's (which talks of ambiguity and of
 * "--", neither of which a Keywarden user needs).
 * - A string option takes the next argument as its value unless that looks like an option (`--json`,
 *   `-h`): then the value is missing. `-5` is a value (a negative number, refused with its range by
 *   the command), so no one needs `--` or `--opt=-5`; `--opt=VALUE` works too.
 * - `--` ends the options, as everywhere; nothing of Keywarden's needs it.
 */
function parseCommandLine(args: string[], name: string, spec: CommandSpec): { values: CommandContext['values']; positionals: string[] } {
  const options = { ...GLOBAL_OPTIONS, ...spec.options };
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  const values: CommandContext['values'] = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    const flag = token.rawName;
    if (!option) throw usageError(`unknown option "${flag}" for "${name}"`, spec);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw usageError(`${flag} takes no value`, spec);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined || (!token.inlineValue && /^(--|-[A-Za-z]$)/.test(token.value))) throw usageError(`${flag} needs a value`, spec);
    if (option.multiple) {
      values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), token.value];
      continue;
    }
    if (values[token.name] !== undefined) throw usageError(`${flag} is given twice`, spec);
    values[token.name] = token.value;
  }
  const [min, max] = spec.positionals;
  if (!values.help && (positionals.length < min || positionals.length > max)) {
    throw usageError(positionals.length < min ? 'missing argument' : `unexpected argument "${positionals[max]}"`, spec);
  }
  return { values, positionals };
}

function usageError(problem: string, spec: CommandSpec): KeywardenError {
  return new KeywardenError('invalid_input', `${problem}; usage: keywarden ${spec.usage}`);
}

/** Advanced settings for slow networks and for tests that inject hangs: KEYWARDEN_HTTP_TIMEOUT_MS, KEYWARDEN_HTTP_BACKOFF_MS. */
function httpOptionsFromEnv(): { responseTimeoutMs?: number; connectTimeoutMs?: number; totalTimeoutMs?: number; baseBackoffMs?: number } {
  const options: { responseTimeoutMs?: number; connectTimeoutMs?: number; totalTimeoutMs?: number; baseBackoffMs?: number } = {};
  const timeout = Number(process.env.KEYWARDEN_HTTP_TIMEOUT_MS);
  if (Number.isInteger(timeout) && timeout > 0) {
    options.responseTimeoutMs = timeout;
    options.connectTimeoutMs = timeout;
    // The two above bound pauses only; a server trickling bytes must not outlast the timeout the user set by much.
    options.totalTimeoutMs = 2 * timeout;
  }
  const backoff = Number(process.env.KEYWARDEN_HTTP_BACKOFF_MS);
  if (Number.isInteger(backoff) && backoff >= 0) options.baseBackoffMs = backoff;
  return options;
}
