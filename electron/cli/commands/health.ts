/** `keywarden health`: the inventory's findings, most severe first (metadata only: offline and locked). */
import type { Finding, FindingSeverity } from '../../core/health/findings.js';
import { parseWholeNumber, plural } from '../io.js';
import type { CommandRun } from '../main.js';

const MARK: Record<FindingSeverity, string> = { critical: 'CRITICAL', high: 'HIGH', warning: 'WARNING', info: 'INFO' };

export const health: CommandRun = async ({ values, out, engine }) => {
  const unusedDays = parseWholeNumber(values['unused-days'] as string | undefined, '--unused-days', 1, 3650);
  const staleDays = parseWholeNumber(values['stale-days'] as string | undefined, '--stale-days', 1, 3650);
  const leadDays = parseWholeNumber(values.within as string | undefined, '--within', 0, 3650);
  const report = await (
    await engine()
  ).health({ ...(leadDays === undefined ? {} : { leadDays }), ...(unusedDays === undefined ? {} : { unusedDays }), ...(staleDays === undefined ? {} : { staleDays }) });
  out.result(report, () => {
    const { counts } = report;
    const summary = `${counts.critical} critical, ${counts.high} high, ${counts.warning} warning, ${counts.info} info (${plural(report.keysChecked, 'key')} checked)`;
    if (report.findings.length === 0) return `nothing to report (${plural(report.keysChecked, 'key')} checked)`;
    return [...report.findings.map(findingText), summary].join('\n\n');
  });
  return 0;
};

function findingText(finding: Finding): string {
  const subjects = finding.subjects.slice(0, 20).map((subject) => `  - ${subject.ref ?? subject.backend}  ${subject.ref ? subject.name : ''}${subject.ref ? '  ' : ''}(${subject.detail})`);
  // --json lists the engine's first 200 of a larger finding (`truncated`), the most urgent first.
  const rest = finding.count - subjects.length;
  const more = rest > 0 ? [`  … and ${rest} more (--json lists ${finding.truncated ? `the first ${finding.subjects.length}` : 'them all'})`] : [];
  return [`${MARK[finding.severity]}  ${finding.title}: ${finding.count}`, `  ${finding.why}`, `  Fix: ${finding.action}`, ...subjects, ...more].join('\n');
}
