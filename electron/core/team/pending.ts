/**
 * Shown-once secrets waiting for the team's server (docs/team.md): a vendor issued a key while the server was away,
 * so the key and its secret were committed to the local copy (the secret sealed by the local vault, as in a personal
 * folder) and marked here, in the same SQLite transaction, to be pushed when the server is back. The marks are one
 * named record of the `meta` table (no migration): a JSON list, never a secret (the secret stays in `key_secrets`).
 */
import type { KeyDescription } from '../../../shared/domain.js';
import type { RemoteKey } from '../backends/backend.js';
import type { ReplacedKey } from '../store/keys.js';
import type { InventoryStore } from '../store/store.js';
import type { RevokedKey, WriteEvent } from '../workflows/context.js';

const PENDING_RECORD = 'team.pendingPushes';

export interface PendingPush {
  id: string;
  /** When the vendor's answer was kept here. */
  at: string;
  /** The local copy's change number then: what the team wrote after it about these keys is newer than this answer. */
  baseSeq: number;
  backend: string;
  key: RemoteKey;
  description: KeyDescription | null;
  replaces: ReplacedKey | null;
  revoked: RevokedKey | null;
  event: WriteEvent;
  /** Why the team could not take it then (the server's words, never a secret). */
  reason: string;
}

export function pendingPushes(store: InventoryStore): PendingPush[] {
  const text = store.meta.get(PENDING_RECORD);
  return text ? (JSON.parse(text) as PendingPush[]) : [];
}

/** Adds a mark, in the caller's transaction (the one that commits the key and its secret locally). */
export function addPendingPush(store: InventoryStore, push: PendingPush): void {
  store.transaction(() => store.meta.set(PENDING_RECORD, JSON.stringify([...pendingPushes(store), push])));
}

/** Removes a mark once the team holds what it marked (or no longer wants it). */
export function removePendingPush(store: InventoryStore, id: string): void {
  store.transaction(() => {
    const left = pendingPushes(store).filter((push) => push.id !== id);
    if (left.length) store.meta.set(PENDING_RECORD, JSON.stringify(left));
    else store.meta.delete(PENDING_RECORD);
  });
}
