/**
 * A private PostgreSQL cluster per test file: `initdb` in a temporary folder (as the `postgres` OS user when the tests
 * run as root, since initdb refuses root), a Unix socket in that folder for the superuser (trust, local only) and
 * 127.0.0.1 on a free port for the members, who log in with passwords (SCRAM) from a password file named by
 * PGPASSFILE, as a real deployment would. fsync is off: the data lives as long as the test file. `stop()` stops it
 * (immediate) and removes the folder.
 *
 * Members: alice (CREATEROLE, and CREATE on the database: she runs `team init`), bob and carol (login only).
 * Without the server binaries the tests skip, saying what to install (CI installs Debian's postgresql).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function findBinaries(): string | null {
  const candidates: string[] = [];
  if (existsSync('/usr/lib/postgresql')) {
    for (const version of readdirSync('/usr/lib/postgresql').sort().reverse()) candidates.push(join('/usr/lib/postgresql', version, 'bin'));
  }
  for (const folder of candidates) if (existsSync(join(folder, 'initdb')) && existsSync(join(folder, 'pg_ctl'))) return folder;
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return which.status === 0 ? join(which.stdout.trim(), '..') : null;
}

export const PG_BIN = findBinaries();
export const SKIP_NO_POSTGRES = PG_BIN === null;
export const NO_POSTGRES_REASON = 'PostgreSQL server binaries (initdb, pg_ctl) are not installed: sudo apt-get install postgresql';

const isRoot = process.getuid?.() === 0;
export const MEMBERS = ['alice', 'bob', 'carol'] as const;
export type MemberName = (typeof MEMBERS)[number];

export interface PrivatePostgres {
  port: number;
  /** A member's database URL (no password: that is in the password file). */
  url(member: string, database?: string): string;
  /** The password file (0600) with every member's line: give it as PGPASSFILE. */
  passfile: string;
  password(member: MemberName): string;
  /** Runs SQL as the superuser over the private socket. */
  superuser<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs SQL on one connection as a member, outside Keywarden (over TCP, with their password): what PostgreSQL lets that role do. */
  asMember<R = Record<string, unknown>>(member: MemberName, sql: string, params?: unknown[]): Promise<R[]>;
  /** `pg_dump` of the database as plain SQL text, run as the superuser. */
  dump(database?: string): string;
  /** Stops the server (fast shutdown: sessions are ended) and keeps its data, until `resume`. Synchronous: it is down on return. */
  pause(): void;
  /** Starts the paused server again, on the same port with the same data. */
  resume(): void;
  stop(): void;
}

function asServerUser(command: string, args: string[]): string {
  const file = join(PG_BIN!, command);
  return isRoot
    ? execFileSync('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', file, ...args], { encoding: 'utf8', cwd: '/' })
    : execFileSync(file, args, { encoding: 'utf8' });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (!PG_BIN) throw new Error(NO_POSTGRES_REASON);
  const folder = mkdtempSync(join(tmpdir(), 'keywarden-pg-'));
  const data = join(folder, 'data');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(folder, uid, gid);
  }
  asServerUser('initdb', ['-D', data, '-U', 'kwsuper', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const start = () =>
    asServerUser('pg_ctl', [
      '-D',
      data,
      '-l',
      join(folder, 'server.log'),
      '-w',
      '-o',
      `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      'start',
    ]);
  start();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      asServerUser('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(folder, { recursive: true, force: true });
  };
  const superuser = async <R>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> => {
    // Trust over the private socket: the password is never asked (given only so node-postgres skips its pgpass lookup).
    const client = new pg.Client({ host: folder, port, user: 'kwsuper', database, password: 'unused' });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as R[];
    } finally {
      await client.end();
    }
  };
  try {
    const passwords = Object.fromEntries(MEMBERS.map((member) => [member, `pw-${member}-${randomBytes(9).toString('base64url')}`])) as Record<MemberName, string>;
    for (const member of MEMBERS) {
      await superuser(`CREATE ROLE ${member} LOGIN ${member === 'alice' ? 'CREATEROLE' : ''} PASSWORD '${passwords[member]}'`);
    }
    await superuser('CREATE DATABASE team');
    await superuser('GRANT CREATE ON DATABASE team TO alice');
    const passfile = join(mkdtempSync(join(tmpdir(), 'keywarden-pgpass-')), 'pgpass');
    writeFileSync(passfile, MEMBERS.map((member) => `127.0.0.1:${port}:*:${member}:${passwords[member]}\n`).join(''), { mode: 0o600 });
    chmodSync(passfile, 0o600);
    return {
      port,
      url: (member, database = 'team') => `postgresql://${member}@127.0.0.1:${port}/${database}?sslmode=disable`,
      passfile,
      password: (member) => passwords[member],
      superuser: (sql, params) => superuser(sql, params, 'team'),
      asMember: async <R>(member: MemberName, sql: string, params: unknown[] = []) => {
        const client = new pg.Client({ host: '127.0.0.1', port, user: member, database: 'team', password: passwords[member] });
        await client.connect();
        try {
          return (await client.query(sql, params)).rows as R[];
        } finally {
          await client.end();
        }
      },
      dump: (database = 'team') => execFileSync(join(PG_BIN, 'pg_dump'), ['-h', folder, '-p', String(port), '-U', 'kwsuper', database], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
      pause: () => void asServerUser('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
      resume: () => void start(),
      stop: () => {
        stop();
        rmSync(join(passfile, '..'), { recursive: true, force: true });
      },
    };
  } catch (error) {
    stop();
    throw error;
  }
}
