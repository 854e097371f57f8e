/**
 * The domain model shared by the engine, the CLI's `--json` output and (later) the renderer.
 *
 * Every shape is a zod schema so that whatever crosses a boundary (a JSON document a script reads,
 * an IPC message) can be checked against the same declaration; the TypeScript types are inferred
 * from the schemas, never written twice. This file imports nothing platform-specific.
 */
import { z } from 'zod';
import {
  BACKEND_NAME_PATTERN,
  BACKEND_NAME_RULE,
  BACKEND_TYPES,
  CAPABILITIES,
  DEFAULT_LEAD_DAYS,
  DESCRIPTION_LIMITS,
  KEY_SORT_FIELDS,
  KEY_STATUSES,
  leadDaysProblem,
  MAX_SEARCH_CHARS,
  MAX_POLICY_DAYS,
  MAX_SELECTED_REFS,
} from './rules.js';

export { BACKEND_TYPES, CAPABILITIES, KEY_SORT_FIELDS, KEY_STATUSES };

/** ISO 8601 UTC timestamp, e.g. `2026-11-22T10:00:00.000Z`. */
export const IsoDate = z.iso.datetime({ offset: false });
export type IsoDate = z.infer<typeof IsoDate>;

/**
 * A date as Keywarden stores it: an instant (`IsoDate`), or a calendar day `2026-12-07` when an administrator
 * typed a day without a time. A calendar day is that day in every time zone; an instant is read in the reader's.
 */
export const DayOrInstant = z.union([IsoDate, z.iso.date()]);
export type DayOrInstant = z.infer<typeof DayOrInstant>;

export const BackendType = z.enum(BACKEND_TYPES);
export type BackendType = z.infer<typeof BackendType>;

export const KeyStatus = z.enum(KEY_STATUSES);
export type KeyStatus = z.infer<typeof KeyStatus>;

export const BackendName = z.string().regex(BACKEND_NAME_PATTERN, BACKEND_NAME_RULE);
export type BackendName = z.infer<typeof BackendName>;

/** `<backend>/<id>`: the id part is the vendor's own identifier and may itself contain any printable character. */
export const KeyRef = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}\/\S.*$/, 'a key reference looks like <backend>/<id>');
export type KeyRef = z.infer<typeof KeyRef>;

export const Key = z.object({
  ref: KeyRef,
  backend: BackendName,
  backendType: BackendType,
  id: z.string(),
  name: z.string(),
  /** What identifies the key without revealing it: a prefix, the last four characters, or a client ID. */
  prefix: z.string().nullable(),
  status: KeyStatus,
  createdAt: DayOrInstant.nullable(),
  expiresAt: DayOrInstant.nullable(),
  graceEndsAt: IsoDate.nullable(),
  rotationDueAt: DayOrInstant.nullable(),
  lastUsedAt: IsoDate.nullable(),
  lastTestedAt: IsoDate.nullable(),
  lastTestOk: z.boolean().nullable(),
  secretCached: z.boolean(),
  syncedAt: IsoDate.nullable(),
  /** The administrator's description of the key (never from the vendor, never secret): see `KeyDescription`. */
  owner: z.string().nullable(),
  environment: z.string().nullable(),
  tags: z.array(z.string()),
  notes: z.string().nullable(),
});
export type Key = z.infer<typeof Key>;

/**
 * What an administrator says about a key: who owns it, the environment it serves, tags and notes. Kept by Keywarden
 * for any key (a sync never changes it), searched and exported as it is. Sizes are bounded here; the engine checks the
 * rest (printable text, tags as single words) with messages in words (`workflows/key-descriptions.ts`).
 */
export const KeyDescription = z
  .object({
    owner: z
      .string()
      .max(DESCRIPTION_LIMITS.owner * 2)
      .nullable(),
    environment: z
      .string()
      .max(DESCRIPTION_LIMITS.environment * 2)
      .nullable(),
    tags: z.array(z.string().max(DESCRIPTION_LIMITS.tag * 2)).max(DESCRIPTION_LIMITS.tags * 2),
    notes: z
      .string()
      .max(DESCRIPTION_LIMITS.notes * 2)
      .nullable(),
  })
  .strict();
export type KeyDescription = z.infer<typeof KeyDescription>;

/**
 * A change to a key's description: a field left out stays as it is, null clears it. `tags` replaces the whole list;
 * `addTags` and `removeTags` change it (what a bulk "tag" does to keys that have different tags).
 */
