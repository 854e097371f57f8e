/** Nitrobox's wire shapes, exactly as `docs/wire/nitrobox.md` fixes them. */
import { z } from 'zod';

const IsoDate = z.iso.datetime({ offset: false });

/**
 * The API Client ID rule Nitrobox enforces on create (`400 invalid_client_id` otherwise).
 * Exported so the connector can refuse a bad ID before sending anything.
 */
export const NITROBOX_CLIENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,63}$/;

export const NITROBOX_CLIENT_ID_RULE = '3 to 64 characters: lowercase letters, digits and "-", starting with a letter or digit';

/** 48 base64url characters (36 random bytes). */
export const NITROBOX_API_KEY_PATTERN = /^[A-Za-z0-9_-]{48}$/;

/** The role a portal user needs for every `/api/v1/api-keys` call. */
export const NITROBOX_MANAGE_ROLE = 'Manage API credentials';

export const NitroboxKey = z.object({
  // Listed IDs are not checked against the create rule: one odd legacy ID must not hide the whole list.
  clientId: z.string().min(1),
  createdAt: IsoDate,
  createdBy: z.string(),
  lastUsedAt: IsoDate.nullable(),
});
export type NitroboxKey = z.infer<typeof NitroboxKey>;

export const NitroboxKeyList = z.object({
  items: z.array(NitroboxKey),
  nextCursor: z.string().min(1).nullable(),
});

/** The create answer: the only response that ever carries the API key. */
export const NitroboxCreatedKey = NitroboxKey.extend({
  apiKey: z.string().regex(NITROBOX_API_KEY_PATTERN, 'is not a Nitrobox API key (48 base64url characters)'),
});
export type NitroboxCreatedKey = z.infer<typeof NitroboxCreatedKey>;

/** OAuth 2.0 client-credentials answer. Parsed only to confirm the key works; the token is never kept. */
export const NitroboxTokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
});
