/** `keywarden reminders|audit`: read-only reports from the local store (work offline). */
import { day, parseWholeNumber, table } from '../io.js';
import type { CommandRun } from '../main.js';

export const reminders: CommandRun = async ({ values, out, engine }) => {
  const withinDays = parseWholeNumber(values.within as string | undefined, '--within', 0, 36_500) ?? 30;
  const list = (await engine()).reminders({ withinDays });
  out.result(list, () =>
    list.length === 0
      ? `nothing due within ${withinDays} days`
      : table(
          ['DUE', 'WHEN', 'KIND', 'REF', 'NAME'],
          list.map((r) => [day(r.dueAt), r.daysLeft < 0 ? `overdue ${-r.daysLeft}d` : `in ${r.daysLeft}d`, r.kind, r.ref, r.name]),
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
