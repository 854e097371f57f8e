/**
 * A private PostgreSQL cluster per test file: `initdb` in a temporary folder (as the `postgres` OS user when the tests
 * run as root, since initdb refuses root), a Unix socket in that folder for the superuser (trust, local only) and
 * 127.0.0.1 on a free port for the members, who log in with passwords (SCRAM) from a password file named by
 * PGPASSFILE, as a real deployment would. fsync is off: the data lives as long as the test file. `stop()` stops it
 * (immediate) and removes the folder.
 *
 * Members: alice (CREATEROLE, and CREATE on the database: she runs `team init`), bob and carol (login only); dave too
 * where a suite asks for `EVERY_MEMBER`.
 * Without the server binaries the tests skip, saying what to install (CI installs Debian's postgresql).
 *
 * The cluster itself is started by postgres-cluster.cjs (plain JavaScript, which the benchmark uses too); this module gives
 * it the tests' members and types.
 */
import { NO_POSTGRES_REASON as REASON, PG_BIN as BIN, startPostgresCluster } from './postgres-cluster.cjs';

export const PG_BIN: string | null = BIN;
export const SKIP_NO_POSTGRES = PG_BIN === null;
export const NO_POSTGRES_REASON: string = REASON;

export const MEMBERS = ['alice', 'bob', 'carol'] as const;
/** A fourth member, for a suite that needs two operators beside a viewer (`startPrivatePostgres(EVERY_MEMBER)`). */
export const EVERY_MEMBER = [...MEMBERS, 'dave'] as const;
export type MemberName = (typeof EVERY_MEMBER)[number];

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

export async function startPrivatePostgres(members: readonly MemberName[] = MEMBERS): Promise<PrivatePostgres> {
  return (await startPostgresCluster({ members: [...members], creator: 'alice' })) as PrivatePostgres;
}
