/**
 * Offline open at scale, as the console's first screen meets it: in a fresh process, import the compiled engine,
 * KeywardenEngine.open({ home }) and ask for the first page of 100 keys sorted by due date (queryInventory with
 * the default order: what inventory:query does first). Then, untimed, the SQL the engine ran for that page is
 * captured (better-sqlite3's prepare, recorded) with its parameters, for the bench to run with the `sqlite3`
 * command on the same file; and, timed, the same SQL through a bare better-sqlite3 connection.
 *
 *   node test/bench/child/first-page.mjs HOME EXPECTED_TOTAL
 * Prints one JSON line: { importMs, openMs, pageMs, rows, total, sql: [..], params: {..}, raw: { openMs, queryMs, rows } }.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DIST, loadDist } from '../lib.mjs';

const [home, expectedText] = process.argv.slice(2);
const t0 = performance.now();
const { KeywardenEngine } = await loadDist('electron/core/engine.js');
const t1 = performance.now();
const engine = KeywardenEngine.open({ home });
const t2 = performance.now();
const page = engine.queryInventory({ limit: 100 });
const t3 = performance.now();
if (page.rows.length !== 100 || page.total !== Number(expectedText)) throw new Error(`first page: ${page.rows.length} rows of ${page.total}, expected 100 of ${expectedText}`);

// The SQL behind that page, as the engine prepares it (the same call again, recorded).
const require = createRequire(join(DIST, 'electron', 'core', 'store', 'sqlite.js'));
const Database = require('better-sqlite3');
// The original method, called with each connection as `this` (taken from its descriptor: it is never called unbound).
const prepare = Object.getOwnPropertyDescriptor(Database.prototype, 'prepare').value;
const sql = [];
Database.prototype.prepare = function recorded(text) {
  sql.push(text);
  return prepare.call(this, text);
};
const now = new Date();
engine.queryInventory({ limit: 100 });
Database.prototype.prepare = prepare;
await engine.close();
// The backends' IDs, names and types, read before each query (key-rows.ts keyConditions resolves vendor:, status: and a
// short term's backend columns against them): a lookup of a handful of rows, not part of the count and the page.
const statements = sql.filter((text) => /^\s*SELECT/i.test(text) && !/^\s*SELECT id, (name, )?type FROM backends\s*$/i.test(text));
if (statements.length !== 2) throw new Error(`expected a count and a page query, the engine prepared ${sql.length} statements: ${sql.join(' | ').slice(0, 400)}`);
const params = { now: now.toISOString(), limit: 100, offset: 0 };

// The same two statements on a bare connection: what SQLite itself needs, without the engine around it.
const r0 = performance.now();
const raw = new Database(join(home, 'keywarden.db'), { readonly: true });
const r1 = performance.now();
/** Only the parameters a statement names (better-sqlite3 refuses others). */
const paramsOf = (text) => Object.fromEntries([...new Set([...text.matchAll(/@(\w+)/g)].map((match) => match[1]))].map((name) => [name, params[name]]));
const run = (text, method) => {
  const statement = raw.prepare(text).raw();
  const named = paramsOf(text);
  return Object.keys(named).length > 0 ? statement[method](named) : statement[method]();
};
const [countSql, pageSql] = statements;
run(countSql, 'get');
const rows = run(pageSql, 'all');
const r2 = performance.now();
raw.close();

process.stdout.write(
  `${JSON.stringify({ importMs: t1 - t0, openMs: t2 - t1, pageMs: t3 - t2, rows: page.rows.length, total: page.total, sql: statements, params, raw: { openMs: r1 - r0, queryMs: r2 - r1, rows: rows.length } })}\n`,
);
