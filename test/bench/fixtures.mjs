/**
 * Benchmark inventories, written straight through the compiled InventoryStore (the same code path a
 * sync takes: insertBackend + replaceInventory in one transaction), so 100k keys take seconds, not a
 * 100k-key emulator sync. Deterministic: the same layout and size always give the same keys.
 *
 * Layouts:
 * - `nitrobox`: one Nitrobox backend ("nitro-prod") holding every key (the CLI list figure).
 * - `mixed`: three backends as an organisation might have them: Nitrobox 50 %, BoxWatch 30 %,
 *   (about 40 % of each backend's keys described: owner, environment, tags, sometimes notes),
 *   CommBox 20 % (a long rotation history: mostly expired, some in grace, some active), with about
 *   10 % of the Nitrobox and BoxWatch keys holding a cached secret, sealed by the real Vault under a
 *   data key in the OS keychain (so an engine opening a copy of the store can sync into it). Without a
 *   reachable keychain the secrets are opaque random blobs of the same size, and `sealed` says so; an
 *   engine then refuses to seal anything new in that store (vault_key_mismatch), as it should. One cached secret in
 *   a hundred is the previous one again (a key recorded twice), for Health's duplicate-secret finding.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDist } from './lib.mjs';

/** The file name the engine uses inside its home folder (electron/core/paths.ts DATABASE_FILE). */
export async function databaseFile(home) {
  const { DATABASE_FILE } = await loadDist('electron/core/paths.js');
  return join(home, DATABASE_FILE);
}

const SERVICES = [
  'payments',
  'billing',
  'search',
  'auth',
  'ingest',
  'reports',
  'mailer',
  'crm',
  'analytics',
  'webhooks',
  'ledger',
  'inventory',
  'shipping',
  'support',
  'mobile',
  'partner-api',
  'etl',
  'backup',
  'monitoring',
  'ci-deploy',
];
const ENVIRONMENTS = ['prod', 'staging', 'dev', 'eu', 'us', 'apac'];
const PEOPLE = ['ana', 'bruno', 'chen', 'dara', 'emeka', 'farah', 'goran', 'hana'];
const DAY_MS = 86_400_000;

/** mulberry32: a small seeded generator, so fixtures are identical from run to run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function keyMaker(seed, now) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const daysAgo = (max) => new Date(now - Math.floor(rnd() * max * DAY_MS)).toISOString();
  const hex = (length) => Array.from({ length }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const recentUse = () => (rnd() < 0.7 ? daysAgo(30) : null);
  return {
    rnd,
    nitrobox(index) {
      const id = `${pick(SERVICES)}-${pick(ENVIRONMENTS)}-${index.toString(36).padStart(4, '0')}`;
      return {
        id,
        name: id,
        prefix: id,
        status: 'active',
        createdAt: daysAgo(730),
        expiresAt: null,
        graceEndsAt: null,
        lastUsedAt: recentUse(),
        details: { createdBy: `${pick(PEOPLE)}@example.com` },
      };
    },
    boxwatch(index) {
      const service = pick(SERVICES);
      return {
        id: `key_${index}${hex(8)}`,
        name: `${service[0].toUpperCase()}${service.slice(1)} ${pick(ENVIRONMENTS)} server ${index % 50}`,
        prefix: `bw_${hex(8)}`,
        status: 'active',
        createdAt: daysAgo(400),
        expiresAt: null,
        graceEndsAt: null,
        lastUsedAt: recentUse(),
      };
    },
    commbox(index) {
      // A long rotation history: each key lived a year; most are expired, the newest few are in grace or active.
      const roll = rnd();
      const createdAt = daysAgo(3 * 365);
      const expiresAt = new Date(Date.parse(createdAt) + 365 * DAY_MS).toISOString();
      const status = roll < 0.7 ? 'expired' : roll < 0.85 ? 'grace' : roll < 0.9 ? 'revoked' : 'active';
      const graceEndsAt = status === 'grace' ? new Date(now + Math.floor(rnd() * 30) * DAY_MS).toISOString() : status === 'expired' ? daysAgo(700) : null;
      return {
        id: `key_${String(index).padStart(6, '0')}${hex(6)}`,
        name: `${pick(['Production', 'Staging', 'Partner feed'])} ${pick(SERVICES)}`,
        prefix: `…${hex(4)}`,
        status,
        createdAt,
        expiresAt,
        graceEndsAt,
        lastUsedAt: null,
        details: { revokedAt: status === 'active' ? null : daysAgo(700) },
      };
    },
  };
}

const LAYOUTS = {
  nitrobox: [{ name: 'nitro-prod', type: 'nitrobox', url: 'https://nitrobox.example.com', share: 1, secretShare: 0 }],
  mixed: [
    { name: 'nitro-prod', type: 'nitrobox', url: 'https://nitrobox.example.com', share: 0.5, secretShare: 0.1, describeShare: 0.4 },
    { name: 'boxwatch-ops', type: 'boxwatch', url: 'https://api.boxwatch.example.com', share: 0.3, secretShare: 0.1, describeShare: 0.4 },
    { name: 'commbox-org', type: 'commbox', url: 'https://api.commbox.example.com', share: 0.2, secretShare: 0, describeShare: 0.4 },
  ],
};

/**
 * Creates `home` and fills its database with `count` keys of the given layout. Returns what was
 * written (per backend key counts, secrets cached) and how long it took.
 */
