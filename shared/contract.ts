/**
 * The contract between the renderer and the engine: every method the UI may call, with zod schemas
 * for its arguments and result, and every event the engine pushes. From this one declaration:
 * - `electron/core/contract-handlers.ts` maps each method to the engine;
 * - the Electron main process binds each to `ipcMain.handle` through one validating wrapper;
 * - the preload builds `window.keywarden` with `buildContractClient` over `ipcRenderer.invoke`;
 * - tests build the same client over another transport.
 * Names are `domain:verb`; there is no generic "send any channel".
 */
import { z } from 'zod';
import { AlertChannel, AlertChannelName, AlertTestResult, NewAlertChannelInput } from './alerts.js';
import { AuditChainStatus } from './audit.js';
import {
  AuditEvent,
  AuditQuery,
  BackendName,
  BackendSummary,
  BulkChange,
  BulkReport,
  InventoryFacets,
  InventoryPage,
  InventoryChange,
  InventoryQuery,
  IssuedKey,
  HostInfo,
  IsoDate,
  Key,
  KeyActions,
  KeyDescriptionChange,
  KeyFact,
  KeyFilter,
  KeyRef,
  KeySelection,
  LockState,
  MAX_INVENTORY_PAGE,
  NewBackendInput,
  NewManualKeyInput,
  Reminder,
  RevokeResult,
  Settings,
  SyncProgress,
  SyncReport,
  TestResult,
  VaultState,
} from './domain.js';
import { HealthOptionsInput, HealthReport } from './health.js';
import { ImportReport, ImportStageChunk, StagedFileId, StagedImportFile, StagedImportRequest } from './imports.js';
import { Rotation, RotationAdvance, RotationChange, RotationId, RotationOptions, RotationPlan, RotationStepResult } from './rotation.js';
import { MAX_POLICY_DAYS } from './rules.js';
import { TeamApproval, TeamAudit, TeamAuditQuery, TeamLeave, TeamLeft, TeamMember, TeamMemberName, TeamPull, TeamRemoval, TeamRoleChange, TeamRoleChanged, TeamStatus } from './team.js';
import { SavedView, SavedViewInput, SaveViewOptions, StoredViewName } from './views.js';

/** One rolling backup as the console lists it: when and why it was made, its size, and its check. */
const BackupListing = z.object({
  path: z.string(),
  name: z.string(),
  createdAt: IsoDate,
  reason: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Null when the file fails its check (then `problem` says why, and it cannot be restored). */
  schema: z.number().int().nullable(),
  backends: z.number().int().nonnegative().nullable(),
  keys: z.number().int().nonnegative().nullable(),
  problem: z.string().nullable(),
});

/** A key as the audit trail names it: its name, and its prefix (else its ID, from the reference) beside it. */
const KeyNaming = z.object({ ref: KeyRef, name: z.string(), prefix: z.string().nullable() });

/** Key labels as vendors accept them; the vendor checks its own stricter rules. */
const KeyLabel = z.string().trim().min(1).max(100);

/**
 * A secret put on the clipboard the host owns: when it will be cleared, and whether that clear can be checked. On
 * native Wayland it cannot (the compositor may drop a change from an unfocused window while Chromium's read-back
 * still shows its own copy), so the console says the clear is best effort there.
 */
const CopyResult = z.object({ clearsInSeconds: z.number().int().nonnegative(), bestEffortClear: z.boolean().optional() });

