/** BoxWatch's wire shapes, exactly as `docs/wire/boxwatch.md` fixes them. */
import { z } from 'zod';

const IsoDate = z.iso.datetime({ offset: false });

export const BoxWatchKey = z.object({
  id: z.string().min(1),
  name: z.string(),
  prefix: z.string().regex(/^bw_[0-9a-f]{8}$/, 'is not a BoxWatch prefix (bw_ + 8 hex)'),
  scope: z.literal('full'),
  createdAt: IsoDate,
  lastUsedAt: IsoDate.nullable(),
});
export type BoxWatchKey = z.infer<typeof BoxWatchKey>;

export const BoxWatchKeyList = z.object({
  data: z.array(BoxWatchKey),
  nextCursor: z.string().min(1).nullable(),
});

export const BoxWatchAccount = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
});

/** `bw_` + 64 lowercase hex characters (32 random bytes). */
export const BOXWATCH_KEY_PATTERN = /^bw_[0-9a-f]{64}$/;

/** The part BoxWatch keeps and shows: `bw_` + the first 8 hex characters. */
export function boxWatchPrefix(key: string): string {
  return key.slice(0, 11);
}
