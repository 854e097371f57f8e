/**
 * A Bitwarden JSON export as Bitwarden writes it (unencrypted), for the import tests of a personal data folder and of
 * a team: a login with a folder, notes, an expiry and an owner field; a secure note whose hidden field is the key; a
 * card (not a key); a login without a password (nothing to import). The secrets are the caller's, so each test checks
 * where its own went.
 */
export function bitwardenExport(secrets: { stripe: string; datadog: string }): { encrypted: false; folders: unknown[]; items: unknown[] } {
  return {
    encrypted: false,
    folders: [{ id: 'f1', name: 'Payments' }],
    items: [
      {
        id: 'b1',
        type: 1,
        name: 'Stripe live',
        folderId: 'f1',
        notes: 'rotated by finance',
        login: { username: 'ops', password: secrets.stripe, uris: [{ match: null, uri: 'https://dashboard.stripe.com' }] },
        fields: [
          { name: 'Expires', value: '31/01/2028', type: 0 },
          { name: 'Owner', value: 'finance', type: 0 },
        ],
        creationDate: '2025-01-15T09:30:00.000Z',
      },
      { id: 'b2', type: 2, name: 'Datadog API', secureNote: { type: 0 }, fields: [{ name: 'api key', value: secrets.datadog, type: 1 }], creationDate: '2025-02-01T00:00:00.000Z' },
      { id: 'b3', type: 3, name: 'Company card', card: { number: '4111111111111111' } },
      { id: 'b4', type: 1, name: 'Old login', login: { username: 'x', password: null } },
    ],
  };
}
