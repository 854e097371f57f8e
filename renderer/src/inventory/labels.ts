import type { BackendSyncResult, BackendType, KeyStatus } from '../../../shared/domain.js';

export const STATUS_ORDER: readonly KeyStatus[] = ['active', 'grace', 'revoked', 'expired'];

export const STATUS_LABEL: Record<KeyStatus, string> = { active: 'Active', grace: 'Grace', revoked: 'Revoked', expired: 'Expired' };

export const VENDOR_LABEL: Record<BackendType, string> = { commbox: 'CommBox', boxwatch: 'BoxWatch', nitrobox: 'Nitrobox', manual: 'Manual' };

/**
 * The failed backends of a sync, one entry per distinct error: the same failure at five backends (a proxy down,
 * the keychain locked) is said once with the count ("5 backends failed: …", their names in the title), not
 * pasted five times into the header.
 */
export function failuresOf(results: BackendSyncResult[]): { error: string; backends: string[] }[] {
  const byError = new Map<string, string[]>();
  for (const result of results) {
    if (result.ok) continue;
    // The engine names the backend in its message ("cb: cannot reach the backend (ECONNREFUSED)"): compared
    // without that prefix, the same failure at cb and nb is one failure.
    const raw = result.error ?? 'unknown error';
    const error = raw.startsWith(`${result.backend}: `) ? raw.slice(result.backend.length + 2) : raw;
    byError.set(error, [...(byError.get(error) ?? []), result.backend]);
  }
  return [...byError].map(([error, backends]) => ({ error, backends }));
}
