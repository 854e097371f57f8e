import { useEffect, useId, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { AuditOutcome } from '../../../shared/domain.js';
import { saveTextFile } from '../lib/save-file.js';
import { hrefFor, replaceRoute, useRoute } from '../routing.js';
import { useClient, useShell } from '../state/context.js';
import { AUDIT_MAX, AUDIT_PAGE, type AuditStore, createAuditStore, hasAuditFilters, type KeyNaming, NO_AUDIT_FILTERS, shownEvents } from '../state/audit-store.js';
import { KeyName } from '../keys/KeyName.js';
import { actionLabel, AUDIT_ACTION_LABEL, formatAuditTime, OUTCOME_LABEL } from './labels.js';
import { OutcomeBadge } from './OutcomeBadge.js';
import './audit.css';
import { datesInText } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { visibleText } from '../lib/visible-text.js';

/**
 * The audit trail: filters (backend, key, action asked of the engine; outcome over the events loaded), the
 * newest events first, more on request, and the filtered trail exported as CSV or JSON. `#/audit?key=<ref>`
 * opens it filtered to one key.
 */
export function AuditView() {
  const client = useClient();
  const route = useRoute();
  const [store] = useState(() => createAuditStore(client, { save: saveTextFile, initialFilters: { ...NO_AUDIT_FILTERS, ref: route.key } }));
  const changes = useShell((state) => state.changes);
  const load = useStore(store, (state) => state.load);
  const loadBackends = useStore(store, (state) => state.loadBackends);
  const showKey = useStore(store, (state) => state.showKey);
  const verifyChain = useStore(store, (state) => state.verifyChain);

  useEffect(() => {
    void loadBackends();
    void load();
    void verifyChain();
  }, [load, loadBackends, verifyChain, changes]);

  // A link to one key's history (also while this view is open): that key's events alone, then the key leaves the
  // address (Back does not reapply it). The store was created with it, so a first visit asks once.
  useEffect(() => {
    if (!route.key) return;
    const { filters } = store.getState();
    if (filters.ref !== route.key || filters.backend || filters.action || filters.outcome) showKey(route.key);
    replaceRoute('audit');
  }, [route.key, showKey, store]);

  return (
    <main className="page audit" aria-labelledby="page-heading">
      <h1 id="page-heading">Audit trail</h1>
      <p className="page-intro muted">Everything done to keys and backends, by whom and with what outcome. Secrets are never recorded.</p>
      <ChainStatus store={store} />
      <Integrity store={store} />
      <Filters store={store} />
      <Toolbar store={store} />
      <Trail store={store} />
    </main>
  );
}

/**
 * Whether the trail's hash chain verifies: a quiet line with the head hash (to record elsewhere) when it does, a
 * warning naming the first edited, removed or reordered event when it does not.
 */
function ChainStatus({ store }: { store: AuditStore }) {
  const chain = useStore(store, (state) => state.chain);
  const chainError = useStore(store, (state) => state.chainError);
  const verifyChain = useStore(store, (state) => state.verifyChain);

  if (chain === null) {
    // Not role="status": the trail's count is the view's status line; this one is announced politely all the same.
    return chainError ? (
      <p className="audit-chain" aria-live="polite">
        <span className="error-text">
          Could not verify the chain: <IsolatedText text={chainError} lines />
        </span>{' '}
        <button type="button" className="button" onClick={() => void verifyChain()}>
          Try again
        </button>
      </p>
    ) : (
      <p className="audit-chain muted" aria-live="polite">
        Verifying the chain…
      </p>
    );
  }
  if (chain.ok) {
    return (
      <p className="audit-chain audit-chain-ok" aria-live="polite">
        <span className="audit-chain-verdict">
          Chain verified: {chain.events} {chain.events === 1 ? 'event' : 'events'}
        </span>
        {chain.headHash && (
          <>
            , head{' '}
            <code className="mono audit-chain-head" title="Record this head hash somewhere Keywarden cannot write: a later check proves nothing up to it changed.">
              {chain.headHash}
            </code>
          </>
        )}
      </p>
    );
  }
  const broken = chain.firstBreak;
  const when = broken?.at ? (Number.isNaN(Date.parse(broken.at)) ? broken.at : formatAuditTime(broken.at)) : null;
  return (
    <div className="audit-chain audit-chain-broken" role="alert">
      <p>
        <strong>The audit trail does not verify.</strong> {broken ? `${broken.problem.charAt(0).toUpperCase()}${broken.problem.slice(1)}.` : 'Its chain is broken.'}
      </p>
      <p>
        {broken && (
          <>
            First broken event: <span className="mono">{broken.id}</span>
            {when && <> ({when})</>}.{' '}
          </>
        )}
        {chain.verified} of {chain.events} {chain.events === 1 ? 'event verifies' : 'events verify'} before it. Someone or something changed the database outside Keywarden: compare it with a
        backup, and with the head hash you recorded.
      </p>
    </div>
  );
}

/** Verify the chain again on request, and the evidence pack for auditors (`keywarden export --evidence`). */
function Integrity({ store }: { store: AuditStore }) {
  const verifyChain = useStore(store, (state) => state.verifyChain);
  const evidence = useStore(store, (state) => state.evidence);
  const exportEvidence = useStore(store, (state) => state.exportEvidence);
  const [verifying, setVerifying] = useState(false);
  return (
    <div className="audit-integrity">
      <button
        type="button"
        className="button"
        aria-disabled={verifying || undefined}
        onClick={() => {
          if (verifying) return;
          setVerifying(true);
          void verifyChain().finally(() => setVerifying(false));
        }}
      >
        {verifying ? 'Verifying…' : 'Verify the chain'}
      </button>
      <button type="button" className="button" aria-disabled={evidence.running || undefined} aria-busy={evidence.running || undefined} onClick={() => void exportEvidence()}>
        Download evidence pack
      </button>
      <p className="audit-evidence-status muted" role="status">
        {evidence.running && 'Preparing the evidence pack…'}
        {evidence.done && (
          <>
            Saved <span className="mono">{evidence.done.name}</span>: {evidence.done.keys} {evidence.done.keys === 1 ? 'key' : 'keys'}, {evidence.done.events}{' '}
            {evidence.done.events === 1 ? 'event' : 'events'}, the chain {evidence.done.verified ? 'verifies' : 'does not verify (the pack says where it breaks)'}.
          </>
        )}
        {evidence.error && (
          <span className="error-text">
            The evidence pack failed: <IsolatedText text={evidence.error} lines />
          </span>
        )}
      </p>
    </div>
  );
}

function Filters({ store }: { store: AuditStore }) {
  const filters = useStore(store, (state) => state.filters);
  const backends = useStore(store, (state) => state.backends);
  const events = useStore(store, (state) => state.events);
  const refError = useStore(store, (state) => state.refError);
  const setFilter = useStore(store, (state) => state.setFilter);
  const clearFilters = useStore(store, (state) => state.clearFilters);
  const [refText, setRefText] = useState(filters.ref ?? filters.refPart ?? '');
  const id = useId();

  // The field follows the filter when it changes elsewhere (a key link, Clear filters).
  useEffect(() => setRefText(filters.ref ?? filters.refPart ?? ''), [filters.ref, filters.refPart]);

  // Backends: those that exist now, plus any the trail names (a removed backend's events stay in the trail).
  const backendNames = useMemo(() => {
    const names = new Set(backends ?? []);
    for (const event of events ?? []) if (event.backend) names.add(event.backend);
    if (filters.backend) names.add(filters.backend);
    return [...names].sort();
  }, [backends, events, filters.backend]);
  const actions = useMemo(() => {
    const codes = new Set(Object.keys(AUDIT_ACTION_LABEL));
    for (const event of events ?? []) codes.add(event.action);
    if (filters.action) codes.add(filters.action);
    return [...codes].sort((a, b) => actionLabel(a).localeCompare(actionLabel(b)));
  }, [events, filters.action]);

  return (
    <form
      className="audit-filters"
      role="search"
      aria-label="Filter the audit trail"
      onSubmit={(event) => {
        event.preventDefault();
        setFilter('ref', refText);
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-backend`}>Backend</label>
        <select id={`${id}-backend`} value={filters.backend ?? ''} onChange={(event) => setFilter('backend', event.target.value || null)}>
          <option value="">All backends</option>
          {backendNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-key">
        <label htmlFor={`${id}-key`}>Key</label>
        <input
          id={`${id}-key`}
          type="text"
          className="mono"
          value={refText}
          placeholder="backend/id"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={refError ? true : undefined}
          aria-describedby={`${id}-key-hint`}
          onChange={(event) => setRefText(event.target.value)}
          onBlur={() => setFilter('ref', refText)}
        />
        <span id={`${id}-key-hint`} className={refError ? 'field-hint error-text' : 'field-hint muted'}>
          {refError ?? "A reference, or part of one or of a key's name; Enter applies it."}
        </span>
      </div>
      <div className="field">
        <label htmlFor={`${id}-action`}>Action</label>
        <select id={`${id}-action`} value={filters.action ?? ''} onChange={(event) => setFilter('action', event.target.value || null)}>
          <option value="">All actions</option>
          {actions.map((code) => (
            <option key={code} value={code}>
              {actionLabel(code)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-outcome`}>Outcome</label>
        <select id={`${id}-outcome`} value={filters.outcome ?? ''} onChange={(event) => setFilter('outcome', event.target.value ? AuditOutcome.parse(event.target.value) : null)}>
          <option value="">All outcomes</option>
          {AuditOutcome.options.map((outcome) => (
            <option key={outcome} value={outcome}>
              {OUTCOME_LABEL[outcome]}
            </option>
          ))}
        </select>
      </div>
      {hasAuditFilters(filters) && (
        <button type="button" className="button clear-filters" onClick={clearFilters}>
          Clear filters
        </button>
      )}
    </form>
  );
}

function Toolbar({ store }: { store: AuditStore }) {
  const events = useStore(store, (state) => state.events);
  const limit = useStore(store, (state) => state.limit);
  const filters = useStore(store, (state) => state.filters);
  const loading = useStore(store, (state) => state.loading);
  const exporting = useStore(store, (state) => state.exporting);
  const exportTrail = useStore(store, (state) => state.exportTrail);
  const names = useStore(store, (state) => state.keyNames);
  const shown = useMemo(() => shownEvents(events, filters.outcome, filters.refPart, names).length, [events, filters.outcome, filters.refPart, names]);

  let count = loading && events === null ? 'Loading…' : '';
  if (events !== null) {
    const matching = hasAuditFilters({ ...filters, outcome: null }) ? 'matching ' : '';
    // Fewer than asked for: that is all there is; as many: older ones may follow (Load more).
    const loaded = events.length < limit ? `${events.length} ${matching}${events.length === 1 ? 'event' : 'events'}` : `the newest ${events.length} ${matching}events`;
    const narrowed = [filters.outcome ? `with outcome ${OUTCOME_LABEL[filters.outcome]}` : null, filters.refPart ? `about “${filters.refPart}”` : null].filter(Boolean).join(' and ');
    count = narrowed ? `${shown} ${narrowed}, of ${loaded}` : loaded.charAt(0).toUpperCase() + loaded.slice(1);
  }

  return (
    <div className="audit-toolbar">
      <p className="audit-count" role="status">
        {count}
      </p>
      <p className="audit-export-status" role="status">
        {exporting.running && `Exporting ${exporting.running.toUpperCase()}…`}
        {exporting.done && (
          <>
            Exported {exporting.done.events} {exporting.done.events === 1 ? 'event' : 'events'} as <span className="mono">{exporting.done.name}</span>
          </>
        )}
        {exporting.error && (
          <span className="error-text">
            Export failed: <IsolatedText text={exporting.error} lines />
          </span>
        )}
      </p>
      <div className="audit-export" role="group" aria-labelledby="export-label">
        <span id="export-label" className="muted">
          Export {filters.outcome ? 'these events, all outcomes,' : 'these events'} as
        </span>
        <button type="button" className="button" onClick={() => void exportTrail('csv')} disabled={exporting.running !== null || !events?.length} aria-busy={exporting.running === 'csv'}>
          Export CSV
        </button>
        <button type="button" className="button" onClick={() => void exportTrail('json')} disabled={exporting.running !== null || !events?.length} aria-busy={exporting.running === 'json'}>
          Export JSON
        </button>
      </div>
    </div>
  );
}

function Trail({ store }: { store: AuditStore }) {
  const events = useStore(store, (state) => state.events);
  const error = useStore(store, (state) => state.error);
  const filters = useStore(store, (state) => state.filters);
  const limit = useStore(store, (state) => state.limit);
  const loading = useStore(store, (state) => state.loading);
  const load = useStore(store, (state) => state.load);
  const loadMore = useStore(store, (state) => state.loadMore);
  const clearFilters = useStore(store, (state) => state.clearFilters);
  const names = useStore(store, (state) => state.keyNames);
  const shown = useMemo(() => shownEvents(events, filters.outcome, filters.refPart, names), [events, filters.outcome, filters.refPart, names]);

  if (error) {
    return (
      <p className="audit-error" role="alert">
        <span className="error-text">
          Could not load the audit trail: <IsolatedText text={error} lines />
        </span>{' '}
        <button type="button" className="button" onClick={() => void load()}>
          Try again
        </button>
      </p>
    );
  }
  if (events === null) return null;
  if (events.length === 0) {
    return hasAuditFilters(filters) ? (
      <div className="empty">
        <h2>No events match these filters</h2>
        <p>Nothing was recorded for this backend, key and action.</p>
        <button type="button" className="button" onClick={clearFilters}>
          Clear filters
        </button>
      </div>
    ) : (
      <div className="empty">
        <h2>The audit trail is empty</h2>
        <p>Every sync, test, reveal, copy, key and backend change is recorded here, with the operating-system user who did it.</p>
      </div>
    );
  }

  return (
    <>
      {shown.length === 0 ? (
        <p className="audit-none muted">
          None of the {events.length === 1 ? '1 event' : `${events.length} events`} loaded {filters.outcome ? `has the outcome ${OUTCOME_LABEL[filters.outcome]}` : ''}
          {filters.outcome && filters.refPart ? ' and ' : ''}
          {filters.refPart ? `is about a key matching “${filters.refPart}”` : ''}.
        </p>
      ) : (
        <div className="audit-table-wrap">
          <table className="audit-table">
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className="col-time">
                  Time
                </th>
                <th scope="col">OS user</th>
                <th scope="col">Action</th>
                <th scope="col">Backend</th>
                <th scope="col">Key</th>
                <th scope="col">Outcome</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((event) => (
                <tr key={event.id} data-outcome={event.outcome}>
                  <td className="col-time">
                    <time dateTime={event.at}>{formatAuditTime(event.at)}</time>
                  </td>
                  <td>
                    <IsolatedText text={event.osUser} />
                  </td>
                  {/* Words for the administrator; the engine's code (what `keywarden audit --action` takes) in the title. */}
                  <td title={event.action}>{actionLabel(event.action)}</td>
                  <td>{event.backend === null ? <span className="muted">—</span> : <IsolatedText text={event.backend} />}</td>
                  <td className="col-key">{event.ref ? <KeyCell keyRef={event.ref} naming={names[event.ref]} /> : <span className="muted">—</span>}</td>
                  <td>
                    <OutcomeBadge outcome={event.outcome} />
                  </td>
                  <td className="col-detail">{event.detail === null ? <span className="muted">—</span> : <IsolatedText text={datesInText(event.detail)} lines />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.length >= limit && limit < AUDIT_MAX && (
        <p className="audit-more">
          <button type="button" className="button" onClick={() => void loadMore()} disabled={loading}>
            Load {AUDIT_PAGE} older events
          </button>
        </p>
      )}
    </>
  );
}

/**
 * The key an event is about, one line each, cut with an ellipsis (the whole in the title): its name with its prefix
 * beside it (KeyName, as everywhere a key is named) while the key is in the inventory, then its reference, which holds
 * its ID; a key that is gone is its reference alone.
 */
function KeyCell({ keyRef, naming }: { keyRef: string; naming: KeyNaming | undefined }) {
  const title = naming ? `${naming.name}${naming.prefix ? ` ${naming.prefix}` : ''} (${keyRef})` : keyRef;
  return (
    <span className="key-cell" title={visibleText(title)}>
      {naming && (
        <span className="key-name">
          {/* The ID is in the reference below: only a prefix is said beside the name. */}
          <KeyName name={naming.name} keyRef={keyRef} prefix={naming.prefix} tell={naming.prefix !== null} />
        </span>
      )}
      <a className="mono key-ref" href={hrefFor('inventory', keyRef)}>
        <IsolatedText text={keyRef} />
      </a>
    </span>
  );
}
