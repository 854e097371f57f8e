/**
 * Backends: the vendor accounts Keywarden lists (the `backends` table), each with its credential, sealed by the vault,
 * its settings, its rotation policy and its last sync. Reached as `InventoryStore.backends`. Its keys are `keys.ts`,
 * which also writes the two changes that span both in one transaction: a sync's result and a new rotation policy.
 */
import type { BackendType } from '../../../shared/domain.js';
import { KeywardenError } from '../errors.js';
import { redactKeyShapes } from '../redact.js';
import type { StoreConnection } from './connection.js';
import { BACKEND_SELECT, LAST_OK_SYNC_STARTED, type RawBackendRow, toBackendRow } from './key-rows.js';

export interface BackendRow {
  id: number;
  name: string;
  type: BackendType;
  url: string | null;
  settings: Record<string, unknown>;
  rotateEveryDays: number | null;
  hasCredential: boolean;
  createdAt: string;
  lastSyncAt: string | null;
  lastSyncOkAt: string | null;
  lastError: string | null;
  keyCount: number;
}

export interface NewBackend {
  name: string;
  type: BackendType;
  url: string | null;
  settings: Record<string, unknown>;
  rotateEveryDays: number | null;
  createdAt: string;
}

export class BackendTable {
  constructor(private readonly conn: StoreConnection) {}

  insert(backend: NewBackend, credentialSealed: Buffer | null): BackendRow {
    return this.conn.guard(() => {
      if (this.find(backend.name)) {
        throw new KeywardenError('conflict', `a backend named "${backend.name}" already exists; choose another name or remove it first`, { backend: backend.name });
      }
      this.conn.db
        .prepare('INSERT INTO backends (name, type, url, settings, rotate_every_days, credential_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(backend.name, backend.type, backend.url, JSON.stringify(backend.settings), backend.rotateEveryDays, credentialSealed, backend.createdAt);
      return this.require(backend.name);
    });
  }

  find(name: string): BackendRow | null {
    return this.conn.guard(() => {
      const row = this.conn.db.prepare<RawBackendRow>(`${BACKEND_SELECT} WHERE b.name = ?`).get(name);
      return row ? toBackendRow(row) : null;
    });
  }

  /** The backend named so, or `not_found` naming the backends there are. */
  require(name: string): BackendRow {
    const backend = this.find(name);
    if (!backend) {
      const known = this.list().map((b) => b.name);
      throw new KeywardenError('not_found', `no backend named "${name}"${known.length ? `; known: ${known.join(', ')}` : '; add one with "keywarden backend add"'}`, {
        backend: name,
      });
    }
    return backend;
  }

  list(): BackendRow[] {
    return this.conn.guard(() => this.conn.db.prepare<RawBackendRow>(`${BACKEND_SELECT} ORDER BY b.name`).all().map(toBackendRow));
  }

  /** Removes a backend; its keys, their secrets and its rotations go with it (ON DELETE CASCADE). */
  delete(id: number): void {
    this.conn.guard(() => this.conn.db.prepare('DELETE FROM backends WHERE id = ?').run(id));
  }

  getCredentialSealed(backendId: number): Buffer | null {
    return this.conn.guard(() => this.conn.db.prepare<{ credential_sealed: Buffer | null }>('SELECT credential_sealed FROM backends WHERE id = ?').get(backendId)?.credential_sealed ?? null);
  }

  setCredentialSealed(backendId: number, sealed: Buffer): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE backends SET credential_sealed = ? WHERE id = ?').run(sealed, backendId));
  }

  /**
   * Forgets a backend's credential (the key it was revoked), saying why in its last error: its next sync then
   * asks for a new credential instead of failing with a bare 401.
   */
  clearCredential(backendId: number, reason: string): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE backends SET credential_sealed = NULL, last_error = ? WHERE id = ?').run(reason, backendId));
  }

  clearError(backendId: number): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE backends SET last_error = NULL WHERE id = ?').run(backendId));
  }

  /** The demo's emulators start on new ports each run: its backends follow them without losing their keys. */
  updateEndpoint(backendId: number, url: string, credentialSealed: Buffer): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE backends SET url = ?, credential_sealed = ? WHERE id = ?').run(url, credentialSealed, backendId));
  }

  /** Replaces a backend's settings (the store's own record of its last good sync start is kept: see `SYNCED_AT`). */
  updateSettings(backendId: number, settings: Record<string, unknown>): void {
    this.conn.guard(() =>
      this.conn.db
        .prepare(`UPDATE backends SET settings = json_set(?, '$.${LAST_OK_SYNC_STARTED}', json_extract(settings, '$.${LAST_OK_SYNC_STARTED}')) WHERE id = ?`)
        .run(JSON.stringify(settings), backendId),
    );
  }

  /** The backend's own rotation policy; reached through `KeyTables.setRotationPolicy`, which moves its keys' due dates with it. */
  setRotateEveryDays(backendId: number, rotateEveryDays: number | null): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE backends SET rotate_every_days = ? WHERE id = ?').run(rotateEveryDays, backendId));
  }

  /**
   * A good sync's times, and when it started (the store's record behind every unchanged key's `syncedAt`: see
   * `SYNCED_AT`); its last error cleared. Written in the sync's transaction (`KeyTables.replaceInventory`).
   */
  recordSyncSuccess(backendId: number, options: { syncStartedAt: string; syncedAt: string }): void {
    this.conn.guard(() =>
      this.conn.db
        .prepare(`UPDATE backends SET last_sync_at = ?, last_sync_ok_at = ?, last_error = NULL, settings = json_set(settings, '$.${LAST_OK_SYNC_STARTED}', ?) WHERE id = ?`)
        .run(options.syncedAt, options.syncedAt, options.syncStartedAt, backendId),
    );
  }

  /** The error is kept without anything key-shaped in it, whoever built it (the engine already redacts vendor text: redact.ts). */
  recordSyncFailure(backendId: number, at: string, error: string): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE backends SET last_sync_at = ?, last_error = ? WHERE id = ?').run(at, redactKeyShapes(error), backendId));
  }

  /** How many backends hold a sealed credential (for `vault status`). */
  countCredentials(): number {
    return this.conn.guard(() => this.conn.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM backends WHERE credential_sealed IS NOT NULL').get()!.n);
  }

  /** `vault reset`: forgets every sealed credential; returns the backends that had one, by name. */
  dropAllCredentials(): string[] {
    return this.conn.transaction(() => {
      const names = this.conn.db
        .prepare<{ name: string }>('SELECT name FROM backends WHERE credential_sealed IS NOT NULL ORDER BY name')
        .all()
        .map((row) => row.name);
      this.conn.db.exec('UPDATE backends SET credential_sealed = NULL WHERE credential_sealed IS NOT NULL;');
      return names;
    });
  }
}