export const KeyDescriptionChange = KeyDescription.partial()
  .extend({
    addTags: KeyDescription.shape.tags.optional(),
    removeTags: KeyDescription.shape.tags.optional(),
  })
  .strict();
export type KeyDescriptionChange = z.infer<typeof KeyDescriptionChange>;

export const Capability = z.enum(CAPABILITIES);
export type Capability = z.infer<typeof Capability>;

export const BackendSummary = z.object({
  name: BackendName,
  type: BackendType,
  url: z.string().nullable(),
  capabilities: z.array(Capability),
  /**
   * Set when revoking issues a replacement at once (CommBox): the revoked key keeps working for `graceDays`, and
   * the replacement's validity is chosen within the bounds. Null when a revoke simply ends the key.
   */
  replacingRevoke: z.object({ graceDays: z.number().int().positive(), minValidityDays: z.number().int().positive(), maxValidityDays: z.number().int().positive() }).nullable(),
  /** Why each missing capability is missing, in the vendor's own terms (shown in place of its button). */
  unsupported: z.partialRecord(Capability, z.string()),
  hasCredential: z.boolean(),
  /** Days after `createdAt` at which a key without a vendor expiry is due for rotation. */
  rotateEveryDays: z.number().int().positive().nullable(),
  keyCount: z.number().int().nonnegative(),
  lastSyncAt: IsoDate.nullable(),
  lastSyncOkAt: IsoDate.nullable(),
  lastError: z.string().nullable(),
  createdAt: IsoDate,
});
export type BackendSummary = z.infer<typeof BackendSummary>;

export const ReminderKind = z.enum(['expiry', 'rotation', 'grace-end']);
export type ReminderKind = z.infer<typeof ReminderKind>;

/**
 * The stage a reminder has reached: one of the reminder lead times (the `reminderLeadDays` setting, 30, 7 and 1 days
 * by default), as its number of days, or overdue.
 */
export const ReminderThreshold = z.union([z.number().int().min(1).max(MAX_POLICY_DAYS), z.literal('overdue')]);
export type ReminderThreshold = z.infer<typeof ReminderThreshold>;

export const Reminder = z.object({
  ref: KeyRef,
  name: z.string(),
  backend: BackendName,
  kind: ReminderKind,
  dueAt: DayOrInstant,
  /** Calendar days (local time zone) from today to the day of `dueAt`: 0 when due today, negative when that day is past. */
  daysLeft: z.number().int(),
  /** Null for a reminder listed with a wider `--within` than the largest lead time. */
  threshold: ReminderThreshold.nullable(),
});
export type Reminder = z.infer<typeof Reminder>;

export const TestResult = z.object({
  ref: KeyRef,
  ok: z.boolean(),
  checkedAt: IsoDate,
  /** A short, secret-free explanation, e.g. "valid", "401 unauthorized". */
  detail: z.string(),
});
export type TestResult = z.infer<typeof TestResult>;

/** What the key detail offers; each comes with the engine's reason when it cannot be done for this key. */
export const KEY_ACTIONS = ['reveal', 'copy', 'test', 'revoke', 'delete'] as const;
export const KeyAction = z.enum(KEY_ACTIONS);
export type KeyAction = z.infer<typeof KeyAction>;

export const ActionAvailability = z.object({
  available: z.boolean(),
  /** Why not, in the vendor's own terms (null when available). */
  reason: z.string().nullable(),
});
export type ActionAvailability = z.infer<typeof ActionAvailability>;

export const KeyActions = z.object({ reveal: ActionAvailability, copy: ActionAvailability, test: ActionAvailability, revoke: ActionAvailability, delete: ActionAvailability });
export type KeyActions = z.infer<typeof KeyActions>;

/** A vendor's fact about a key, in words for the key detail (e.g. "Created by: admin@acme.example"); never a secret. */
/**
 * A key another key's page names: the key a replacement replaces, or the key that replaced it. `inInventory` is false
 * once that key is gone (a rotation deletes the old key at its end); its name and prefix are then as they were.
 */
export const LinkedKey = z.object({ ref: KeyRef, name: z.string(), prefix: z.string().nullable(), inInventory: z.boolean() });
export type LinkedKey = z.infer<typeof LinkedKey>;

/** Which key this one replaces and which key replaced it (a rotation, a CommBox revoke), when Keywarden recorded it. */
export const KeyLineage = z.object({ replaces: LinkedKey.nullable(), replacedBy: LinkedKey.nullable() });
export type KeyLineage = z.infer<typeof KeyLineage>;

