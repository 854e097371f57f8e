/**
 * The inventory's search syntax, parsed in one place for the console's search box and `keywarden list --search`:
 *
 *   stripe                 free text: part of the name, prefix, ID, backend, vendor, owner, environment, tags or notes
 *   "Ana Lima"             a quoted phrase, spaces included
 *   vendor:commbox         part of the vendor's name (the backend type's, or a manual key's own vendor)
 *   backend:acme           the backend of that name
 *   status:grace           active, grace, revoked or expired
 *   owner:ana              part of the owner; owner:"Ana Lima" with a space
 *   tag:prod               a key tagged exactly "prod" (any case)
 *   env:staging            the environment, exactly (any case)
 *   due<30                 due within 30 days, overdue ones included (as `list --due-within 30`)
 *   overdue                past its due date
 *   -tag:prod  -stripe     "not": any term above with a minus in front
 *
 * Terms are combined with AND. A word followed by a colon is a field: an unknown one is an error in words (put text
 * with a colon in quotes). Plain TypeScript without zod: the CLI's `list` parses with it on its hot path, and the
 * renderer shows the error under the search box before asking the engine anything. The engine turns the terms into
 * SQL parameters (electron/core/store/key-rows.ts `keyConditions`); nothing here is ever spliced into SQL.
 */
import { KEY_STATUSES } from './rules.js';