export async function populateStore(home, { layout, count, seed = 42 }) {
  const started = performance.now();
  const { InventoryStore } = await loadDist('electron/core/store/store.js');
  const { backendDefinition } = await loadDist('electron/core/backends/registry.js');
  const { Vault } = await loadDist('electron/core/vault/vault.js');
  const { createOsKeychain } = await loadDist('electron/core/vault/keychain.js');
  const { vaultRecords } = await loadDist('electron/core/workflows/vault.js');
  const { boundKeySecretIdentity } = await loadDist('electron/core/workflows/context.js');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const store = InventoryStore.open(await databaseFile(home));
  const now = Date.now();
  const make = keyMaker(seed, now);
  const written = [];
  let sealed = 'none';
  try {
    const backends = LAYOUTS[layout];
    if (!backends) throw new Error(`unknown fixture layout "${layout}"`);
    let vault = null;
    if (backends.some((spec) => spec.secretShare > 0)) {
      // The data key must exist before the first sealed record, as in the engine.
      vault = new Vault(vaultRecords(store), createOsKeychain());
      try {
        await vault.ensureReady();
        sealed = 'vault';
      } catch (error) {
        vault = null;
        sealed = `opaque random blobs (no keychain: ${error.message.slice(0, 120)})`;
      }
    }
    let remaining = count;
    for (const [position, spec] of backends.entries()) {
      const share = position === backends.length - 1 ? remaining : Math.round(count * spec.share);
      remaining -= share;
      const row = store.backends.insert({ name: spec.name, type: spec.type, url: spec.url, settings: {}, rotateEveryDays: null, createdAt: new Date(now - 800 * DAY_MS).toISOString() }, null);
      const keys = Array.from({ length: share }, (_, index) => make[spec.type](index));
      const syncStartedAt = new Date().toISOString();
      store.keys.replaceInventory(row.id, keys, {
        syncStartedAt,
        syncedAt: new Date().toISOString(),
        rotateEveryDays: backendDefinition(spec.type).defaultRotationDays,
      });
      // What administrators say about their keys (owner, environment, tags, notes; migration 008), so searches read
      // those fields too: about 40 % of the keys described, each with its audit event as the engine writes it.
      if (spec.describeShare > 0) {
        const at = new Date(now).toISOString();
        store.transaction(() => {
          for (const key of keys) {
            if (make.rnd() >= spec.describeShare) continue;
            const environment = make.rnd() < 0.8 ? ENVIRONMENTS[Math.floor(make.rnd() * ENVIRONMENTS.length)] : null;
            const tags = [environment === 'prod' ? 'prod' : null, make.rnd() < 0.2 ? 'pci' : null, make.rnd() < 0.1 ? 'legacy' : null].filter(Boolean);
            const description = {
              owner: `${PEOPLE[Math.floor(make.rnd() * PEOPLE.length)]} ${make.rnd() < 0.5 ? 'Lima' : 'Okafor'}`,
              environment,
              tags,
              notes: make.rnd() < 0.1 ? `Used by the ${SERVICES[Math.floor(make.rnd() * SERVICES.length)]} job; ask before rotating` : null,
            };
            const ref = `${spec.name}/${key.id}`;
            store.keys.describe(row.id, key.id, description, { at, osUser: 'bench', action: 'key.describe', backend: spec.name, ref, outcome: 'ok', detail: 'bench fixture' });
          }
        });
      }
      let secrets = 0;
      if (spec.secretShare > 0) {
        const cachedAt = new Date().toISOString();
        const blobs = [];
        let previous = null;
        for (const key of keys) {
          if (make.rnd() >= spec.secretShare) continue;
          // One secret in a hundred recorded again under a second key: Health's "same secret under two keys".
          const secret = previous !== null && blobs.length % 100 === 99 ? previous : randomBytes(36).toString('base64url');
          previous = secret;
          // The engine's own record identity (the backend's name, type and URL with the key id), so `reveal` and a
          // team init open these too; sealed with its fingerprint, as the engine caches every secret.
          const identity = boundKeySecretIdentity({ name: spec.name, type: spec.type, url: spec.url }, key.id, undefined);
          const blob = vault ? await vault.sealSecret(identity, secret) : { sealed: randomBytes(1 + 12 + 16 + secret.length), fingerprint: randomBytes(32) };
          blobs.push([key.id, blob]);
        }
        store.transaction(() => {
          for (const [keyId, blob] of blobs) store.keys.putSecret(row.id, keyId, blob, cachedAt);
        });
        secrets = blobs.length;
      }
      written.push({ backend: spec.name, type: spec.type, keys: share, secretsCached: secrets });
    }
  } finally {
    store.close();
  }
  return { home, layout, count, backends: written, sealed, ms: performance.now() - started };
}

/** The search term the list and keepassxc comparisons use: one service name in twenty. */
export const SEARCH_TERM = 'payments';
export { SERVICES, ENVIRONMENTS };
