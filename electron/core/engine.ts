/**
 * The Keywarden engine: one long-lived object that opens the store once, unlocks the vault only when
 * a secret is needed, keeps one HTTP pool per backend, and exposes every workflow as a method that
 * returns domain objects or throws a KeywardenError. The CLI and the Electron main process are both
 * thin clients of this class.
 *
 * The workflows themselves live in `workflows/` (backends, sync, keys, vault), each a module over one
 * shared `EngineContext`; this class is their single front door, so callers see one object whatever
 * the module behind a method.
 *
 * Guarantees enforced there, once, for every vendor:
 * - a shown-once secret is sealed and committed before any method reports success (or, if the
 *   database never frees up, handed back uncached rather than lost);
 * - a create or revoke whose answer was lost is reconciled by re-listing, never re-sent;
 * - a sync commits all it learned from a backend or nothing, within a time and a byte bound;
 * - every action is audited, without secrets.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  AuditEvent,
  AuditQuery,
  BackendSummary,
  InventoryFacets,
  InventoryPage,
  InventoryQuery,
  IssuedKey,
  Key,
  KeyActions,
  KeyFact,
  KeyFilter,
  LockState,
  Reminder,
  RevokeResult,
  Settings,
  SyncProgress,
  SyncReport,
  TestResult,
} from '../../shared/domain.js';
import type { AuditChainStatus } from '../../shared/audit.js';
import type { Rotation, RotationAdvance, RotationGraceWarning, RotationOptions, RotationPlan, RotationStepResult } from '../../shared/rotation.js';
import type { HttpOptions } from './backends/http.js';
import type { EvidencePack } from './evidence.js';
import { parseWindowState, type WindowState } from './desktop/window-state.js';
import { KeywardenError } from './errors.js';
import { DATABASE_FILE, DEMO_PASSPHRASE_FILE } from './paths.js';
import { requireOwnPath } from './private-files.js';
import { BACKUP_FOLDER, type BackupFile, dailyBackupDue, listBackups, STAGING_PREFIX } from './store/backup-files.js';
import type { BackupMade } from './store/backups.js';
import { type FileCheck, newestGoodBackup, requireRestorable } from './store/integrity.js';
import { MIGRATIONS } from './store/migrations/index.js';
import type { RestoreResult } from './store/restore.js';
import { InventoryStore } from './store/store.js';
import type { RotationHooks, RotationWorkflows } from './rotation/workflow.js';
import { createOsKeychain, type Keychain } from './vault/keychain.js';
import { type PassphraseSource, Vault, type VaultStatus } from './vault/vault.js';
import { type AddBackendInput, BackendWorkflows } from './workflows/backends.js';
import { EngineContext, type SyncLimits } from './workflows/context.js';
import { KeyWorkflows, type ManualKeyDates, type ManualKeyInput } from './workflows/keys.js';
import { type ReminderNotice, ReminderWorkflows, type TrayStatus } from './workflows/reminders.js';
import { SyncWorkflow } from './workflows/sync.js';
import { VaultWorkflows, vaultRecords } from './workflows/vault.js';

export type { AddBackendInput } from './workflows/backends.js';
export { refuseUnusedBackendInput } from './workflows/backends.js';
export type { SyncLimits } from './workflows/context.js';
export type { BackupFile } from './store/backup-files.js';
export type { BackupMade } from './store/backups.js';
export type { RestoreResult } from './store/restore.js';
export { parseRef, type ManualKeyDates, type ManualKeyInput } from './workflows/keys.js';

export interface EngineOptions {
  /** The data folder; created (mode 0700) if missing. */
  home: string;
  /** Defaults to the OS keychain; tests of failure modes pass their own. */
  keychain?: Keychain;
  /** The clock used for reminders and manual-key status; sync and audit times are always real time. */
  now?: () => Date;
  http?: Partial<Omit<HttpOptions, 'backendName'>>;
  osUser?: string;
  /** Alternative better-sqlite3 binding (the Electron ABI build). */
  nativeBinding?: string;
  /**
   * Reading commands open the store read-only: nothing is created or written, so a read-only copy of a
   * data folder can be listed. Methods that write then fail with `store_read_only`.
   */
  readOnly?: boolean;
  /**
   * Refuse to create a data folder that does not exist yet (`no_inventory`), naming it: a mistyped
   * `--home` must not silently become a new, empty inventory. Only commands that add something create one.
   */
  mustExist?: boolean;
  /** Where the data folder's passphrase comes from when the keychain cannot open its key. */
  passphrase?: PassphraseSource;
  /** Limits that bound one backend's sync; tests lower them. */
  syncLimits?: Partial<SyncLimits>;
  /**
   * How long a shown-once secret waits for a database held by another process before it is returned
   * uncached (it is never dropped). Tests lower it.
   */
  shownOnceStoreWaitMs?: number;
}