export const CONTRACT = {
  'inventory:list': { args: z.tuple([KeyFilter]), result: z.array(Key) },
  /** One page for the console's table: SQLite filters, sorts and pages, so 100k keys never cross at once. */
  'inventory:query': { args: z.tuple([InventoryQuery]), result: InventoryPage },
  'inventory:facets': { args: z.tuple([]), result: InventoryFacets },
  /**
   * The name and prefix of each referenced key still in the inventory, in one answer (the audit trail names its
   * events' keys with them); a key that is gone is left out, and the trail shows its reference alone.
   */
  'inventory:lookup': { args: z.tuple([z.array(KeyRef).max(MAX_INVENTORY_PAGE)]), result: z.array(KeyNaming) },
  /**
   * Saved views of the inventory (shared/views.ts): a search, filters, a sort and columns under a name, kept in the
   * data folder (`keywarden list --view NAME` lists a view's keys). Each answers every view, by name. `views:save`
   * replaces a view of the same name (any case) only with `overwrite`, else refuses with `conflict`.
   */
  'views:list': { args: z.tuple([]), result: z.array(SavedView) },
  'views:save': { args: z.tuple([SavedViewInput, SaveViewOptions.optional()]), result: z.array(SavedView) },
  'views:rename': { args: z.tuple([StoredViewName, StoredViewName]), result: z.array(SavedView) },
  'views:delete': { args: z.tuple([StoredViewName]), result: z.array(SavedView) },
  'key:show': { args: z.tuple([KeyRef]), result: Key },
  /** What the key detail may offer for this key, each with the engine's reason when not. */
  'key:actions': { args: z.tuple([KeyRef]), result: KeyActions },
  /** The vendor's facts about a key (who created it, when it was revoked, what its test calls), in words. */
  'key:facts': { args: z.tuple([KeyRef]), result: z.array(KeyFact) },
  /**
   * Copies a key's secret to the clipboard where the host owns it (the desktop app: in the main process, cleared
   * after the `clipboardClearSeconds` setting if it still holds the secret); the secret never reaches the page.
   * A host without one (a browser) refuses with `unsupported`: the console then uses `key:reveal` with the
   * purpose `copy` and the browser's clipboard.
   */
  'key:copy': { args: z.tuple([KeyRef]), result: CopyResult },
  /**
   * Copies the shown-once secret of a key created in this session (`key:create`'s answer, which the page already
   * shows) to the clipboard the host owns, with the same timed clear as `key:copy`. The desktop window has no
   * clipboard of its own (its session denies every permission), so the main process writes it. Only a secret this
   * host issued is copied (anything else is refused with `not_found`, without repeating it); the secret is never
   * logged nor put in an error. A host without a clipboard (a browser) refuses with `unsupported`.
   */
  'issued:copy': { args: z.tuple([z.string().min(1).max(16_384)]), result: CopyResult },
  /** The one way a secret reaches the renderer: an explicit reveal, audited as a reveal or (for the clipboard) a copy. */
  'key:reveal': {
    args: z.tuple([
      KeyRef,
      z
        .object({ purpose: z.enum(['reveal', 'copy']) })
        .strict()
        .optional(),
    ]),
    result: z.string(),
  },
  'key:test': { args: z.tuple([KeyRef]), result: TestResult },
  'key:create': { args: z.tuple([BackendName, KeyLabel]), result: IssuedKey },
  /** The replacement's secret comes back only with `revealReplacement` (an audited reveal). */
  'key:revoke': {
    args: z.tuple([KeyRef, z.object({ validityDays: z.number().int().min(1).max(365).optional(), revealReplacement: z.boolean().optional() }).strict()]),
    result: RevokeResult,
  },
  'key:delete': { args: z.tuple([KeyRef]), result: z.null() },
  'backend:list': { args: z.tuple([]), result: z.array(BackendSummary) },
  /** The credential is tested at the vendor before anything is stored, then sealed; it never comes back. */
  'backend:add': { args: z.tuple([NewBackendInput]), result: BackendSummary },
  /** Removes the backend and its cached inventory and secrets from Keywarden; nothing changes at the vendor. */
  'backend:remove': { args: z.tuple([BackendName]), result: z.null() },
  /** Replaces a credential, tested first: the old one stays unless the new one works. */
  'backend:credential': { args: z.tuple([BackendName, z.string().min(1).max(16_384)]), result: BackendSummary },
  /** Keywarden's own rotation policy in days, or null for the vendor's default. */
  'backend:policy': { args: z.tuple([BackendName, z.number().int().min(1).max(MAX_POLICY_DAYS).nullable()]), result: BackendSummary },
  /** CommBox: the admin's replacement interval at the vendor. */
  'backend:interval': { args: z.tuple([BackendName, z.number().int().min(1).max(365)]), result: z.object({ backend: BackendSummary, intervalDays: z.number().int() }) },
  'manual:add': { args: z.tuple([BackendName, NewManualKeyInput]), result: Key },
  /** A manual key's dates: undefined keeps a date, null clears it; an expiry and an interval exclude each other. */
  'manual:edit': {
    args: z.tuple([
      KeyRef,
      z
        .object({
          createdAt: z.string().max(40).optional(),
          expiresAt: z.string().max(40).nullable().optional(),
          rotateEveryDays: z.number().int().min(1).max(MAX_POLICY_DAYS).nullable().optional(),
        })
        .strict(),
    ]),
    result: Key,
  },
  /** A key's owner, environment, tags and notes (any key; Keywarden's own record, no vendor asked). */
  'key:describe': { args: z.tuple([KeyRef, KeyDescriptionChange]), result: Key },
  /**
   * A key's named consumers (who uses it: "CI pipeline"), the list its rotations tick off before the old key goes.
   * `consumers:set` replaces the list (an open rotation of the key gets the new names too); the engine checks each name.
   */
  'consumers:list': { args: z.tuple([KeyRef]), result: z.array(z.string()) },
  'consumers:set': { args: z.tuple([KeyRef, z.array(z.string().max(400)).max(100)]), result: z.array(z.string()) },
  /**
   * One change to many keys (the console's bulk actions): tags added or removed, the owner set, reminders snoozed. Each
   * key is changed as `key:describe` or `reminders:snooze` changes it, with its own audit event, in one transaction per
   * batch of keys; a key that refuses (nothing due to snooze) is reported with the reason and the others go on.
   */
  'keys:bulk': { args: z.tuple([KeySelection, BulkChange]), result: BulkReport },
  'vault:status': { args: z.tuple([]), result: VaultState },
  /** Locks Keywarden: reveal and copy are refused and the data key leaves memory until unlocked. */
  'vault:lock': { args: z.tuple([]), result: LockState },
  /**
   * Unlocks, proving again that the vault opens: with the data folder's passphrase where it has one (required then),
   * else by reading the data key from the OS keychain. Also opens the vault with its passphrase where no keychain
   * holds the key (the console on a jump host). The passphrase is used once and kept nowhere.
   */
  'vault:unlock': {
    args: z.tuple([
      z
        .object({ passphrase: z.string().min(1).max(1024) })
        .strict()
        .optional(),
    ]),
    result: LockState,
  },
  /**
   * Adds (or replaces) the data folder's passphrase: from then on unlocking asks for it, and it opens the vault
   * where no keychain is available. At least 12 characters. Replacing one needs the current one (`current`).
   */
  'vault:passphrase': {
    args: z.tuple([
      z
        .object({
          passphrase: z.string().min(12).max(1024),
          /** The passphrase it replaces: required where the data folder has one, and checked before anything changes. */
          current: z.string().min(1).max(1024).optional(),
        })
        .strict(),
    ]),
    result: LockState,
  },
  'vault:lockstate': { args: z.tuple([]), result: LockState },
  'settings:get': { args: z.tuple([]), result: Settings },
  /** Changes some preferences (the reminder lead times among them: `reminderLeadDays`); the result is all of them. */
  'settings:set': { args: z.tuple([Settings.partial().strict()]), result: Settings },
  /**
   * Alert channels (shared/alerts.ts): where reminders go beyond this machine (a signed webhook, Slack, email), with
   * their last attempt, failures and waiting alerts. Never a secret: a Slack URL is shown as its host, a password never.
   */
  'alerts:list': { args: z.tuple([]), result: z.array(AlertChannel) },
  /**
   * Adds a channel: its URL checked by the URL policy of manual key tests (https; this machine or the local network
   * only with `allowPrivateNetwork`), its secret (signing secret, Slack URL, SMTP login) sealed and never sent back.
   */
  'alerts:add': { args: z.tuple([NewAlertChannelInput]), result: AlertChannel },
  /** Sends the channel a clearly marked test message now; the answer says whether it accepted it. Audited. */
  'alerts:test': { args: z.tuple([AlertChannelName]), result: AlertTestResult },
  /** Removes a channel and what it waits to send; what it sent stays in the audit trail. */
  'alerts:remove': { args: z.tuple([AlertChannelName]), result: z.null() },
  /** The whole inventory as CSV or JSON text for the console to save; domain fields only, never a secret. */
  'export:inventory': {
    /** `selection`: only those keys (the console's "export the selection"); else the whole inventory. */
    args: z.tuple([z.object({ format: z.enum(['csv', 'json']), selection: KeySelection.optional() }).strict()]),
    result: z.object({ format: z.enum(['csv', 'json']), keys: z.number().int().nonnegative(), content: z.string() }),
  },
  /**
   * The audit trail as CSV or JSON text for the console to save: the events `audit:list` answers for the same
   * filters (the newest `limit` matching, oldest first). Fields of the trail only; the trail never holds a secret.
   */
  'export:audit': {
    args: z.tuple([AuditQuery.extend({ format: z.enum(['csv', 'json']) }).strict()]),
    result: z.object({ format: z.enum(['csv', 'json']), events: z.number().int().nonnegative(), content: z.string() }),
  },
  'sync:run': { args: z.tuple([z.array(BackendName).max(200)]), result: SyncReport },
  'reminders:list': { args: z.tuple([z.object({ withinDays: z.number().int().min(0).max(36_500).optional() }).strict()]), result: z.array(Reminder) },
  /**
   * Health findings (shared/health.ts), most severe first, with counts per severity: from metadata only, so it answers
   * offline and locked. The options change the defaults (lead 30 days, unused 90, stale 7), as `keywarden health` does.
   */
  'health:report': { args: z.tuple([HealthOptionsInput.optional()]), result: HealthReport },
  /**
   * The expiry calendar as iCalendar text (`keywarden export --format ics`) for the console to save: one all-day event
   * per due date, revoked and deleted keys cancelled. Never a secret.
   */
  'calendar:export': { args: z.tuple([]), result: z.object({ events: z.number().int().nonnegative(), content: z.string() }) },
  /** Puts a key's reminder notifications off for a day or a week; its current one comes back when the snooze ends. */
  'reminders:snooze': { args: z.tuple([KeyRef, z.union([z.literal(1), z.literal(7)])]), result: z.object({ until: IsoDate }) },
  'audit:list': { args: z.tuple([AuditQuery]), result: z.array(AuditEvent) },
  /**
   * The console's import (shared/imports.ts), the file read by the engine as `keywarden import` reads it. A file the
   * page read goes to the engine's memory a chunk at a time (never to disk; bounded, expiring, zeroed when dropped):
   * the first chunk with the file's name, kind and size makes a staged file, the next ones name it and their offset.
   * The one method whose argument may be larger than 64 KiB (a chunk of IMPORT_CHUNK_BYTES as base64; see
   * contract-pipeline.ts). Once whole, the answer says the format the file's content suggests.
   */
  'import:stage': { args: z.tuple([ImportStageChunk]), result: StagedImportFile },
  /** What importing a staged file would do (a dry run): create, update or skip per entry, with reasons and counts. Changes nothing. */
  'import:preview': { args: z.tuple([StagedImportRequest]), result: ImportReport },
  /**
   * Imports a staged file into a manual backend (made first with `createBackend`), in batches each with its audit
   * event (counts and the format, never a name). The staged files are dropped after it, whatever its outcome. The
   * password is used for the call alone.
   */
  'import:run': { args: z.tuple([StagedImportRequest]), result: ImportReport },
  /** Drops a staged file (the dialog closed or another file was chosen); nothing happens for one already gone. */
  'import:discard': { args: z.tuple([StagedFileId]), result: z.null() },
  /** Which host this is and whether it holds demo data. */
  'host:info': { args: z.tuple([]), result: HostInfo },
  /**
   * First run: the built-in emulators with sample keys, in the demo's own data folder (never the real one); the
   * host switches to it. Refused (unsupported) by a host that cannot, and once any backend exists.
   */
  'demo:start': { args: z.tuple([]), result: HostInfo },
  /** Guided rotation (shared/rotation.ts). The plan for a key, shown before anything changes: steps, downtime, warnings. */
  'rotation:plan': { args: z.tuple([KeyRef, RotationOptions]), result: RotationPlan },
  /**
   * Starts a rotation: its journal first, then every step that needs no answer. A secret crosses only in `issued`,
   * in the answer whose step received a shown-once key (already sealed and committed to the cache).
   */
  'rotation:start': { args: z.tuple([KeyRef, RotationOptions]), result: RotationStepResult },
  /** Moves a rotation on with the administrator's answer (or `continue` after a crash: unknown outcomes are re-listed, never repeated). */
  'rotation:advance': { args: z.tuple([RotationId, RotationAdvance]), result: RotationStepResult },
  /** Unfinished rotations (also those a crash or a closed app left), newest first; all of them with `all`. */
  'rotation:list': { args: z.tuple([z.object({ all: z.boolean().optional() }).strict()]), result: z.array(Rotation) },
  /** Stops a rotation; nothing at the vendor is undone, and `summary` says what was done there. */
  'rotation:abandon': { args: z.tuple([RotationId]), result: z.object({ rotation: Rotation, summary: z.string() }) },
  /**
   * Walks the audit trail's hash chain (shared/audit.ts): how many events verify, the head hash to record elsewhere,
   * and the first edited, removed or reordered event when it does not verify. Reads only.
   */
  'audit:verify': { args: z.tuple([]), result: AuditChainStatus },
  /** A backup of the database now, into the data folder's rolling backups (checked, 0600; the last KEEP_BACKUPS of shared/rules.ts kept). No path from the window: it never chooses where a file goes. */
  'store:backup': { args: z.tuple([]), result: z.object({ path: z.string() }) },
  /** The rolling backups, newest first, each checked (quick_check; its schema and how many backends and keys it holds, or why it cannot be restored). */
  'store:backups': { args: z.tuple([]), result: z.array(BackupListing) },
  /**
   * Restores a rolling backup, named by its file name (never a path), while the engine holds the database open: the
   * current state is backed up first (reason `before-restore`), the engine closes its store, restores, and opens it
   * again. Audited in the restored trail. Refused, nothing changed, while another process has the database open.
   */
  'store:restore': {
    args: z.tuple([z.object({ name: z.string().min(1).max(200) }).strict()]),
    result: z.object({
      restoredFrom: BackupListing.pick({ name: true, createdAt: true, reason: true }),
      before: BackupListing.pick({ name: true, createdAt: true, reason: true }),
      schema: z.number().int(),
      backends: z.number().int().nonnegative(),
      keys: z.number().int().nonnegative(),
      warnings: z.array(z.string()),
    }),
  },
  /**
   * The evidence pack for auditors (`keywarden export --evidence`) as JSON text for the console to save: the inventory
   * by prefix, the chained trail and its verdict. Never a secret.
   */
  'audit:evidence': {
    args: z.tuple([]),
    result: z.object({ content: z.string(), keys: z.number().int().nonnegative(), events: z.number().int().nonnegative(), verified: z.boolean() }),
  },
  /**
   * The team inventory (shared/team.ts, docs/team.md) for the console's Team view. `team:status` answers a personal
   * data folder too (`linked: false`, with the folder, for the commands that create or join a team: those need a
   * database URL and a PostgreSQL role, which belong in a terminal); the server's state, or why it could not be asked.
   */
  'team:status': { args: z.tuple([]), result: TeamStatus },
  /** Members with role, state and key fingerprint (a pending member sees only themself). */
  'team:members': { args: z.tuple([]), result: z.array(TeamMember) },
  /**
   * Admin: approves a member after comparing the fingerprint they read out of band; a fingerprint that does not match
   * the key on the server is refused and nothing changes. PostgreSQL's grants refuse anyone but an admin.
   */
  'team:approve': { args: z.tuple([TeamApproval]), result: TeamMember },
  /**
   * Admin: changes an approved member's role (never one's own; the team keeps an admin). Making a viewer an operator or
   * admin gives them the team key: the fingerprint they read out is needed, as for an approval. Making an operator or
   * admin a viewer rotates the team key, as a removal does, and answers what they could have read, to rotate.
   */
  'team:role': { args: z.tuple([TeamRoleChange]), result: TeamRoleChanged },
  /** Admin: removes a member and rotates the team key; answers the keys and credentials they could have read, to rotate at the vendors. */
  'team:remove': { args: z.tuple([TeamMemberName]), result: TeamRemoval },
  /**
   * Leaves the team (any member but its last admin), confirmed by the team's name as typed: marked as left on the
   * server, and this data folder unlinked (its copy stays readable, as a personal inventory's); an admin still removes
   * the member to revoke their access. Then every view refreshes.
   */
  'team:leave': { args: z.tuple([TeamLeave]), result: TeamLeft },
  /** Pulls the team's changes into the local copy (then every view refreshes). */
  'team:sync': { args: z.tuple([]), result: TeamPull },
  /** The team's audit trail on the server, newest first; with `verify`, its hash chain walked (the first altered, removed or reordered event). */
  'team:audit': { args: z.tuple([TeamAuditQuery]), result: TeamAudit },
} as const;

