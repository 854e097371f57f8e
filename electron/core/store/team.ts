/**
 * The team link (`team_link`, migration 013): whether this data folder is a team home, and what it needs to copy the
 * team's inventory (docs/team.md): the team, the database URL (never with a password), this member's role and public
 * key, the private key sealed by the vault (opaque bytes here), and the pull cursors. Reached as `InventoryStore.team`.
 */
import type { TeamRole } from '../../../shared/team.js';
import type { StoreConnection } from './connection.js';

/** The `meta` record of this member's role as the server last said it (`TeamLinkTable.role`). */
const ROLE_RECORD = 'team.role';

export interface TeamLink {
  teamId: string;
  team: string;
  databaseUrl: string;
  member: string;
  publicKey: Buffer;
  privateKeySealed: Buffer;
  linkedAt: string;
  /** The team's change sequence up to which backends, keys and removals were copied. */
  inventorySeq: number;
  /** The same for key secrets and backend credentials (only operators and admins read them). */
  secretsSeq: number;
  pulledAt: string | null;
}

interface TeamLinkRow {
  team_id: string;
  team: string;
  database_url: string;
  member: string;
  public_key: Buffer;
  private_key_sealed: Buffer;
  linked_at: string;
  inventory_seq: number;
  secrets_seq: number;
  pulled_at: string | null;
}

export class TeamLinkTable {
  constructor(private readonly conn: StoreConnection) {}

  /** The link, or null for a personal data folder (also a read-only file older than migration 013). */
  get(): TeamLink | null {
    return this.conn.guard(() => {
      if (!this.conn.db.prepare<{ found: number }>("SELECT COUNT(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'team_link'").get()?.found) return null;
      const row = this.conn.db.prepare<TeamLinkRow>('SELECT * FROM team_link WHERE only = 1').get();
      if (!row) return null;
      return {
        teamId: row.team_id,
        team: row.team,
        databaseUrl: row.database_url,
        member: row.member,
        publicKey: row.public_key,
        privateKeySealed: row.private_key_sealed,
        linkedAt: row.linked_at,
        inventorySeq: row.inventory_seq,
        secretsSeq: row.secrets_seq,
        pulledAt: row.pulled_at,
      };
    });
  }

  /** Links the data folder (joins the caller's transaction, so the link and its audit event commit together). */
  insert(link: Omit<TeamLink, 'pulledAt'>): void {
    this.conn.guard(() =>
      this.conn.db
        .prepare('INSERT INTO team_link (only, team_id, team, database_url, member, public_key, private_key_sealed, linked_at, inventory_seq, secrets_seq) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(link.teamId, link.team, link.databaseUrl, link.member, link.publicKey, link.privateKeySealed, link.linkedAt, link.inventorySeq, link.secretsSeq),
    );
  }

  /** Moves the cursors after a pull (in the pull's transaction). */
  advance(inventorySeq: number, secretsSeq: number, at: string): void {
    this.conn.guard(() => this.conn.db.prepare('UPDATE team_link SET inventory_seq = ?, secrets_seq = ?, pulled_at = ? WHERE only = 1').run(inventorySeq, secretsSeq, at));
  }

  /**
   * This member's team role as the server last said it (a pull, the team status of a writing engine), for what must decide without asking
   * the server (the desktop app's background sync, its tray). Null in a personal folder, before the server first
   * answered, or while it says the member is not approved (pending, removed). Kept in a `meta` record (no migration)
   * with the link it was said for, so a record left by an earlier link of this folder is never read as this one's.
   * PostgreSQL's grants, and the role check before every team write, still decide what a member may do.
   */
  role(): TeamRole | null {
    return this.conn.guard(() => {
      const link = this.get();
      const text = this.conn.db.prepare<{ value: string }>('SELECT value FROM meta WHERE name = ?').get(ROLE_RECORD)?.value;
      if (!link || !text) return null;
      const said = JSON.parse(text) as { teamId: string; member: string; role: TeamRole | null };
      return said.teamId === link.teamId && said.member === link.member ? said.role : null;
    });
  }

  /** Records the role the server just said (null: not approved), joining the caller's transaction. */
  setRole(role: TeamRole | null): void {
    this.conn.guard(() => {
      const link = this.get();
      if (!link) return;
      this.conn.db
        .prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value')
        .run(ROLE_RECORD, JSON.stringify({ teamId: link.teamId, member: link.member, role }));
    });
  }

  /**
   * Unlinks (`team leave`, `vault reset --leave-team`): the private key goes with the row; the copied inventory stays.
   * The team's alert channels go too (every channel of a team home is the team's): a data folder outside the team
   * must not send the team's alerts on its own. Returns their names.
   */
  delete(): string[] {
    return this.conn.transaction(() => {
      this.conn.db.prepare('DELETE FROM team_link').run();
      this.conn.db.prepare('DELETE FROM meta WHERE name = ?').run(ROLE_RECORD);
      // What the team had sent to its channels, as the last pull left it (`workflows/alert-ledger.ts`).
      this.conn.db.prepare("DELETE FROM meta WHERE name = 'team.alertCounts'").run();
      const present = this.conn.db.prepare<{ found: number }>("SELECT COUNT(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'alert_channels'").get()?.found;
      if (!present) return [];
      const names = this.conn.db
        .prepare<{ name: string }>('SELECT name FROM alert_channels ORDER BY name')
        .all()
        .map((row) => row.name);
      this.conn.db.prepare('DELETE FROM alert_channels').run();
      return names;
    });
  }
}