/** One fact about a key, in words; `key` when the fact names another key (the console links to it). */
export const KeyFact = z.object({ label: z.string(), value: z.string(), key: LinkedKey.optional() });
export type KeyFact = z.infer<typeof KeyFact>;

export const AuditOutcome = z.enum(['ok', 'failed', 'unknown']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditEvent = z.object({
  id: z.number().int(),
  at: IsoDate,
  osUser: z.string(),
  action: z.string(),
  backend: z.string().nullable(),
  ref: z.string().nullable(),
  outcome: AuditOutcome,
  detail: z.string().nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** The audit trail's filters (all optional; exact matches), newest events kept when `limit` cuts. */
export const AuditQuery = z
  .object({
    limit: z.number().int().min(1).max(100_000).optional(),
    backend: BackendName.optional(),
    ref: KeyRef.optional(),
    action: z
      .string()
      .regex(/^[a-z][a-z.-]{0,39}$/, 'an audit action is a lower-case word such as "revoke" or "key.add"')
      .optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

export const BackendSyncResult = z.object({
  backend: BackendName,
  ok: z.boolean(),
  keyCount: z.number().int().nonnegative(),
  pages: z.number().int().nonnegative(),
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  /** What a successful sync left undone, e.g. secrets not cached because the keychain is locked. */
  note: z.string().nullable(),
  /**
   * Key rows a successful sync inserted, updated or removed: 0 when nothing changed at the vendor (an unchanged
   * key is not rewritten). Absent from a failed sync, which writes none.
   */
  keysWritten: z.number().int().nonnegative().optional(),
});
export type BackendSyncResult = z.infer<typeof BackendSyncResult>;

export const SyncReport = z.object({
  ok: z.boolean(),
  startedAt: IsoDate,
  results: z.array(BackendSyncResult),
});
export type SyncReport = z.infer<typeof SyncReport>;

/** Pushed while a sync runs, so a UI can show per-backend progress. */
export const SyncProgress = z.object({
  backend: BackendName,
  phase: z.enum(['started', 'page', 'done', 'failed']),
  pages: z.number().int().nonnegative(),
  keys: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type SyncProgress = z.infer<typeof SyncProgress>;

/** Result of create and of a revoke that issues a replacement: the secret is only present on the one occasion it is shown. */
export const IssuedKey = z.object({
  key: Key,
  /** Present once; already encrypted and committed to the cache when this is returned, unless `cached` is false. */
  secret: z.string().nullable(),
  /**
   * False only when the vendor issued a shown-once secret that could not be stored (the database
   * stayed locked by another process): it is returned anyway, so the administrator can keep it.
   */
  cached: z.boolean(),
  /**
   * In a team home, true when the team's server could not take the key when the vendor issued it: the key and its
   * secret are kept (sealed) in this data folder and pushed to the team when the server is back (`team sync`).
   */
  teamPending: z.boolean().optional(),
});
export type IssuedKey = z.infer<typeof IssuedKey>;

export const RevokeResult = z.object({
  revoked: Key.nullable(),
  /** A replacement the vendor issued (CommBox); its `secret` is null unless the caller asked to reveal it. */
  replacement: IssuedKey.nullable(),
});
export type RevokeResult = z.infer<typeof RevokeResult>;

export const KeyFilter = z.object({
  backend: BackendName.optional(),
  status: KeyStatus.optional(),
  dueWithinDays: z.number().int().min(0).max(36500).optional(),
  search: z.string().max(MAX_SEARCH_CHARS).optional(),
});
export type KeyFilter = z.infer<typeof KeyFilter>;

/** Columns the console's inventory table sorts by (`KEY_SORT_FIELDS`, shared/rules.ts). */
export const KeySortField = z.enum(KEY_SORT_FIELDS);
export type KeySortField = z.infer<typeof KeySortField>;

/** The largest page the console may ask for at once: a screenful is a few dozen rows. */
export const MAX_INVENTORY_PAGE = 500;

/**
 * One page of the inventory as the console asks for it: the filters of `KeyFilter`, plus vendor and
 * "overdue only", a sort, and offset/limit. The store filters, sorts and pages; the console never
 * holds the whole inventory.
 */
export const InventoryQuery = KeyFilter.extend({
  vendor: BackendType.optional(),
  overdue: z.boolean().optional(),
  sort: z
    .object({ field: KeySortField, direction: z.enum(['asc', 'desc']) })
    .strict()
    .optional(),
  offset: z.number().int().min(0).max(10_000_000).optional(),
  limit: z.number().int().min(1).max(MAX_INVENTORY_PAGE).optional(),
}).strict();
export type InventoryQuery = z.infer<typeof InventoryQuery>;

/**
 * The keys a bulk action acts on: the rows ticked one by one, or every key matching the console's query (its search and
 * filters, without the page) but those unticked since. With 100,000 keys, "select all matching" is that query, never
 * 100,000 references in the page.
 */
export const KeySelection = z.union([
  z.object({ refs: z.array(KeyRef).min(1).max(MAX_SELECTED_REFS) }).strict(),
  z.object({ query: InventoryQuery.omit({ sort: true, offset: true, limit: true }), except: z.array(KeyRef).max(MAX_SELECTED_REFS) }).strict(),
]);
export type KeySelection = z.infer<typeof KeySelection>;

/** What a bulk action does to each selected key: the description's tags or owner (`key:describe`), or a snooze. */
export const BulkChange = z.discriminatedUnion('action', [
  z.object({ action: z.literal('tag'), tags: KeyDescription.shape.tags.min(1) }).strict(),
  z.object({ action: z.literal('untag'), tags: KeyDescription.shape.tags.min(1) }).strict(),
  z.object({ action: z.literal('owner'), owner: KeyDescription.shape.owner }).strict(),
  z.object({ action: z.literal('snooze'), days: z.union([z.literal(1), z.literal(7)]) }).strict(),
]);
export type BulkChange = z.infer<typeof BulkChange>;

/** What happened to one key of a bulk action: done, nothing to change, or refused with the engine's reason. */
export const BulkKeyResult = z.object({
  ref: KeyRef,
  name: z.string(),
  outcome: z.enum(['ok', 'unchanged', 'refused']),
  detail: z.string().nullable(),
});
export type BulkKeyResult = z.infer<typeof BulkKeyResult>;

export const BulkReport = z.object({
  keys: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  results: z.array(BulkKeyResult),
  /** True when `results` lists only the first MAX_BULK_RESULTS keys (refusals first). */
  truncated: z.boolean(),
});
export type BulkReport = z.infer<typeof BulkReport>;

export const InventoryPage = z.object({
  /** How many keys match the filters, whatever the page. */
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  rows: z.array(Key),
});
export type InventoryPage = z.infer<typeof InventoryPage>;

/** Counts for the console's filter controls and summary, over the whole inventory. */
export const InventoryFacets = z.object({
  total: z.number().int().nonnegative(),
  status: z.record(KeyStatus, z.number().int().nonnegative()),
  vendors: z.record(BackendType, z.number().int().nonnegative()),
  backends: z.array(z.object({ name: BackendName, type: BackendType, count: z.number().int().nonnegative() })),
  /** Active and grace keys by when they are due, in local calendar days; `none` have no due date. */
  due: z.object({
    overdue: z.number().int().nonnegative(),
    within7: z.number().int().nonnegative(),
    within30: z.number().int().nonnegative(),
    later: z.number().int().nonnegative(),
    none: z.number().int().nonnegative(),
  }),
});
export type InventoryFacets = z.infer<typeof InventoryFacets>;

/** A backend as the console's "add backend" form sends it; the credential goes straight to the vault. */
export const NewBackendInput = z
  .object({
    name: BackendName,
    type: BackendType,
    url: z.string().max(2_000).nullable().optional(),
    /** Typed once into a password field; tested, then sealed. Never sent back. */
    credential: z.string().min(1).max(16_384).nullable().optional(),
    rotateEveryDays: z.number().int().min(1).max(MAX_POLICY_DAYS).nullable().optional(),
  })
  .strict();
export type NewBackendInput = z.infer<typeof NewBackendInput>;

/** A key of a vendor without an API, entered by hand in a manual backend. */
export const NewManualKeyInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    vendor: z.string().max(100).nullable().optional(),
    createdAt: z.string().max(40).nullable().optional(),
    expiresAt: z.string().max(40).nullable().optional(),
    rotateEveryDays: z.number().int().min(1).max(MAX_POLICY_DAYS).nullable().optional(),
    secret: z.string().min(1).max(16_384).nullable().optional(),
    /** Its description, recorded with it (one audit event). */
    description: KeyDescription.partial().optional(),
    test: z
      .object({
        url: z.string().max(2_000),
        header: z.string().max(100),
        valueTemplate: z.string().max(1_000),
        expectStatus: z.number().int().min(100).max(599),
        allowPrivateNetwork: z.boolean().optional(),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();
export type NewManualKeyInput = z.infer<typeof NewManualKeyInput>;

/** How this data folder's key is opened, for the console's vault panel. Nothing in it is secret. */
export const VaultState = z.object({
  created: z.boolean(),
  vaultId: z.string().nullable(),
  keychainEntry: z.string().nullable(),
  keychain: z.enum(['holds-key', 'missing', 'locked', 'unavailable', 'wrong-key']).nullable(),
  keychainDetail: z.string().nullable(),
  passphraseSlot: z.object({ kdf: z.literal('scrypt'), N: z.number().int(), r: z.number().int(), p: z.number().int() }).nullable(),
  /** What is sealed under the data key: cached key secrets, backend credentials and the alert channels' secrets. */
  sealed: z.object({ keySecrets: z.number().int().nonnegative(), credentials: z.number().int().nonnegative(), alertSecrets: z.number().int().nonnegative().optional() }),
});
export type VaultState = z.infer<typeof VaultState>;

/**
 * Whether Keywarden is locked: while it is, no secret is revealed or copied (whatever a window asks) and the
 * data key is not kept in memory; the inventory, reminders and tray keep working.
 */
export const LockState = z.object({
  locked: z.boolean(),
  since: IsoDate.nullable(),
  reason: z.enum(['manual', 'idle', 'screen']).nullable(),
  /**
   * What unlocking asks for: the data folder's passphrase where it has one (then always, even when the OS keychain
   * would answer silently), else the OS keychain; null before anything is sealed (nothing to unlock).
   */
  unlockWith: z.enum(['passphrase', 'keychain']).nullable(),
});
export type LockState = z.infer<typeof LockState>;

/** Which host serves the console, and whether it holds the demo's data (the console says so on every view). */
export const HostInfo = z.object({
  host: z.enum(['browser', 'desktop']),
  /** The data folder in use, for the administrator's orientation. */
  home: z.string(),
  demo: z.boolean(),
  /** Whether this host can start the demo (built-in emulators, demo folder) from the console's first run. */
  demoAvailable: z.boolean(),
});
export type HostInfo = z.infer<typeof HostInfo>;

/** Pushed after anything changes the inventory (a sync, a create, a revoke...), so open views refresh. */
export const InventoryChange = z.object({
  reason: z.enum(['sync', 'key', 'backend', 'vault']),
  backend: BackendName.nullable(),
});
export type InventoryChange = z.infer<typeof InventoryChange>;

/**
 * The administrator's preferences, shared by the desktop app, the console and the CLI (one data
 * folder, one set). Every field has a default, so an older data folder reads as the defaults.
 */
export const Settings = z
  .object({
    /** After a copy, the clipboard is cleared this many seconds later if it still holds the secret. */
    clipboardClearSeconds: z.number().int().min(5).max(3_600),
    /** The desktop app syncs every backend this often while it runs (skipped while offline). */
    backgroundSyncHours: z.number().int().min(1).max(168),
    /** A revealed secret is hidden again in the console after this many seconds. */
    revealHideSeconds: z.number().int().min(5).max(600),
    /** The desktop app locks Keywarden (no reveal or copy until unlocked) after the machine has been idle this long. */
    lockAfterIdleMinutes: z.number().int().min(1).max(1_440),
    /**
     * The organisation's longest rotation interval, in days: Health lists keys valid (or due for rotation) longer after
     * their creation. Null (the default): no policy.
     */
    maxRotationDays: z.number().int().min(1).max(3_650).nullable(),
    /**
     * The reminder lead times, in days before a due date, largest first (a list given in another order is sorted):
     * each is a stage at which the tray, OS notifications and alerts speak up, and overdue is always one more. The
     * largest is Health's "due soon" window. Whole days from 1 to 3650, distinct, at most 10 (shared/rules.ts).
     */
    reminderLeadDays: z.array(z.number().int()).superRefine((days, context) => {
      const problem = leadDaysProblem(days);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  })
  .strict();
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  clipboardClearSeconds: 30,
  backgroundSyncHours: 6,
  revealHideSeconds: 30,
  lockAfterIdleMinutes: 15,
  maxRotationDays: null,
  reminderLeadDays: [...DEFAULT_LEAD_DAYS],
};
