/**
 * What the backends view says about each vendor (docs/vendors.md): what the add form asks for, what the
 * credential is called, and the rotation policy that applies when none is set. The engine is the authority
 * (it refuses what a vendor cannot take); these are the words the form uses.
 */
import type { BackendType } from '../../../shared/domain.js';
import { BACKEND_NAME_PATTERN, BACKEND_NAME_RULE, MAX_POLICY_DAYS } from '../../../shared/rules.js';

export interface VendorInfo {
  label: string;
  /** One line for the type picker. */
  summary: string;
  needsUrl: boolean;
  /** The credential field's label; null: the type has none. */
  credentialLabel: string | null;
  credentialHint: string;
  urlExample: string;
  /** Keywarden's rotation policy when none is set (null: the vendor's expiry or each key's own dates). */
  defaultPolicyDays: number | null;
  /** The policy field's hint when left empty. */
  defaultPolicyWords: string;
}

export const VENDORS: Record<BackendType, VendorInfo> = {
  commbox: {
    label: 'CommBox',
    summary: 'One active key per organisation, replaced on a schedule CommBox sets.',
    needsUrl: true,
    credentialLabel: 'CommBox admin token',
    credentialHint: 'An admin’s API token: every key-management call needs admin rights.',
    urlExample: 'https://acme.commbox.io',
    defaultPolicyDays: null,
    defaultPolicyWords: 'CommBox’s own expiry (its replacement interval)',
  },
  boxwatch: {
    label: 'BoxWatch',
    summary: 'One API key per account; the key Keywarden uses is the account’s key.',
    needsUrl: true,
    credentialLabel: 'BoxWatch API key',
    credentialHint: 'The account’s API key (bw_…), shown once in the BoxWatch dashboard.',
    urlExample: 'https://api.boxwatch.app',
    defaultPolicyDays: 90,
    defaultPolicyWords: '90 days after creation',
  },
  nitrobox: {
    label: 'Nitrobox',
    summary: 'An API client ID and key per connected system.',
    needsUrl: true,
    credentialLabel: 'Nitrobox user token',
    credentialHint: 'A portal user’s token with the role “Manage API credentials”.',
    urlExample: 'https://api.nitrobox.example',
    defaultPolicyDays: 180,
    defaultPolicyWords: '180 days after creation',
  },
  manual: {
    label: 'Manual',
    summary: 'Keys of vendors without an API, entered by hand.',
    needsUrl: false,
    credentialLabel: null,
    credentialHint: '',
    urlExample: '',
    defaultPolicyDays: null,
    defaultPolicyWords: 'each key’s own dates',
  },
};

export const VENDOR_ORDER: readonly BackendType[] = ['commbox', 'boxwatch', 'nitrobox', 'manual'];

/** The rotation policy in words: "every 90 days (vendor default)", "every 30 days", "CommBox’s own expiry". */
export function policyInWords(type: BackendType, days: number | null): string {
  const vendor = VENDORS[type];
  if (days === null) return vendor.defaultPolicyWords;
  const every = `every ${days} ${days === 1 ? 'day' : 'days'}`;
  return days === vendor.defaultPolicyDays ? `${every} (vendor default)` : every;
}

export interface AddBackendFields {
  type: BackendType;
  name: string;
  url: string;
  credential: string;
  /** The rotation policy as typed; empty for the vendor's default. */
  policy: string;
}

export type FieldErrors = Partial<Record<'name' | 'url' | 'credential' | 'policy', string>>;

/** A whole number of days from 1 to MAX_POLICY_DAYS (or `max`), or the reason it is not. */
export function parseDays(text: string, max = MAX_POLICY_DAYS): { days: number } | { error: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { error: `Enter a whole number of days from 1 to ${max}.` };
  const days = Number(trimmed);
  if (days < 1 || days > max) return { error: `Enter a whole number of days from 1 to ${max}.` };
  return { days };
}

/** The add form's own checks, the same rules the engine applies; the engine has the last word (and its message is shown). */
export function checkAddBackend(fields: AddBackendFields, existingNames: readonly string[] = []): FieldErrors {
  const errors: FieldErrors = {};
  const vendor = VENDORS[fields.type];
  const name = fields.name.trim();
  if (!name) errors.name = 'Enter a name.';
  else if (!BACKEND_NAME_PATTERN.test(name)) errors.name = `Not a valid name: ${BACKEND_NAME_RULE}.`;
  else if (existingNames.includes(name)) errors.name = `A backend named “${name}” already exists.`;
  if (vendor.needsUrl) {
    const url = fields.url.trim();
    if (!url) errors.url = `Enter the ${vendor.label} API’s base URL, e.g. ${vendor.urlExample}.`;
    else if (!/^https?:\/\/\S+$/i.test(url)) errors.url = `Enter a URL starting with https://, e.g. ${vendor.urlExample}.`;
  }
  if (vendor.credentialLabel && !fields.credential) errors.credential = `Enter the ${vendor.credentialLabel}.`;
  if (fields.policy.trim()) {
    const parsed = parseDays(fields.policy);
    if ('error' in parsed) errors.policy = parsed.error;
  }
  return errors;
}
