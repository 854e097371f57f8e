/**
 * The Keywarden engine's front door: `KeywardenEngine`, one object per data folder that the CLI, the desktop app and
 * `keywarden ui` hold, with one method per workflow. It decides nothing itself: it opens the data folder
 * (`workflows/data-folder.ts`), builds the one `EngineContext` (store, vault, clock, connectors, audit) the workflow
 * modules share, and each method delegates to the module that owns the workflow (`workflows/`, `rotation/`, loaded
 * on first use). The guarantees (a shown-once secret committed with its key and audit event, a lost answer
 * reconciled by re-listing, a sync all or nothing, every action audited) are kept in those modules, once.
 */
import type {
  AuditEvent,
  AuditQuery,
  BackendSummary,
  BackendType,
  BulkChange,
  BulkKeyResult,
  BulkReport,
  InventoryFacets,
  InventoryPage,
  InventoryQuery,
  IssuedKey,
  Key,
  KeyActions,
  KeyDescriptionChange,
  KeyFact,
  KeyLineage,
  KeyFilter,
  KeySelection,
  LockState,
  Reminder,
  RevokeResult,
  Settings,
  SyncProgress,
  SyncReport,
  TestResult,
} from '../../shared/domain.js';
import { MAX_BULK_RESULTS } from '../../shared/rules.js';
import type { AlertChannel, AlertTestResult, NewAlertChannelInput, NotifyReport } from '../../shared/alerts.js';
import type { AuditChainStatus } from '../../shared/audit.js';
import type { Rotation, RotationAdvance, RotationGraceWarning, RotationOptions, RotationPlan, RotationStepResult } from '../../shared/rotation.js';
import type { HttpOptions } from './backends/http.js';
import type { EvidencePack } from './evidence.js';
import type { WindowState } from './desktop/window-state.js';
import type { BackupFile } from './store/backup-files.js';
import type { BackupMade } from './store/backups.js';
import type { FileCheck } from './store/integrity.js';
import type { RestoreResult } from './store/restore.js';
import type { KeySort } from './store/keys.js';
import type { InventoryStore } from './store/store.js';
import type { SavedView, SavedViewInput, SaveViewOptions } from '../../shared/views.js';
import type { RotationHooks, RotationWorkflows } from './rotation/workflow.js';
import type { PullReport, RemovalReport, RoleChange, TeamMember, TeamStatus, TeamWorkflows } from './team/workflow.js';
import type { TeamChanges } from './team/changes.js';
import type { TeamListener } from './team/pg.js';
import type { TeamRole } from './team/schema.js';
import type { ChainedTeamEvent, RecordedTeamHead } from './team/audit.js';
import type { ImportRequest } from './imports/workflow.js';
import type { ImportStaging } from './imports/staging.js';
import type { ImportReport, ImportStageChunk, StagedImportFile, StagedImportRequest } from '../../shared/imports.js';
import { type KeywardenError, toKeywardenError } from './errors.js';
import type { AlertWorkflows } from './workflows/alerts.js';
import { createOsKeychain, type Keychain } from './vault/keychain.js';
import { type PassphraseSource, Vault, type VaultStatus } from './vault/vault.js';
import { AuditWorkflows } from './workflows/audit.js';
import { type AddBackendInput, BackendWorkflows } from './workflows/backends.js';
import { BackupWorkflows, type ConsoleRestore, inspectBackup, restoreBackup, restoreWhileOpen } from './workflows/backups.js';
import { EngineContext, type SyncLimits } from './workflows/context.js';
import { binding, currentOsUser, openDataFolder, startDataFolder } from './workflows/data-folder.js';
import { KeyWorkflows, type ManualKeyDates, type ManualKeyInput } from './workflows/keys.js';
import { type ReminderNotice, ReminderWorkflows, type TrayStatus } from './workflows/reminders.js';
import type { HealthOptions, HealthReport } from './health/findings.js';
import type { GateReport } from './reminders/gate.js';
import { HealthWorkflow } from './workflows/health.js';
import { SavedViewWorkflows, type ViewQuery } from './workflows/saved-views.js';
import { SettingsWorkflows } from './workflows/settings.js';
import { SyncWorkflow } from './workflows/sync.js';
import { VaultWorkflows, vaultRecords } from './workflows/vault.js';

