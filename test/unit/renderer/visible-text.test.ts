/**
 * The console's rule for vendor and user text (renderer/src/lib/visible-text.ts, rendered by IsolatedText): every
 * invisible control or format character becomes a visible `⟨U+XXXX⟩` escape, so a name cannot display in another
 * order than it reads nor pass for another name; everything else, right-to-left scripts included, stays as it is.
 */
import { describe, expect, it } from 'vitest';
import { escapeOf, visibleParts, visibleText } from '../../../renderer/src/lib/visible-text.js';

describe('visibleText', () => {
  it('shows a right-to-left override as its code point, so the name reads in its real order', () => {
    expect(visibleText('Invoice \u202egpj.exe')).toBe('Invoice ⟨U+202E⟩gpj.exe');
  });

  it('escapes every character the CLI escapes: C0 and C1 controls, DEL, the bidi embeddings, overrides and isolates', () => {
    const cliSet = ['\u0000', '\u0007', '\u001b', '\n', '\r', '\t', '\u007f', '\u0085', '\u009b', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
    for (const char of cliSet) expect(visibleText(`a${char}b`), escapeOf(char)).toBe(`a${escapeOf(char)}b`);
    expect(escapeOf('\u001b')).toBe('⟨U+001B⟩');
  });

  it('escapes the other invisible format characters too: bidi marks, zero-width characters, soft hyphen, BOM, tags', () => {
    const cases: Record<string, string> = {
      '\u200e': '⟨U+200E⟩',
      '\u200f': '⟨U+200F⟩',
      '\u061c': '⟨U+061C⟩',
      '\u200b': '⟨U+200B⟩',
      '\u200d': '⟨U+200D⟩',
      '\u2060': '⟨U+2060⟩',
      '\u00ad': '⟨U+00AD⟩',
      '\ufeff': '⟨U+FEFF⟩',
      '\u{e0041}': '⟨U+E0041⟩',
    };
    for (const [char, escape] of Object.entries(cases)) expect(visibleText(`pro${char}d`)).toBe(`pro${escape}d`);
  });

  it('leaves visible text alone: accents, right-to-left scripts, emoji, symbols and spaces', () => {
    for (const text of ['Zürich café', 'מפתח ראשי', 'مفتاح 2', 'Ключ ☂ 🔑', 'a  b', '⟨U+202E⟩ typed by hand', '']) expect(visibleText(text)).toBe(text);
  });

  it('keeps line breaks and tabs of a whole message when asked, and escapes them in a single value', () => {
    expect(visibleText('first\nsecond\tthird', { lines: true })).toBe('first\nsecond\tthird');
    expect(visibleText('first\nsecond', { lines: true })).toBe('first\nsecond');
    expect(visibleText('first\r\nsecond', { lines: true })).toBe('first⟨U+000D⟩\nsecond');
    expect(visibleText('name\nwith a break')).toBe('name⟨U+000A⟩with a break');
  });
});

describe('visibleParts', () => {
  it('marks each escape apart from the text around it, so the page can show it as what it is', () => {
    expect(visibleParts('a\u202e\u2066b')).toEqual([
      { text: 'a', escaped: false },
      { text: '⟨U+202E⟩', escaped: true },
      { text: '⟨U+2066⟩', escaped: true },
      { text: 'b', escaped: false },
    ]);
    // A hand-typed look-alike of an escape stays plain text: only a real invisible character is marked.
    expect(visibleParts('⟨U+202E⟩')).toEqual([{ text: '⟨U+202E⟩', escaped: false }]);
    expect(visibleParts('')).toEqual([{ text: '', escaped: false }]);
  });
});
