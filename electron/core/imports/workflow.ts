/**
 * `keywarden import` and the console's Import: a source file read by its format's reader, planned (create, update,
 * skip with a reason), and, unless it is a dry run, applied into a manual backend in batches. Each batch's keys, their
 * sealed secrets, their source records and one audit event commit in one transaction (`store.keys.recordBatch`), so a
 * failure leaves no half batch; the batch's decrypted secrets are dropped once it is sealed. The audit says the format
 * and the counts, never a name or a secret. Loaded only when an import runs, and each reader only for its format.
 */
import type { DateOrder, ImportFormat, ImportReport } from '../../../shared/imports.js';
import { KeywardenError } from '../errors.js';
import type { KeyRecord } from '../store/store.js';
import type { ImportSourceRow, ImportedKeyNow } from '../store/imports.js';
import type { EngineContext } from '../workflows/context.js';
import { maskedTail } from '../workflows/keys.js';
import type { ImportEntry } from './entry.js';
import { planImport, type PlannedWrite, sealedHash } from './plan.js';
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
    // Its batches go to the local store; a team's import would write them to the team (docs/team.md, "Not done yet").
    if (!request.dryRun) this.ctx.refuseInTeamHome('Importing');
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
    // Read and planned before anything is created: a wrong password or a bad file leaves no empty backend behind.
    const entries = await readEntries(request);
    const imported = row ? this.ctx.store.imports.imported(row.id) : new Map<string, ImportedKeyNow>();
    const plan = planImport(entries, { backend: request.backend, imported, overwrite: request.overwrite ?? false, dateOrder: request.dateOrder ?? null, now: new Date(), words });
    const createsBackend = !row;
    if (!row && !request.dryRun) {
      await this.addManualBackend(request.backend);
      row = this.ctx.store.backends.require(request.backend);
    }
    const target = row;
    const work = async () => {
      const writes = await this.dropUnchanged(plan.writes, target === null, request.dryRun ?? false);
      if (!request.dryRun && target) await this.apply(target, writes, request.format, plan.items.filter((item) => item.action === 'skip').length);
    };
    // Held while secrets are compared and sealed: a lock meanwhile waits for the batch instead of failing it halfway.
    if (!request.dryRun && plan.writes.length > 0) await this.ctx.vault.hold(work);
    else await work();
    const count = (action: string) => plan.items.filter((item) => item.action === action).length;
    return {
      format: request.format,
      backend: request.backend,
      dryRun: request.dryRun ?? false,
      createsBackend,
      dateOrder: plan.dateOrder,
      counts: { entries: entries.length, created: count('create'), updated: count('update'), skipped: count('skip') },
      items: plan.items,
    };
  }

  /** Updates whose fields match the last import become skips when the secret matches too (compared by opening the sealed one). */
  private async dropUnchanged(writes: PlannedWrite[], noBackend: boolean, dryRun: boolean): Promise<PlannedWrite[]> {
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
        write.item.reason = 'unchanged since the last import';
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

  private async apply(row: NonNullable<ReturnType<EngineContext['store']['backends']['find']>>, writes: PlannedWrite[], format: ImportFormat, skipped: number): Promise<void> {
    const batches = Math.max(1, Math.ceil(writes.length / IMPORT_BATCH_SIZE));
    const rotateEveryDays = this.ctx.rotationDays(row);
    for (let index = 0; index < batches; index++) {
      const batch = writes.slice(index * IMPORT_BATCH_SIZE, (index + 1) * IMPORT_BATCH_SIZE);
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
      const created = batch.filter((write) => write.item.action === 'create').length;
      const last = index === batches - 1;
      const detail = `${format}: ${created} created, ${batch.length - created} updated${last ? `, ${skipped} skipped` : ''}${batches > 1 ? ` (batch ${index + 1} of ${batches})` : ''}`;
      this.ctx.store.keys.recordBatch(row.id, records, this.ctx.auditEntry('import', row.name, null, 'ok', detail), () => this.ctx.store.imports.putMany(row.id, sources, at));
      // The batch is sealed and committed: its decrypted secrets are let go before the next is revealed.
      for (const write of batch) write.entry.secret = null;
      records.length = 0;
    }
  }
}