export const CONTRACT_EVENTS = {
  onSyncProgress: SyncProgress,
  /** After anything that changes the inventory: open views refresh their page and facets. */
  onInventoryChanged: InventoryChange,
  /** After anything that can change what is due: the reminders view, the tray and badges refresh. */
  onRemindersChanged: InventoryChange,
  /** Locked or unlocked (by the administrator, idle time or the screen lock): the console hides what it revealed. */
  onLockChanged: LockState,
  /** The host asks the console to open a key (a notification or the tray menu was clicked). */
  onOpenKey: z.object({ ref: KeyRef }),
  /** A rotation's journal changed (a step done, a question to answer, finished or abandoned): the wizard and "rotations in progress" refresh. */
  onRotationChanged: RotationChange,
} as const;

export type ContractMethod = keyof typeof CONTRACT;
export type ContractArgs<M extends ContractMethod> = z.infer<(typeof CONTRACT)[M]['args']>;
export type ContractResult<M extends ContractMethod> = z.infer<(typeof CONTRACT)[M]['result']>;
export type ContractEvent = keyof typeof CONTRACT_EVENTS;
export type ContractEventPayload<E extends ContractEvent> = z.infer<(typeof CONTRACT_EVENTS)[E]>;

/** What a handler side implements: one async function per method, with the contract's types. */
export type ContractHandlers = { [M in ContractMethod]: (...args: ContractArgs<M>) => Promise<ContractResult<M>> };

