/**
 * Vendor and user text made safe to show: key names, prefixes and IDs, vendor facts, audit details, the
 * engine's and vendors' messages. Characters that do not show but change what is shown (Unicode's control
 * characters, Cc, and format characters, Cf: the bidi overrides, embeddings, isolates and marks that make
 * `gpj.exe` after U+202E read as `exe.jpg`, zero-width spaces and joiners that make two names look the same, soft
 * hyphens, tag characters) become a visible escape such as `⟨U+202E⟩`. The same rule as the CLI's, which
 * escapes control characters and the bidi overrides and isolates; here every invisible format character too.
 * Pure: `IsolatedText.tsx` renders the parts, each text in its own bidi isolate.
 */

// Also matches astral format characters (U+E0001 and the tag characters), hence the `u` flag.
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
/** Line breaks and tabs in a whole message are its layout, not a disguise (HTML shows them as spaces). */
const LAYOUT = new Set(['\n', '\t']);

export interface TextPart {
  text: string;
  /** True for an escape standing for one invisible character (shown differently from the text around it). */
  escaped: boolean;
}

/** `⟨U+202E⟩` for U+202E: the code point, as Unicode's charts name it. */
export function escapeOf(char: string): string {
  return `⟨U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/** The text cut into plain runs and escapes; `lines` keeps line breaks and tabs (for whole messages). */
export function visibleParts(text: string, options: { lines?: boolean } = {}): TextPart[] {
  const parts: TextPart[] = [];
  let plain = '';
  for (const char of text) {
    INVISIBLE.lastIndex = 0;
    if (INVISIBLE.test(char) && !(options.lines && LAYOUT.has(char))) {
      if (plain) parts.push({ text: plain, escaped: false });
      plain = '';
      parts.push({ text: escapeOf(char), escaped: true });
    } else {
      plain += char;
    }
  }
  if (plain || parts.length === 0) parts.push({ text: plain, escaped: false });
  return parts;
}

/** The same as one string, for attributes (a tooltip's `title`, an `aria-label`) where no element can go. */
export function visibleText(text: string, options: { lines?: boolean } = {}): string {
  return visibleParts(text, options)
    .map((part) => part.text)
    .join('');
}
