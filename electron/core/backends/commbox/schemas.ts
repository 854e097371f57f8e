/** CommBox's wire shapes, exactly as `docs/wire/commbox.md` fixes them. */
import { z } from 'zod';

const IsoDate = z.iso.datetime({ offset: false });

/** `cbx_` + 36 base62 characters, 40 in all (the contract's assumption: the guide shows no key). */
export const COMMBOX_KEY_PATTERN = /^cbx_[0-9A-Za-z]{36}$/;

export const COMMBOX_STATUSES = ['active', 'revoked', 'expired'] as const;

import { COMMBOX_MAX_DAYS, COMMBOX_MIN_DAYS } from './rules.js';

export { COMMBOX_GRACE_DAYS, COMMBOX_MAX_DAYS, COMMBOX_MIN_DAYS } from './rules.js';

export const CommBoxKey = z.object({
  id: z.string().min(1),
  label: z.string(),
  status: z.enum(COMMBOX_STATUSES),
  createdAt: IsoDate,
  expiresAt: IsoDate,
  revokedAt: IsoDate.nullable(),
  graceEndsAt: IsoDate.nullable(),
  last4: z.string().regex(/^[0-9A-Za-z]{4}$/, 'is not the last 4 characters of a CommBox key'),
});
export type CommBoxKey = z.infer<typeof CommBoxKey>;

const CommBoxSecretText = z.string().regex(COMMBOX_KEY_PATTERN, 'is not a CommBox key (cbx_ + 36 letters or digits)');

export const CommBoxRotation = z.object({
  intervalDays: z.number().int().min(COMMBOX_MIN_DAYS).max(COMMBOX_MAX_DAYS),
});

export const CommBoxKeyList = z.object({
  data: z.array(CommBoxKey),
  nextCursor: z.string().min(1).nullable(),
  rotation: CommBoxRotation,
});

export const CommBoxSecret = z.object({
  id: z.string().min(1),
  secret: CommBoxSecretText,
});

export const CommBoxTestResult = z.object({
  valid: z.boolean(),
  checkedAt: IsoDate,
});

export const CommBoxRevokeResult = z.object({
  revoked: CommBoxKey,
  replacement: CommBoxKey.extend({ secret: CommBoxSecretText }),
});

/** What CommBox shows of a key in its list: the last four characters (the key itself is behind the View action). */
export function commBoxLast4(secret: string): string {
  return secret.slice(-4);
}
