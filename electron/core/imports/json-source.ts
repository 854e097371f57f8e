/** JSON sources (Bitwarden, 1Password's export.data): parsed with a clear error, a byte-order mark allowed. */
import { importError } from './entry.js';

export function parseJsonSource(bytes: Uint8Array, what: string): unknown {
  let textValue: string;
  try {
    textValue = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw importError('import_malformed', `the ${what} is not UTF-8 text; is it the right file?`);
  }
  try {
    return JSON.parse(textValue.replace(/^\uFEFF/, '')) as unknown;
  } catch {
    // The parser's message quotes the text near the fault, which may be a secret: only the fact is said.
    throw importError('import_malformed', `the ${what} is not valid JSON (truncated or damaged?); nothing was imported`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
