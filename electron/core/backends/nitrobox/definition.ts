import type { BackendDefinition } from '../backend.js';

export const nitroboxDefinition: BackendDefinition = {
  type: 'nitrobox',
  displayName: 'Nitrobox',
  capabilities: ['list', 'reveal', 'test', 'create', 'delete'],
  // Nitrobox keys never expire; Keywarden's own policy rotates them 180 days after creation.
  defaultRotationDays: 180,
  requiresUrl: true,
  requiresCredential: true,
  unsupportedReasons: {
    revoke: 'Nitrobox has no revoke: delete the API client (irreversible) after creating its replacement',
    reveal: 'Nitrobox shows an API key only once, at creation; Keywarden can reveal only keys it created',
  },
  loadConnector: async () => (await import('./connector.js')).createNitroboxConnector,
};
