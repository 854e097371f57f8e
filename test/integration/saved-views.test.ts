/**
 * Saved views of the inventory, end to end without the page: the console's own stores (inventory and views) over the
 * renderer's HTTP transport to `keywarden ui`'s server on 127.0.0.1, the engine on a real SQLite file with the test
 * keychain, and the real `keywarden` command in a child process on the same data folder.
 *
 * What an administrator relies on: a view saved in the console lists, with `keywarden list --view NAME`, exactly the
 * keys the console shows, in its order; a view survives the engine closing and goes into a backup; every refusal says
 * what is wrong with which field, and changes nothing stored; an unknown view is a clear error. And the audit trail's
 * one lookup of its keys' names and prefixes.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import { KeywardenEngine } from '../../electron/core/engine.js';
import { buildContractClient, type ContractClient } from '../../shared/contract.js';
import type { Key } from '../../shared/domain.js';
import type { SavedView } from '../../shared/views.js';
import { createHttpTransport } from '../../renderer/src/contract/http-transport.js';
import { createInventoryStore, DEFAULT_COLUMNS, DEFAULT_SORT, type InventoryStore, NO_FILTERS, queryOf } from '../../renderer/src/state/inventory-store.js';
import { createViewsStore, viewChanged, type ViewsStore } from '../../renderer/src/state/views-store.js';
import { hasIsolatedKeychain, makeCliHome, runCli } from '../support/cli.js';
import { login, pageFetch } from '../support/ui-client.js';

const SERVICES = ['Payments', 'Billing', 'Search', 'Ledger'];

describe.skipIf(!hasIsolatedKeychain)('saved views: the console, the engine and `keywarden list --view`', () => {
  let home: string;
  let engine: KeywardenEngine;
  let server: UiServer;
  let client: ContractClient;
  let inventory: InventoryStore;
  let views: ViewsStore;

  const cli = (args: readonly string[]) => runCli(['--home', home, ...args]);

  /**
   * Every row the console's table shows for the inventory store's query, top to bottom: the pages the table asks for,
   * once the answers to this query (which bring its total) cover it.
   */
  async function consoleRows(): Promise<string[]> {
    const rows = () => {
      const { pages } = inventory.getState();
      return Object.keys(pages)
        .map(Number)
        .sort((a, b) => a - b)
        .flatMap((page) => pages[page]!.map((key) => key.ref));
    };
    await expect
      .poll(async () => {
        const { total, query, rowsQuery } = inventory.getState();
        // The previous query's rows stay on screen until the new one answers: wait for the answer.
        if (rowsQuery !== query) return false;
        if (total) await inventory.getState().ensureRange(0, total - 1);
        return rows().length > 0 && rows().length === inventory.getState().total;
      })
      .toBe(true);
    return rows();
  }

  /** The refusal a call ends with: its code, its message and the field it names. */
  async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string; field: unknown }> {
    try {
      await call;
    } catch (error) {
      const typed = error as Error & { code?: string; details?: Record<string, unknown> };
      return { code: typed.code ?? '?', message: typed.message, field: typed.details?.field };
    }
    throw new Error('expected a refusal');
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-saved-views-'));
    engine = KeywardenEngine.open({ home });
    await engine.addBackend({ name: 'hand', type: 'manual' });
    await engine.addBackend({ name: 'ops', type: 'manual' });
    for (let index = 0; index < 24; index++) {
      await engine.addManualKey(index % 3 === 0 ? 'ops' : 'hand', {
        name: `${SERVICES[index % SERVICES.length]} ${index < 12 ? 'prod' : 'staging'}`,
        vendor: index % 2 === 0 ? 'Stripe' : 'Acme',
        expiresAt: `2031-0${1 + (index % 9)}-1${index % 10}`,
        description: index % 4 === 0 ? { tags: ['pci'] } : {},
      });
    }
    server = await startUiServer({ engine });
    const requestKey = await login(server.newLaunchUrl());
    client = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey }));
    inventory = createInventoryStore(client, { debounceMs: 0 });
    views = createViewsStore(client, inventory);
    await Promise.all([inventory.getState().init(), views.getState().load()]);
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("saves the console's search, filters, sort and columns; `list --view` lists the same keys in the same order", async () => {
    const state = () => inventory.getState();
    state().setSearchInput('stripe');
    state().setFilter('backend', 'hand');
    state().setSort('name');
    state().setSort('name'); // twice: Z to A
    state().setColumnShown('cached', false);
    state().setColumnShown('synced', false);
    expect(state().sort).toEqual({ field: 'name', direction: 'desc' });
    expect(await views.getState().save('Stripe keys, Z-A')).toEqual({ ok: true });
    expect(views.getState().active).toBe('Stripe keys, Z-A');

    const shown = await consoleRows();
    expect(shown.length).toBeGreaterThan(3);
    const names = shown.map((ref) => engine.getKey(ref).name);
    expect(names).toEqual([...names].sort().reverse());

    const listed = await cli(['list', '--view', 'Stripe keys, Z-A', '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.json<Key[]>().map((key) => key.ref)).toEqual(shown);
    // The name in any case, as the console's menu matches it; the text table in the same order.
    const text = await cli(['list', '--view', 'stripe KEYS, z-a']);
    expect(text.code).toBe(0);
    expect(
      text.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(shown);

    // An option beside the view replaces the view's own filter of that kind: the other backend, same search and order.
    const ops = await cli(['list', '--view', 'Stripe keys, Z-A', '--backend', 'ops', '--json']);
    const opsRefs = ops.json<Key[]>().map((key) => key.ref);
    expect(opsRefs.length).toBeGreaterThan(0);
    expect(opsRefs.every((ref) => ref.startsWith('ops/'))).toBe(true);
    const opsConsole = await client['inventory:query']({ ...queryOf({ ...state().filters, backend: 'ops' }, state().sort), limit: 500 });
    expect(opsRefs).toEqual(opsConsole.rows.map((key) => key.ref));

    // What the engine keeps: the engine's query (as the CLI reads it) and the columns shown.
    expect(await engine.savedViews()).toEqual([
      { name: 'Stripe keys, Z-A', query: { search: 'stripe', backend: 'hand' }, sort: { field: 'name', direction: 'desc' }, columns: ['backend', 'prefix', 'status', 'due', 'tested'] },
    ]);
  });

  it('`list --view` reads the view without loading zod, as `list` does (scripts run it often)', async () => {
    const hook = join(home, 'loaded.cjs');
    writeFileSync(hook, "process.on('exit', () => process.stderr.write(Object.keys(require.cache).join('\\n')));\n");
    for (const args of [['list'], ['list', '--view', 'Stripe keys, Z-A']]) {
      const run = await runCli(['--home', home, ...args], { env: { NODE_OPTIONS: `--require ${hook}` } });
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stderr, args.join(' ')).toMatch(/electron\/core\/engine\.js/);
      expect(run.stderr, args.join(' ')).not.toMatch(/node_modules\/zod\//);
    }
  });

  it('applies "All keys" and a saved view again in one go: search, filters, sort and columns', async () => {
    views.getState().apply(null);
    expect(inventory.getState()).toMatchObject({ filters: NO_FILTERS, searchInput: '', sort: DEFAULT_SORT, columns: DEFAULT_COLUMNS });
    expect(views.getState().active).toBeNull();
    expect((await consoleRows()).length).toBe(24);

    views.getState().apply('Stripe keys, Z-A');
    expect(inventory.getState()).toMatchObject({
      filters: { ...NO_FILTERS, search: 'stripe', backend: 'hand' },
      searchInput: 'stripe',
      sort: { field: 'name', direction: 'desc' },
      columns: ['backend', 'prefix', 'status', 'due', 'tested'],
    });
    const layout = () => ({ filters: inventory.getState().filters, sort: inventory.getState().sort, columns: inventory.getState().columns });
    expect(viewChanged(views.getState().views, views.getState().active, layout())).toBe(false);
    // A column shown again is a change to the view, until it is saved.
    inventory.getState().setColumnShown('synced', true);
    expect(viewChanged(views.getState().views, views.getState().active, layout())).toBe(true);
    expect(await views.getState().save('Stripe keys, Z-A', { overwrite: true })).toEqual({ ok: true });
    expect(viewChanged(views.getState().views, views.getState().active, layout())).toBe(false);
    expect((await engine.savedViews())[0]!.columns).toContain('synced');
  });

  it('refuses what is not a view, says what is wrong with which field, and keeps every view stored', async () => {
    const before = await engine.savedViews();
    const good: SavedView = { name: 'Due soon', query: { dueWithinDays: 30 }, sort: { field: 'due', direction: 'asc' }, columns: ['backend', 'due'] };
    const cases: Array<[string, () => Promise<unknown>, string, unknown, RegExp]> = [
      ['no name', () => client['views:save']({ ...good, name: '   ' }), 'invalid_input', 'name', /give the view a name/],
      ['a name of 61 characters', () => client['views:save']({ ...good, name: 'x'.repeat(61) }), 'invalid_input', 'name', /at most 60 characters \(61 given\)/],
      ['the built-in name', () => client['views:save']({ ...good, name: 'all KEYS' }), 'invalid_input', 'name', /"All keys" is the built-in view/],
      ['an invisible character', () => client['views:save']({ ...good, name: 'Due\u202esoon' }), 'invalid_input', 'name', /control or invisible characters/],
      [
        'a search it cannot read',
        () => client['views:save']({ ...good, query: { search: 'colour:red' } }),
        'invalid_input',
        'query.search',
        /search cannot be read: "colour:" is not a search field/,
      ],
      ['a search too long', () => client['views:save']({ ...good, query: { search: 'x'.repeat(201) } }), 'invalid_input', 'query.search', /200/],
      ['an unknown status', () => client['views:save']({ ...good, query: { status: 'lost' as never } }), 'invalid_input', 'query.status', /./],
      ['an unknown column', () => client['views:save']({ ...good, columns: ['name' as never] }), 'invalid_input', 'columns.0', /./],
      ['a column twice', () => client['views:save']({ ...good, columns: ['due', 'due'] }), 'invalid_input', 'columns', /list each column once/],
      ['a name taken, without overwrite', () => client['views:save']({ ...good, name: 'STRIPE keys, z-a' }), 'conflict', 'name', /a view named "Stripe keys, Z-A" exists already/],
      ['a rename to a name taken', () => client['views:save'](good).then(() => client['views:rename']('Due soon', 'stripe keys, z-a')), 'conflict', 'name', /exists already/],
      ['a rename of no view', () => client['views:rename']('Nope', 'Other'), 'not_found', undefined, /no saved view "Nope"; the saved views are: "Due soon", "Stripe keys, Z-A"/],
      ['a rename to no name', () => client['views:rename']('Due soon', ' '), 'invalid_input', 'name', /give the view a name/],
      ['a delete of no view', () => client['views:delete']('Nope'), 'not_found', undefined, /no saved view "Nope"/],
    ];
    for (const [what, call, code, field, message] of cases) {
      const refused = await refusal(call());
      expect(refused, what).toMatchObject({ code, field });
      expect(refused.message, what).toMatch(message);
    }
    // Only "Due soon", saved on the way (the rename's first step), was added.
    expect(await engine.savedViews()).toEqual([{ ...good }, ...before]);

    // Up to 50 views; the 51st is refused in words, and the 50 stay.
    for (let index = (await engine.savedViews()).length; index < 50; index++) await engine.saveView({ ...good, name: `View ${index}` });
    const fifty = await engine.savedViews();
    expect(fifty).toHaveLength(50);
    expect(await refusal(client['views:save']({ ...good, name: 'One more' }))).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/at most 50 saved views/) });
    // Replacing one is still allowed at the limit.
    await client['views:save']({ ...good, name: 'view 2', sort: { field: 'name', direction: 'asc' } }, { overwrite: true });
    expect((await engine.savedViews()).find((view) => view.name === 'view 2')?.sort.field).toBe('name');
    expect(await engine.savedViews()).toHaveLength(50);
    for (const view of await engine.savedViews()) if (view.name.startsWith('View ') || view.name.startsWith('view ')) await client['views:delete'](view.name);
  });

  it('renames and deletes: the applied view follows its new name, and a deleted one leaves the table as it is', async () => {
    await views.getState().load();
    views.getState().apply('Due soon');
    expect(views.getState().active).toBe('Due soon');
    expect(await views.getState().rename('Due soon', '  Due this month ')).toEqual({ ok: true });
    expect(views.getState().active).toBe('Due this month');
    expect((await engine.savedViews()).map((view) => view.name)).toEqual(['Due this month', 'Stripe keys, Z-A']);
    expect((await cli(['list', '--view', 'Due this month', '--json'])).code).toBe(0);
    expect(await views.getState().remove('Due this month')).toEqual({ ok: true });
    expect(views.getState().active).toBeNull();
    expect(inventory.getState().filters.dueWithin30).toBe(true);
    expect(views.getState().views?.map((view) => view.name)).toEqual(['Stripe keys, Z-A']);
  });

  it('an unknown view is a clear error from the command, with the saved ones named; none saved says where they come from', async () => {
    const unknown = await cli(['list', '--view', 'Nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim()).toBe('keywarden: no saved view "Nope"; the saved views are: "Stripe keys, Z-A"');
    const json = await cli(['list', '--view', 'Nope', '--json']);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ error: { code: 'not_found', details: { view: 'Nope' } } });

    const empty = makeCliHome();
    try {
      expect((await empty.run(['backend', 'add', '--type', 'manual', '--name', 'hand'])).code).toBe(0);
      const none = await empty.run(['list', '--view', 'Due soon']);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('no saved view "Due soon": there are no saved views yet (save one in the console');
    } finally {
      empty.remove();
    }
  });

  it('keeps a view this version cannot read untouched through every change, and says so when it is listed', async () => {
    // As a newer Keywarden might have written it: a filter this version does not know.
    const future = { name: 'From the future', query: { owner: 'ana' }, sort: { field: 'due', direction: 'asc' }, columns: [] };
    const db = new Database(join(home, 'keywarden.db'));
    try {
      const stored = JSON.parse((db.prepare("SELECT value FROM meta WHERE name = 'inventory-views'").get() as { value: string }).value) as unknown[];
      db.prepare("UPDATE meta SET value = ? WHERE name = 'inventory-views'").run(JSON.stringify([...stored, future]));
    } finally {
      db.close();
    }
    expect((await client['views:list']()).map((view) => view.name)).toEqual(['Stripe keys, Z-A']);
    const listed = await cli(['list', '--view', 'from the future']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('the saved view "From the future" cannot be read by this version of Keywarden (its filter "owner"): save it again in the console');
    await client['views:save']({ name: 'Prod', query: { search: 'prod' }, sort: { field: 'name', direction: 'asc' }, columns: ['due'] });
    await client['views:rename']('Prod', 'Production');
    await client['views:delete']('Production');
    const db2 = new Database(join(home, 'keywarden.db'), { readonly: true });
    try {
      const stored = JSON.parse((db2.prepare("SELECT value FROM meta WHERE name = 'inventory-views'").get() as { value: string }).value) as unknown[];
      expect(stored).toContainEqual(future);
    } finally {
      db2.close();
    }
    // A view of the same name replaces it only when asked to, as any other.
    expect(await refusal(client['views:save']({ name: 'From the future', query: {}, sort: { field: 'due', direction: 'asc' }, columns: [] }))).toMatchObject({ code: 'conflict' });
    await client['views:delete']('From the future');
  });

  it('a view survives the engine closing and opening again, and goes into a backup', async () => {
    const saved = await engine.savedViews();
    expect(saved.map((view) => view.name)).toEqual(['Stripe keys, Z-A']);
    const backup = await engine.backup();
    await server.close();
    await engine.close();
    engine = KeywardenEngine.open({ home });
    expect(await engine.savedViews()).toEqual(saved);
    server = await startUiServer({ engine });
    const copy = new Database(backup.path, { readonly: true });
    try {
      const stored = JSON.parse((copy.prepare("SELECT value FROM meta WHERE name = 'inventory-views'").get() as { value: string }).value) as unknown[];
      expect(stored).toEqual(saved);
    } finally {
      copy.close();
    }
  });

  it("names the audit trail's keys in one lookup: name and prefix, and nothing for a key that is gone", async () => {
    const [first, second] = engine.listKeys({ backend: 'hand' });
    await engine.deleteKey(second!.ref);
    const requestKey = await login(server.newLaunchUrl());
    const fresh = buildContractClient(createHttpTransport({ baseUrl: server.origin, fetch: pageFetch(server.origin), requestKey: () => requestKey }));
    expect(await fresh['inventory:lookup']([first!.ref, second!.ref, first!.ref, 'nowhere/x'])).toEqual([{ ref: first!.ref, name: first!.name, prefix: first!.prefix }]);
  });
});
