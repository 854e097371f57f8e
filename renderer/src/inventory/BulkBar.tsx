import { useId, useRef, useState, type FormEvent } from 'react';
import type { BulkChange, BulkKeyResult } from '../../../shared/domain.js';
import { Modal } from '../keys/Modal.js';
import { plural } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { saveTextFile } from '../lib/save-file.js';
import { visibleText } from '../lib/visible-text.js';
import { useInventory } from '../state/context.js';
import { MAX_BULK_TEST } from '../state/inventory-store.js';

type Asking = 'tag' | 'untag' | 'owner' | null;

const OUTCOME_WORDS: Record<BulkKeyResult['outcome'], string> = { ok: 'done', unchanged: 'no change', refused: 'refused' };

/**
 * Above the table while keys are selected: how many, and what can be done to all of them at once. Only actions every
 * key allows are offered (describing a key and snoozing its reminder are Keywarden's own records; a test asks the
 * vendor and a key that cannot be tested says why in the summary). Nothing destructive: revoke and delete stay one key
 * at a time, in its panel.
 */
export function BulkBar() {
  const selection = useInventory((state) => state.selection);
  const total = useInventory((state) => state.total);
  const bulk = useInventory((state) => state.bulk);
  const exporting = useInventory((state) => state.exporting);
  const clearSelection = useInventory((state) => state.clearSelection);
  const bulkChange = useInventory((state) => state.bulkChange);
  const bulkTest = useInventory((state) => state.bulkTest);
  const exportSelection = useInventory((state) => state.exportSelection);
  const dismissBulk = useInventory((state) => state.dismissBulk);
  const [asking, setAsking] = useState<Asking>(null);

  const count = selection.mode === 'refs' ? Object.keys(selection.refs).length : Math.max(0, (total ?? 0) - Object.keys(selection.except).length);
  if (count === 0 && !bulk.report && !bulk.error) return null;
  const tooManyToTest = count > MAX_BULK_TEST;
  return (
    <section className="bulk-bar" aria-label="Selected keys">
      {count > 0 && (
        <>
          <span className="bulk-count" role="status" aria-live="polite">
            {plural(count, 'key')} selected{selection.mode === 'all' ? ' (every match)' : ''}
          </span>
          <button type="button" className="button" onClick={() => setAsking('tag')} disabled={bulk.running}>
            Add tag…
          </button>
          <button type="button" className="button" onClick={() => setAsking('untag')} disabled={bulk.running}>
            Remove tag…
          </button>
          <button type="button" className="button" onClick={() => setAsking('owner')} disabled={bulk.running}>
            Set owner…
          </button>
          <button
            type="button"
            className="button"
            onClick={() => void bulkTest()}
            disabled={bulk.running || tooManyToTest}
            title={tooManyToTest ? `Test asks each key's vendor: select at most ${MAX_BULK_TEST} keys` : 'Ask each vendor whether the key works'}
          >
            Test
          </button>
          <button type="button" className="button" onClick={() => void bulkChange('Snooze reminders for 7 days', { action: 'snooze', days: 7 })} disabled={bulk.running}>
            Snooze 7 days
          </button>
          <button type="button" className="button" onClick={() => void exportSelection('csv', saveTextFile)} disabled={exporting.running}>
            Export CSV
          </button>
          <button type="button" className="button" onClick={() => void exportSelection('json', saveTextFile)} disabled={exporting.running}>
            Export JSON
          </button>
          <button type="button" className="button link" onClick={clearSelection}>
            Clear selection
          </button>
        </>
      )}
      {(bulk.running || bulk.error || exporting.done) && (
        <p className="bulk-status muted" role="status">
          {bulk.running ? (
            `${bulk.title ?? 'Working'}…${bulk.progress ? ` ${bulk.progress.done} of ${bulk.progress.of}` : ''}`
          ) : bulk.error ? (
            <>
              <span className="error-text">
                <IsolatedText text={bulk.error} lines />
              </span>{' '}
              <button type="button" className="button link" onClick={dismissBulk}>
                Dismiss
              </button>
            </>
          ) : (
            exporting.done
          )}
        </p>
      )}
      {asking && (
        <AskDialog
          asking={asking}
          count={count}
          onClose={() => setAsking(null)}
          onSubmit={(title, change) => {
            setAsking(null);
            void bulkChange(title, change);
          }}
        />
      )}
      {bulk.report && <BulkSummary />}
    </section>
  );
}