export type { AddBackendInput } from './workflows/backends.js';
export { refuseUnusedBackendInput } from './workflows/backends.js';
export type { SyncLimits } from './workflows/context.js';
export type { BackupFile } from './store/backup-files.js';
export type { BackupMade } from './store/backups.js';
export type { RestoreResult } from './store/restore.js';
export type { ConsoleRestore } from './workflows/backups.js';
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

export class KeywardenEngine {
  readonly home: string;
  /** Things the administrator should know that did not stop the engine (e.g. folder permissions it could not narrow). */
  readonly warnings: string[];
  private readonly options: EngineOptions;
  /** One keychain client for the engine's life (a restore builds the vault again around the same one). */
  private readonly keychain: Keychain;
  // Built around the open store by `attach`, and built again when a restore reopens it (`restoreWhileOpen`).
  private context!: EngineContext;
  private backends!: BackendWorkflows;
  private syncing!: SyncWorkflow;
  private keys!: KeyWorkflows;
  private remindersFlow!: ReminderWorkflows;
  private vaultWorkflows!: VaultWorkflows;
  private auditFlow!: AuditWorkflows;
  private settingsFlow!: SettingsWorkflows;
  private viewsFlow!: SavedViewWorkflows;
  private backupFlow!: BackupWorkflows;
  private healthFlow!: HealthWorkflow;
  /** Loaded on the first team call: `pg` and HPKE cost a personal data folder nothing. */
  private teamFlow: TeamWorkflows | null = null;
  /** A team home's writes (team/changes.ts), loaded with the team workflows. */
  private teamChangeFlow: TeamChanges | null = null;
  /** Loaded on the first rotation call: `keywarden list` never pays for it. */
  private rotationFlow: RotationWorkflows | null = null;
  /** Loaded on the first alert call (channels, `notify`, Health's channel finding). */
  private alertFlow: AlertWorkflows | null = null;
  /** The console's staged import files (imports/staging.ts), made on the first `import:stage`. */
  private staging: ImportStaging | null = null;

  private constructor(options: EngineOptions, store: InventoryStore, warnings: string[]) {
    this.home = options.home;
    this.warnings = warnings;
    this.options = options;
    this.keychain = options.keychain ?? createOsKeychain();
    this.attach(store);
  }

  /** The context and every workflow, around `store` (the vault's records and key with it). */
  private attach(store: InventoryStore): void {
    const options = this.options;
    const warnings = this.warnings;
    this.context = new EngineContext({
      store,
      vault: new Vault(vaultRecords(store), this.keychain, options.passphrase),
      now: options.now ?? (() => new Date()),
      osUser: options.osUser ?? currentOsUser(),
      httpOptions: options.http ?? {},
      syncLimits: { ...DEFAULT_SYNC_LIMITS, ...options.syncLimits },
      shownOnceStoreWaitMs: options.shownOnceStoreWaitMs ?? DEFAULT_SHOWN_ONCE_STORE_WAIT_MS,
      // Re-listing after a lost answer is a sync; the sync workflow is built just below, and called only later.
      relist: (names) => this.syncing.sync(names),
      // A team home's writes go to the team (team/changes.ts, loaded on first use): the one seam, null elsewhere.
      teamWrites: async () => (this.context.store.team.get() ? this.teamChanges() : null),
    });
    this.backends = new BackendWorkflows(this.context);
    this.syncing = new SyncWorkflow(this.context);
    this.keys = new KeyWorkflows(this.context);
    this.remindersFlow = new ReminderWorkflows(this.context);
    this.vaultWorkflows = new VaultWorkflows(this.context);
    // Secrets cached before fingerprints existed get theirs once the data key is in memory (workflows/vault.ts).
    this.context.vault.onKeyReady = () => void this.vaultWorkflows.backfillFingerprints();
    this.auditFlow = new AuditWorkflows(this.context);
    this.settingsFlow = new SettingsWorkflows(this.context);
    this.viewsFlow = new SavedViewWorkflows(this.context);
    this.backupFlow = new BackupWorkflows(this.context, binding(options), warnings);
    this.healthFlow = new HealthWorkflow(
      this.context,
      () => this.rotations(),
      () => this.settingsFlow.maxRotationDays(),
      () => this.alerts(),
    );
    this.rotationFlow = null;
    this.teamFlow = null;
    this.teamChangeFlow = null;
    this.alertFlow = null;
  }

