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
