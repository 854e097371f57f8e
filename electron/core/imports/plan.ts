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
import type { ImportedKeyNow, KeyNow } from '../store/imports.js';
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
  /** The import replaces keys edited since (its `overwrite`): an adopted key whose secret differs is updated only then. */
  overwrite: boolean;
}

/**
 * The id a team home gives a key it imports: the name's slug and a hash of the source entry's identity, so every
 * member's import of the same entry makes the same key (an import elsewhere, or a batch this folder's copy did not
 * pull, is found again: `adoptable`) where a personal folder's random suffix would make a second one.
 */
export function teamImportKeyId(sourceId: string, name: string): string {
  return `${slug(name)}-${teamImportSuffix(sourceId)}`;
}

function teamImportSuffix(sourceId: string): string {
  return createHash('sha256').update(`keywarden team import\n${sourceId}`).digest('hex').slice(0, 8);
}

/**
 * For a team home: the keys of the backend that no import here recorded but that an import of the same source entries
 * made (elsewhere, or a batch whose pull did not reach this copy), by source id, their state now taken as what was
 * imported. Found by the id's suffix, so a key renamed in the source since is found too.
 */
export function adoptable(entries: readonly ImportEntry[], recorded: ReadonlyMap<string, ImportedKeyNow>, unrecorded: ReadonlyMap<string, KeyNow>): Map<string, ImportedKeyNow> {
  const bySuffix = new Map<string, KeyNow>();
  for (const key of unrecorded.values()) {
    const suffix = /-([0-9a-f]{8})$/.exec(key.keyId)?.[1];
    if (suffix) bySuffix.set(suffix, key);
  }
  const found = new Map<string, ImportedKeyNow>();
  for (const entry of entries) {
    if (recorded.has(entry.sourceId) || found.has(entry.sourceId)) continue;
    const key = bySuffix.get(teamImportSuffix(entry.sourceId));
    if (key) found.set(entry.sourceId, { ...key, sourceId: entry.sourceId, fieldsHash: fieldsHash(key), secretHash: fingerprintHash(key.fingerprint), adopted: true });
  }
  return found;
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
  /** A team home: new keys get `teamImportKeyId`, the same for every member's import of the same entry. */
  teamIds?: boolean;
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

/**
 * The hash a team home records for an imported secret: of its keyed fingerprint (`Vault.sealSecret`), prefixed, since
 * the sealed bytes change whenever a pull seals the same secret again (after the team key is rotated).
 */
export function fingerprintHash(fingerprint: Buffer | null): string | null {
  return fingerprint ? `fp:${createHash('sha256').update(fingerprint).digest('hex')}` : null;
}

/** Whether the key was changed in Keywarden after the import that recorded it: its fields or its secret hash differently. */
export function editedSinceImport(existing: ImportedKeyNow): boolean {
  const secretNow = existing.secretHash?.startsWith('fp:') ? fingerprintHash(existing.fingerprint) : sealedHash(existing.sealed);
  return fieldsHash(existing) !== existing.fieldsHash || secretNow !== existing.secretHash;
}

/** Why a team home's import leaves a key another import made alone (its record is in another data folder). */
export const ADOPTED = "already in the team's inventory from an import of the same entry whose record is not in this data folder, and it differs from the source";

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
    const keyId = existing?.keyId ?? (options.teamIds ? teamImportKeyId(entry.sourceId, name) : `${slug(name)}-${randomBytes(4).toString('hex')}`);
    const key: RemoteKey = { id: keyId, name, prefix: null, status: 'active', createdAt, expiresAt, graceEndsAt: null, lastUsedAt: null, details };
    const description = descriptionFor(entry, item.warnings);
    const stored = keyRowValues(key, null);
    const hash = fieldsHash({ ...stored, ...description, tags: description.tags.length ? JSON.stringify(description.tags) : null });
    Object.assign(item, { ref: `${options.backend}/${keyId}`, createdAt, expiresAt, rotateEveryDays, owner: description.owner, environment: description.environment, tags: description.tags });
    if (existing?.adopted) {
      // No record here of what was imported: the key as it is stands for it. Fields that differ may be an edit made in
      // the team since, so they are replaced only on request; the same fields go on to the secret's comparison.
      if (hash !== existing.fieldsHash) {
        if (!options.overwrite) {
          skip(`${ADOPTED}; ${words.overwrite} replaces it with the source`);
          continue;
        }
        item.action = 'update';
        item.reason = `${ADOPTED}; replaced (${words.overwrite})`;
      } else {
        item.action = 'update';
        item.reason = 'changed in the source since the last import';
      }
    } else if (existing) {
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
    writes.push({
      entry,
      item,
      key,
      description,
      fieldsHash: hash,
      existing,
      sameFields: existing !== null && hash === existing.fieldsHash && !editedSinceImport(existing),
      overwrite: options.overwrite,
    });
  }
  return { items, writes, dateOrder: order.statement };
}