  /**
   * Opens the engine: the store checked (quick_check, when opening for writing) and migrated. Hosts use
   * `start`, which also keeps the backups; this is for tests and tools that want no backup work.
   */
  static open(options: EngineOptions): KeywardenEngine {
    const { store, warnings } = openDataFolder(options);
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
    const { store, warnings } = await startDataFolder(options);
    const engine = new KeywardenEngine(options, store, warnings);
    engine.backupFlow.automatic = true;
    await engine.backupFlow.daily();
    return engine;
  }

  /** The backup `restore` would bring back, checked: `source`, or (none given) the newest rolling backup that passes its check. */
  static inspectBackup(options: { home: string; source?: string; nativeBinding?: string }): { path: string; createdAt: string | null; check: FileCheck } {
    return inspectBackup(options);
  }

  /**
   * Replaces the data folder's database with a backup (checked first), keeping the current file aside;
   * refused while any process has the database open. No engine may be open on the folder: the caller
   * confirms with the administrator first.
   */
  static restore(options: { home: string; source: string; nativeBinding?: string }): Promise<RestoreResult> {
    return restoreBackup(options);
  }

  async close(): Promise<void> {
    this.staging?.clear();
    await this.backupFlow.settled();
    await this.vaultWorkflows.settled();
    await this.context.closeConnectors();
    this.context.store.close();
  }

  // ---- backups (workflows/backups.ts) ------------------------------------------------------------

  /**
   * Makes a backup now: into the rolling set of `backups/` (pruned to the last 7), or to `output`, never over an
   * existing file or through a link unless `force`, which replaces it with a new 0600 file.
   */
  backup(output?: string, options: { force?: boolean } = {}): Promise<BackupMade> {
    return this.backupFlow.backup(output, options);
  }

  /** The rolling backups, newest first (not re-checked: each was checked when it was made). */
  backups(): BackupFile[] {
    return this.backupFlow.list();
  }

  /** The rolling backups, newest first, each checked now: what a restore from the console would bring back. */
  checkedBackups(): Array<BackupFile & { check: FileCheck }> {
    return this.backupFlow.checked();
  }

