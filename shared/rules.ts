/**
 * Plain constants shared by the schemas (domain.ts) and the engine. Kept free of zod so that the
 * CLI's hot path (`keywarden list`) can validate input without loading a schema library.
 */
export const BACKEND_TYPES = ['commbox', 'boxwatch', 'nitrobox', 'manual'] as const;
export const KEY_STATUSES = ['active', 'grace', 'revoked', 'expired'] as const;
/** The workflows a vendor may offer; a backend's definition lists the ones its vendor does. */
export const CAPABILITIES = ['list', 'reveal', 'test', 'create', 'revoke', 'delete', 'rotate'] as const;

/** A backend's name is also the first half of every key reference, so it is kept URL- and shell-safe. */
export const BACKEND_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const BACKEND_NAME_RULE = 'use 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';

/** How many rolling backups a data folder keeps (the newest; docs/cli.md says so too). */
export const KEEP_BACKUPS = 7;

/** Rotation policies and validity periods are whole days within ten years. */
export const MAX_POLICY_DAYS = 3650;

/**
 * A key's description (owner, environment, tags, notes): what an administrator says about a key. Plain text, never
 * secret; the engine checks and tidies it (`workflows/key-descriptions.ts`), the contract only bounds its size.
 */
export const DESCRIPTION_LIMITS = { owner: 100, environment: 40, tag: 40, tags: 20, notes: 4000 } as const;
/** A tag is one word: no spaces or commas (a list of tags is typed with commas), no control characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what the rule refuses
export const TAG_PATTERN = /^[^\s,\u0000-\u001f\u007f-\u009f]+$/u;

/** The most references a console selection sends; a larger selection is sent as its query ("every key matching"). */
export const MAX_SELECTED_REFS = 5_000;
/** The most per-key lines a bulk action's report carries (refusals first); its counts cover every key. */
export const MAX_BULK_RESULTS = 1_000;

/**
 * Reminder lead times (the `reminderLeadDays` setting): how many days before a due date the tray, notifications and
 * alerts speak up, each a stage of its own, and "overdue" always after them. Whole days 1 to MAX_POLICY_DAYS, distinct,
 * at most MAX_LEAD_TIMES; kept largest first. CommBox's own advance notice is 30 days, so the default starts there.
 */
export const DEFAULT_LEAD_DAYS: readonly number[] = Object.freeze([30, 7, 1]);
export const MAX_LEAD_TIMES = 10;

/**
 * Why a list of lead times is not one, in words for the administrator, or null when it is: a zod-free check, so that
 * the CLI and the engine's reminder scan read the setting without loading a schema library (domain.ts refines the
 * setting's schema with this same check).
 */
export function leadDaysProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'give the lead times as a list of days, e.g. 30,7,1';
  if (value.length === 0) return 'give at least one lead time, e.g. 30,7,1 (overdue is always a stage of its own)';
  if (value.length > MAX_LEAD_TIMES) return `give at most ${MAX_LEAD_TIMES} lead times (${value.length} given)`;
  for (const days of value) {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_POLICY_DAYS) {
      return `each lead time is a whole number of days from 1 to ${MAX_POLICY_DAYS} ("${String(days)}" is not)`;
    }
  }
  if (new Set(value).size !== value.length) return `each lead time is given once (${value.join(', ')} repeats one)`;
  return null;
}

/** The lead times as Keywarden keeps them: largest first. Call after `leadDaysProblem` said none. */
export function normaliseLeadDays(value: readonly number[]): number[] {
  return [...value].sort((a, b) => b - a);
}

/** Columns the console's inventory table sorts by. `due` is the date that matters now (grace end, expiry or rotation). */
export const KEY_SORT_FIELDS = ['due', 'name', 'backend', 'status', 'prefix', 'createdAt', 'expiresAt', 'lastTestedAt', 'syncedAt'] as const;

/** The longest search the inventory takes (the console's box, `keywarden list --search`, a saved view's). */
export const MAX_SEARCH_CHARS = 200;

/**
 * The inventory table's columns an administrator may hide, in the table's order (Name is always shown: it is what a
 * row is). A saved view lists the ones it shows.
 */
export const INVENTORY_COLUMNS = ['backend', 'prefix', 'status', 'due', 'cached', 'tested', 'synced'] as const;
export type InventoryColumn = (typeof INVENTORY_COLUMNS)[number];

/**
 * Saved views of the inventory (shared/views.ts): the most a data folder keeps (a menu longer than that is no longer a
 * shortcut), and the longest name (it is a menu entry and a `keywarden list --view` argument).
 */
export const SAVED_VIEW_LIMITS = { views: 50, name: 60 } as const;
/** The console's built-in view (no search, no filter, the default sort and columns): its name is not one to save. */
export const ALL_KEYS_VIEW = 'All keys';

/**
 * Why a saved view's name is not one, in words, or null when it is. Checked on the name as given, trimmed: 1 to 60
 * characters, no control, format (invisible) or line-separator characters (a view is typed at a shell as
 * `--view NAME` and read in a menu: what it shows is what is typed), and not the built-in "All keys".
 */
export function viewNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'give the view a name';
  if ([...trimmed].length > SAVED_VIEW_LIMITS.name) return `a view's name has at most ${SAVED_VIEW_LIMITS.name} characters (${[...trimmed].length} given)`;
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(trimmed)) return "a view's name cannot hold control or invisible characters";
  if (trimmed.toLowerCase() === ALL_KEYS_VIEW.toLowerCase()) return `"${ALL_KEYS_VIEW}" is the built-in view: choose another name`;
  return null;
}

/** Two names of saved views are the same view when they differ only in case ("Due soon", "due soon"). */
export function sameViewName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Alert channel types and SMTP protections (shared/alerts.ts has their schemas; here for the CLI, free of zod). */
export const ALERT_CHANNEL_TYPES = ['webhook', 'slack', 'email'] as const;
export const SMTP_SECURITY = ['starttls', 'tls', 'plain'] as const;
/** One email address, no display name: what an email channel's sender and recipients are. */
export const EMAIL_ADDRESS_PATTERN = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

/**
 * What tells a key apart from another of the same name: its prefix (what identifies it without revealing it), else
 * its ID at the vendor (the part of its reference after the backend). Every view that names a key says it.
 */
export function keyTell(key: { ref: string; prefix?: string | null }): string {
  if (key.prefix) return key.prefix;
  const slash = key.ref.indexOf('/');
  return slash >= 0 ? key.ref.slice(slash + 1) : key.ref;
}

/**
 * "Production (cb_live_3f2a)": a linked key's name, what tells it apart (unless that is the name itself, as with a
 * Nitrobox client), and whether it is gone.
 */
export function linkedKeyText(key: { ref: string; name: string; prefix: string | null; inInventory: boolean }): string {
  const tell = keyTell(key);
  return `${key.name}${tell === key.name ? '' : ` (${tell})`}${key.inInventory ? '' : ', no longer in the inventory'}`;
}
