/** `keywarden reminders|audit|audit verify|export`: read-only reports from the local store (work offline). */
import type { AuditChainStatus } from '../../../shared/audit.js';
import { KeywardenError } from '../../core/errors.js';
import { keywardenVersion } from '../../core/version.js';
import { day, dueIn, parseWholeNumber, plural, table } from '../io.js';
import type { CommandRun } from '../main.js';

/** Exit code of `audit verify` and `export --evidence` when the audit trail's hash chain does not verify. */
export const EXIT_AUDIT_CHAIN_BROKEN = 5;

export const reminders: CommandRun = async ({ values, out, engine }) => {
  const within = parseWholeNumber(values.within as string | undefined, '--within', 0, 36_500);
  const core = await engine();
  // Default: the largest reminder lead time (30 days unless the setting says otherwise).
  const withinDays = within ?? Math.max(...core.reminderLeadDays());
  const list = core.reminders({ withinDays });
  // Grace periods ending while a rotation still waits for consumers: said on stderr, the JSON stays the list of reminders.
  for (const warning of await core.rotationGraceWarnings(Math.min(withinDays, 7))) {
    const who = warning.unticked.length ? `${warning.unticked.join(', ')} not switched yet` : 'the switch of its consumers is not confirmed yet';
    out.info(
      `keywarden: warning: the grace period of ${warning.ref} ends ${dueIn(warning.daysLeft, warning.daysLeft < 0)} (${day(warning.graceEndsAt)}) and ${who}${warning.newRef ? ` to ${warning.newRef}` : ''}: "keywarden rotation resume ${warning.rotationId}"`,
    );
  }
  out.result(list, () =>
    list.length === 0
      ? `nothing due within ${plural(withinDays, 'day')}`
      : table(
          ['DUE', 'WHEN', 'KIND', 'REF', 'NAME', 'STAGE'],
          list.map((r) => [
            day(r.dueAt),
            dueIn(r.daysLeft, r.threshold === 'overdue'),
            r.kind,
            r.ref,
            r.name,
            r.threshold === null ? '-' : r.threshold === 'overdue' ? 'overdue' : `${r.threshold}d`,
          ]),
        ),
  );
  return 0;
};

export const audit: CommandRun = async ({ values, out, engine }) => {
  const limit = parseWholeNumber(values.limit as string | undefined, '--limit', 1, 100_000) ?? 1000;
  const events = (await engine()).auditTrail({ limit });
  out.result(events, () =>
    table(
      ['AT', 'USER', 'ACTION', 'TARGET', 'OUTCOME', 'DETAIL'],
      events.map((e) => [e.at.replace('T', ' ').slice(0, 19), e.osUser, e.action, e.ref ?? e.backend ?? '-', e.outcome, e.detail ?? '']),
    ),
  );
  return 0;
};

/**
 * Walks the audit trail's hash chain. Exit 0 with the number of events and the head hash, to be recorded somewhere
 * Keywarden cannot write; exit 5 naming the first edited, removed or reordered event. `--head HASH` (a head printed
 * earlier) also proves that nothing up to it changed: it must still be an event of a chain that verifies.
 */
export const auditVerify: CommandRun = async ({ values, out, engine }) => {
  const head = (values.head as string | undefined)?.trim().toLowerCase();
  if (head !== undefined && !/^[0-9a-f]{64}$/.test(head)) {
    throw new KeywardenError('invalid_input', '--head takes a head hash as "keywarden audit verify" printed it: 64 hexadecimal digits');
  }
  const core = await engine();
  const status = core.verifyAuditTrail();
  let recorded: { hash: string; found: boolean; id: number | null; at: string | null; eventsAfter: number | null } | null = null;
  if (head !== undefined) {
    if (head === status.genesis) recorded = { hash: head, found: true, id: null, at: null, eventsAfter: status.events };
    else {
      const found = core.findAuditHead(head);
      recorded = { hash: head, found: found !== null, id: found?.id ?? null, at: found?.at ?? null, eventsAfter: found?.after ?? null };
    }
  }
  const ok = status.ok && (recorded === null || recorded.found);
  out.result({ ...status, ...(recorded ? { recordedHead: recorded } : {}) }, () => verifyText(status, recorded));
  if (status.ok && status.headHash && !out.json)
    out.info('Record the head hash somewhere Keywarden cannot write (a ticket, a log server): "keywarden audit verify --head HASH" later proves nothing up to it changed.');
  return ok ? 0 : EXIT_AUDIT_CHAIN_BROKEN;
};

