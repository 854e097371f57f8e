/**
 * A new member's first copy of the team's inventory against the copy another member built pull by pull, over a real
 * PostgreSQL (test/support/postgres.ts) and the real keychain (with-test-keychain.mjs). A first copy writes every key
 * into a data folder that holds none, and fills the search index once after the rows (store/keys.ts
 * `writeTeamCopies`); a later pull writes each key through the index's triggers. Both must give the same inventory:
 * every key's fields, what every search finds, Health's findings, the console's counts, the secrets.
 *
 *   node test/support/with-test-keychain.mjs npx vitest run test/integration/team-first-copy.test.ts
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeywardenEngine } from '../../electron/core/engine.js';
import { openSqlite } from '../../electron/core/store/sqlite.js';
import { hasIsolatedKeychain } from '../support/cli.js';
import { type MemberName, NO_POSTGRES_REASON, SKIP_NO_POSTGRES } from '../support/postgres.js';
import { startTeamHomes, type TeamHomes } from '../support/team-homes.js';

if (SKIP_NO_POSTGRES) console.warn(`team first-copy tests skipped: ${NO_POSTGRES_REASON}`);

const DAY_MS = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

/** Searches of every kind: free text long and short, other scripts, each field, negations, due windows. */
const SEARCHES = [
  'payments',
  'pay',
  'pa',
  'café',
  'CAFÉ',
  '東京',
  'stripe',
  'twilio',
  'manual',
  'hand',
  'desk',
  'rotate with',
  'vendor:stripe',
  'vendor:manual',
  'backend:desk',
  'owner:ana',
  'owner:"Chen Wei"',
  'owner:émile',
  'tag:prod',
  'tag:pci',
  'tag:測試',
  'env:prod',
  'env:eu',
  'status:active',
  'overdue',
  'due<30',
  '-overdue',
  '-tag:prod',
  'payments tag:prod -owner:ana',
];

