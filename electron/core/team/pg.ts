/**
 * The only file that imports `pg` (node-postgres). Everything else reaches a team's PostgreSQL through the small
 * `TeamDatabase` interface (one connection as the member's own PostgreSQL role, queries with parameters, and
 * transactions) and `TeamListener` (a connection that LISTENs for the team's change notices). PostgreSQL's errors become `KeywardenError`s with the server's own reason (a permission PostgreSQL
 * refused stays PostgreSQL's word), never a password: the password is looked up at connect time by libpq's rules
 * (`connection-settings.ts`) and never put in the URL, an argument or a message.
 */
import pg from 'pg';
import { KeywardenError } from '../errors.js';
import { checkDatabaseUrl, describeDatabase, findPassword } from './connection-settings.js';

export type SqlValue = string | number | boolean | null | Buffer | Date | readonly (string | null)[];

export interface TeamQuery {
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
}

export interface TeamDatabase extends TeamQuery {
  /** The PostgreSQL role this connection is (`current_user`): the member's name in the team. */
  readonly role: string;
  readonly url: string;
  /** Runs `work` in one transaction; REPEATABLE READ gives a pull one snapshot of every table. */
  transaction<T>(work: (tx: TeamQuery) => Promise<T>, options?: { isolation?: 'read committed' | 'repeatable read' }): Promise<T>;
  close(): Promise<void>;
}

/** A client for the member's own role (not connected yet). The URL must hold no password (`checkDatabaseUrl`). */
function newClient(url: string, options: { connectTimeoutMs?: number; applicationName: string; keepAlive?: boolean }): pg.Client {
  checkDatabaseUrl(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName,
    // A connection that only waits (LISTEN) learns of a vanished server from TCP keepalives, not from a query.
    ...(options.keepAlive ? { keepAlive: true, keepAliveInitialDelayMillis: 30_000 } : {}),
    // libpq's order (PGPASSWORD, then the password file); undefined lets the server decide whether it needs one.
    password: (() => {
      const params = (client as unknown as { connectionParameters: { host: string; port: number; database: string; user: string } }).connectionParameters;
      return findPassword(params) ?? undefined;
    }) as () => string,
  });
  return client;
}

async function connectClient(client: pg.Client, url: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw translatePgError(error, url);
  }
}

