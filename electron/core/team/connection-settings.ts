/**
 * How Keywarden reaches a team's PostgreSQL, by libpq's conventions: a `postgresql://` URL (or PGHOST, PGPORT,
 * PGDATABASE, PGUSER), the password from PGPASSWORD or the password file (PGPASSFILE, default ~/.pgpass), TLS from
 * `sslmode` or PGSSLMODE. The URL is stored in the data folder and shown by `team status`, so a URL that holds a
 * password is refused before anything connects. No `pg` here: `pg.ts` is the one file that imports it.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KeywardenError } from '../errors.js';

/** The URL checked: a PostgreSQL URL without a password anywhere in it. Returned unchanged, so what is stored is what was typed. */
export function checkDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KeywardenError('invalid_input', 'the database must be a URL such as postgresql://ROLE@HOST:5432/DATABASE (the password from PGPASSWORD or PGPASSFILE)');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new KeywardenError('invalid_input', `the database URL must start with postgresql:// (it starts with ${parsed.protocol}//)`);
  }
  if (parsed.password !== '' || parsed.searchParams.has('password')) {
    // The message never repeats the URL: it holds the password.
    throw new KeywardenError(
      'invalid_input',
      'the database URL holds a password; Keywarden stores the URL and never stores a password: remove it from the URL and give it in PGPASSWORD, or in a password file (~/.pgpass, or the file PGPASSFILE names; one line HOST:PORT:DATABASE:ROLE:PASSWORD, mode 0600)',
    );
  }
  return url;
}

/** The URL with nothing but where and who: for messages (it never holds a password: `checkDatabaseUrl`). */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || process.env.PGHOST || 'localhost';
    return `${parsed.username || process.env.PGUSER || '(your login)'}@${host}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname || '/'}`;
  } catch {
    return '(the database)';
  }
}

/**
 * The password for a connection, as libpq finds it: PGPASSWORD, else the first matching line of the password file
 * (PGPASSFILE, default ~/.pgpass). A password file that group or others can read is ignored, as libpq does, with a
 * warning in the error that follows if the server wants a password. Null when there is none (trust, peer, cert).
 */
export function findPassword(target: { host: string; port: number; database: string; user: string }): string | null {
  if (process.env.PGPASSWORD !== undefined) return process.env.PGPASSWORD;
  const file = process.env.PGPASSFILE ?? join(homedir(), '.pgpass');
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile() || (process.platform !== 'win32' && (stat.mode & 0o077) !== 0)) return null;
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  // libpq: a socket path or an empty host matches "localhost" in the file.
  const host = target.host.startsWith('/') || target.host === '' ? 'localhost' : target.host;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = splitPassLine(line);
    if (fields.length !== 5) continue;
    const [h, p, d, u, password] = fields as [string, string, string, string, string];
    if (matches(h, host) && matches(p, String(target.port)) && matches(d, target.database) && matches(u, target.user)) return password;
  }
  return null;
}

function matches(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value;
}

/** One .pgpass line in its five fields: `:` separates, `\` escapes `:` and `\`. */
function splitPassLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (char === '\\' && index + 1 < line.length) current += line[++index];
    else if (char === ':') {
      fields.push(current);
      current = '';
    } else current += char;
  }
  fields.push(current);
  return fields;
}