describe.skipIf(SKIP_NO_POSTGRES || !hasIsolatedKeychain)("a new member's first copy of the team", () => {
  const homes = {} as Record<MemberName, string>;
  const engines = {} as Record<MemberName, KeywardenEngine>;
  let team: TeamHomes | undefined;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    team = await startTeamHomes('team-first-copy', homes, engines);
    const { server } = team;
    const { alice, carol } = engines;
    await alice.addBackend({ name: 'hand', type: 'manual' });
    await alice.addBackend({ name: 'desk', type: 'manual' });
    await alice.addManualKey('hand', { name: 'Seed', vendor: 'Seedco', secret: null });
    await alice.teamInit(server.url('alice'), 'ops');
    // carol's copy holds the seed key before the rest is written: her next pull takes the path of every later pull.
    await alice.teamApprove('carol', 'operator', (await carol.teamJoin(server.url('carol'), 'ops')).fingerprint);
    await carol.teamSync();
    expect(carol.listKeys({}).map((key) => key.name)).toEqual(['Seed']);

    const words = ['Payments', 'café', '東京 edge', 'Billing', 'Search', 'ingest'];
    const owners = ['Ana Lima', 'Chen Wei', 'Émile', null];
    const tags = [['prod'], ['prod', 'pci'], ['staging'], [], ['測試']];
    const environments = ['prod', 'staging', 'EU', null];
    const shared = `shared-${randomBytes(12).toString('hex')}`;
    for (let index = 0; index < 24; index++) {
      const secret = index % 4 === 3 ? null : index % 6 === 0 ? shared : `secret-${index}-${randomBytes(12).toString('hex')}`;
      const key = await alice.addManualKey(index % 3 === 0 ? 'desk' : 'hand', {
        name: `${words[index % words.length]} ${index}`,
        vendor: index % 2 ? 'Stripe' : 'Twilio',
        createdAt: inDays(-200 + index),
        // Overdue, due soon, later, and none (some of those rotated every 90 days instead).
        expiresAt: [inDays(-5 - index), inDays(3 + index), inDays(200 + index), null][index % 4],
        rotateEveryDays: index % 4 === 3 && index % 8 === 7 ? 90 : null,
        secret,
        description: {
          owner: owners[index % owners.length],
          environment: environments[index % environments.length],
          tags: tags[index % tags.length],
          notes: index % 3 === 1 ? `rotate with ${words[(index + 1) % words.length]}` : null,
        },
      });
      if (secret) secrets.set(key.ref, secret);
    }
    // A description changed after its key was written (its own team write).
    const [first] = alice.listKeys({ search: 'Payments 0' });
    await alice.describeKey(first!.ref, { owner: 'Dara', addTags: ['pci'] });
  }, 120_000);

  afterAll(async () => {
    await team?.close();
  });

  it('a first copy into an empty data folder equals the copy made pull by pull: keys, searches, Health, counts and secrets', async () => {
    const { server } = team!;
    const { alice, bob, carol } = engines;
    // carol: one more pull, into a copy that holds a key (the index written key by key).
    expect(await carol.teamSync()).toMatchObject({ keys: 24, secrets: secrets.size });
    // bob: his first copy, into an empty data folder (the index filled once).
    await alice.teamApprove('bob', 'operator', (await bob.teamJoin(server.url('bob'), 'ops')).fingerprint);
    expect(bob.listKeys({})).toEqual([]);
    expect(await bob.teamSync()).toMatchObject({ backends: 2, keys: 25, secrets: secrets.size });

    expect(bob.listKeys({})).toEqual(carol.listKeys({}));
    expect(bob.listKeys({}).length).toBe(25);
    const found = (engine: KeywardenEngine, search: string) => engine.listKeys({ search }).map((key) => key.ref);
    for (const search of SEARCHES) {
      const expected = { search, refs: found(carol, search) };
      expect({ search, refs: found(bob, search) }).toEqual(expected);
      // And what the member who wrote them finds.
      expect({ search, refs: found(alice, search) }).toEqual(expected);
    }
    // Not vacuous: most searches find some keys and leave others out.
    expect(SEARCHES.filter((search) => found(bob, search).length > 0 && found(bob, search).length < 25).length).toBeGreaterThan(SEARCHES.length * 0.75);
    expect(found(bob, 'owner:dara tag:pci')).toHaveLength(1);

    const health = async (engine: KeywardenEngine) => {
      const { checkedAt: _at, ...report } = await engine.health({ maxRotationDays: 60 });
      return report;
    };
    const bobHealth = await health(bob);
    expect(bobHealth).toEqual(await health(carol));
    // The findings a first copy must carry over: overdue keys, and one secret held by several keys.
    expect(bobHealth.findings.map((finding) => finding.category)).toEqual(expect.arrayContaining(['overdue', 'duplicate-secret', 'no-owner']));
    expect(bob.inventoryFacets()).toEqual(carol.inventoryFacets());
    const page = (engine: KeywardenEngine) => engine.queryInventory({ search: 'tag:prod', sort: { field: 'due', direction: 'asc' }, offset: 0, limit: 10 });
    expect(page(bob)).toEqual(page(carol));
    for (const [ref, secret] of secrets) expect(await bob.reveal(ref)).toBe(secret);
    // The keys' indexes, set aside during the first copy and built once after it, are the file's as they were: the same
    // names and definitions as in the data folder that pulled key by key, and the inventory's queries use them.
    const schema = (home: string) => {
      const db = openSqlite(join(home, 'keywarden.db'), { readOnly: true });
      try {
        return db.prepare<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'keys' ORDER BY name").all();
      } finally {
        db.close();
      }
    };
    expect(schema(homes.bob)).toEqual(schema(homes.carol));
    expect(schema(homes.bob).map((entry) => entry.name)).toEqual(expect.arrayContaining(['keys_due_order', 'keys_status_due_order', 'keys_joined_searched_text', 'key_search_insert']));
  });
});