/** Connects as the member's own role. The URL must hold no password (`checkDatabaseUrl`). */
export async function connectTeamDatabase(url: string, options: { connectTimeoutMs?: number } = {}): Promise<TeamDatabase> {
  const client = newClient(url, { ...options, applicationName: 'keywarden' });
  // A connection lost while idle must not crash the process; the next query reports it.
  client.on('error', () => {});
  await connectClient(client, url);
  const run = async <R>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> => {
    try {
      return (await client.query(sql, params as unknown[])).rows as R[];
    } catch (error) {
      throw translatePgError(error, url);
    }
  };
  const role = (await run<{ role: string }>('SELECT current_user AS role'))[0]!.role;
  return {
    role,
    url,
    query: run,
    async transaction(work, transactionOptions = {}) {
      await run(`BEGIN ISOLATION LEVEL ${transactionOptions.isolation === 'repeatable read' ? 'REPEATABLE READ' : 'READ COMMITTED'}`);
      try {
        const result = await work({ query: run });
        await run('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

/** A connection that LISTENs on one channel until closed, or until it is lost (then `onLost` is told, once). */
export interface TeamListener {
  /** The PostgreSQL role this connection is (`current_user`). */
  readonly role: string;
  close(): Promise<void>;
}

/**
 * Connects as the member's own role and LISTENs on `channel`: `onNotify` hears each NOTIFY's payload; `onLost` hears,
 * once, that the connection ended other than by `close()` (the server stopped or restarted, the network went, an
 * administrator ended the session). Reconnecting is the caller's decision.
 */
export async function listenTeamDatabase(
  url: string,
  channel: string,
  handlers: { onNotify: (payload: string) => void; onLost: (error: KeywardenError) => void },
  options: { connectTimeoutMs?: number } = {},
): Promise<TeamListener> {
  const client = newClient(url, { ...options, applicationName: 'keywarden-listen', keepAlive: true });
  let closing = false;
  let lost = false;
  const lose = (error: unknown) => {
    if (closing || lost) return;
    lost = true;
    handlers.onLost(error ? translatePgError(error, url) : new KeywardenError('network', `the connection to the team's PostgreSQL (${describeDatabase(url)}) ended`));
    void client.end().catch(() => {});
  };
  client.on('error', (error) => lose(error));
  client.on('end', () => lose(null));
  client.on('notification', (message) => {
    if (message.channel === channel) handlers.onNotify(message.payload ?? '');
  });
  await connectClient(client, url);
  try {
    const role = (await client.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
    await client.query(`LISTEN ${quoteIdent(channel)}`);
    return {
      role,
      async close() {
        closing = true;
        await client.end().catch(() => {});
      },
    };
  } catch (error) {
    closing = true;
    await client.end().catch(() => {});
    throw translatePgError(error, url);
  }
}

/** Quotes an identifier (a schema or role name Keywarden already checked): for DDL, where parameters cannot go. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** PostgreSQL's refusal in Keywarden's terms: the server's reason kept, where it helps, the fix added. */
export function translatePgError(error: unknown, url: string): KeywardenError {
  if (error instanceof KeywardenError) return error;
  const where = describeDatabase(url);
  const e = error as { code?: string; message?: string };
  const reason = e.message ?? String(error);
  switch (e.code) {
    case '42501':
      return new KeywardenError('forbidden', `PostgreSQL refused (${where}): ${reason}; your team role does not allow this`, { sqlstate: e.code }, { cause: error });
    case '28P01':
    case '28000':
      return new KeywardenError(
        'unauthorized',
        `PostgreSQL refused the login (${where}): ${reason}; give the password in PGPASSWORD or the password file (PGPASSFILE)`,
        { sqlstate: e.code },
        { cause: error },
      );
    case '3D000':
    case '3F000':
    case '42P01':
      return new KeywardenError(
        'not_found',
        `PostgreSQL (${where}): ${reason}; is the team initialised ("keywarden team init") and the --team name right?`,
        { sqlstate: e.code },
        { cause: error },
      );
    case '23505':
      return new KeywardenError('conflict', `PostgreSQL (${where}): ${reason}`, { sqlstate: e.code }, { cause: error });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENOENT':
      return new KeywardenError('network', `cannot reach the team's PostgreSQL (${where}): ${reason}`, { code: e.code }, { cause: error });
    // The server is shutting down, ended this session, or is starting up: it is away, as far as a write is concerned.
    case '57P01':
    case '57P02':
    case '57P03':
      return new KeywardenError('network', `the team's PostgreSQL (${where}) is not available: ${reason}`, { sqlstate: e.code }, { cause: error });
  }
  if (e.code?.startsWith('08')) return new KeywardenError('network', `the connection to the team's PostgreSQL (${where}) failed: ${reason}`, { sqlstate: e.code }, { cause: error });
  if (/password must be a string|no password/i.test(reason)) {
    return new KeywardenError(
      'unauthorized',
      `PostgreSQL (${where}) asks for a password: give it in PGPASSWORD or the password file (PGPASSFILE, default ~/.pgpass, mode 0600)`,
      {},
      { cause: error },
    );
  }
  if (/timeout|terminated/i.test(reason)) return new KeywardenError('network', `the team's PostgreSQL (${where}) did not answer: ${reason}`, {}, { cause: error });
  return new KeywardenError('internal', `PostgreSQL (${where}): ${reason}`, e.code ? { sqlstate: e.code } : {}, { cause: error });
}
