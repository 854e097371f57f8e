import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { KeyName } from '../keys/KeyName.js';
import type { Finding, FindingSubject, HealthReport } from '../../../shared/health.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { datesInText, formatDayTime, plural } from '../lib/dates.js';
import { hrefFor } from '../routing.js';
import { useClient, useShell } from '../state/context.js';
import { createHealthStore, listedInWords, openAtFirst, orderFindings, SEVERITY_ORDER, SEVERITY_WORDS, subjectsInWords, SUBJECTS_SHOWN } from '../state/health-store.js';
import { CalendarDownload } from './CalendarDownload.js';
import './health.css';

/**
 * What needs the administrator, most urgent first: the counts per severity, then each finding with its severity in
 * colour and in words, why it matters, the fix and what it concerns (each key a link to it in the inventory, each
 * backend to the backends view). Critical and high findings are open; the others fold under their title. From the
 * engine's metadata only, so it works offline and while locked. Reloads whenever the engine says something changed.
 */
export function HealthView() {
  const client = useClient();
  const [store] = useState(() => createHealthStore(client));
  const changes = useShell((state) => state.changes);
  const report = useStore(store, (state) => state.report);
  const error = useStore(store, (state) => state.error);
  const load = useStore(store, (state) => state.load);

  useEffect(() => {
    void load();
  }, [load, changes]);

  const findings = useMemo(() => orderFindings(report?.findings ?? []), [report]);

  return (
    <main className="page health" aria-labelledby="page-heading">
      <div className="health-head">
        <h1 id="page-heading">Health</h1>
        <CalendarDownload />
      </div>
      <p className="page-intro muted">
        What needs you, most urgent first. From Keywarden&apos;s own records, so it works offline and while locked
        {report && (
          <>
            : {plural(report.keysChecked, 'key')} checked <time dateTime={report.checkedAt}>{formatDayTime(report.checkedAt)}</time>
          </>
        )}
        .
      </p>
      {error && (
        <p className="view-error" role="alert">
          <span className="error-text">
            Could not check the inventory: <IsolatedText text={error} lines />
          </span>{' '}
          <button type="button" className="button" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}
      {report === null ? (
        !error && (
          <p className="muted" role="status">
            Checking the inventory…
          </p>
        )
      ) : (
        <>
          <Summary counts={report.counts} />
          {findings.length === 0 ? (
            <div className="empty">
              <h2>Nothing needs you now</h2>
              <p>
                No key is overdue, due within {plural(report.leadDays ?? 30, 'day')}, failing its test or unused for 90 days, every backend synced within a week and every alert channel delivering
                ({plural(report.keysChecked, 'key')} checked).
              </p>
            </div>
          ) : (
            <div className="findings">
              {findings.map((finding) => (
                <FindingCard key={finding.category} finding={finding} />
              ))}
            </div>
          )}
        </>
      )}
    </main>
  );
}

function Summary({ counts }: { counts: HealthReport['counts'] }) {
  return (
    <dl className="summary summary-card health-summary" aria-label="Findings by severity">
      {SEVERITY_ORDER.map((severity) => (
        <div key={severity} data-severity={counts[severity] > 0 ? severity : 'none'}>
          <dt>{SEVERITY_WORDS[severity]}</dt>
          <dd>{counts[severity]}</dd>
        </div>
      ))}
    </dl>
  );
}

function FindingCard({ finding }: { finding: Finding }) {
  const titleId = `finding-${finding.category}`;
  const [showAll, setShowAll] = useState(false);
  const concerns = subjectsInWords(finding.subjects, finding.count);
  // The engine lists the first 200 of a finding's keys, most urgent first; the rest are counted.
  const listed = listedInWords(finding);
  // Thousands of keys under one finding: the first SUBJECTS_SHOWN until asked for the rest.
  const shown = showAll ? finding.subjects : finding.subjects.slice(0, SUBJECTS_SHOWN);
  const hidden = finding.subjects.length - shown.length;
  return (
    <section className="finding" data-severity={finding.severity} aria-labelledby={titleId}>
      <div className="finding-head">
        <span className="severity" data-severity={finding.severity}>
          {SEVERITY_WORDS[finding.severity]}
        </span>
        <h2 id={titleId}>{finding.title}</h2>
        <span className="finding-count">{concerns}</span>
      </div>
      {/* Uncontrolled: a finding opened or closed by hand stays so when the report reloads. */}
      <details className="finding-body" open={openAtFirst(finding)}>
        <summary>Why it matters, the fix and the {concerns}</summary>
        <dl className="finding-text">
          <div>
            <dt>Why it matters</dt>
            <dd>{finding.why}</dd>
          </div>
          <div>
            <dt>Fix</dt>
            <dd>{finding.action}</dd>
          </div>
        </dl>
        <ul className="finding-subjects" aria-label={`${finding.title}: ${concerns}`}>
          {shown.map((subject, index) => (
            // A key can be listed twice under one finding (two stopped rotations of it): the position keeps them apart.
            <SubjectItem key={`${index} ${subject.ref ?? subject.backend}`} subject={subject} />
          ))}
        </ul>
        {(hidden > 0 || listed) && (
          <p className="finding-more">
            {listed ? `Listed: the ${listed}, most urgent first. ` : ''}
            {hidden > 0 && (
              <>
                Showing {shown.length} of {finding.subjects.length}.{' '}
                <button type="button" className="button link" onClick={() => setShowAll(true)}>
                  Show all {finding.subjects.length}
                </button>
              </>
            )}
          </p>
        )}
      </details>
    </section>
  );
}

/** Where a subject leads: a key opens in the inventory (as a reminder does), a backend goes to the backends view. */
function subjectHref(subject: Pick<FindingSubject, 'ref'>): string {
  return subject.ref === null ? hrefFor('backends') : hrefFor('inventory', subject.ref);
}

function SubjectItem({ subject }: { subject: FindingSubject }) {
  const isKey = subject.ref !== null;
  if (subject.what === 'alert-channel') {
    // An alert channel has no view of its own to link to here: its name, what it is and what is wrong.
    return (
      <li>
        <span className="finding-subject">
          <span className="subject-who">
            <IsolatedText className="subject-name" text={subject.name} />
            <span className="subject-backend muted">alert channel</span>
          </span>
          <IsolatedText className="subject-detail" text={datesInText(subject.detail)} />
        </span>
      </li>
    );
  }
  return (
    <li>
      <a className="finding-subject" href={subjectHref(subject)}>
        <span className="subject-who">
          {subject.ref !== null ? <KeyName className="subject-name" name={subject.name} keyRef={subject.ref} /> : <IsolatedText className="subject-name" text={subject.name} />}
          {isKey ? <IsolatedText className="subject-backend muted" text={subject.backend} /> : <span className="subject-backend muted">backend</span>}
        </span>
        <IsolatedText className="subject-detail" text={datesInText(subject.detail)} />
      </a>
    </li>
  );
}
