/**
 * Text for people, shared by the engine, the CLI and the exports so all read the same way: counts in
 * English, and vendor text made safe to show.
 */

/** `1 key`, `2 keys`: counts in messages read as English, not as templates. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/**
 * Characters that must not reach a terminal or a spreadsheet as they are: C0 controls (escape sequences
 * can clear the screen, retitle the window or fake output; a newline breaks a table), DEL, C1 controls
 * (8-bit CSI), and the bidi overrides and isolates that make text display in another order than it reads.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are shown as escapes
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above, with newlines let through
const UNSAFE_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Vendor text (key names, vendor error messages) made safe to print: each unsafe character is shown as
 * a visible escape (`\x1b`, `\n`, `\u202e`). `keepNewlines` is for whole messages whose own lines are
 * structure; a single value (a table cell, a name) has its newlines escaped too.
 */
export function visible(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? UNSAFE_EXCEPT_NEWLINE : UNSAFE_CHARACTERS, (char) => {
    const named = NAMED_ESCAPES[char];
    if (named) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
