/**
 * The import planner: what each source entry becomes (create, update, or skip with its reason), decided from the
 * entries and what earlier imports into the backend recorded, before anything is written. The same plan is the dry
 * run's answer and the applier's work list, so a dry run says exactly what the import will do.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KeyDescription } from '../../../shared/domain.js';
import type { DateOrder, ImportPlanItem } from '../../../shared/imports.js';
import { MAX_POLICY_DAYS } from '../../../shared/rules.js';
import type { RemoteKey } from '../backends/backend.js';
import { keyRowValues } from '../store/key-rows.js';
import type { ImportedKeyNow } from '../store/imports.js';
import { redactKeyShapes } from '../redact.js';
import { applyDescriptionChange, NO_DESCRIPTION } from '../workflows/key-descriptions.js';
import { slug } from '../workflows/keys.js';
import type { ImportEntry } from './entry.js';
import { decideDateOrder, readImportDate, readRotationDays } from './import-dates.js';
import { CLI_WORDS, type ImportWords } from './words.js';

/** A create or update the applier carries out: the key as it will be written (its prefix comes with the secret). */
export interface PlannedWrite {
  entry: ImportEntry;
  item: ImportPlanItem;
  key: RemoteKey;
  /** Owner, environment, tags and notes from the source, tidied as every description is. */
  description: KeyDescription;
  fieldsHash: string;
  /** The key as recorded by an earlier import, for an update. */
  existing: ImportedKeyNow | null;
  /** Fields unchanged since the last import: an update only if the secret changed (the workflow compares them). */
  sameFields: boolean;
}

export interface ImportPlan {
  items: ImportPlanItem[];
  writes: PlannedWrite[];
  dateOrder: string | null;
}

export interface PlanOptions {
  backend: string;
  imported: ReadonlyMap<string, ImportedKeyNow>;
  overwrite: boolean;
  dateOrder: DateOrder | null;
  now: Date;
  /** How reasons name the options (the CLI's flags by default). */
  words?: ImportWords;
}

/** Hash of a key's fields as stored (the columns an import writes, normalised as the store writes them; tags as their column's JSON or null). */
export function fieldsHash(stored: Pick<ImportedKeyNow, 'name' | 'createdAt' | 'expiresAt' | 'details' | 'owner' | 'environment' | 'tags' | 'notes'>): string {
  return createHash('sha256')
    .update(JSON.stringify([stored.name, stored.createdAt, stored.expiresAt, stored.details, stored.owner, stored.environment, stored.tags, stored.notes]))
    .digest('hex');
}

/**
 * The source's owner, environment, tags and notes as a key description, each field checked alone: one the rules refuse
 * (a tag with a comma, notes over the limit) is left out with a warning instead of failing the entry. Notes are plain
 * text in Keywarden (searched, exported), so anything key-shaped in them is taken out first.
 */
function descriptionFor(entry: ImportEntry, warnings: string[]): KeyDescription {
  const field = <T>(what: string, tidy: () => T, fallback: T): T => {
    try {
      return tidy();
    } catch (error) {
      warnings.push(`${what} not kept: ${error instanceof Error ? error.message : String(error)}`);
      return fallback;
    }
  };
  let tags: string[] = [];
  for (const tag of entry.tags) {
    // KeePass and 1Password allow spaces in a tag; a Keywarden tag is one word.
    tags = field(`the tag "${tag.slice(0, 40)}"`, () => applyDescriptionChange(NO_DESCRIPTION, { tags: [...tags, tag.replace(/\s+/g, '-')] }).tags, tags);
  }
  let notes = entry.notes;
  if (notes) {
    const redacted = redactKeyShapes(notes);
    if (redacted !== notes) warnings.push('key-shaped text in the notes replaced by [redacted]: notes are not sealed');
    notes = redacted;
  }
  return {
    owner: field('the owner', () => applyDescriptionChange(NO_DESCRIPTION, { owner: entry.owner }).owner, null),
    environment: field('the environment', () => applyDescriptionChange(NO_DESCRIPTION, { environment: entry.environment }).environment, null),
    tags,
    notes: field('the notes', () => applyDescriptionChange(NO_DESCRIPTION, { notes }).notes, null),
  };
}

/** Hash of a sealed secret's bytes: ciphertext, so it tells whether the secret was replaced and nothing about it. */
export function sealedHash(sealed: Buffer | null): string | null {
  return sealed ? createHash('sha256').update(sealed).digest('hex') : null;
}

/** Whether the key was changed in Keywarden after the import that recorded it: its fields or its secret hash differently. */
export function editedSinceImport(existing: ImportedKeyNow): boolean {
  return fieldsHash(existing) !== existing.fieldsHash || sealedHash(existing.sealed) !== existing.secretHash;
}

