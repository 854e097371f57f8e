/**
 * A key's description (owner, environment, tags, notes), checked and tidied in one place for every way it is written:
 * `keywarden key add|edit`, the console's forms and its bulk actions (through `KeyWorkflows.describeKey` and
 * `addManualKey`), and imports. Plain text, never secret: it is searched, shown and exported as it is.
 */
import type { Key, KeyDescription, KeyDescriptionChange } from '../../../shared/domain.js';
import { DESCRIPTION_LIMITS, TAG_PATTERN } from '../../../shared/rules.js';
import { KeywardenError } from '../errors.js';
import { visible } from '../text.js';

export const NO_DESCRIPTION: KeyDescription = { owner: null, environment: null, tags: [], notes: null };

/** A key's description alone: what a replacement carries over from the key it replaces. */
export function descriptionOf(key: Pick<Key, 'owner' | 'environment' | 'tags' | 'notes'>): KeyDescription {
  return { owner: key.owner, environment: key.environment, tags: [...key.tags], notes: key.notes };
}

// eslint-disable-next-line no-control-regex -- control characters (other than a note's line breaks and tabs) are refused
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;
const LINE_BREAK = /[\n\r\t]/u;

/** One line of text (owner, environment): trimmed, empty meaning none, printable and bounded. */
function tidyLine(value: string | null | undefined, what: 'owner' | 'environment'): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (CONTROL.test(text) || LINE_BREAK.test(text)) throw new KeywardenError('invalid_input', `the ${what} is one line of printable text`, { field: what });
  if ([...text].length > DESCRIPTION_LIMITS[what]) throw new KeywardenError('invalid_input', `the ${what} is at most ${DESCRIPTION_LIMITS[what]} characters`, { field: what });
  return text;
}

/** Tags as a set of single words: trimmed, each checked, the same tag in another case kept once (first spelling wins). */
export function tidyTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag === '') continue;
    if (!TAG_PATTERN.test(tag))
      throw new KeywardenError('invalid_input', `the tag "${visible(tag).slice(0, 40)}" is not one word: a tag has no spaces, commas or control characters`, {
        field: 'tags',
      });
    if ([...tag].length > DESCRIPTION_LIMITS.tag)
      throw new KeywardenError('invalid_input', `the tag "${tag.slice(0, 20)}…" is longer than ${DESCRIPTION_LIMITS.tag} characters`, { field: 'tags' });
    if (!seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  }
  if (seen.size > DESCRIPTION_LIMITS.tags) throw new KeywardenError('invalid_input', `a key has at most ${DESCRIPTION_LIMITS.tags} tags (${seen.size} given)`, { field: 'tags' });
  return [...seen.values()];
}

function tidyNotes(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  // Line ends as typed on any platform become \n; trailing blank lines go.
  const text = value.replace(/\r\n?/g, '\n').replace(/\s+$/u, '');
  if (text.trim() === '') return null;
  if (CONTROL.test(text)) throw new KeywardenError('invalid_input', 'notes are printable text (line breaks and tabs allowed)', { field: 'notes' });
  if ([...text].length > DESCRIPTION_LIMITS.notes) throw new KeywardenError('invalid_input', `notes are at most ${DESCRIPTION_LIMITS.notes} characters`, { field: 'notes' });
  return text;
}

/** The description a key will have after `change` (fields left out stay; null or empty clears), checked. */
export function applyDescriptionChange(current: KeyDescription, change: KeyDescriptionChange): KeyDescription {
  if (change.tags !== undefined && (change.addTags !== undefined || change.removeTags !== undefined)) {
    throw new KeywardenError('invalid_input', 'give either the whole list of tags or tags to add and remove, not both', { field: 'tags' });
  }
  let tags = change.tags !== undefined ? tidyTags(change.tags) : current.tags;
  if (change.removeTags !== undefined) {
    const removed = new Set(tidyTags(change.removeTags).map((tag) => tag.toLowerCase()));
    tags = tags.filter((tag) => !removed.has(tag.toLowerCase()));
  }
  if (change.addTags !== undefined) tags = tidyTags([...tags, ...change.addTags]);
  return {
    owner: change.owner !== undefined ? tidyLine(change.owner, 'owner') : current.owner,
    environment: change.environment !== undefined ? tidyLine(change.environment, 'environment') : current.environment,
    tags,
    notes: change.notes !== undefined ? tidyNotes(change.notes) : current.notes,
  };
}

/**
 * What changed, for the audit trail: owner and environment by value, tags added and removed, notes only as
 * "notes changed" (they can be long; the trail says who changed what, the key shows the text).
 */
export function describeDescriptionChange(before: KeyDescription, after: KeyDescription): string | null {
  const parts: string[] = [];
  if (before.owner !== after.owner) parts.push(after.owner === null ? 'owner cleared' : `owner ${after.owner}`);
  if (before.environment !== after.environment) parts.push(after.environment === null ? 'environment cleared' : `environment ${after.environment}`);
  const had = new Set(before.tags);
  const has = new Set(after.tags);
  const added = after.tags.filter((tag) => !had.has(tag));
  const removed = before.tags.filter((tag) => !has.has(tag));
  if (added.length) parts.push(`tags +${added.join(' +')}`);
  if (removed.length) parts.push(`tags -${removed.join(' -')}`);
  if (before.notes !== after.notes) parts.push(after.notes === null ? 'notes cleared' : 'notes changed');
  return parts.length ? parts.join('; ') : null;
}