const DEFAULT_SYNC_LIMITS: SyncLimits = {
  // 10,000 pages at the vendors' usual 20-50 ms is a few minutes; beyond that the vendor is broken or hostile.
  deadlineMs: 5 * 60_000,
  // A key is about 300 bytes on the wire: 128 MiB is some 400,000 keys, far past any real account, and
  // keeps a vendor that sends full 8 MiB pages forever from growing the process without bound.
  maxBytes: 128 * 1024 * 1024,
};

/** A shown-once secret is worth waiting for: another process's long write must not cost it. */
const DEFAULT_SHOWN_ONCE_STORE_WAIT_MS = 120_000;

/** Where the preferences live: one JSON record in the store's meta table. */
const SETTINGS_META = 'settings';

/** Where the desktop window's size and place live: one JSON record in the meta table. */
const WINDOW_STATE_META = 'window-state';

export class KeywardenEngine {
  readonly home: string;
  /** Things the administrator should know that did not stop the engine (e.g. folder permissions it could not narrow). */
  readonly warnings: string[];
  private readonly context: EngineContext;
  private readonly backends: BackendWorkflows;
  private readonly syncing: SyncWorkflow;
  private readonly keys: KeyWorkflows;
  private readonly remindersFlow: ReminderWorkflows;
  private readonly vaultWorkflows: VaultWorkflows;
  /** Loaded on the first rotation call: `keywarden list` never pays for it. */
  private rotationFlow: RotationWorkflows | null = null;
  /** Set by `start`: this process backs the database up once a day while it runs. */
  private automaticBackups = false;
  /** A daily backup under way in the background; `close` waits for it. */
  private backupRun: Promise<void> | null = null;
  private readonly binding: { nativeBinding?: string };

  private constructor(options: EngineOptions, store: InventoryStore, warnings: string[]) {
    this.home = options.home;
    this.warnings = warnings;
    this.binding = binding(options);
    this.context = new EngineContext({
      store,
      vault: new Vault(vaultRecords(store), options.keychain ?? createOsKeychain(), options.passphrase),
      now: options.now ?? (() => new Date()),
      osUser: options.osUser ?? currentOsUser(),
      httpOptions: options.http ?? {},
      syncLimits: { ...DEFAULT_SYNC_LIMITS, ...options.syncLimits },
      shownOnceStoreWaitMs: options.shownOnceStoreWaitMs ?? DEFAULT_SHOWN_ONCE_STORE_WAIT_MS,
      // Re-listing after a lost answer is a sync; the sync workflow is built just below, and called only later.
      relist: (names) => this.syncing.sync(names),
    });
    this.backends = new BackendWorkflows(this.context);
    this.syncing = new SyncWorkflow(this.context);
    this.keys = new KeyWorkflows(this.context);
    this.remindersFlow = new ReminderWorkflows(this.context);
    this.vaultWorkflows = new VaultWorkflows(this.context);
  }

  /**
   * Opens the engine: the store checked (quick_check, when opening for writing) and migrated. Hosts use
   * `start`, which also keeps the backups; this is for tests and tools that want no backup work.
   */
  static open(options: EngineOptions): KeywardenEngine {
    const { store, warnings } = openStore(options, true);
    return new KeywardenEngine(options, store, warnings);
  }

