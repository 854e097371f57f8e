/**
 * `keywarden import` and the console's Import: a source file read by its format's reader, planned (create, update,
 * skip with a reason), and, unless it is a dry run, applied into a manual backend in batches. Each batch's keys, their
 * sealed secrets, their source records and one audit event commit in one transaction (`store.keys.recordBatch`), so a
 * failure leaves no half batch; the batch's decrypted secrets are dropped once it is sealed. The audit says the format
 * and the counts, never a name or a secret. Loaded only when an import runs, and each reader only for its format.
 *
 * In a team home (docs/team.md) the batches go to the team instead, through the team write seam
 * (`TeamWrites.importBatch`): each batch's keys, descriptions, secrets sealed under the team key and its event in one
 * PostgreSQL transaction, then a pull; the source records stay in this data folder (written once the pull brought the
 * batch's keys, a secret remembered by its fingerprint, which survives the team key's rotation). An operator's or an
 * admin's; a viewer, or a server that does not answer, is refused before anything is written. New keys get an id made
 * from the source entry (`teamImportKeyId`), so an import of the same entries from another member's folder, or after a
 * batch this copy did not pull, finds them instead of adding copies (`adoptable`).
 */
import type { DateOrder, ImportFormat, ImportReport } from '../../../shared/imports.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import type { ImportSourceRow, ImportedKeyNow } from '../store/imports.js';
import type { BackendRow, KeyRecord } from '../store/store.js';
import type { EngineContext, ImportedKey, TeamWrites } from '../workflows/context.js';
import { maskedTail } from '../workflows/keys.js';
import type { ImportEntry } from './entry.js';
import { ADOPTED, adoptable, fingerprintHash, planImport, type PlannedWrite, sealedHash } from './plan.js';
import { CLI_WORDS, type ImportWords } from './words.js';

export interface ImportRequest {
  format: ImportFormat;
  /** The source file's bytes: read by the engine, never stored. */
  bytes: Uint8Array;
  backend: string;
  /** Creates the manual backend when it does not exist. */
  createBackend?: boolean;
  dryRun?: boolean;
  /** KeePass (kdbx): the database password, and its key file's bytes when it has one. */
  password?: string | null;
  keyFile?: Uint8Array | null;
  /** CSV: `column=field` overrides of the header matching. */
  map?: readonly string[];
  dateOrder?: DateOrder | null;
  /** Replace keys edited in Keywarden since the last import. */
  overwrite?: boolean;
  /** How messages and reasons name the options: the CLI's flags (the default) or the console's fields. */
  words?: ImportWords;
}

const UNCHANGED = 'unchanged since the last import';

/** Keys per transaction: large enough that 10,000 entries take 20 commits, small enough to hold few secrets at once. */
export const IMPORT_BATCH_SIZE = 500;

export async function readEntries(request: Pick<ImportRequest, 'format' | 'bytes' | 'password' | 'keyFile' | 'map' | 'backend' | 'words'>): Promise<ImportEntry[]> {
  const words = request.words ?? CLI_WORDS;
  switch (request.format) {
    case 'kdbx': {
      if (!request.password && !request.keyFile) throw new KeywardenError('invalid_input', `a KeePass database needs ${words.credentials}`, { field: 'password' });
      const { readKdbx } = await import('./kdbx.js');
      return readKdbx(request.bytes, { password: request.password ?? null, keyFile: request.keyFile ?? null, words });
    }
    case 'keepass-xml':
      return (await import('./kdbx.js')).readKeepassXml(request.bytes, words);
    case 'bitwarden-json':
      return (await import('./bitwarden.js')).readBitwardenJson(request.bytes, words);
    case 'bitwarden-sm-json':
      return (await import('./bitwarden.js')).readBitwardenSecretsManager(request.bytes, words);
    case '1pux':
      return (await import('./onepassword.js')).read1pux(request.bytes);
    case 'csv': {
      const { readCsv, parseColumnMap } = await import('./csv.js');
      return readCsv(request.bytes, request.backend, parseColumnMap(request.map ?? [], words), words);
    }
  }
}

export class ImportWorkflow {
  constructor(
    private readonly ctx: EngineContext,
    private readonly addManualBackend: (name: string) => Promise<unknown>,
  ) {}

