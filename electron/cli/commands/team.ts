/** `keywarden team ...`: a team inventory on PostgreSQL (docs/team.md). The engine does the work; this prints it. */
import type { AuditChainStatus } from '../../../shared/audit.js';
import type { TeamRole } from '../../core/team/schema.js';
import type { RecordedTeamHead } from '../../core/team/audit.js';
import { KeywardenError } from '../../core/errors.js';
import { confirm, parseWholeNumber, plural, table } from '../io.js';
import type { CommandRun } from '../main.js';
import { EXIT_AUDIT_CHAIN_BROKEN } from './reports.js';

const DEFAULT_TEAM = 'keywarden';

function databaseOption(values: Record<string, unknown>, command: string): string {
  const url = values.database as string | undefined;
  if (!url) throw new KeywardenError('invalid_input', `team ${command} needs --database postgresql://ROLE@HOST/DATABASE (the password from PGPASSWORD or PGPASSFILE)`);
  return url;
}

export const teamInit: CommandRun = async ({ values, out, engine }) => {
  const url = databaseOption(values, 'init');
  const made = await (await engine()).teamInit(url, (values.team as string | undefined) ?? DEFAULT_TEAM);
  out.result(
    made,
    () =>
      `team "${made.team}" created; ${made.member} is its first admin (${plural(made.backends, 'backend')} and ${plural(made.keys, 'key')} published, secrets sealed under the team key)\nyour key fingerprint: ${made.fingerprint}`,
  );
  return 0;
};

export const teamJoin: CommandRun = async ({ values, out, engine }) => {
  const url = databaseOption(values, 'join');
  const joined = await (await engine()).teamJoin(url, (values.team as string | undefined) ?? DEFAULT_TEAM);
  out.result(
    joined,
    () =>
      `asked to join team "${joined.team}" as ${joined.member}\nyour key fingerprint: ${joined.fingerprint}\nRead it to an admin by phone or in person; they approve with:\n  keywarden team approve ${joined.member} --role viewer|operator|admin --fingerprint "${joined.fingerprint}"\nthen run "keywarden team sync"`,
  );
  return 0;
};

export const teamMembers: CommandRun = async ({ out, engine }) => {
  const members = await (await engine()).teamMembers();
  out.result(members, () =>
    table(
      ['MEMBER', 'ROLE', 'STATE', 'FINGERPRINT'],
      members.map((m) => [m.member, m.role ?? '-', m.state, m.fingerprint]),
    ),
  );
  return 0;
};

export const teamApprove: CommandRun = async ({ values, positionals, out, engine }) => {
  const role = values.role as string | undefined;
  const fingerprint = values.fingerprint as string | undefined;
  if (!role || !['viewer', 'operator', 'admin'].includes(role)) throw new KeywardenError('invalid_input', 'team approve needs --role viewer, operator or admin');
  if (!fingerprint) {
    throw new KeywardenError(
      'invalid_input',
      `team approve needs --fingerprint: the fingerprint ${positionals[0]} read to you out of band (their "keywarden team status"); it must match the key on the server`,
    );
  }
  const change = await (await engine()).teamSetRole(positionals[0]!, role as TeamRole, fingerprint);
  const { member, previous, rotation } = change;
  // --json: the member as before, with the role it had and the rotation a demotion to viewer made.
  out.result({ ...member, previous, rotation }, () => {
    if (previous === null) return `${member.member} approved as ${member.role}${member.role === 'viewer' ? ' (reads the inventory; no secrets)' : '; the team key is wrapped for their key'}`;
    if (previous === member.role) return `${member.member} is already ${member.role === 'admin' ? 'an admin' : `a ${member.role}`}: nothing changed`;
    const lines = [`${member.member}'s role changed from ${previous} to ${member.role}${previous === 'viewer' ? '; the team key is wrapped for their key' : ''}`];
    if (rotation) {
      lines.push(
        `team key generation ${rotation.generation}: every secret and credential re-sealed under a key ${member.member} never held`,
        rotation.keysToRotate.length + rotation.credentialsToRotate.length === 0
          ? 'nothing was sealed: nothing to rotate'
          : `${member.member} could have read these, and their data folder keeps what it copied; rotate them at their vendors ("keywarden rotate REF"):`,
        ...rotation.keysToRotate.map((ref) => `  key ${ref}`),
        ...rotation.credentialsToRotate.map((backend) => `  credential of backend ${backend}`),
      );
    }
    return lines.join('\n');
  });
  return 0;
};

export const teamRemove: CommandRun = async ({ values, positionals, out, engine }) => {
  const name = positionals[0]!;
  await confirm(`Remove ${name} from the team? Their roles are revoked and the team key is rotated.`, Boolean(values.yes));
  const report = await (await engine()).teamRemove(name);
  out.result(report, () =>
    [
      `${report.member} removed; team key generation ${report.generation}, every secret and credential re-sealed`,
      report.keysToRotate.length + report.credentialsToRotate.length + report.alertChannelsToRotate.length === 0
        ? `${report.member} never held the team key: nothing to rotate`
        : `${report.member} could have read these; rotate them at their vendors ("keywarden rotate REF"):`,
      ...report.keysToRotate.map((ref) => `  key ${ref}`),
      ...report.credentialsToRotate.map((backend) => `  credential of backend ${backend}`),
      // A channel's secret is rotated where it was made (a new Slack webhook, signing secret or SMTP password), then the
      // channel removed and added again.
      ...report.alertChannelsToRotate.map((channel) => `  secret of alert channel ${channel} (make a new one, then "keywarden alerts remove ${channel}" and add it again)`),
    ].join('\n'),
  );
  return 0;
};

