/**
 * The plan of an import (the engine's `ImportReport`): what each entry of the file becomes (create, update, skip) and
 * why, as a table. Virtualised: a KeePass database of ten thousand entries is ten thousand rows, of which only those
 * in view are in the page. Rows are as tall as their reason needs (measured), so nothing is cut off.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { ImportAction, ImportPlanItem } from '../../../shared/imports.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { datesInText, formatDay, formatTableDay } from '../lib/dates.js';

/** What an action is called in the plan, and the badge's tone (colour is never the only sign: the word is there). */
export const ACTION_LABEL: Record<ImportAction, { text: string; tone: string }> = {
  create: { text: 'Create', tone: 'tone-active' },
  update: { text: 'Update', tone: 'tone-grace' },
  skip: { text: 'Skip', tone: 'tone-revoked' },
};

/** Rows drawn beyond those in view, so a fast scroll does not show blanks. */
const OVERSCAN = 10;

export function ImportPlan({ items, label }: { items: readonly ImportPlanItem[]; label: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 44,
    overscan: OVERSCAN,
  });
  const rows = virtualizer.getVirtualItems();
  return (
    // Focusable, so the plan scrolls from the keyboard too; its name says what it is.
    <div className="import-plan-scroll" ref={scrollRef} tabIndex={0} role="region" aria-label={`${label}: scroll to see every entry`}>
      <div role="table" aria-label={label} aria-rowcount={items.length + 1} className="import-plan">
        <div role="rowgroup" className="import-plan-head">
          <div role="row" aria-rowindex={1} className="import-plan-row">
            <div role="columnheader">Action</div>
            <div role="columnheader">Name</div>
            <div role="columnheader" className="import-col-expires">
              Expires
            </div>
            <div role="columnheader">Why</div>
          </div>
        </div>
        <div role="rowgroup" className="import-plan-body" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map((row) => {
            const item = items[row.index]!;
            const action = ACTION_LABEL[item.action];
            const why = [item.reason, ...item.warnings].filter((text): text is string => Boolean(text));
            return (
              <div
                key={row.key}
                role="row"
                aria-rowindex={row.index + 2}
                data-index={row.index}
                ref={virtualizer.measureElement}
                className="import-plan-row"
                style={{ transform: `translateY(${row.start}px)` }}
              >
                <div role="cell">
                  <span className={`badge ${action.tone}`}>{action.text}</span>
                </div>
                <div role="cell" className="import-col-name">
                  <IsolatedText text={item.name} />
                  {item.source !== item.name && (
                    <span className="muted import-source">
                      <IsolatedText text={item.source} />
                    </span>
                  )}
                </div>
                <div role="cell" className="import-col-expires">
                  {item.expiresAt ? (
                    <time dateTime={item.expiresAt} title={formatDay(item.expiresAt)}>
                      {formatTableDay(item.expiresAt)}
                    </time>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </div>
                <div role="cell" className="import-col-why">
                  {why.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    why.map((text, index) => (
                      <span key={index} className={index === 0 && item.reason ? 'import-reason' : 'import-warning'}>
                        <IsolatedText text={datesInText(text)} />
                      </span>
                    ))
                  )}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