  async run(request: ImportRequest): Promise<ImportReport> {
    const words = request.words ?? CLI_WORDS;
    if (request.map?.length && request.format !== 'csv') throw new KeywardenError('invalid_input', `${words.aColumnMatch} applies to CSV files only`, { field: 'map' });
    let row = this.ctx.store.backends.find(request.backend);
    if (row && row.type !== 'manual') {
      throw new KeywardenError('invalid_input', `${request.backend} is not a manual backend: its keys come from its vendor; import into a manual backend (${words.createBackend} makes one)`, {
        backend: request.backend,
        field: 'backend',
      });
    }
    if (!row && !request.createBackend) {
      throw new KeywardenError('not_found', `no backend "${request.backend}"; ${words.createBackendHint}`, { backend: request.backend, field: 'backend' });
    }
    const teamHome = this.ctx.store.team.get() !== null;
    // A team home's import is written to the team: the server must answer and this member's role allow it before
    // anything is read, created or written (a viewer, or an unreachable server, is refused here). A dry run asks nothing.
    const team = teamHome && !request.dryRun ? await this.ctx.teamWrites() : null;
    if (team) await team.ready('import', row);
    // Read and planned before anything is created: a wrong password or a bad file leaves no empty backend behind.
    const entries = await readEntries(request);
    let imported = row ? this.ctx.store.imports.imported(row.id) : new Map<string, ImportedKeyNow>();
    if (row && teamHome && entries.some((entry) => !imported.has(entry.sourceId))) {
      imported = new Map([...imported, ...adoptable(entries, imported, this.ctx.store.imports.unrecorded(row.id))]);
    }
    const plan = planImport(entries, {
      backend: request.backend,
      imported,
      overwrite: request.overwrite ?? false,
      dateOrder: request.dateOrder ?? null,
      now: new Date(),
      words,
      teamIds: teamHome,
    });
    const createsBackend = !row;
    if (!row && !request.dryRun) {
      // In a team home the backend is the team's too (an admin's to add: backends.ts says so before anything is written).
      await this.addManualBackend(request.backend);
      row = this.ctx.store.backends.require(request.backend);
    }
    const target = row;
    const work = async () => {
      const writes = await this.dropUnchanged(plan.writes, target === null, request.dryRun ?? false, words);
      if (!request.dryRun && target) await this.apply(target, writes, request.format, plan.items.filter((item) => item.action === 'skip').length, team);
    };
    // Held while secrets are compared and sealed: a lock meanwhile waits for the batch instead of failing it halfway.
    if (!request.dryRun && plan.writes.length > 0) await this.ctx.vault.hold(work);
    else await work();
    // A team's key another import made, found the same as the source: recorded here now, so the next import from this
    // data folder tells an edit made since from the source's own change.
    if (!request.dryRun && target && teamHome) {
      const found = plan.writes.filter((write) => write.existing?.adopted && write.item.action === 'skip' && write.item.reason === UNCHANGED);
      const at = new Date().toISOString();
      const sources = found.map((write) => ({ sourceId: write.entry.sourceId, keyId: write.key.id, fieldsHash: write.existing!.fieldsHash, secretHash: write.existing!.secretHash }));
      if (sources.length > 0) this.ctx.store.transaction(() => this.ctx.store.imports.putMany(target.id, sources, at));
    }
    const count = (action: string) => plan.items.filter((item) => item.action === action).length;
    return {
      format: request.format,
      backend: request.backend,
      dryRun: request.dryRun ?? false,
      createsBackend,
      dateOrder: plan.dateOrder,
      counts: { entries: entries.length, created: count('create'), updated: count('update'), skipped: count('skip') },
      items: plan.items,
      team: this.ctx.store.team.get()?.team ?? null,
    };
  }

  /** Updates whose fields match the last import become skips when the secret matches too (compared by opening the sealed one). */
  private async dropUnchanged(writes: PlannedWrite[], noBackend: boolean, dryRun: boolean, words: ImportWords): Promise<PlannedWrite[]> {
    if (noBackend) return writes;
    const kept: PlannedWrite[] = [];
    for (const write of writes) {
      let same = false;
      try {
        same = write.sameFields && write.existing !== null && (await this.sameSecret(write));
      } catch (error) {
        // A preview must not need the vault; the import itself does, and fails plainly there.
        if (!dryRun) throw error;
        write.item.warnings.push('the secret could not be compared (the vault did not open): it may be unchanged');
      }
      if (same) {
        write.item.action = 'skip';
        write.item.reason = UNCHANGED;
        write.entry.secret = null;
        continue;
      }
      // A team's key another import made, the same fields but another secret: replaced only on request, as an edit is.
      if (write.existing?.adopted && write.sameFields && !write.overwrite) {
        write.item.action = 'skip';
        write.item.reason = `${ADOPTED} (its secret); ${words.overwrite} replaces it with the source`;
        write.entry.secret = null;
        continue;
      }
      kept.push(write);
    }
    return kept;
  }

  private async sameSecret(write: PlannedWrite): Promise<boolean> {
    const sealed = write.existing!.sealed;
    if (!write.entry.secret) return sealed === null || write.entry.secretOptional;
    if (!sealed) return false;
    const row = this.ctx.store.backends.require(write.item.ref!.split('/')[0]!);
    return (await this.ctx.vault.open(this.ctx.keySecretIdentity(row, write.key.id, write.key.details), sealed)) === write.entry.secret.reveal();
  }