export const teamLeave: CommandRun = async ({ values, out, engine }) => {
  await confirm('Leave the team? This data folder stops following it (its copy stays readable); an admin then removes you.', Boolean(values.yes));
  const left = await (await engine()).teamLeave();
  out.result(left, () => `left team "${left.team}"; an admin finishes with "keywarden team remove ${left.member}"`);
  return 0;
};

export const teamStatus: CommandRun = async ({ out, engine }) => {
  const status = await (await engine()).teamStatus();
  out.result(status, () =>
    [
      `team "${status.team}" at ${status.database}, as ${status.member}`,
      `your key fingerprint: ${status.fingerprint}`,
      `local copy: up to change ${status.localSeq}${status.pulledAt ? `, pulled ${status.pulledAt}` : ', never pulled'}`,
      ...(status.pendingPushes > 0 ? [`waiting to be pushed: ${plural(status.pendingPushes, 'shown-once secret')} kept here while the server was away ("keywarden team sync" pushes them)`] : []),
      status.server.reachable
        ? `server: ${status.server.state}${status.server.role ? ` as ${status.server.role}` : ''}; at change ${status.server.seq}; team key generation ${status.server.generation}; ${plural(status.server.pending, 'pending request')}`
        : `server: unreachable (${status.server.problem}); the local copy stays readable`,
    ].join('\n'),
  );
  return 0;
};

export const teamSync: CommandRun = async ({ out, engine }) => {
  const pulled = await (await engine()).teamSync();
  out.result(
    pulled,
    () =>
      `pulled up to change ${pulled.seq}: ${plural(pulled.backends, 'backend')}, ${plural(pulled.keys, 'key')}, ${pulled.removed} removed, ${plural(pulled.secrets, 'secret')}, ${plural(pulled.credentials, 'credential')}`,
  );
  return 0;
};

/**
 * The team's audit trail on the server, newest first; `--verify` walks its hash chain by the local trail's rules and
 * exits 5 (as `audit verify` does) naming the first event altered, removed or reordered on the server. `--head HASH` (a
 * head `--verify` printed earlier, kept where the database's owner cannot write) must still be in a chain that
 * verifies: exit 5 when the trail up to it was rewritten or rolled back on the server.
 */
export const teamAudit: CommandRun = async ({ values, out, engine }) => {
  const head = (values.head as string | undefined)?.trim().toLowerCase();
  if (head !== undefined && !values.verify) throw new KeywardenError('invalid_input', '--head goes with --verify: "keywarden team audit --verify --head HASH"');
  if (head !== undefined && !/^[0-9a-f]{64}$/.test(head)) {
    throw new KeywardenError('invalid_input', '--head takes a head hash as "keywarden team audit --verify" printed it: 64 hexadecimal digits');
  }
  if (values.verify) {
    if (values.limit !== undefined) throw new KeywardenError('invalid_input', '--verify walks the whole trail; --limit applies to the listing only');
    const status = await (await engine()).verifyTeamAudit(head === undefined ? {} : { head });
    out.result(status, () => teamChainText(status));
    if (status.ok && status.headHash && !out.json)
      out.info(
        'Record the head hash somewhere the team\'s database owner cannot write (a ticket, a log server): "keywarden team audit --verify --head HASH" later proves nothing up to it changed.',
      );
    return status.ok && (status.recordedHead?.found ?? true) ? 0 : EXIT_AUDIT_CHAIN_BROKEN;
  }
  const limit = parseWholeNumber(values.limit as string | undefined, '--limit', 1, 100_000) ?? 100;
  const events = await (await engine()).teamAudit(limit);
  out.result(events, () =>
    table(
      ['ID', 'AT', 'MEMBER', 'ACTION', 'TARGET', 'OUTCOME', 'DETAIL'],
      events.map((e) => [String(e.id), e.at.replace('T', ' ').slice(0, 19), e.member, e.action, e.ref ?? e.backend ?? '-', e.outcome, e.detail ?? '']),
    ),
  );
  return 0;
};

function teamChainText(status: AuditChainStatus & { recordedHead?: RecordedTeamHead }): string {
  const lines: string[] = [];
  if (status.ok) {
    lines.push(`The team's audit trail verifies: ${plural(status.events, 'event')}, chained from the genesis to the head.`, `Head hash: ${status.headHash ?? '(none)'}`);
  } else {
    const broken = status.firstBreak!;
    lines.push(
      `The team's audit trail does NOT verify: ${broken.problem}.`,
      `First break: event ${broken.id}${broken.at !== null ? ` at ${broken.at}` : ''} (${broken.kind}); ${status.verified} of ${plural(status.events, 'event')} verify before it.`,
      `Head hash (not verified): ${status.headHash ?? '(none)'}`,
    );
  }
  const recorded = status.recordedHead;
  if (recorded) {
    const short = `${recorded.hash.slice(0, 12)}…`;
    if (!recorded.found) {
      lines.push(
        `The head hash recorded earlier (${short}) is in no event of the team's trail: the trail up to it was rewritten or rolled back on the server (events removed, hashes recomputed, an older copy of the database restored), or it was recorded for another team.`,
      );
    } else if (recorded.id === null) {
      lines.push(`The head hash recorded earlier (${short}) is the genesis: it was recorded before the first event; ${plural(recorded.eventsAfter ?? 0, 'event')} since.`);
    } else {
      lines.push(
        `The head hash recorded earlier (${short}) is event ${recorded.id} (change ${recorded.seq}, ${recorded.at ?? ''})${status.ok ? ': nothing up to it changed' : ''}; ${plural(recorded.eventsAfter ?? 0, 'event')} since.`,
      );
    }
  }
  return lines.join('\n');
}
