import type { BackendDefinition } from '../backend.js';

/**
 * Keys of vendors without a management API, entered by hand ("keywarden key add"). Keywarden keeps
 * their dates and (optionally) their secret, reminds like for any vendor, and can test a key with an
 * HTTPS request template stored with it.
 */
export const manualDefinition: BackendDefinition = {
  type: 'manual',
  displayName: 'Manual',
  capabilities: ['reveal', 'test', 'delete'],
  // Each manual key carries its own expiry or rotation interval, given when it is added.
  defaultRotationDays: null,
  requiresUrl: false,
  requiresCredential: false,
  unsupportedReasons: {
    list: 'manual backends have nothing to sync: add keys with "keywarden key add --backend {backend}"',
    create: 'manual keys are created at their vendor; record one with "keywarden key add --backend {backend} --name LABEL [--secret-stdin]"',
    revoke: 'revoke the key at its vendor, then delete it here',
    reveal: 'no secret was given when this key was added (use --secret-stdin with "keywarden key add")',
  },
  loadConnector: async () => (await import('./connector.js')).createManualConnector,
};