  /**
   * Writes the plan's creates and updates in batches of IMPORT_BATCH_SIZE, each whole or not at all: to this data
   * folder, or (`team`) to the team and then, once its pull brought them, their source records here. A failure after
   * some batches leaves those (as a local import does) and says how many keys they held.
   */
  private async apply(row: BackendRow, writes: PlannedWrite[], format: ImportFormat, skipped: number, team: TeamWrites | null): Promise<void> {
    const batches = Math.max(1, Math.ceil(writes.length / IMPORT_BATCH_SIZE));
    let written = 0;
    for (let index = 0; index < batches; index++) {
      const batch = writes.slice(index * IMPORT_BATCH_SIZE, (index + 1) * IMPORT_BATCH_SIZE);
      const created = batch.filter((write) => write.item.action === 'create').length;
      const last = index === batches - 1;
      const detail = `${format}: ${created} created, ${batch.length - created} updated${last ? `, ${skipped} skipped` : ''}${batches > 1 ? ` (batch ${index + 1} of ${batches})` : ''}`;
      try {
        if (team) await this.applyToTeam(team, row, batch, detail);
        else await this.applyHere(row, batch, detail);
      } catch (caught) {
        throw this.stoppedAfter(caught, written, writes.length, index, batches, team !== null);
      } finally {
        // Sealed and committed, or failed: the batch's decrypted secrets are let go before the next is revealed.
        for (const write of batch) write.entry.secret = null;
      }
      written += batch.length;
    }
  }

  private async applyHere(row: BackendRow, batch: PlannedWrite[], detail: string): Promise<void> {
    const rotateEveryDays = this.ctx.rotationDays(row);
    const at = new Date().toISOString();
    const records: KeyRecord[] = [];
    const sources: ImportSourceRow[] = [];
    for (const write of batch) {
      const secret = write.entry.secret?.reveal() ?? null;
      const key = { ...write.key, prefix: secret ? maskedTail(secret) : (write.existing?.prefix ?? null) };
      const sealed = secret ? await this.ctx.sealKeySecret(row, key.id, secret, key.details) : null;
      records.push({ key, sealed, at, syncedAt: null, rotateEveryDays, description: write.description });
      // Without a new secret the cached one stays (record keeps it): its hash is the one to remember.
      sources.push({ sourceId: write.entry.sourceId, keyId: key.id, fieldsHash: write.fieldsHash, secretHash: sealedHash(sealed?.sealed ?? write.existing?.sealed ?? null) });
    }
    this.ctx.store.keys.recordBatch(row.id, records, this.ctx.auditEntry('import', row.name, null, 'ok', detail), () => this.ctx.store.imports.putMany(row.id, sources, at));
  }

  /**
   * One batch to the team (one PostgreSQL transaction with its event, then a pull), then its source records here, with
   * the secrets' fingerprints as the pull cached them. A batch the team took whose pull failed has no record here: its
   * keys are found again by their ids (`adoptable`) when the copy has them.
   */
  private async applyToTeam(team: TeamWrites, row: BackendRow, batch: PlannedWrite[], detail: string): Promise<void> {
    const keys: ImportedKey[] = batch.map((write) => {
      const secret = write.entry.secret?.reveal() ?? null;
      return { key: { ...write.key, prefix: secret ? maskedTail(secret) : (write.existing?.prefix ?? null) }, description: write.description, secret };
    });
    try {
      await team.importBatch(row, keys, { action: 'import', ref: null, outcome: 'ok', detail });
    } finally {
      for (const key of keys) key.secret = null;
    }
    const now = this.ctx.store.imports.keysNow(
      row.id,
      batch.map((write) => write.key.id),
    );
    const at = new Date().toISOString();
    const sources = batch
      .filter((write) => now.has(write.key.id))
      .map((write) => ({ sourceId: write.entry.sourceId, keyId: write.key.id, fieldsHash: write.fieldsHash, secretHash: fingerprintHash(now.get(write.key.id)!.fingerprint) }));
    this.ctx.store.transaction(() => this.ctx.store.imports.putMany(row.id, sources, at));
  }

  /** The error that stopped an import, saying what was imported before it (the batches before are kept, each whole). */
  private stoppedAfter(caught: unknown, written: number, total: number, index: number, batches: number, toTeam: boolean): KeywardenError {
    const error = toKeywardenError(caught);
    // The batch the team took but this copy could not pull is imported too: only its copy here is missing.
    const recorded = error.details.teamRecorded === true;
    const done = written + (recorded ? Math.min(IMPORT_BATCH_SIZE, total - written) : 0);
    const where = toTeam ? ' into the team' : '';
    const kept =
      done === 0
        ? `nothing was imported${where}`
        : `${done} of the ${total} keys to write were imported${where} (${recorded ? index + 1 : index} of ${batches} batches, each whole)${recorded ? ', the last not yet copied here ("keywarden team sync" brings it)' : ''}; importing the same file again writes the rest`;
    return new KeywardenError(error.code, `${error.message}; ${kept}`, { ...error.details, imported: done }, { cause: error });
  }
}
