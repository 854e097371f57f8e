/**
 * A private PostgreSQL cluster: `initdb` in a temporary folder (as the `postgres` OS user when run as root, since
 * initdb refuses root), a Unix socket in that folder for the superuser (trust, local only) and 127.0.0.1 on a free
 * port for the members, who log in with passwords (SCRAM) from a password file named by PGPASSFILE, as a real
 * deployment would. fsync is off: the data lives as long as its user. `stop()` stops it (immediate) and removes the
 * folder.
 *
 * Plain JavaScript so that both the tests (test/support/postgres.ts, typed) and the benchmark (test/bench/child/team.mjs,
 * plain Node) start their clusters with this one piece of code; CommonJS because the tests are type-checked as
 * CommonJS, which may not import an ES module, while the bench's ES modules import CommonJS freely.
 *
 * `members`: the login roles to create, each with a random password; `creator` (one of them) also gets CREATEROLE
 * and CREATE on the database, as the member who runs `team init` needs.
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const path = require('node:path');
const pg = require('pg');

function findBinaries() {
  const candidates = [];
  if (existsSync('/usr/lib/postgresql')) {
    for (const version of readdirSync('/usr/lib/postgresql').sort().reverse()) candidates.push(path.join('/usr/lib/postgresql', version, 'bin'));
  }
  for (const folder of candidates) if (existsSync(path.join(folder, 'initdb')) && existsSync(path.join(folder, 'pg_ctl'))) return folder;
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return which.status === 0 ? path.join(which.stdout.trim(), '..') : null;
}

/** The folder of initdb and pg_ctl, or null where the server binaries are not installed. */
const PG_BIN = findBinaries();
const NO_POSTGRES_REASON = 'PostgreSQL server binaries (initdb, pg_ctl) are not installed: sudo apt-get install postgresql';

const isRoot = process.getuid?.() === 0;

function asServerUser(command, args) {
  const file = path.join(PG_BIN, command);
  return isRoot
    ? execFileSync('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', file, ...args], { encoding: 'utf8', cwd: '/' })
    : execFileSync(file, args, { encoding: 'utf8' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the cluster with database `team` and the given members; see PrivatePostgres in postgres.ts for what the
 * returned object offers. `settings` adds server settings (`-c name=value`), e.g. a larger max_connections.
 */
async function startPostgresCluster({ members, creator, settings = {} }) {
  if (!PG_BIN) throw new Error(NO_POSTGRES_REASON);
  if (!members.includes(creator)) throw new Error(`the creator ${creator} must be one of the members`);
  const folder = mkdtempSync(path.join(tmpdir(), 'keywarden-pg-'));
  const data = path.join(folder, 'data');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(folder, uid, gid);
  }
  const port = await freePort();
  const start = () =>
    asServerUser('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(folder, 'server.log'),
      '-w',
      '-o',
      [
        `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
        ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
      ].join(' '),
      'start',
    ]);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      asServerUser('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped, or never started
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const superuser = async (sql, params = [], database = 'postgres') => {
    // Trust over the private socket: the password is never asked (given only so node-postgres skips its pgpass lookup).
    const client = new pg.Client({ host: folder, port, user: 'kwsuper', database, password: 'unused' });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  try {
    asServerUser('initdb', ['-D', data, '-U', 'kwsuper', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    start();
    const passwords = Object.fromEntries(members.map((member) => [member, `pw-${member}-${randomBytes(9).toString('base64url')}`]));
    for (const member of members) {
      await superuser(`CREATE ROLE ${member} LOGIN ${member === creator ? 'CREATEROLE' : ''} PASSWORD '${passwords[member]}'`);
    }
    await superuser('CREATE DATABASE team');
    await superuser(`GRANT CREATE ON DATABASE team TO ${creator}`);
    const passfile = path.join(mkdtempSync(path.join(tmpdir(), 'keywarden-pgpass-')), 'pgpass');
    writeFileSync(passfile, members.map((member) => `127.0.0.1:${port}:*:${member}:${passwords[member]}\n`).join(''), { mode: 0o600 });
    chmodSync(passfile, 0o600);
    return {
      port,
      url: (member, database = 'team') => `postgresql://${member}@127.0.0.1:${port}/${database}?sslmode=disable`,
      passfile,
      password: (member) => passwords[member],
      superuser: (sql, params) => superuser(sql, params, 'team'),
      asMember: async (member, sql, params = []) => {
        const client = new pg.Client({ host: '127.0.0.1', port, user: member, database: 'team', password: passwords[member] });
        await client.connect();
        try {
          return (await client.query(sql, params)).rows;
        } finally {
          await client.end();
        }
      },
      dump: (database = 'team') => execFileSync(path.join(PG_BIN, 'pg_dump'), ['-h', folder, '-p', String(port), '-U', 'kwsuper', database], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
      pause: () => void asServerUser('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
      resume: () => void start(),
      stop: () => {
        stop();
        rmSync(path.join(passfile, '..'), { recursive: true, force: true });
      },
    };
  } catch (error) {
    stop();
    throw error;
  }
}

module.exports = { PG_BIN, NO_POSTGRES_REASON, startPostgresCluster };