  /**
   * Opens the engine as the CLI, the desktop app and `keywarden ui` do. For writing, besides `open`'s
   * check: a database with data is backed up before any pending migration (and not migrated if that
   * backup fails), and the day's backup is made when none exists yet, then again each day while the
   * process runs (after a sync, and with the hourly reminder check). Reading opens are `open`'s.
   */
  static async start(options: EngineOptions): Promise<KeywardenEngine> {
    if (options.readOnly) return KeywardenEngine.open(options);
    const { store, warnings } = openStore(options, false);
    try {
      if (store.pendingMigrations() > 0 && store.hasData()) {
        const { makeBackup } = await import('./store/backups.js');
        const latest = MIGRATIONS.at(-1)?.version ?? 0;
        try {
          await makeBackup(store, { databasePath: store.path, reason: `before-schema-${latest}`, ...binding(options) });
        } catch (error) {
          const typed = error instanceof KeywardenError ? error : null;
          throw new KeywardenError(
            typed?.code ?? 'internal',
            `could not back up ${store.path} before upgrading its schema, so it was not upgraded (${typed?.message ?? String(error)}); free some space or fix the backups folder's permissions, then try again`,
            { path: store.path },
            { cause: error },
          );
        }
      }
      store.migrate();
    } catch (error) {
      store.close();
      throw error;
    }
    const engine = new KeywardenEngine(options, store, warnings);
    engine.automaticBackups = true;
    await engine.dailyBackup();
    return engine;
  }

  /** The backup `restore` would bring back, checked: `source`, or (none given) the newest rolling backup that passes its check. */
  static inspectBackup(options: { home: string; source?: string; nativeBinding?: string }): { path: string; createdAt: string | null; check: FileCheck } {
    const databasePath = join(options.home, DATABASE_FILE);
    if (options.source !== undefined) {
      const path = resolve(options.source);
      return { path, createdAt: listBackups(databasePath).find((backup) => backup.path === path)?.createdAt ?? null, check: requireRestorable(path, binding(options)) };
    }
    const latest = newestGoodBackup(databasePath, binding(options));
    if (!latest) {
      const count = listBackups(databasePath).length;
      throw new KeywardenError(
        'not_found',
        count === 0
          ? `there is no backup in ${join(options.home, BACKUP_FOLDER)}; name a backup file instead of --latest`
          : `none of the ${count} backups in ${join(options.home, BACKUP_FOLDER)} passes its check; name another backup file instead of --latest`,
        { path: join(options.home, BACKUP_FOLDER) },
      );
    }
    return { path: latest.path, createdAt: latest.createdAt, check: latest.check };
  }

  /**
   * Replaces the data folder's database with a backup (checked first), keeping the current file aside;
   * refused while any process has the database open. No engine may be open on the folder: the caller
   * confirms with the administrator first.
   */
  static async restore(options: { home: string; source: string; nativeBinding?: string }): Promise<RestoreResult> {
    requireTrustedDataFolder(options.home);
    const { restoreDatabase } = await import('./store/restore.js');
    return restoreDatabase(join(options.home, DATABASE_FILE), options.source, binding(options));
  }

  async close(): Promise<void> {
    await this.backupRun;
    await this.context.closeConnectors();
    this.context.store.close();
  }

  // ---- backups (store/backups.ts, loaded when one is made) ---------------------------------------

  /**
   * Makes a backup now: into the rolling set of `backups/` (pruned to the last 7), or to `output`, never over an
   * existing file or through a link unless `force`, which replaces it with a new 0600 file.
   */
  async backup(output?: string, options: { force?: boolean } = {}): Promise<BackupMade> {
    const { makeBackup } = await import('./store/backups.js');
    const store = this.context.store;
    return makeBackup(store, { databasePath: store.path, reason: 'manual', ...(output === undefined ? {} : { output, force: options.force === true }), ...this.binding });
  }

  /** The rolling backups, newest first (not re-checked: each was checked when it was made). */
  backups(): BackupFile[] {
    return listBackups(this.context.store.path);
  }

