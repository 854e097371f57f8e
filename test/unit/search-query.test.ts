/**
 * The search syntax (shared/search-query.ts) as the console's search box and `keywarden list --search` read it: every
 * form an administrator types, and a refusal in words for what it cannot mean (never a silently empty result).
 */
import { describe, expect, it } from 'vitest';
import { parseSearch, SEARCH_HELP, type SearchTerm } from '../../shared/search-query.js';

function terms(text: string): SearchTerm[] {
  const parsed = parseSearch(text);
  if (!parsed.ok) throw new Error(`refused: ${parsed.error}`);
  return parsed.terms;
}

function refusal(text: string): string {
  const parsed = parseSearch(text);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(parsed.terms)}`);
  return parsed.error;
}

describe('search syntax', () => {
  it('reads free text as words, each a term (all must match)', () => {
    expect(terms('  stripe  prod ')).toEqual([
      { kind: 'text', value: 'stripe', negated: false },
      { kind: 'text', value: 'prod', negated: false },
    ]);
    expect(terms('')).toEqual([]);
  });

  it('reads a quoted phrase as one term with its spaces, and a quote left open to the end (still typing)', () => {
    expect(terms('"billing sync" x')).toEqual([
      { kind: 'text', value: 'billing sync', negated: false },
      { kind: 'text', value: 'x', negated: false },
    ]);
    expect(terms('"billing sy')).toEqual([{ kind: 'text', value: 'billing sy', negated: false }]);
  });

  it('reads every field, its value quoted or not, in any case, with the usual other spellings', () => {
    expect(terms('vendor:commbox backend:acme status:Grace owner:ana tag:prod env:staging')).toEqual([
      { kind: 'field', field: 'vendor', value: 'commbox', negated: false },
      { kind: 'field', field: 'backend', value: 'acme', negated: false },
      { kind: 'field', field: 'status', value: 'grace', negated: false },
      { kind: 'field', field: 'owner', value: 'ana', negated: false },
      { kind: 'field', field: 'tag', value: 'prod', negated: false },
      { kind: 'field', field: 'env', value: 'staging', negated: false },
    ]);
    expect(terms('owner:"Ana Lima" OWNER:x environment:eu tags:pci')).toEqual([
      { kind: 'field', field: 'owner', value: 'Ana Lima', negated: false },
      { kind: 'field', field: 'owner', value: 'x', negated: false },
      { kind: 'field', field: 'env', value: 'eu', negated: false },
      { kind: 'field', field: 'tag', value: 'pci', negated: false },
    ]);
  });

  it('reads due<N and overdue as the due filters, and a quoted "overdue" as text', () => {
    expect(terms('due<30 overdue due<7d')).toEqual([
      { kind: 'due', withinDays: 30, negated: false },
      { kind: 'overdue', negated: false },
      { kind: 'due', withinDays: 7, negated: false },
    ]);
    expect(terms('"overdue"')).toEqual([{ kind: 'text', value: 'overdue', negated: false }]);
  });

  it('reads a minus in front of any term as "not"; a dash alone or inside a word is text', () => {
    expect(terms('-tag:prod -stripe -"a b" -overdue - partner-api')).toEqual([
      { kind: 'field', field: 'tag', value: 'prod', negated: true },
      { kind: 'text', value: 'stripe', negated: true },
      { kind: 'text', value: 'a b', negated: true },
      { kind: 'overdue', negated: true },
      { kind: 'text', value: '-', negated: false },
      { kind: 'text', value: 'partner-api', negated: false },
    ]);
  });

  it('keeps text that only looks like a field as text: a quoted colon, a reference, a colon after a non-word', () => {
    expect(terms('"https://x" acme/key_1 10:30')).toEqual([
      { kind: 'text', value: 'https://x', negated: false },
      { kind: 'text', value: 'acme/key_1', negated: false },
      { kind: 'text', value: '10:30', negated: false },
    ]);
  });

  it('refuses an unknown field, naming it and the fields there are', () => {
    expect(refusal('colour:red')).toBe('"colour:" is not a search field: use vendor:, backend:, status:, owner:, tag: or env: (put text with a colon in quotes, e.g. "colour:red")');
    expect(refusal('stripe https://x')).toMatch(/^"https:" is not a search field/);
  });

  it('refuses a field without a value, an unknown status and a due window that is not a number of days', () => {
    expect(refusal('owner:')).toBe('owner: needs a value, e.g. owner:ana');
    expect(refusal('tag:"" x')).toBe('tag: needs a value, e.g. tag:prod');
    expect(refusal('status:gone')).toBe('status: is one of active, grace, revoked, expired (not "gone")');
    expect(refusal('due<soon')).toBe('due< takes a number of days up to 36500, e.g. due<30 (not "due<soon")');
    expect(refusal('due<99999')).toMatch(/^due< takes a number of days up to 36500/);
  });

  it('documents every field it reads (the help dialog lists SEARCH_HELP)', () => {
    for (const field of ['vendor:', 'backend:', 'status:', 'owner:', 'tag:', 'env:', 'due<', 'overdue', '-tag:']) {
      expect(SEARCH_HELP.some((line) => line.example.startsWith(field))).toBe(true);
    }
    for (const line of SEARCH_HELP) expect(parseSearch(line.example).ok).toBe(true);
  });
});
