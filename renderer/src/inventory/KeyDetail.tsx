import { useEffect, useRef, useState } from 'react';
import { dueDateOf, dueLabel } from '../lib/due.js';
import { datesInText, formatDayTime as formatDateTime } from '../lib/dates.js';
import { KeyHistory } from '../audit/KeyHistory.js';
import { KeyActionsSection } from '../keys/KeyActionsSection.js';
import { ConsumersSection } from '../keys/ConsumersSection.js';
import { DescriptionSection } from '../keys/DescriptionSection.js';
import { EditDatesDialog } from '../keys/EditDatesDialog.js';
import { KeyName } from '../keys/KeyName.js';
import { useInventory, useRotation } from '../state/context.js';
import { useKeyActions } from '../state/key-actions-context.js';
import { StatusBadge } from './KeyTable.js';
import { VENDOR_LABEL } from './labels.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { hrefFor } from '../routing.js';
import type { LinkedKey } from '../../../shared/domain.js';

/** The selected key: its dates and state, and what can be done with it (Test, Reveal, Copy, Revoke, Delete: renderer/src/keys/). */
export function KeyDetail() {
  const key = useInventory((state) => state.selected);
  const openRotation = useRotation((state) => state.open);
  const facts = useKeyActions((state) => (key && state.ref === key.ref ? state.facts : null));
  const backends = useInventory((state) => state.backends);
  const select = useInventory((state) => state.select);
  const hideSecret = useInventory((state) => state.hideSecret);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [editingDates, setEditingDates] = useState(false);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    headingRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      // A dialog over the panel (revoke, delete, create) handles its own Escape.
      if (event.key === 'Escape' && !event.defaultPrevented && !document.querySelector('dialog[open]')) select(null);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      hideSecret();
      if (opener?.isConnected) opener.focus();
    };
  }, [select, hideSecret]);

  if (!key) return null;
  const backend = backends?.find((summary) => summary.name === key.backend) ?? null;
  const due = dueDateOf(key);
  const label = due ? dueLabel(due, new Date()) : null;

  const rows: [string, string][] = [
    ['Created', formatDateTime(key.createdAt)],
    ['Expires', formatDateTime(key.expiresAt)],
    ['Rotation due', formatDateTime(key.rotationDueAt)],
    ['Grace ends', formatDateTime(key.graceEndsAt)],
    ['Last used', formatDateTime(key.lastUsedAt)],
    ['Last tested', key.lastTestedAt ? `${formatDateTime(key.lastTestedAt)}${key.lastTestOk === false ? ' (failed)' : key.lastTestOk ? ' (ok)' : ''}` : 'never'],
    ['Last synced', formatDateTime(key.syncedAt)],
  ];

  return (
    <aside className="detail" aria-labelledby="detail-heading">
      <div className="detail-head">
        <h2 id="detail-heading" ref={headingRef} tabIndex={-1}>
          <KeyName name={key.name} keyRef={key.ref} prefix={key.prefix} />
        </h2>
        <button type="button" className="button icon" onClick={() => select(null)} aria-label="Close details" title="Close (Escape)">
          ×
        </button>
      </div>
      <p className="detail-sub">
        <IsolatedText text={key.backend} /> <span className="muted">· {VENDOR_LABEL[key.backendType]}</span>
      </p>

      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={key.status} />
          </dd>
        </div>
        <div>
          <dt>Due</dt>
          <dd>
            {due && label ? (
              <>
                {formatDateTime(due)}
                <br />
                <span className={`tone-${label.tone}`}>{label.text}</span>
              </>
            ) : (
              <span className="muted">nothing due</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Prefix</dt>
          <dd className="mono">{key.prefix === null ? '—' : <IsolatedText text={key.prefix} />}</dd>
        </div>
        <div>
          <dt>ID</dt>
          <dd className="mono wrap">
            <IsolatedText text={key.id} />
          </dd>
        </div>
        <div>
          <dt>Secret</dt>
          <dd>{key.secretCached ? 'cached in the vault' : 'not cached'}</dd>
        </div>
        {facts?.map((fact) => (
          <div key={`fact-${fact.label}`}>
            <dt>
              <IsolatedText text={fact.label} />
            </dt>
            <dd className="wrap">{fact.key ? <LinkedKeyFact linked={fact.key} /> : <IsolatedText text={datesInText(fact.value)} lines />}</dd>
          </div>
        ))}
        {rows.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      {key.backendType === 'manual' && (
        <section className="actions" aria-label="Dates">
          <div className="action">
            <button type="button" className="button" onClick={() => setEditingDates(true)}>
              Edit dates…
            </button>
            <span className="action-result muted">Created, expiry or rotation interval: entered by hand, so changed here.</span>
          </div>
          {editingDates && <EditDatesDialog keyRow={key} rotateEveryDays={rotateEveryDaysOf(facts)} onClose={() => setEditingDates(false)} />}
        </section>
      )}
      <DescriptionSection keyRow={key} />
      <ConsumersSection keyRef={key.ref} changed={key} />
      <KeyActionsSection keyRow={key} backend={backend} headingRef={headingRef} />
      {key.status === 'active' && (
        <section className="actions rotate" aria-label="Rotation">
          <div className="action">
            <button type="button" className="button" onClick={() => void openRotation(key.ref)}>
              Rotate…
            </button>
            <span className="action-result muted">A guided rotation: the plan, downtime included, is shown before anything changes.</span>
          </div>
        </section>
      )}
      <KeyHistory keyRef={key.ref} />
    </aside>
  );
}

/** A manual key's own rotation interval, as the engine states it among the key's facts ("Rotate every (days)"). */
function rotateEveryDaysOf(facts: readonly { label: string; value: string }[] | null): number | null {
  const fact = facts?.find((candidate) => candidate.label === 'Rotate every (days)');
  const days = fact ? Number(fact.value) : NaN;
  return Number.isInteger(days) && days > 0 ? days : null;
}

/**
 * "Replaces" / "Replaced by": the other key, named as everywhere (KeyName), a link that opens it in this panel while it
 * is in the inventory; once it is gone (a rotation deletes the old key at its end), its name as it was, and why no link.
 */
function LinkedKeyFact({ linked }: { linked: LinkedKey }) {
  const name = <KeyName name={linked.name} keyRef={linked.ref} prefix={linked.prefix} />;
  if (!linked.inInventory) {
    return (
      <>
        {name} <span className="muted">(no longer in the inventory)</span>
      </>
    );
  }
  return <a href={hrefFor('inventory', linked.ref)}>{name}</a>;
}