  /** The day's backup if it is due (see `start`); a failure is kept in `warnings`, never thrown: the next day's check tries again. */
  private async dailyBackup(): Promise<void> {
    const store = this.context.store;
    try {
      const { dailyBackupIfDue } = await import('./store/backups.js');
      await dailyBackupIfDue(store, { databasePath: store.path, ...this.binding });
    } catch (error) {
      this.warnings.push(`the daily backup of ${store.path} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Starts the day's backup in the background when it is due (a directory listing decides; nothing else on the common path). */
  private dailyBackupSoon(): void {
    if (!this.automaticBackups || this.backupRun || !dailyBackupDue(this.context.store.path, new Date())) return;
    this.backupRun = this.dailyBackup().finally(() => {
      this.backupRun = null;
    });
  }

  // ---- backends (workflows/backends.ts) ----------------------------------------------------------

  addBackend(input: AddBackendInput): Promise<BackendSummary> {
    return this.backends.addBackend(input);
  }

  listBackends(): BackendSummary[] {
    return this.backends.listBackends();
  }

  getBackend(name: string): BackendSummary {
    return this.backends.getBackend(name);
  }

  removeBackend(name: string): Promise<void> {
    return this.backends.removeBackend(name);
  }

  /** Replaces a backend's credential, testing the new one first: the old one stays unless the new one works. */
  setCredential(name: string, credential: string): Promise<BackendSummary> {
    return this.backends.setCredential(name, credential);
  }

  /** Points a backend at a new URL with a new credential, keeping its keys and cached secrets (the demo's emulators move each run). */
  reconnectBackend(name: string, url: string, credential: string): Promise<BackendSummary> {
    return this.backends.reconnectBackend(name, url, credential);
  }

  setRotationPolicy(name: string, days: number | null): BackendSummary {
    return this.backends.setRotationPolicy(name, days);
  }

  /** CommBox: the admin's replacement interval at the vendor; the active key's expiry follows. */
  setVendorRotationInterval(name: string, days: number): Promise<{ backend: BackendSummary; intervalDays: number }> {
    return this.backends.setVendorRotationInterval(name, days);
  }

  // ---- sync (workflows/sync.ts) ------------------------------------------------------------------

  /** Lists every named backend (all listable ones when none is named) concurrently; each commits all or nothing. */
  async sync(names: readonly string[] = [], options: { onProgress?: (progress: SyncProgress) => void } = {}): Promise<SyncReport> {
    const report = await this.syncing.sync(names, options);
    this.dailyBackupSoon();
    return report;
  }

  // ---- keys (workflows/keys.ts) ------------------------------------------------------------------

  listKeys(filter: KeyFilter = {}): Key[] {
    return this.keys.listKeys(filter);
  }

  /** One page of the inventory (filtered, sorted and paged by SQLite), with the number of matching keys. */
  queryInventory(query: InventoryQuery): InventoryPage {
    return this.keys.queryInventory(query);
  }

  /** Counts per status, vendor, backend and due window, for the console's filters. */
  inventoryFacets(): InventoryFacets {
    return this.keys.inventoryFacets();
  }

  getKey(ref: string): Key {
    return this.keys.getKey(ref);
  }

  /** Where `test` sends the key, in words, or null when it has no test. */
  testTarget(ref: string): Promise<string | null> {
    return this.keys.testTarget(ref);
  }

  /** The secret, from the encrypted cache or (CommBox) from the vendor. Audited. */
  /** What the key detail may offer for this key, each refusal with its reason (offline). */
  keyActions(ref: string): KeyActions {
    return this.keys.keyActions(ref);
  }

  /** The vendor's facts about a key, in words (offline, never a secret). */
  keyFacts(ref: string): Promise<KeyFact[]> {
    return this.keys.keyFacts(ref);
  }

  reveal(ref: string, purpose: 'reveal' | 'copy' = 'reveal'): Promise<string> {
    return this.keys.reveal(ref, purpose);
  }

  testKey(ref: string): Promise<TestResult> {
    return this.keys.testKey(ref);
  }

  /** Creates a key at the vendor; its shown-once secret is committed before this returns. */
  createKey(backendName: string, name: string): Promise<IssuedKey> {
    return this.keys.createKey(backendName, name);
  }

  /** Revokes a key; a replacement's secret is returned only when asked (and then audited as a reveal). */
  revokeKey(ref: string, options: { validityDays?: number; revealReplacement?: boolean } = {}): Promise<RevokeResult> {
    return this.keys.revokeKey(ref, options);
  }

  deleteKey(ref: string): Promise<void> {
    return this.keys.deleteKey(ref);
  }

  addManualKey(backendName: string, input: ManualKeyInput): Promise<Key> {
    return this.keys.addManualKey(backendName, input);
  }

  /** Changes a manual key's created date, expiry or rotation interval; reminders follow. */
  updateManualKey(ref: string, changes: ManualKeyDates): Promise<Key> {
    return this.keys.updateManualKey(ref, changes);
  }

  /** Reminders due within `withinDays` (default 30) calendar days, most urgent first, overdue included. */
  reminders(options: { withinDays?: number } = {}): Reminder[] {
    return this.remindersFlow.reminders(options);
  }

  /** Reminders that reached a notification threshold not notified yet; each is recorded as notified (once, across processes). */
  claimReminderNotifications(): ReminderNotice[] {
    const notices = this.remindersFlow.claimNotifications();
    // The hourly check of a long-running app is also when it notices a new day and makes that day's backup.
    this.dailyBackupSoon();
    return notices;
  }

  /** Puts a key's reminder notifications off for 1 or 7 days; returns when the snooze ends. */
  snoozeReminder(ref: string, days: number): string {
    return this.remindersFlow.snooze(ref, days);
  }

  /** The tray's state (overdue / due within 7 days / nothing) and the next due keys. */
  trayStatus(limit?: number): TrayStatus {
    return this.remindersFlow.trayStatus(limit);
  }

  auditTrail(query: AuditQuery = {}): AuditEvent[] {
    return this.keys.auditTrail(query);
  }

  /** Walks the audit trail's hash chain (offline, read-only) and names the first edited, removed or reordered event. */
  verifyAuditTrail(): AuditChainStatus {
    return this.context.store.audit.verify();
  }

  /**
   * Where a head hash recorded earlier stands in the chain: the event that carries it and how many came after, or
   * null when no event carries it (the trail up to it was rewritten or removed).
   */
  findAuditHead(hash: string): { id: number; at: string; after: number } | null {
    return this.context.store.audit.findByHash(hash.trim().toLowerCase());
  }

  /** The evidence pack for auditors (evidence.ts): the inventory by prefix, the chained trail and its verdict. Never a secret. */
  async evidencePack(keywardenVersion: string): Promise<EvidencePack> {
    const { buildEvidencePack } = await import('./evidence.js');
    const generatedAt = new Date().toISOString();
    const backends = this.listBackends();
    const keys = this.listKeys({});
    const { status, events, genesisAt } = this.context.store.audit.evidence();
    return buildEvidencePack({ generatedAt, generatedBy: this.context.osUser, keywardenVersion, dataFolder: this.home, backends, keys, chain: status, genesisAt, events });
  }

  /** Whether revoking this key takes Keywarden's own access with it (it is the backend's credential: BoxWatch). */
  isCredentialKey(ref: string): Promise<boolean> {
    return this.keys.isCredentialKey(ref);
  }

  // ---- rotation (rotation/workflow.ts, loaded on first use) ---------------------------------------

  private async rotations(): Promise<RotationWorkflows> {
    if (!this.rotationFlow) {
      const { RotationWorkflows } = await import('./rotation/workflow.js');
      this.rotationFlow = new RotationWorkflows(this.context, this.keys);
    }
    return this.rotationFlow;
  }

  /** The rotation plan for a key, shown before anything changes (steps, downtime, warnings). */
  async planRotation(ref: string, options: RotationOptions = {}): Promise<RotationPlan> {
    return (await this.rotations()).plan(ref, options);
  }

  /** Starts a key's rotation: the journal first, then every step that needs no answer from the administrator. */
  async startRotation(ref: string, options: RotationOptions = {}, hooks: RotationHooks = {}): Promise<RotationStepResult> {
    return (await this.rotations()).start(ref, options, hooks);
  }

  /** Moves a rotation on (after a crash too): reconciles unknown outcomes by re-listing, never repeats a create or revoke. */
  async advanceRotation(id: number, input: RotationAdvance, hooks: RotationHooks = {}): Promise<RotationStepResult> {
    return (await this.rotations()).advance(id, input, hooks);
  }

  async getRotation(id: number): Promise<Rotation> {
    return (await this.rotations()).get(id);
  }

  /** Unfinished rotations (all of them with `all`), newest first. */
  async listRotations(options: { all?: boolean } = {}): Promise<Rotation[]> {
    return (await this.rotations()).list(options);
  }

  /** Stops a rotation; nothing at the vendor is undone, and the summary says what was done there. */
  async abandonRotation(id: number): Promise<{ rotation: Rotation; summary: string }> {
    return (await this.rotations()).abandon(id);
  }

  /** Grace periods ending within `withinDays` while consumers are not switched yet: for the reminders and the tray. */
  async rotationGraceWarnings(withinDays?: number): Promise<RotationGraceWarning[]> {
    return (await this.rotations()).graceWarnings(withinDays);
  }

  async keyConsumers(ref: string): Promise<string[]> {
    return (await this.rotations()).consumers(ref);
  }

  /** Replaces a key's named consumers (ticked off in its next rotation before the old key goes). */
  async setKeyConsumers(ref: string, names: readonly string[]): Promise<string[]> {
    return (await this.rotations()).setConsumers(ref, names);
  }

  // ---- settings ---------------------------------------------------------------------------------

  /**
   * The administrator's preferences, defaults filled in for anything never set. Async only because the
   * schema (and so zod) is loaded on first use: commands that never read settings do not pay for it.
   */
  async settings(): Promise<Settings> {
    const domain = await import('../../shared/domain.js');
    return this.readSettings(domain);
  }

  private readSettings({ DEFAULT_SETTINGS, Settings: schema }: typeof import('../../shared/domain.js')): Settings {
    const stored = this.context.store.meta.get(SETTINGS_META);
    const parsed = schema.partial().safeParse(stored ? JSON.parse(stored) : {});
    // A value written by another version that no longer fits is ignored, not fatal.
    return { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
  }

  /**
   * Changes some preferences; the others keep their values. Audited with what changed. The record is read and
   * written in one transaction: the desktop app and a CLI changing two different settings at once both keep theirs.
   */
  async updateSettings(changes: Partial<Settings>): Promise<Settings> {
    const domain = await import('../../shared/domain.js');
    const checked = domain.Settings.partial().strict().safeParse(changes);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new KeywardenError('invalid_input', `the setting ${issue?.path.join('.') || '(unknown)'} is not valid: ${issue?.message ?? 'invalid'}`);
    }
    const next = this.context.store.transaction(() => {
      const merged = { ...this.readSettings(domain), ...checked.data };
      this.context.store.meta.set(SETTINGS_META, JSON.stringify(merged));
      return merged;
    });
    const described = Object.entries(checked.data).map(([name, value]) => `${name}=${String(value)}`);
    this.context.audit('settings.update', null, null, 'ok', described.join(', ') || 'no change');
    return next;
  }

  // ---- the desktop window ------------------------------------------------------------------------

  /** The desktop window's last size and place, or null (never saved, or a record this version cannot read). Not audited: not an administrator's action. */
  windowState(): WindowState | null {
    const stored = this.context.store.meta.get(WINDOW_STATE_META);
    if (stored === null) return null;
    try {
      return parseWindowState(JSON.parse(stored));
    } catch {
      return null;
    }
  }

  /** Remembers the desktop window's size and place; a value that is not a window state is refused, never stored. */
  saveWindowState(state: WindowState): void {
    const checked = parseWindowState(state);
    if (!checked) throw new KeywardenError('invalid_input', 'not a window size and place');
    this.context.store.meta.set(WINDOW_STATE_META, JSON.stringify(checked));
  }

  // ---- vault (workflows/vault.ts) ----------------------------------------------------------------

  /**
   * Locks Keywarden (manual, idle time, screen lock): nothing uses the data key until unlocked (reveal, copy, test,
   * create, revoke, sync); the inventory, reminders and audit trail keep working.
   */
  lock(reason: 'manual' | 'idle' | 'screen'): LockState {
    return this.vaultWorkflows.lock(reason);
  }

  /** Unlocks with the data folder's passphrase where it has one, else by reading the data key from the keychain again. */
  unlock(passphrase?: string): Promise<LockState> {
    return this.vaultWorkflows.unlock(passphrase);
  }

  lockState(): LockState {
    return this.vaultWorkflows.lockState();
  }

  vaultStatus(): Promise<VaultStatus & { sealed: { keySecrets: number; credentials: number } }> {
    return this.vaultWorkflows.vaultStatus();
  }

  addPassphrase(passphrase: string): Promise<VaultStatus> {
    return this.vaultWorkflows.addPassphrase(passphrase);
  }

  removePassphrase(): Promise<VaultStatus> {
    return this.vaultWorkflows.removePassphrase();
  }

  /** Starts the vault over: cached secrets and credentials dropped, the inventory kept. Confirmed by the caller. */
  resetVault(): ReturnType<VaultWorkflows['resetVault']> {
    return this.vaultWorkflows.resetVault();
  }
}

/**
 * Refuses a data folder, or a database file (with its -wal, -shm or -journal), that another local user could
 * change: owned by someone else, or writable by group or others. Whoever can write the folder can move the
 * database aside and put another in its place (secrets sealed by the administrator's next command would go
 * into it, a restore could be faked); whoever owns it can do that and more. The message says the chmod or chown
 * that fixes it; nothing is changed. A folder or file only readable by others is not refused here: the folder
 * is narrowed when Keywarden opens it for writing, and the files are created 0600. Windows: skipped (NTFS ACLs
 * of the per-user profile keep other users out).
 */
function requireTrustedDataFolder(home: string): void {
  requireOwnPath(home, { what: 'the data folder', risk: 'move the inventory database aside or replace it', fixMode: 0o700 });
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const what = suffix === '' ? 'the inventory database' : `the database's ${suffix.slice(1)} file`;
    requireOwnPath(join(home, `${DATABASE_FILE}${suffix}`), { what, risk: 'change the inventory and the audit trail', fixMode: 0o600 });
  }
}

/**
 * Prepares the data folder: created 0700, refused when another user could change it (see
 * `requireTrustedDataFolder`), or narrowed to 0700 when it is the user's with wider read rights (the
 * database inside holds sealed secrets and the audit trail). Returns warnings for what could not be
 * done, for the caller to show.
 */
function prepareDataFolder(home: string): string[] {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new KeywardenError('invalid_input', `cannot create the data folder ${home}: ${(error as Error).message}`, { path: home });
  }
  requireTrustedDataFolder(home);
  if (process.platform === 'win32') return []; // NTFS ACLs of the per-user profile already keep other users out
  try {
    const { mode } = statSync(home);
    if ((mode & 0o077) === 0) return [];
    // A folder that also holds other things (a home folder given as --home) keeps its mode: narrowing
    // it would surprise whoever owns those things. Keywarden's own folder, or an empty one, is narrowed.
    const foreign = readdirSync(home).filter((name) => !name.startsWith(DATABASE_FILE) && name !== DEMO_PASSPHRASE_FILE && name !== BACKUP_FOLDER && !name.startsWith(STAGING_PREFIX));
    if (foreign.length > 0)
      return [`the data folder ${home} is readable by other users and holds other files, so Keywarden left it as it is; give Keywarden a folder of its own, or run "chmod 700 ${home}"`];
    chmodSync(home, 0o700);
    return [];
  } catch (error) {
    return [`the data folder ${home} is readable by other users and could not be restricted to you (${(error as Error).message}); run "chmod 700 ${home}"`];
  }
}

/** Opens the data folder's store (see `KeywardenEngine.open`); `migrate: false` leaves pending migrations to `start`. */
function openStore(options: EngineOptions, migrate: boolean): { store: InventoryStore; warnings: string[] } {
  const databasePath = join(options.home, DATABASE_FILE);
  if ((options.mustExist || options.readOnly) && !existsSync(databasePath)) {
    throw new KeywardenError(
      'no_inventory',
      existsSync(options.home)
        ? `${options.home} holds no Keywarden inventory (no ${DATABASE_FILE}); check --home or KEYWARDEN_HOME, or add a backend there with "keywarden backend add"${restorable(databasePath)}`
        : `no Keywarden data folder at ${options.home}; check --home or KEYWARDEN_HOME, or add a backend with "keywarden backend add" to create it`,
      { path: options.home },
    );
  }
  if (options.readOnly) requireTrustedDataFolder(options.home);
  const warnings = options.readOnly ? [] : prepareDataFolder(options.home);
  const store = InventoryStore.open(databasePath, {
    ...binding(options),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(migrate ? {} : { migrate: false }),
  });
  return { store, warnings };
}

/** A data folder whose database is gone but whose backups are there says so. */
function restorable(databasePath: string): string {
  const newest = listBackups(databasePath)[0];
  return newest ? `; its backups folder holds ${newest.path}: "keywarden restore --latest" brings the newest good one back` : '';
}

function binding(options: { nativeBinding?: string }): { nativeBinding?: string } {
  return options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
}

function currentOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
