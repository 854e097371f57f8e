import type { BackendDefinition } from '../backend.js';

export const boxWatchDefinition: BackendDefinition = {
  type: 'boxwatch',
  displayName: 'BoxWatch',
  capabilities: ['list', 'reveal', 'test', 'revoke'],
  // No vendor expiry; BoxWatch recommends rotating at least quarterly.
  defaultRotationDays: 90,
  requiresUrl: true,
  requiresCredential: true,
  credentialIsKey: true,
  unsupportedReasons: {
    create:
      'BoxWatch keys are created in the BoxWatch dashboard (Account → API keys → New key), and the account allows one key at a time. Create it there, then give it to Keywarden with "keywarden backend set-credential {backend} --credential-stdin"',
    delete: 'BoxWatch has no separate delete: revoking a key removes it',
    reveal: 'BoxWatch shows a key only once, when it is created; Keywarden can reveal only the key it holds as the credential',
  },
  loadConnector: async () => (await import('./connector.js')).createBoxWatchConnector,
};