function verifyText(status: AuditChainStatus, recorded: { hash: string; found: boolean; id: number | null; at: string | null; eventsAfter: number | null } | null): string {
  const lines: string[] = [];
  if (status.ok) {
    lines.push(`The audit trail verifies: ${plural(status.events, 'event')}, chained from the genesis to the head.`);
    lines.push(`Head hash: ${status.headHash ?? '(none)'}`);
  } else {
    const broken = status.firstBreak!;
    lines.push(`The audit trail does NOT verify: ${broken.problem}.`);
    lines.push(`First break: event ${broken.id}${broken.at !== null ? ` at ${broken.at}` : ''} (${broken.kind}); ${status.verified} of ${plural(status.events, 'event')} verify before it.`);
    lines.push(`Head hash (not verified): ${status.headHash ?? '(none)'}`);
  }
  if (recorded) {
    const short = `${recorded.hash.slice(0, 12)}…`;
    if (!recorded.found)
      lines.push(`The head hash recorded earlier (${short}) is in no event of this trail: the trail up to it was rewritten or removed, or it was recorded for another data folder.`);
    else if (recorded.id === null)
      lines.push(`The head hash recorded earlier (${short}) is the genesis: it was recorded before the first event; ${plural(recorded.eventsAfter ?? 0, 'event')} since.`);
    else {
      lines.push(
        `The head hash recorded earlier (${short}) is event ${recorded.id} (${recorded.at ?? ''})${status.ok ? ': nothing up to it changed' : ''}; ${plural(recorded.eventsAfter ?? 0, 'event')} since.`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * Exports the inventory: domain fields only, so no secret can be in it.
 *
 * With --json, stdout is one JSON document like everywhere else: without --output it is the JSON export
 * itself (--format may be left out); with --output FILE it is a summary of what was written, and the
 * file gets the format asked for, CSV included. CSV on stdout under --json is refused rather than
 * quietly turned into JSON: whoever typed --format csv wants CSV, and should be told it cannot be both.
 */
export const exportInventory: CommandRun = async (context) => {
  if (context.values.evidence) return exportEvidence(context);
  const { values, out, engine } = context;
  const output = values.output as string | undefined;
  if (values.force && !output) throw new KeywardenError('invalid_input', '--force replaces an existing --output FILE: give --output');
  const format = (values.format as string | undefined) ?? (out.json && !output ? 'json' : undefined);
  if (format !== 'csv' && format !== 'json' && format !== 'ics') throw new KeywardenError('invalid_input', '--format must be csv, json or ics');
  if (format !== 'json' && out.json && !output) {
    const [carried, written] = format === 'csv' ? ['CSV', 'the CSV'] : ['a calendar', 'the calendar'];
    throw new KeywardenError('invalid_input', `--json prints JSON on standard output, so it cannot carry ${carried}: use --format json, or write ${written} to a file with --output FILE`);
  }
  if (format === 'ics') {
    const calendar = await (await engine()).expiryCalendar();
    if (output) {
      writeExport(output, calendar.text, Boolean(values.force));
      out.info(`exported ${plural(calendar.events, 'calendar event')} to ${output}`);
      if (out.json) out.result({ output, format, events: calendar.events }, () => '');
    } else {
      process.stdout.write(calendar.text);
    }
    return 0;
  }
  const keys = (await engine()).listKeys({});
  const { formatInventory } = require('../../core/export.js') as typeof import('../../core/export.js');
  const text = formatInventory(keys, format);
  if (output) {
    writeExport(output, `${text}\n`, Boolean(values.force));
    out.info(`exported ${plural(keys.length, 'key')} to ${output}`);
    if (out.json) out.result({ output, format, keys: keys.length }, () => '');
  } else {
    process.stdout.write(`${text}\n`);
  }
  return 0;
};

/**
 * The evidence pack for auditors (core/evidence.ts), always JSON: on stdout, or in FILE (0600) with a summary on
 * stderr (and on stdout under --json). Written even when the chain does not verify (the pack says so), then exit 5.
 */
const exportEvidence: CommandRun = async ({ values, out, engine }) => {
  if (values.format !== undefined) throw new KeywardenError('invalid_input', '--evidence writes one JSON document of its own: leave out --format');
  const output = values.output as string | undefined;
  if (values.force && !output) throw new KeywardenError('invalid_input', '--force replaces an existing --output FILE: give --output');
  const pack = await (await engine()).evidencePack(keywardenVersion());
  const text = JSON.stringify(pack, null, 2);
  const chain = pack.auditChain;
  if (output) {
    writeExport(output, `${text}\n`, Boolean(values.force));
    out.info(
      `wrote the evidence pack to ${output}: ${plural(pack.inventory.keys.length, 'key')}, ${plural(pack.events.length, 'audit event')}, the chain ${chain.verified ? 'verifies' : 'does NOT verify'}; head hash ${chain.headHash ?? '(none)'}`,
    );
    if (out.json) {
      out.result({ output, keys: pack.inventory.keys.length, events: pack.events.length, verified: chain.verified, headHash: chain.headHash, firstBreak: chain.firstBreak }, () => '');
    }
  } else {
    process.stdout.write(`${text}\n`);
  }
  if (chain.verified) return 0;
  out.info(`keywarden: the audit trail does not verify: ${chain.firstBreak?.problem ?? 'unknown'}; the pack records it`);
  return EXIT_AUDIT_CHAIN_BROKEN;
};

/**
 * Writes an export as a new 0600 file (core/private-files.ts): never through a link, never over an existing file
 * (whose wider mode would stay) unless --force, which replaces it with a new file only the user can read.
 */
function writeExport(path: string, content: string, force: boolean): void {
  const { writePrivateFile } = require('../../core/private-files.js') as typeof import('../../core/private-files.js');
  writePrivateFile(path, content, { what: 'the export', force });
}