/** Asks the tags to add or remove, or the owner to set, for the selected keys. */
function AskDialog({ asking, count, onClose, onSubmit }: { asking: Exclude<Asking, null>; count: number; onClose: () => void; onSubmit: (title: string, change: BulkChange) => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState('');
  const words = { tag: ['Add a tag', 'Tags to add', 'Add tag'], untag: ['Remove a tag', 'Tags to remove', 'Remove tag'], owner: ['Set the owner', 'Owner', 'Set owner'] }[asking];
  const tags = value
    .split(/[\s,]+/u)
    .map((tag) => tag.trim())
    .filter(Boolean);
  const ready = asking === 'owner' || tags.length > 0;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    if (asking === 'owner') onSubmit(value.trim() ? `Set owner ${value.trim()}` : 'Clear owner', { action: 'owner', owner: value.trim() || null });
    else onSubmit(`${asking === 'tag' ? 'Add' : 'Remove'} ${tags.join(', ')}`, { action: asking, tags });
  };
  return (
    <Modal labelledBy={`${id}-title`} onDismiss={onClose} initialFocus={input}>
      <form className="modal-body" onSubmit={submit}>
        <h2 id={`${id}-title`} className="modal-title">
          {words[0]} for {plural(count, 'key')}
        </h2>
        <div className="field">
          <label htmlFor={`${id}-value`}>{words[1]}</label>
          <input ref={input} id={`${id}-value`} value={value} onChange={(event) => setValue(event.target.value)} autoComplete="off" spellCheck={false} aria-describedby={`${id}-hint`} />
          <span id={`${id}-hint`} className="field-hint">
            {asking === 'owner'
              ? 'Replaces the owner of every selected key; leave it empty to clear it.'
              : 'One word each, separated by commas or spaces. Other tags of the keys stay as they are.'}
          </span>
        </div>
        <div className="modal-actions">
          <span />
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={!ready}>
            {words[2]}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** What the last bulk action did to each key: counts, then every key refused (with the reason) and the others. */
function BulkSummary() {
  const id = useId();
  const bulk = useInventory((state) => state.bulk);
  const dismissBulk = useInventory((state) => state.dismissBulk);
  const close = useRef<HTMLButtonElement>(null);
  const report = bulk.report!;
  return (
    <Modal labelledBy={`${id}-title`} describedBy={`${id}-counts`} onDismiss={dismissBulk} initialFocus={close} className="bulk-summary">
      <div className="modal-body">
        <h2 id={`${id}-title`} className="modal-title">
          {bulk.title}: {plural(report.keys, 'key')}
        </h2>
        <p id={`${id}-counts`} className="bulk-counts">
          <span>{report.ok} done</span>
          {report.unchanged > 0 && <span>{report.unchanged} already so</span>}
          <span className={report.refused > 0 ? 'tone-overdue' : undefined}>{report.refused} refused</span>
        </p>
        {/* Focusable: a long list scrolls, from the keyboard too. */}
        <ul className="bulk-results" aria-label="Each key" tabIndex={0}>
          {report.results.map((result) => (
            <li key={result.ref}>
              <span className="ref" title={visibleText(result.ref)}>
                <IsolatedText text={result.name} /> <span className="muted">{visibleText(result.ref)}</span>
              </span>
              <span className={result.outcome === 'refused' ? 'tone-overdue' : result.outcome === 'ok' ? undefined : 'muted'}>{OUTCOME_WORDS[result.outcome]}</span>
              <span className="ref" title={result.detail ? visibleText(result.detail) : undefined}>
                {result.detail ? <IsolatedText text={result.detail} /> : <span className="muted">—</span>}
              </span>
            </li>
          ))}
        </ul>
        {report.truncated && <p className="muted">The first {report.results.length} keys are listed, refusals first; the counts above cover every key.</p>}
        <div className="modal-actions">
          <span />
          <button ref={close} type="button" className="button" onClick={dismissBulk}>
            Close
          </button>
        </div>
      </div>
    </Modal>
  );
}