  /**
   * Restores one of the rolling backups (by its file name) while this engine holds the database open, as the console
   * does: the backup is checked, the current state is backed up first (`before-restore`), the store is closed, the
   * backup restored (the replaced file kept aside) and the store opened again, migrated where the backup is older.
   * Audited in the restored trail; a failure reopens the database as it was. Keywarden stays locked if it was.
   */
  async restoreWhileOpen(name: string): Promise<ConsoleRestore> {
    const wasLocked = this.context.vault.locked ? (this.lockState().reason ?? 'manual') : null;
    const outcome = await restoreWhileOpen({
      home: this.home,
      name,
      ...binding(this.options),
      current: () => this.backups(),
      safetyBackup: () => this.backupFlow.backup(undefined, { reason: 'before-restore' }),
      release: async () => {
        await this.backupFlow.settled();
        await this.context.closeConnectors();
        this.context.store.close();
      },
      reopen: async () => {
        const automatic = this.backupFlow.automatic;
        const { store, warnings } = await startDataFolder(this.options);
        this.warnings.push(...warnings);
        this.attach(store);
        this.backupFlow.automatic = automatic;
        if (wasLocked) this.context.vault.lock(wasLocked);
      },
      audit: (outcome, detail) => this.context.audit('store.restore', null, null, outcome, detail),
    });
    return outcome;
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

  setRotationPolicy(name: string, days: number | null): Promise<BackendSummary> {
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
    this.backupFlow.dailySoon();
    return report;
  }

  // ---- keys (workflows/keys.ts) ------------------------------------------------------------------

  /** Every key matching `filter`, by backend and name, or in `sort` (a saved view's order, `list --view`). */
  listKeys(filter: KeyFilter & { vendor?: BackendType; overdue?: boolean } = {}, sort?: KeySort): Key[] {
    return this.keys.listKeys(filter, sort);
  }

  /** The name and prefix of each referenced key that is still in the inventory (the audit trail's names). */
  lookupKeys(refs: readonly string[]): Array<{ ref: string; name: string; prefix: string | null }> {
    return this.keys.lookupKeys(refs);
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

  /** What the key detail may offer for this key, each refusal with its reason (offline). */
  keyActions(ref: string): KeyActions {
    return this.keys.keyActions(ref);
  }

  /** The vendor's facts about a key, in words (offline, never a secret). */
  keyFacts(ref: string): Promise<KeyFact[]> {
    return this.keys.keyFacts(ref);
  }

  /** Which key this one replaces and which replaced it (offline). */
  keyLineage(ref: string): KeyLineage {
    return this.keys.keyLineage(ref);
  }

  /** The secret, from the encrypted cache or (CommBox) from the vendor. Audited. */
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

  /** In a team home the key is written to the team first, then pulled into the local copy (team/workflow.ts). */
  async addManualKey(backendName: string, input: ManualKeyInput): Promise<Key> {
    if (this.context.store.team.get()) return (await this.team()).addManualKey(backendName, input);
    return this.keys.addManualKey(backendName, input);
  }

  /**
   * Imports an inventory (KeePass, Bitwarden, 1Password, CSV) into a manual backend, or with `dryRun` says what it
   * would do. imports/workflow.ts, loaded on first use with only the reader of the request's format.
   */
  async importInventory(request: ImportRequest): Promise<ImportReport> {
    const { ImportWorkflow } = await import('./imports/workflow.js');
    return new ImportWorkflow(this.context, (name) => this.backends.addBackend({ name, type: 'manual' })).run(request);
  }

  /**
   * The console's import: the file the page read, a chunk at a time, into memory only (imports/staging.ts: bounded,
   * zeroed when dropped, never on disk). What has arrived, and the format the complete file's content suggests.
   */
  async stageImportFile(chunk: ImportStageChunk): Promise<StagedImportFile> {
    return (await this.importStaging()).stage(chunk);
  }

  /** A staged file previewed (`dryRun`) or imported by `importInventory`; an import drops the staged files, whatever its outcome. */
  async importStagedFile(request: StagedImportRequest, options: { dryRun: boolean }): Promise<ImportReport> {
    const { importStaged } = await import('./imports/staging.js');
    return importStaged(await this.importStaging(), request, options.dryRun, (resolved) => this.importInventory(resolved));
  }

  /** Forgets a staged file (the dialog closed), zeroing its bytes; nothing happens for one already gone. */
  async discardStagedFile(id: string): Promise<void> {
    (await this.importStaging()).drop(id);
  }

  private async importStaging(): Promise<ImportStaging> {
    if (!this.staging) {
      const { ImportStaging } = await import('./imports/staging.js');
      this.staging ??= new ImportStaging();
    }
    return this.staging;
  }

  /** Changes a manual key's created date, expiry or rotation interval; reminders follow. */
  updateManualKey(ref: string, changes: ManualKeyDates): Promise<Key> {
    return this.keys.updateManualKey(ref, changes);
  }

  /** A key's owner, environment, tags and notes (any key: Keywarden's own record, no vendor asked; in a team home, the team's). */
  describeKey(ref: string, change: KeyDescriptionChange): Promise<Key> {
    return this.keys.describeKey(ref, change);
  }

  /** The keys a console selection names (its references, or every key matching its query but those excepted). */
  selectedKeys(selection: KeySelection): Key[] {
    return this.keys.selectedKeys(selection);
  }

  /**
   * The console's bulk actions (`keys:bulk`): tags, owner or a snooze for every selected key, each with its own audit
   * event. Every key gets an outcome; the report lists refusals first, then the others, up to MAX_BULK_RESULTS lines.
   */
  async bulkChange(selection: KeySelection, change: BulkChange): Promise<BulkReport> {
    const keys = this.selectedKeys(selection);
    const results: BulkKeyResult[] = [];
    const outcome = (key: Key, result: BulkKeyResult['outcome'], detail: string | null) => results.push({ ref: key.ref, name: key.name, outcome: result, detail });
    if (change.action === 'snooze') {
      for (const key of keys) {
        try {
          outcome(key, 'ok', `snoozed until ${await this.snoozeReminder(key.ref, change.days)}`);
        } catch (error) {
          outcome(key, 'refused', toKeywardenError(error).message);
        }
      }
    } else {
      const describe: KeyDescriptionChange = change.action === 'tag' ? { addTags: change.tags } : change.action === 'untag' ? { removeTags: change.tags } : { owner: change.owner };
      await this.keys.describeKeys(keys, describe, outcome);
    }
    const count = (which: BulkKeyResult['outcome']) => results.filter((result) => result.outcome === which).length;
    const ordered = [...results.filter((result) => result.outcome === 'refused'), ...results.filter((result) => result.outcome !== 'refused')];
    return {
      keys: keys.length,
      ok: count('ok'),
      unchanged: count('unchanged'),
      refused: count('refused'),
      results: ordered.slice(0, MAX_BULK_RESULTS),
      truncated: ordered.length > MAX_BULK_RESULTS,
    };
  }

  /**
   * Reminders due within `withinDays` calendar days (default: the largest reminder lead time, 30 days unless set),
   * overdue included, each with the stage (lead time) it has reached.
   */
  reminders(options: { withinDays?: number } = {}): Reminder[] {
    return this.remindersFlow.reminders(options.withinDays === undefined ? {} : { withinDays: options.withinDays });
  }

  /** The reminder lead times (the `reminderLeadDays` setting), largest first: 30, 7 and 1 days unless set. */
  reminderLeadDays(): number[] {
    return this.remindersFlow.leadDays();
  }

  /** `keywarden check`: each key of the named backends (default all) judged against a window of calendar days, with an exit status. */
  checkDue(options: { withinDays: number; backends?: readonly string[] }): GateReport {
    return this.remindersFlow.gate(options);
  }

  /**
   * Health findings (health/findings.ts): overdue and due keys, failed tests, failing or stale backends, stopped
   * rotations and the rest, from metadata only (works offline and locked).
   */
  health(options: Partial<HealthOptions> = {}): Promise<HealthReport> {
    return this.healthFlow.report(options);
  }

  /** Reminders that reached a stage (a lead time, or overdue) not notified yet; each is recorded as notified (once, across processes). */
  claimReminderNotifications(): ReminderNotice[] {
    const notices = this.remindersFlow.claimNotifications();
    // The hourly check of a long-running app is also when it notices a new day and makes that day's backup.
    this.backupFlow.dailySoon();
    return notices;
  }

  /**
   * Puts a key's reminder notifications off for 1 or 7 days; returns when the snooze ends. In a team home an operator's
   * or admin's snooze is the team's (every member's copy holds it after a pull); a viewer's is their own.
   */
  snoozeReminder(ref: string, days: number): Promise<string> {
    return this.remindersFlow.snooze(ref, days);
  }

  /** The tray's state (overdue / due within its window, 7 days with the default lead times / nothing) and the next due keys. */
  trayStatus(limit?: number): TrayStatus {
    return this.remindersFlow.trayStatus(limit);
  }

  // ---- audit (workflows/audit.ts) ---------------------------------------------------------------

  auditTrail(query: AuditQuery = {}): AuditEvent[] {
    return this.auditFlow.trail(query);
  }

  /** Walks the audit trail's hash chain (offline, read-only) and names the first edited, removed or reordered event. */
  verifyAuditTrail(): AuditChainStatus {
    return this.auditFlow.verify();
  }

  /**
   * Where a head hash recorded earlier stands in the chain: the event that carries it and how many came after, or
   * null when no event carries it (the trail up to it was rewritten or removed).
   */
  findAuditHead(hash: string): { id: number; at: string; after: number } | null {
    return this.auditFlow.findHead(hash);
  }

  /** The evidence pack for auditors (evidence.ts): the inventory by prefix, the chained trail and its verdict. Never a secret. */
  evidencePack(keywardenVersion: string): Promise<EvidencePack> {
    return this.auditFlow.evidencePack(keywardenVersion, this.home);
  }

  /**
   * The expiry calendar (calendar.ts): an iCalendar file with one all-day event per due date, alarms at the reminder
   * lead times (the `reminderLeadDays` setting), and revoked or deleted keys cancelled. Never a secret.
   */
  async expiryCalendar(): Promise<{ text: string; events: number }> {
    const { formatCalendar } = await import('./calendar.js');
    const deleted = this.auditTrail({ action: 'delete', limit: 100_000 })
      .filter((event) => event.outcome === 'ok' && event.ref !== null && event.backend !== null)
      .map((event) => ({ ref: event.ref!, backend: event.backend!, at: event.at }));
    return formatCalendar({ keys: this.listKeys({}), deleted, alarmDays: this.reminderLeadDays(), now: this.context.now() });
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
    return (await this.rotations()).find(id);
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
    return (await this.setKeyConsumersWithRotation(ref, names)).names;
  }

  /** The same, also saying which open rotation of the key now ticks off the new list (null when none is open). */
  async setKeyConsumersWithRotation(ref: string, names: readonly string[]): Promise<{ names: string[]; rotationId: number | null }> {
    return (await this.rotations()).setConsumers(ref, names);
  }

  // ---- the team inventory (team/workflow.ts, loaded on first use; docs/team.md) -------------------

  private async team(): Promise<TeamWorkflows> {
    if (!this.teamFlow) {
      const { TeamWorkflows } = await import('./team/workflow.js');
      this.teamFlow = new TeamWorkflows(this.context, this.keys);
    }
    return this.teamFlow;
  }

  private async teamChanges(): Promise<TeamChanges> {
    if (!this.teamChangeFlow) {
      const { TeamChanges } = await import('./team/changes.js');
      this.teamChangeFlow = new TeamChanges(this.context, await this.team());
    }
    return this.teamChangeFlow;
  }

  /** Whether this data folder is a team home (its inventory is a team's copy). Offline: reads the local link only. */
  isTeamHome(): boolean {
    return this.context.store.team.get() !== null;
  }

  /**
   * In a team home, this member's role as the server last said it (each pull records it, and the team status of a folder open for writing), read
   * offline; null in a personal folder, before the server first answered, or while not approved. For what decides
   * without asking the server: the desktop app's background sync and tray. Every team write still asks the server.
   */
  teamRole(): TeamRole | null {
    return this.context.store.team.role();
  }

  /** Creates a team in an existing PostgreSQL database; the caller becomes its first admin and this folder's inventory its first. */
  async teamInit(databaseUrl: string, team: string): Promise<{ team: string; member: string; fingerprint: string; backends: number; keys: number }> {
    return (await this.team()).init(databaseUrl, team);
  }

  /** Asks to join a team: registers this member's public key; returns the fingerprint to read to an admin. */
  async teamJoin(databaseUrl: string, team: string): Promise<{ team: string; member: string; fingerprint: string }> {
    return (await this.team()).join(databaseUrl, team);
  }

  async teamMembers(): Promise<TeamMember[]> {
    return (await this.team()).members();
  }

  async teamApprove(member: string, role: TeamRole, fingerprint: string): Promise<TeamMember> {
    return (await this.team()).approve(member, role, fingerprint);
  }

  /**
   * Approves a pending member or changes an approved member's role (never one's own; the team keeps an admin). The
   * fingerprint is needed where the change gives the team key to a key that holds none; a demotion to viewer rotates
   * the team key and answers what they could have read.
   */
  async teamSetRole(member: string, role: TeamRole, fingerprint: string | null): Promise<RoleChange> {
    return (await this.team()).setRole(member, role, fingerprint);
  }

  /** Removes a member and rotates the team key; returns the keys and credentials that member could have read. */
  async teamRemove(member: string): Promise<RemovalReport> {
    return (await this.team()).remove(member);
  }

  /** Leaves the team (not its last admin): marked as left on the server, and this data folder unlinked; its copy stays readable. */
  async teamLeave(options: { confirmTeam?: string } = {}): Promise<{ team: string; member: string }> {
    return (await this.team()).leave(options);
  }

  async teamStatus(): Promise<TeamStatus> {
    return (await this.team()).status();
  }

  /** Pushes what waits for the team (shown-once secrets kept while its server was away), then pulls its changes into the local copy. */
  async teamSync(): Promise<PullReport> {
    return (await this.teamChanges()).pull();
  }

  /**
   * LISTENs for the team's change notices (a long-running host pulls when woken: desktop/team-follower.ts). `onLost`
   * is told once when the connection ends; reconnecting is the caller's.
   */
  async listenToTeam(handlers: { onNotify: (payload: string) => void; onLost: (error: KeywardenError) => void }): Promise<TeamListener> {
    return (await this.teamChanges()).listen(handlers);
  }

  /** The newest `limit` events of the team's audit trail on the server, newest first. */
  async teamAudit(limit: number): Promise<ChainedTeamEvent[]> {
    return (await this.team()).auditTrail(limit);
  }

  /**
   * Walks the team's audit chain on the server: the first event altered, removed or reordered, or the head hash; with
   * `head`, also where a head hash recorded earlier stands in it (`recordedHead`).
   */
  async verifyTeamAudit(options: { head?: string } = {}): Promise<AuditChainStatus & { recordedHead?: RecordedTeamHead }> {
    return (await this.team()).verifyAudit(options);
  }

  // ---- alerts (workflows/alerts.ts, loaded on first use) ------------------------------------------

  private async alerts(): Promise<AlertWorkflows> {
    if (!this.alertFlow) {
      const { AlertWorkflows } = await import('./workflows/alerts.js');
      this.alertFlow = new AlertWorkflows(this.context, this.remindersFlow);
    }
    return this.alertFlow;
  }

  /** The alert channels, with their last attempt, failures and waiting alerts; never a secret (a Slack URL redacted). */
  async alertChannels(): Promise<AlertChannel[]> {
    return (await this.alerts()).list();
  }

  /** Adds a webhook, Slack or email channel: its target checked by the URL policy of manual tests, its secret sealed. */
  async addAlertChannel(input: NewAlertChannelInput): Promise<AlertChannel> {
    return (await this.alerts()).add(input);
  }

  /** Removes a channel (in a team home: the team's, an admin's to remove). */
  async removeAlertChannel(name: string): Promise<void> {
    await (await this.alerts()).remove(name);
  }

  /** Sends the channel a clearly marked test message now; audited. */
  async testAlertChannel(name: string): Promise<AlertTestResult> {
    return (await this.alerts()).test(name);
  }

  /**
   * Sends what is due to every alert channel (or one): each key's reminder at each stage once per channel, claimed in
   * the store before it is sent (in a team home, in the team's database: once per team), retried with a backoff after
   * a failure. `dryRun` only says what would be sent.
   */
  async deliverAlerts(options: { dryRun?: boolean; channel?: string } = {}): Promise<NotifyReport> {
    return (await this.alerts()).deliver(options);
  }

  // ---- settings and the desktop window (workflows/settings.ts) ----------------------------------

  /** The administrator's preferences, defaults filled in (async: the schema is loaded on first use). */
  settings(): Promise<Settings> {
    return this.settingsFlow.settings();
  }

  /** Changes some preferences; the others keep their values. Audited with what changed. */
  updateSettings(changes: Partial<Settings>): Promise<Settings> {
    return this.settingsFlow.update(changes);
  }

  /** The desktop window's last size and place, or null. Not audited: not an administrator's action. */
  windowState(): WindowState | null {
    return this.settingsFlow.windowState();
  }

  /** Remembers the desktop window's size and place; a value that is not a window state is refused, never stored. */
  saveWindowState(state: WindowState): void {
    this.settingsFlow.saveWindowState(state);
  }

  // ---- saved views of the inventory (workflows/saved-views.ts) -----------------------------------

  /** The saved views (search, filters, sort, columns under a name), by name. */
  savedViews(): Promise<SavedView[]> {
    return this.viewsFlow.list();
  }

  /** Saves a view; one of the same name is replaced only with `overwrite` (else `conflict`). Answers every view. */
  saveView(view: SavedViewInput, options: SaveViewOptions = {}): Promise<SavedView[]> {
    return this.viewsFlow.save(view, options);
  }

  renameView(from: string, to: string): Promise<SavedView[]> {
    return this.viewsFlow.rename(from, to);
  }

  deleteView(name: string): Promise<SavedView[]> {
    return this.viewsFlow.remove(name);
  }

  /** A saved view's filters and sort, read without zod (`keywarden list --view`); an unknown name is `not_found`. */
  savedViewQuery(name: string): ViewQuery {
    return this.viewsFlow.viewQuery(name);
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

  vaultStatus(): Promise<VaultStatus & { sealed: { keySecrets: number; credentials: number; alertSecrets: number } }> {
    return this.vaultWorkflows.vaultStatus();
  }

  addPassphrase(passphrase: string): Promise<VaultStatus> {
    return this.vaultWorkflows.addPassphrase(passphrase);
  }

  /** Adds a passphrase, or replaces the current one, which must then be given (the console's dialog). */
  changePassphrase(passphrase: string, current?: string): Promise<VaultStatus> {
    return this.vaultWorkflows.changePassphrase(passphrase, current);
  }

  removePassphrase(): Promise<VaultStatus> {
    return this.vaultWorkflows.removePassphrase();
  }

  /** Starts the vault over: cached secrets and credentials dropped, the inventory kept. Confirmed by the caller. */
  resetVault(options: { leaveTeam?: boolean } = {}): ReturnType<VaultWorkflows['resetVault']> {
    return this.vaultWorkflows.resetVault(options);
  }
}