export const SEARCH_FIELDS = ['vendor', 'backend', 'status', 'owner', 'tag', 'env'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** Other spellings an administrator types for a field. */
const FIELD_ALIASES: Record<string, SearchField> = { environment: 'env', tags: 'tag', type: 'vendor' };

export type SearchTerm =
  | { kind: 'text'; value: string; negated: boolean }
  | { kind: 'field'; field: SearchField; value: string; negated: boolean }
  | { kind: 'due'; withinDays: number; negated: boolean }
  | { kind: 'overdue'; negated: boolean };

export type ParsedSearch = { ok: true; terms: SearchTerm[] } | { ok: false; error: string };

/** The most days `due<N` takes: a hundred years, as `--due-within`. */
export const MAX_DUE_DAYS = 36_500;

/** The syntax in a few lines, with examples: the console's "?" dialog and `keywarden list --help` show these. */
export const SEARCH_HELP: ReadonlyArray<{ example: string; meaning: string }> = [
  { example: 'stripe', meaning: 'part of the name, prefix, ID, backend, vendor, owner, environment, tags or notes' },
  { example: '"billing sync"', meaning: 'a phrase with its spaces' },
  { example: 'vendor:commbox', meaning: "the vendor: the backend's (CommBox, BoxWatch, Nitrobox) or a manual key's own" },
  { example: 'backend:acme', meaning: 'keys of the backend named acme' },
  { example: 'status:grace', meaning: 'active, grace, revoked or expired' },
  { example: 'owner:ana', meaning: 'the owner contains "ana"; owner:"Ana Lima" with a space' },
  { example: 'tag:prod', meaning: 'tagged prod' },
  { example: 'env:staging', meaning: 'the environment is staging' },
  { example: 'due<30', meaning: 'due within 30 days, overdue keys included' },
  { example: 'overdue', meaning: 'past the date it was due' },
  { example: '-tag:prod', meaning: 'a minus in front: not tagged prod (works with every term)' },
];

const FIELD_LIST = 'vendor:, backend:, status:, owner:, tag: or env:';

/** Splits on spaces outside quotes; a quote left open runs to the end (the administrator is still typing). */
function tokens(text: string): Array<{ raw: string; quoted: boolean; negated: boolean; field: string | null; fieldQuoted: boolean }> {
  const out: Array<{ raw: string; quoted: boolean; negated: boolean; field: string | null; fieldQuoted: boolean }> = [];
  let at = 0;
  const chars = [...text];
  const isSpace = (c: string | undefined) => c !== undefined && /\s/u.test(c);
  const readQuoted = (): string => {
    at += 1; // the opening quote
    let value = '';
    while (at < chars.length && chars[at] !== '"') value += chars[at++];
    at += 1; // the closing quote, if any
    return value;
  };
  while (at < chars.length) {
    while (isSpace(chars[at])) at += 1;
    if (at >= chars.length) break;
    let negated = false;
    // "-" alone, or before a space, is text (a dash); before anything else it says "not".
    if (chars[at] === '-' && at + 1 < chars.length && !isSpace(chars[at + 1])) {
      negated = true;
      at += 1;
    }
    if (chars[at] === '"') {
      out.push({ raw: readQuoted(), quoted: true, negated, field: null, fieldQuoted: false });
      continue;
    }
    let word = '';
    while (at < chars.length && !isSpace(chars[at]) && chars[at] !== ':' && chars[at] !== '"') word += chars[at++];
    if (chars[at] === ':' && /^[A-Za-z]+$/u.test(word)) {
      at += 1;
      if (chars[at] === '"') {
        out.push({ raw: readQuoted(), quoted: true, negated, field: word, fieldQuoted: true });
        continue;
      }
      let value = '';
      while (at < chars.length && !isSpace(chars[at])) value += chars[at++];
      out.push({ raw: value, quoted: false, negated, field: word, fieldQuoted: false });
      continue;
    }
    // Not a field: the rest of the word, colons and quotes included, is text.
    while (at < chars.length && !isSpace(chars[at])) word += chars[at++];
    out.push({ raw: word, quoted: false, negated, field: null, fieldQuoted: false });
  }
  return out;
}

/** Parses the search box's text. Never throws: an error comes back in words, to be shown where the text was typed. */
export function parseSearch(text: string): ParsedSearch {
  const terms: SearchTerm[] = [];
  for (const token of tokens(text)) {
    if (token.field !== null) {
      const name = token.field.toLowerCase();
      const field = (SEARCH_FIELDS as readonly string[]).includes(name) ? (name as SearchField) : FIELD_ALIASES[name];
      if (field === undefined) {
        return { ok: false, error: `"${token.field}:" is not a search field: use ${FIELD_LIST} (put text with a colon in quotes, e.g. "${token.field}:${token.raw}")` };
      }
      const value = token.raw.trim();
      if (value === '') return { ok: false, error: `${field}: needs a value, e.g. ${SEARCH_HELP.find((line) => line.example.startsWith(`${field}:`))?.example ?? `${field}:x`}` };
      if (field === 'status') {
        const status = value.toLowerCase();
        if (!(KEY_STATUSES as readonly string[]).includes(status)) return { ok: false, error: `status: is one of ${KEY_STATUSES.join(', ')} (not "${value}")` };
        terms.push({ kind: 'field', field, value: status, negated: token.negated });
        continue;
      }
      terms.push({ kind: 'field', field, value, negated: token.negated });
      continue;
    }
    if (!token.quoted) {
      const due = /^due(<=?)(.*)$/iu.exec(token.raw);
      if (due) {
        const days = /^(\d{1,6})d?$/iu.exec(due[2]!);
        const count = days ? Number(days[1]) : NaN;
        if (!Number.isInteger(count) || count > MAX_DUE_DAYS) return { ok: false, error: `due< takes a number of days up to ${MAX_DUE_DAYS}, e.g. due<30 (not "${token.raw}")` };
        terms.push({ kind: 'due', withinDays: count, negated: token.negated });
        continue;
      }
      if (token.raw.toLowerCase() === 'overdue') {
        terms.push({ kind: 'overdue', negated: token.negated });
        continue;
      }
    }
    const value = token.raw.trim();
    if (value !== '') terms.push({ kind: 'text', value, negated: token.negated });
  }
  return { ok: true, terms };
}

/** How many characters (code points, as SQLite's trigram tokenizer counts them) a value has. */
export function characters(value: string): number {
  return [...value].length;
}
