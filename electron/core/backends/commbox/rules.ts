/**
 * CommBox's numbers, free of zod so that the backend's definition (loaded by every command) can state them
 * without loading the wire schemas.
 */

/** The replacement interval and a replacement key's validity share these bounds: "valid for up to a year". */
export const COMMBOX_MIN_DAYS = 1;
export const COMMBOX_MAX_DAYS = 365;

/** How long a revoked key keeps working, whether CommBox rotated it or an admin revoked it. */
export const COMMBOX_GRACE_DAYS = 30;
