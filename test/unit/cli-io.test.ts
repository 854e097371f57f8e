/**
 * The CLI's text helpers (electron/cli/io.ts): vendor text made harmless for a terminal, tables that
 * keep one row per record, the words for how far off a due date is, and counts in English.
 */
import { describe, expect, it } from 'vitest';
import { dueIn, parseWholeNumber, plural, table, visible } from '../../electron/cli/io.js';

describe('visible', () => {
  it('shows C0, DEL and C1 controls and bidi overrides and isolates as escapes', () => {
    expect(visible('a\u001b[2Jb')).toBe('a\\x1b[2Jb');
    expect(visible('line\nnext\rtab\t')).toBe('line\\nnext\\rtab\\t');
    expect(visible('\u0000\u0007\u007f\u0085\u009b')).toBe('\\x00\\x07\\x7f\\x85\\x9b');
    expect(visible('\u202aa\u202bb\u202cc\u202dd\u202ee\u2066f\u2067g\u2068h\u2069')).toBe('\\u202aa\\u202bb\\u202cc\\u202dd\\u202ee\\u2066f\\u2067g\\u2068h\\u2069');
  });

  it('leaves other text alone, accents, emoji and right-to-left letters included', () => {
    const text = 'Zahlung – prod ✓ 🔑 مفتاح \\x1b';
    expect(visible(text)).toBe(text);
  });

  it('keeps newlines only when asked (whole messages), never other controls', () => {
    expect(visible('one\ntwo\u001b]0;title\u0007', true)).toBe('one\ntwo\\x1b]0;title\\x07');
  });
});

describe('table', () => {
  it('escapes every cell, so a name with a newline stays one row and an escape code stays text', () => {
    const text = table(
      ['REF', 'NAME'],
      [
        ['hand/a', 'first\nsecond'],
        ['hand/b', '\u001b[2Jclear'],
      ],
    );
    expect(text.split('\n')).toEqual(['REF     NAME', 'hand/a  first\\nsecond', 'hand/b  \\x1b[2Jclear']);
  });
});

describe('dueIn', () => {
  it.each([
    [6, false, 'in 6d'],
    [1, false, 'in 1d'],
    [0, false, 'today'],
    [0, true, 'overdue today'],
    [-1, true, 'overdue 1d'],
    [-20, true, 'overdue 20d'],
  ] as const)('%s days left, overdue %s: "%s"', (days, overdue, text) => {
    expect(dueIn(days, overdue)).toBe(text);
  });
});

describe('plural and parseWholeNumber', () => {
  it('counts in English', () => {
    expect(plural(0, 'key')).toBe('0 keys');
    expect(plural(1, 'key')).toBe('1 key');
    expect(plural(2, 'day')).toBe('2 days');
  });

  it('names the range (and the unit) when refusing', () => {
    expect(() => parseWholeNumber('-5', '--due-within', 0, 36_500)).toThrow('--due-within must be from 0 to 36500, not -5');
    expect(() => parseWholeNumber('0', '--clear-after', 5, 3600, 'seconds')).toThrow('--clear-after must be from 5 to 3600 seconds, not 0');
    expect(() => parseWholeNumber('ten', '--limit', 1, 10)).toThrow('--limit takes a whole number from 1 to 10, not "ten"');
    expect(parseWholeNumber('30', '--within', 0, 36_500)).toBe(30);
    expect(parseWholeNumber(undefined, '--within', 0, 36_500)).toBeUndefined();
  });
});
