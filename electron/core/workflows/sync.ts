/**
 * Sync: every backend concurrently, each backend's pages strictly in order, all that a backend showed
 * committed in one transaction or nothing, within a time and a byte bound. In a team home the transaction is the
 * team's (`TeamWrites.commitListing`: one PostgreSQL transaction per backend), then the local copy pulls.
 */
import type { SyncProgress, SyncReport } from '../../../shared/domain.js';
import type { Connector, KeyPage, RemoteKey } from '../backends/backend.js';
import { backendDefinition } from '../backends/registry.js';
import { crashPoint } from '../crash-points.js';
import { KeywardenError, toKeywardenError } from '../errors.js';
import type { BackendRow } from '../store/store.js';
import { plural } from '../text.js';
import type { SealedSecret } from '../vault/vault.js';
import type { EngineContext, TeamWrites } from './context.js';

/** Upper bound on pages per sync: a vendor that keeps returning cursors is broken, not large. */
const MAX_PAGES_PER_SYNC = 10_000;

export class SyncWorkflow {
  constructor(private readonly ctx: EngineContext) {}

  /**
   * Lists every named backend (all that can be listed when none is named) concurrently; the pages of
   * one backend are fetched strictly in order. One backend failing never affects another's inventory.
   */
  async sync(names: readonly string[] = [], options: { onProgress?: (progress: SyncProgress) => void } = {}): Promise<SyncReport> {
    const rows = names.length > 0 ? names.map((name) => this.ctx.store.backends.require(name)) : this.ctx.store.backends.list();
    const listable = rows.filter((row) => backendDefinition(row.type).capabilities.includes('list'));
    const startedAt = new Date().toISOString();
    // A team home's listing goes to the team: its server must answer and this member may sync, or no vendor is asked.
    const team = listable.length > 0 ? await this.ctx.teamWrites() : null;
    const toTeam = team ? { team, sinceSeq: await team.ready('sync', listable.length === 1 ? listable[0]! : null) } : null;
    const syncAll = async (): Promise<SyncReport> => {
      const results = await Promise.all(listable.map((row) => this.syncOne(row, options.onProgress, toTeam)));
      if (team) await team.pull();
      return { ok: results.every((result) => result.ok), startedAt, results };
    };
    if (!listable.some((row) => row.hasCredential)) return syncAll();
    // Every credential is sealed: the vault is opened once, before any backend is reached (one keychain round trip,
    // overlapping the connectors' loading). When it cannot be opened (Keywarden locked, the keychain locked, no
    // passphrase) that is one problem, reported once, not every backend "failing"; their last sync stays as it was.
    // Held to the end, so a lock during a long sync lets it finish what it started.
    for (const row of listable)
      backendDefinition(row.type)
        .loadConnector()
        .catch(() => {});
    return this.ctx.vault.hold(syncAll);
  }