export function planImport(entries: readonly ImportEntry[], options: PlanOptions): ImportPlan {
  const dates = entries.flatMap((entry) => [entry.createdAt, entry.expiresAt].filter((value): value is string => value !== null));
  const words = options.words ?? CLI_WORDS;
  const order = decideDateOrder(dates, options.dateOrder, words);
  const seen = new Map<string, string>();
  const items: ImportPlanItem[] = [];
  const writes: PlannedWrite[] = [];
  for (const entry of entries) {
    const item: ImportPlanItem = {
      source: entry.location,
      name: entry.title,
      action: 'skip',
      reason: null,
      ref: null,
      vendor: entry.vendor,
      createdAt: null,
      expiresAt: null,
      rotateEveryDays: null,
      group: entry.group,
      owner: entry.owner,
      environment: entry.environment,
      tags: entry.tags,
      warnings: [...entry.warnings],
    };
    items.push(item);
    const skip = (reason: string) => {
      item.action = 'skip';
      item.reason = reason;
    };
    const name = entry.title.trim();
    if (entry.problem) {
      skip(entry.problem);
      continue;
    }
    const duplicateOf = seen.get(entry.sourceId);
    if (duplicateOf) {
      skip(`duplicate in the file: the same ${entry.sourceId.startsWith('csv:') ? 'name' : 'entry'} as ${duplicateOf}`);
      continue;
    }
    seen.set(entry.sourceId, entry.location);
    if (!entry.secret && !entry.secretOptional) {
      skip('no secret');
      continue;
    }
    if (name.length > 200) {
      skip('the name is longer than 200 characters');
      continue;
    }
    let createdAt: string | null = null;
    let expiresAt: string | null = null;
    let rotateEveryDays: number | null = null;
    if (entry.createdAt) {
      const read = readImportDate(entry.createdAt, 'created date', order.order, words);
      if ('problem' in read) {
        skip(read.problem);
        continue;
      }
      createdAt = read.value;
    }
    if (entry.expiresAt) {
      const read = readImportDate(entry.expiresAt, 'expiry date', order.order, words);
      if ('problem' in read) {
        skip(read.problem);
        continue;
      }
      expiresAt = read.value;
    }
    if (entry.rotateEveryDays) {
      const read = readRotationDays(entry.rotateEveryDays);
      if ('problem' in read) {
        skip(read.problem);
        continue;
      }
      if (read.value < 1 || read.value > MAX_POLICY_DAYS) {
        skip(`the rotation interval must be 1 to ${MAX_POLICY_DAYS} days, not ${read.value}`);
        continue;
      }
      rotateEveryDays = read.value;
    }
    if (expiresAt && rotateEveryDays) {
      item.warnings.push(`rotate every ${rotateEveryDays} days not kept: the key has an expiry date, which is what it is due by`);
      rotateEveryDays = null;
    }
    const existing = options.imported.get(entry.sourceId) ?? null;
    // A source without a creation date keeps the one the key already has, so a second import finds it unchanged.
    createdAt ??= existing?.createdAt ?? options.now.toISOString();
    if (expiresAt && Date.parse(expiresAt) <= Date.parse(createdAt)) {
      skip('the expiry date is not after the created date');
      continue;
    }
    const details: RemoteKey['details'] = { vendor: entry.vendor };
    if (entry.url) details.url = entry.url;
    if (entry.group) details.group = entry.group;
    if (rotateEveryDays) details.rotateEveryDays = rotateEveryDays;
    const keyId = existing?.keyId ?? `${slug(name)}-${randomBytes(4).toString('hex')}`;
    const key: RemoteKey = { id: keyId, name, prefix: null, status: 'active', createdAt, expiresAt, graceEndsAt: null, lastUsedAt: null, details };
    const description = descriptionFor(entry, item.warnings);
    const stored = keyRowValues(key, null);
    const hash = fieldsHash({ ...stored, ...description, tags: description.tags.length ? JSON.stringify(description.tags) : null });
    Object.assign(item, { ref: `${options.backend}/${keyId}`, createdAt, expiresAt, rotateEveryDays, owner: description.owner, environment: description.environment, tags: description.tags });
    if (existing) {
      if (editedSinceImport(existing)) {
        if (!options.overwrite) {
          skip(`edited in Keywarden since the last import; ${words.overwrite} replaces it with the source`);
          continue;
        }
        item.action = 'update';
        item.reason = `edited in Keywarden since the last import; replaced (${words.overwrite})`;
      } else {
        item.action = 'update';
        item.reason = 'changed in the source since the last import';
      }
    } else {
      item.action = 'create';
    }
    writes.push({ entry, item, key, description, fieldsHash: hash, existing, sameFields: existing !== null && hash === existing.fieldsHash && !editedSinceImport(existing) });
  }
  return { items, writes, dateOrder: order.statement };
}
