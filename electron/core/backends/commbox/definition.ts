import type { BackendDefinition } from '../backend.js';

export const commBoxDefinition: BackendDefinition = {
  type: 'commbox',
  displayName: 'CommBox',
  capabilities: ['list', 'reveal', 'test', 'revoke', 'delete'],
  // CommBox sets every key's expiry itself (the admin-set interval, 365 days by default).
  defaultRotationDays: null,
  requiresUrl: true,
  requiresCredential: true,
  revokeIssuesReplacement: true,
  revokeGraceDays: 30,
  secretsViewable: true,
  deleteRefused: {
    statuses: ['active'],
    reason: 'CommBox deletes only revoked or expired keys: revoke this one first (a replacement is issued at once, and this key keeps working for its 30-day grace period)',
  },
  unsupportedReasons: {
    create:
      'CommBox issues new keys by rotation only: it replaces the key itself at the end of the replacement interval, and revoking the current key issues a replacement at once (the old key keeps working for a 30-day grace period). To get a new key now, revoke the current one: "keywarden revoke REF --validity-days D"',
  },
  loadConnector: async () => (await import('./connector.js')).createCommBoxConnector,
};