  /**
   * One backend's sync. Everything the vendor shows (every page, the facts, the secrets it lets us
   * cache) is gathered first; the inventory then changes in one transaction, or not at all. A failure
   * at any step, a page or a secret, leaves the previous inventory and its last good sync time as they were.
   */
  private async syncOne(
    row: BackendRow,
    onProgress: ((progress: SyncProgress) => void) | undefined,
    toTeam: { team: TeamWrites; sinceSeq: number } | null,
  ): Promise<SyncReport['results'][number]> {
    const started = performance.now();
    const syncStartedAt = new Date().toISOString();
    const emit = (phase: SyncProgress['phase'], pages: number, keys: number, error: string | null = null) => {
      try {
        onProgress?.({ backend: row.name, phase, pages, keys, error });
      } catch {
        // A failing progress listener (a closed window) must not fail the sync itself.
      }
    };
    emit('started', 0, 0);
    let pages = 0;
    const keys: RemoteKey[] = [];
    const deadline = Date.now() + this.ctx.syncLimits.deadlineMs;
    let bytesAtStart = 0;
    const checkBounds = () => {
      if (Date.now() > deadline) {
        throw new KeywardenError('timeout', `${row.name}: the sync did not finish within ${Math.round(this.ctx.syncLimits.deadlineMs / 1000)} s; the cached inventory is kept`, {
          backend: row.name,
        });
      }
      const received = this.ctx.bytesReceived(row.name) - bytesAtStart;
      if (received > this.ctx.syncLimits.maxBytes) {
        throw new KeywardenError(
          'malformed_response',
          `${row.name}: the backend sent more than ${formatBytes(this.ctx.syncLimits.maxBytes)} in one sync, far more than a key list; the cached inventory is kept`,
          { backend: row.name },
        );
      }
    };
    try {
      const connector = await this.ctx.connectorFor(row);
      bytesAtStart = this.ctx.bytesReceived(row.name);
      const seenCursors = new Set<string>();
      let cursor: string | null = null;
      let facts: KeyPage['facts'] | undefined;
      do {
        checkBounds();
        const page = await connector.listPage(cursor);
        pages += 1;
        keys.push(...page.keys);
        if (page.facts) facts = page.facts;
        emit('page', pages, keys.length);
        cursor = page.nextCursor;
        if (cursor !== null && (seenCursors.has(cursor) || pages >= MAX_PAGES_PER_SYNC)) {
          throw new KeywardenError('malformed_response', `${row.name}: the backend's pagination does not end (cursor repeated or over ${MAX_PAGES_PER_SYNC} pages)`, {
            backend: row.name,
          });
        }
        if (cursor !== null) seenCursors.add(cursor);
      } while (cursor !== null);

      checkBounds();
      const { secrets, note } = await this.gatherSecrets(row, connector, keys, checkBounds);
      const syncedAt = new Date().toISOString();
      const detail = `${plural(keys.length, 'key')} in ${plural(pages, 'page')}${secrets.length ? `, ${plural(secrets.length, 'secret')} cached` : ''}${note ? `; ${note}` : ''}`;
      let writes;
      if (toTeam) {
        // The team's transaction audits the sync there and here (team/changes.ts).
        writes = await toTeam.team.commitListing(row, { keys, secrets, facts, syncStartedAt, syncedAt, sinceSeq: toTeam.sinceSeq, detail });
      } else {
        const sealed: Array<{ keyId: string; sealed: SealedSecret }> = [];
        for (const { keyId, secret } of secrets) sealed.push({ keyId, sealed: await this.ctx.sealKeySecret(row, keyId, secret) });
        writes = this.ctx.store.transaction(() => {
          if (facts) this.ctx.store.backends.updateSettings(row.id, { ...row.settings, vendorFacts: facts });
          const written = this.ctx.store.keys.replaceInventory(row.id, keys, { syncStartedAt, syncedAt, rotateEveryDays: this.ctx.rotationDays(row) });
          for (const secret of sealed) this.ctx.store.keys.putSecret(row.id, secret.keyId, secret.sealed, syncedAt);
          crashPoint(`sync:${row.name}:in-commit`);
          return written;
        });
        this.ctx.audit('sync', row.name, null, 'ok', detail);
      }
      emit('done', pages, keys.length);
      return {
        backend: row.name,
        ok: true,
        keyCount: keys.length,
        pages,
        error: null,
        errorCode: null,
        durationMs: Math.round(performance.now() - started),
        note,
        keysWritten: writes.inserted + writes.updated + writes.removed,
      };
    } catch (caught) {
      const error = toKeywardenError(caught, `${row.name}: sync failed`);
      this.ctx.store.backends.recordSyncFailure(row.id, new Date().toISOString(), error.message);
      emit('failed', pages, keys.length, error.message);
      this.ctx.audit('sync', row.name, null, 'failed', error.code);
      return {
        backend: row.name,
        ok: false,
        keyCount: row.keyCount,
        pages,
        error: error.message,
        errorCode: error.code,
        durationMs: Math.round(performance.now() - started),
        note: null,
      };
    }
  }

  /**
   * The secrets a sync can cache, fetched before anything is written (sealed then for where they go: the local vault,
   * or the team key):
   * - BoxWatch: the credential is one of the listed keys; it is sealed as that key's secret so it can be revealed offline;
   * - vendors that show a key at any time (CommBox): the active keys' secrets not cached yet.
   * A vendor error fails the sync (nothing is committed). A vault that cannot be opened (keychain
   * locked or absent) does not: the inventory is still worth having, and the note says what was skipped.
   */
  private async gatherSecrets(
    row: BackendRow,
    connector: Connector,
    keys: readonly RemoteKey[],
    checkBounds: () => void,
  ): Promise<{ secrets: Array<{ keyId: string; secret: string }>; note: string | null }> {
    const secrets: Array<{ keyId: string; secret: string }> = [];
    if (connector.keyIdForCredential) {
      const credential = await this.ctx.openCredential(row);
      const keyId = connector.keyIdForCredential(credential, keys);
      // Sealed again only when the cache does not already hold this very secret for it (a sync writes what changed).
      if (keyId && !(await this.holdsSecret(row, keyId, credential))) secrets.push({ keyId, secret: credential });
    }
    if (!connector.fetchSecret) return { secrets, note: null };
    const wanted = keys.filter((key) => key.status === 'active' && !this.ctx.store.keys.getSecret(row.id, key.id));
    if (wanted.length === 0) return { secrets, note: null };
    try {
      await this.ctx.vault.ensureReady();
    } catch (error) {
      const typed = toKeywardenError(error);
      if (!isVaultUnavailable(typed)) throw typed;
      return { secrets, note: `${plural(wanted.length, 'secret')} not cached: ${typed.message}` };
    }
    for (const key of wanted) {
      checkBounds();
      secrets.push({ keyId: key.id, secret: await connector.fetchSecret(key.id) });
    }
    return { secrets, note: null };
  }

  /** Whether the cache holds exactly `secret` for this key (false when absent, different, or unreadable). */
  private async holdsSecret(row: BackendRow, keyId: string, secret: string): Promise<boolean> {
    const sealed = this.ctx.store.keys.getSecret(row.id, keyId);
    if (!sealed) return false;
    try {
      return (await this.ctx.vault.open(this.ctx.keySecretIdentity(row, keyId), sealed)) === secret;
    } catch {
      return false;
    }
  }
}

/** The vault cannot be opened right now: secrets cannot be cached, but reading the inventory still works. */
function isVaultUnavailable(error: KeywardenError): boolean {
  return ['keychain_unavailable', 'keychain_locked', 'vault_key_mismatch', 'vault_key_missing', 'vault_locked'].includes(error.code);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