/** The renderer's API, derived from the contract (never hand-written, so it cannot drift). */
export type ContractClient = ContractHandlers;

/** Carries one call across a boundary (IPC, HTTP, in-process); the builder adds validation on both ends. */
export interface ContractTransport {
  invoke(method: ContractMethod, args: unknown[]): Promise<unknown>;
}

/** A call the contract refuses: wrong arguments, or a result that is not what was declared. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
  constructor(
    readonly method: string,
    message: string,
    /** Where in the arguments the first problem is (`[1, 'rotateEveryDays']`), when it is in one. */
    readonly path: readonly PropertyKey[] = [],
  ) {
    super(`${method}: ${message}`);
  }
}

/** Parses a method's arguments; the receiving side calls this before anything reaches the engine. */
export function parseContractArgs<M extends ContractMethod>(method: M, args: unknown): ContractArgs<M> {
  const spec = CONTRACT[method] as (typeof CONTRACT)[ContractMethod] | undefined;
  if (!spec) throw new ContractViolation(String(method), 'not a contract method');
  const parsed = spec.args.safeParse(args);
  if (!parsed.success) throw new ContractViolation(method, `invalid arguments: ${describeIssue(parsed.error)}`, parsed.error.issues[0]?.path ?? []);
  return parsed.data as ContractArgs<M>;
}

export function isContractMethod(name: unknown): name is ContractMethod {
  return typeof name === 'string' && Object.hasOwn(CONTRACT, name);
}

/** Builds the client object (e.g. `window.keywarden`) over any transport, checking results against the contract. */
export function buildContractClient(transport: ContractTransport): ContractClient {
  const client: Partial<Record<ContractMethod, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const method of Object.keys(CONTRACT) as ContractMethod[]) {
    client[method] = async (...args: unknown[]) => {
      const result = await transport.invoke(method, args);
      const parsed = CONTRACT[method].result.safeParse(result);
      if (!parsed.success) throw new ContractViolation(method, `unexpected result: ${describeIssue(parsed.error)}`);
      return parsed.data;
    };
  }
  return Object.freeze(client) as ContractClient;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.length ? `argument ${issue.path.join('.')}: ` : ''}${issue.message}`;
}
