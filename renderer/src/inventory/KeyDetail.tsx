import { useEffect, useRef } from 'react';
import { dueDateOf, dueLabel, formatDateTime } from '../lib/due.js';
import { useInventory } from '../state/context.js';
import { StatusBadge } from './KeyTable.js';
import { VENDOR_LABEL } from './labels.js';

/** The selected key: its dates and state, and what its backend can do with it (Test, Reveal). */
export function KeyDetail() {
  const key = useInventory((state) => state.selected);
  const detail = useInventory((state) => state.detail);
  const backends = useInventory((state) => state.backends);
  const hideSeconds = useInventory((state) => state.revealHideSeconds);
  const select = useInventory((state) => state.select);
  const testSelected = useInventory((state) => state.testSelected);
  const revealSelected = useInventory((state) => state.revealSelected);
  const hideSecret = useInventory((state) => state.hideSecret);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    headingRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') select(null);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      hideSecret();
      if (opener?.isConnected) opener.focus();
    };
  }, [select, hideSecret]);

  useEffect(() => {
    if (detail.secret === null) return;
    const timer = setTimeout(hideSecret, hideSeconds * 1000);
    return () => clearTimeout(timer);
  }, [detail.secret, hideSeconds, hideSecret]);

  if (!key) return null;
  const capabilities = backends?.find((backend) => backend.name === key.backend)?.capabilities ?? [];
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
          {key.name}
        </h2>
        <button type="button" className="button icon" onClick={() => select(null)} aria-label="Close details" title="Close (Escape)">
          ×
        </button>
      </div>
      <p className="detail-sub">
        {key.backend} <span className="muted">· {VENDOR_LABEL[key.backendType]}</span>
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
          <dd className="mono">{key.prefix ?? '—'}</dd>
        </div>
        <div>
          <dt>ID</dt>
          <dd className="mono wrap">{key.id}</dd>
        </div>
        <div>
          <dt>Secret</dt>
          <dd>{key.secretCached ? 'cached in the vault' : 'not cached'}</dd>
        </div>
        {rows.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      {(capabilities.includes('test') || capabilities.includes('reveal')) && (
        <section className="actions" aria-label="Actions">
          {capabilities.includes('test') && (
            <div className="action">
              <button type="button" className="button" onClick={() => void testSelected()} disabled={detail.testing} aria-busy={detail.testing}>
                Test
              </button>
              <div className="action-result" role="status" aria-live="polite">
                {detail.testing && 'Testing…'}
                {!detail.testing && detail.test && (
                  <span className={detail.test.ok ? 'tone-active' : 'tone-overdue'}>
                    {detail.test.ok ? 'Works' : 'Failed'}: {detail.test.detail} <span className="muted">({formatDateTime(detail.test.checkedAt)})</span>
                  </span>
                )}
                {!detail.testing && detail.testError && <span className="error-text">{detail.testError}</span>}
              </div>
            </div>
          )}
          {capabilities.includes('reveal') && (
            <div className="action">
              {detail.secret === null ? (
                <button type="button" className="button" onClick={() => void revealSelected()} disabled={detail.revealing} aria-busy={detail.revealing}>
                  Reveal
                </button>
              ) : (
                <button type="button" className="button" onClick={hideSecret}>
                  Hide
                </button>
              )}
              <div className="action-result" role="status" aria-live="polite">
                {detail.revealing && 'Revealing…'}
                {detail.secret !== null && <span>Secret shown; hidden again after {hideSeconds} s.</span>}
                {detail.revealError && <span className="error-text">{detail.revealError}</span>}
              </div>
            </div>
          )}
          {detail.secret !== null && (
            <label className="secret">
              <span className="visually-hidden">Secret</span>
              <input className="mono" readOnly value={detail.secret} aria-label="Secret" onFocus={(event) => event.currentTarget.select()} spellCheck={false} />
            </label>
          )}
        </section>
      )}
    </aside>
  );
}
