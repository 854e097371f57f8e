/**
 * What every import reader produces: one `ImportEntry` per entry of the source, whatever its format, so the planner
 * and the applier never know where an entry came from. Also what the readers share: their errors (each with a
 * stable code and a message that names the file's problem, never its contents) and the small rules about fields
 * (which custom fields hold an expiry, which vendor a title or URL suggests).
 */
import { MAX_IMPORT_FILE_BYTES } from '../../../shared/imports.js';
import { KeywardenError } from '../errors.js';

/** A secret as the reader holds it: revealed only when it is sealed or compared, so a reader may keep it protected (KeePass) until then. */
export interface ImportSecret {
  reveal(): string;
}

export interface ImportEntry {
  /**
   * The source's own identity for the entry: `keepass:<UUID>` (the database and its XML export share it),
   * `bitwarden:<id>`, `bitwarden-sm:<id>`, `1password:<uuid>`, or for a CSV row a hash of its name (the backend is
   * part of the table's key). What makes a second import update instead of duplicating.
   */
  sourceId: string;
  /** Where it is in the source, for the plan: "row 4", "Vendors/Stripe prod". */
  location: string;
  title: string;
  secret: ImportSecret | null;
  url: string | null;
  notes: string | null;
  tags: string[];
  /** The folder, group, project or vault it sits in: "Passwords/Vendors". */
  group: string | null;
  /** As read: an ISO instant or a calendar day, checked by the planner (`dates.ts`). Null when the source has none. */
  createdAt: string | null;
  expiresAt: string | null;
  rotateEveryDays: string | null;
  vendor: string | null;
  owner: string | null;
  environment: string | null;
  /** Why the entry cannot be imported, found while reading (an unreadable date, a recycled entry); the planner skips it with this reason. */
  problem: string | null;
  /** A spreadsheet without a secret column is an inventory: its rows become keys without secrets instead of being skipped. */
  secretOptional: boolean;
  /** Said in the plan beside the entry: something kept as read that may surprise (a name that looks like a formula). */
  warnings: string[];
}

export type ImportErrorCode = 'import_malformed' | 'import_wrong_password' | 'import_too_large' | 'import_unsupported';

/** A reader's refusal: the whole file, nothing stored. Messages name the problem, never a field's value. */
export function importError(code: ImportErrorCode, message: string, details: Record<string, string | number | boolean | null> = {}): KeywardenError {
  return new KeywardenError(code, message, details);
}

/** The largest source file read (64 MiB): ten thousand KeePass entries with history take a few MiB. */
export const MAX_SOURCE_BYTES = MAX_IMPORT_FILE_BYTES;

/** Custom fields that hold an expiry where the format has none of its own. */
const EXPIRY_FIELD = /^\s*(expires?|expiry|expiration|expiration date|expiry date|valid until|valid to)\s*:?\s*$/i;

export function isExpiryField(name: string): boolean {
  return EXPIRY_FIELD.test(name);
}

/** Vendors recognised by a word of the title or the URL's host; otherwise the URL's registrable name, capitalised. */
const KNOWN_VENDORS: ReadonlyArray<[RegExp, string]> = [
  [/\bstripe\b/i, 'Stripe'],
  [/\btwilio\b/i, 'Twilio'],
  [/\bgithub\b/i, 'GitHub'],
  [/\bgitlab\b/i, 'GitLab'],
  [/\b(aws|amazonaws)\b/i, 'AWS'],
  [/\bopenai\b/i, 'OpenAI'],
  [/\banthropic\b/i, 'Anthropic'],
  [/\bsendgrid\b/i, 'SendGrid'],
  [/\bmailgun\b/i, 'Mailgun'],
  [/\bslack\b/i, 'Slack'],
  [/\bdatadog(hq)?\b/i, 'Datadog'],
  [/\bcloudflare\b/i, 'Cloudflare'],
  [/\bgoogle(apis)?\b|\bgcp\b/i, 'Google'],
  [/\bazure\b/i, 'Azure'],
  [/\bheroku\b/i, 'Heroku'],
  [/\bdigitalocean\b/i, 'DigitalOcean'],
  [/\bpagerduty\b/i, 'PagerDuty'],
  [/\bsentry\b/i, 'Sentry'],
];

const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac']);

export function guessVendor(title: string, url: string | null): string | null {
  let host: string | null = null;
  if (url) {
    try {
      host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`).hostname;
    } catch {
      host = null;
    }
  }
  for (const [pattern, vendor] of KNOWN_VENDORS) if (pattern.test(title) || (host && pattern.test(host.replaceAll('.', ' ')))) return vendor;
  if (!host || /^[\d.]+$/.test(host) || host === 'localhost' || !host.includes('.')) return null;
  const labels = host.split('.');
  const name = labels.length >= 3 && SECOND_LEVEL.has(labels.at(-2)!) ? labels.at(-3)! : labels.at(-2)!;
  return name ? name.charAt(0).toUpperCase() + name.slice(1) : null;
}

/** Text from a source, trimmed; empty is none. */
export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A plain secret held as read (JSON and CSV sources arrive decrypted). */
export function plainSecret(value: unknown): ImportSecret | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const secret = value.trim();
  return { reveal: () => secret };
}

/** Tags from a list or a "a, b; c" cell: trimmed, without empties or repeats. */
export function splitTags(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? value.split(/[,;]/) : [];
  return [...new Set(parts.map((part) => part.trim()).filter(Boolean))];
}

export function emptyEntry(sourceId: string, location: string, title: string): ImportEntry {
  return {
    sourceId,
    location,
    title,
    secret: null,
    url: null,
    notes: null,
    tags: [],
    group: null,
    createdAt: null,
    expiresAt: null,
    rotateEveryDays: null,
    vendor: null,
    owner: null,
    environment: null,
    problem: null,
    secretOptional: false,
    warnings: [],
  };
}
