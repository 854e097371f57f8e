/**
 * The rotation wizard: the plan before anything changes (steps, downtime, warnings), then each step as the
 * engine's journal records it, and the one question the rotation waits for. Opened from the key detail
 * (`store.open(ref)`) or from "rotations in progress" (`store.reopen(rotation)`); see README.md.
 */
import { Fragment, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { Rotation, RotationPlan, RotationStep } from '../../../shared/rotation.js';
import { type RotationStore } from './rotation-store.js';
import { calendarDaysUntil, datesInText, formatDay, plural } from '../lib/dates.js';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useSecondsLeft } from '../lib/use-seconds-left.js';
import { CopyStatus } from '../keys/KeyActionsSection.js';
import { useKeyActions } from '../state/key-actions-context.js';
import './rotation.css';

const STEP_MARK: Record<RotationStep['status'], string> = {
  pending: '○',
  intent: '…',
  done: '✓',
  skipped: '–',
  failed: '✗',
  unknown: '?',
};

export function RotationWizard({ store }: { store: RotationStore }) {
  const ref = useStore(store, (state) => state.ref);
  const plan = useStore(store, (state) => state.plan);
  const rotation = useStore(store, (state) => state.rotation);
  const issued = useStore(store, (state) => state.issued);
  const busy = useStore(store, (state) => state.busy);
  const error = useStore(store, (state) => state.error);
  const close = useStore(store, (state) => state.close);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (ref) headingRef.current?.focus();
  }, [ref]);

  // Escape closes the wizard as it closes the key's panel (the rotation is kept: the engine's journal). A dialog
  // over it handles its own Escape.
  useEffect(() => {
    if (!ref) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented && !document.querySelector('dialog[open]')) close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ref, close]);

  if (!ref) return null;
  return (
    <section className="detail rotation" aria-labelledby="rotation-heading" aria-busy={busy}>
      <div className="detail-head">
        <h2 id="rotation-heading" ref={headingRef} tabIndex={-1}>
          Rotate <IsolatedText text={ref} />
        </h2>
        <button type="button" className="button icon" onClick={close} aria-label="Close the rotation wizard" title="Close (the rotation is kept)">
          ×
        </button>
      </div>
      {/* The shown-once key first: it is what needs doing now, before the steps below scroll it out of view. */}
      {issued && <ShownOnceKey store={store} />}
      {rotation ? <Progress store={store} rotation={rotation} /> : plan ? <Plan store={store} plan={plan} /> : <p className="muted">Loading the plan…</p>}
      <div role="alert" className="error-text">
        {error && <IsolatedText text={error} lines />}
      </div>
    </section>
  );
}

/** The rotation's new key, shown once: the whole field, Copy, and (when Keywarden cached it) a countdown to its hiding. */
function ShownOnceKey({ store }: { store: RotationStore }) {
  const issued = useStore(store, (state) => state.issued);
  const hidesAt = useStore(store, (state) => state.issuedHidesAt);
  const left = useSecondsLeft(hidesAt);
  const copyRef = issued ? `rotation:${issued.key.ref}` : null;
  const copy = useKeyActions((state) => (state.copy.ref === copyRef ? state.copy : null));
  const copyShownOnce = useKeyActions((state) => state.copyShownOnce);
  if (!issued || !copyRef) return null;
  return (
    <div className="rotation-issued">
      <p>
        <strong>
          <IsolatedText text={issued.key.ref} />
        </strong>
        : the vendor shows this key only once.{' '}
        {issued.cached ? 'It is cached encrypted in Keywarden (Reveal and Copy work later).' : 'It could NOT be cached: store it yourself now, it exists nowhere else.'}
      </p>
      <label className="rotation-field">
        <span>New key, shown once</span>
        {/* A wrapping field: the whole key stays readable in a narrow panel, none of it scrolled out of sight. */}
        <textarea className="mono" readOnly rows={2} value={issued.secret ?? ''} onFocus={(event) => event.currentTarget.select()} spellCheck={false} autoComplete="off" />
      </label>
      <div className="button-row">
        <button type="button" className="button" onClick={() => void copyShownOnce(copyRef, issued.secret ?? '')} disabled={!issued.secret || copy?.phase === 'copying'}>
          Copy
        </button>
        <button type="button" className="button" onClick={() => store.getState().dismissIssued()}>
          Hide it
        </button>
        <span className="action-result" role="status" aria-live="polite">
          <CopyStatus state={copy} />
        </span>
      </div>
      {left !== null && (
        <p className="muted countdown">
          <span role="timer">Hidden in {left} s</span>.
        </p>
      )}
    </div>
  );
}

function Plan({ store, plan }: { store: RotationStore; plan: RotationPlan }) {
  const busy = useStore(store, (state) => state.busy);
  const options = useStore(store, (state) => state.options);
  return (
    <div>
      <p>
        <IsolatedText text={plan.title} lines />
      </p>
      <p>
        <strong>Downtime:</strong> <IsolatedText text={plan.downtime} lines />
      </p>
      {plan.warnings.length > 0 && (
        <ul className="warnings">
          {plan.warnings.map((warning) => (
            <li key={warning} className="tone-overdue">
              <IsolatedText text={warning} lines />
            </li>
          ))}
        </ul>
      )}
      <div className="button-row">
        {plan.alternatives.map((alternative) => (
          <button
            key={alternative}
            type="button"
            className="button"
            disabled={busy}
            onClick={() => void store.getState().setOptions({ ...options, order: alternative === 'revoke-first' ? 'revoke-first' : 'paste-first' })}
          >
            Use the other order ({alternative})
          </button>
        ))}
      </div>
      <ol className="steps">
        {plan.steps.map((step) => (
          <li key={step.name}>
            <IsolatedText text={step.title} lines />
            {/* Said once: the engine's title may say it already ("… (irreversible: it stops working for good)"). */}
            {step.irreversible && !step.optional && !/irreversible/i.test(step.title) && <span className="tone-overdue"> (irreversible)</span>}
            {step.optional && <span className="muted"> (optional)</span>}
          </li>
        ))}
      </ol>
      <p className="muted">
        {plan.consumers.length ? (
          <>
            Consumers to switch:{' '}
            {plan.consumers.map((consumer, index) => (
              <Fragment key={consumer}>
                {index > 0 && ', '}
                <IsolatedText text={consumer} />
              </Fragment>
            ))}
          </>
        ) : (
          'No named consumers.'
        )}
      </p>
      <div className="button-row">
        <button type="button" className="button primary" disabled={busy} onClick={() => void store.getState().start()}>
          Start the rotation
        </button>
      </div>
    </div>
  );
}

function Progress({ store, rotation }: { store: RotationStore; rotation: Rotation }) {
  const busy = useStore(store, (state) => state.busy);
  const { answer, abandon } = store.getState();
  const finished = rotation.state === 'done' || rotation.state === 'abandoned';
  return (
    <div>
      <p>
        <IsolatedText text={rotation.title} lines /> <span className="muted">· rotation {rotation.id}</span>
      </p>
      <ol className="steps">
        {rotation.steps.map((step) => (
          <li key={step.name} aria-current={step.name === rotation.currentStep ? 'step' : undefined}>
            <span aria-hidden="true">{STEP_MARK[step.status]} </span>
            <IsolatedText text={step.title} lines />
            <span className="visually-hidden"> ({step.status})</span>
            {step.detail && (
              <div className="muted">
                <IsolatedText text={datesInText(step.detail)} lines />
              </div>
            )}
          </li>
        ))}
      </ol>
      {rotation.graceEndsAt && !finished && <Countdown graceEndsAt={rotation.graceEndsAt} />}
      {rotation.state === 'done' && (
        <p className="tone-active">
          Done
          {rotation.newRef && rotation.newRef !== rotation.ref && (
            <>
              : the new key is <IsolatedText text={rotation.newRef} />
            </>
          )}
          .
        </p>
      )}
      {rotation.state === 'abandoned' && <p className="muted">Abandoned; nothing at the vendor was undone.</p>}
      {rotation.problem && (
        <p className="error-text">
          <IsolatedText text={rotation.problem} lines />
        </p>
      )}
      {!finished && <Need store={store} rotation={rotation} />}
      {!finished && (
        <div className="button-row">
          {(rotation.state === 'running' || (rotation.state === 'blocked' && rotation.needs?.kind !== 'remedy')) && (
            <button type="button" className="button" disabled={busy} onClick={() => void answer({ action: 'continue' })}>
              {rotation.state === 'blocked' ? 'Try again' : 'Continue'}
            </button>
          )}
          <button type="button" className="button" disabled={busy} onClick={() => void abandon()}>
            Abandon
          </button>
        </div>
      )}
    </div>
  );
}

function Countdown({ graceEndsAt }: { graceEndsAt: string }) {
  const days = calendarDaysUntil(graceEndsAt, new Date());
  return (
    <p className={days <= 7 ? 'tone-overdue' : 'muted'}>
      The old key stops working on {formatDay(graceEndsAt)}: {days < 0 ? `ended ${plural(-days, 'day')} ago` : days === 0 ? 'today' : `${plural(days, 'day')} left`}.
    </p>
  );
}

/** The one question the rotation waits for. */
function Need({ store, rotation }: { store: RotationStore; rotation: Rotation }) {
  const busy = useStore(store, (state) => state.busy);
  const [secret, setSecret] = useState('');
  const needs = rotation.needs;
  if (!needs) return null;
  const { answer } = store.getState();
  switch (needs.kind) {
    case 'secret':
      return (
        <form
          className="paste-form"
          onSubmit={(event) => {
            event.preventDefault();
            const value = secret;
            setSecret('');
            void answer({ action: 'secret', secret: value });
          }}
        >
          <label className="rotation-field">
            <span>
              <IsolatedText text={needs.prompt} lines />
            </span>
            <input type="password" className="mono" autoComplete="off" spellCheck={false} value={secret} onChange={(event) => setSecret(event.currentTarget.value)} />
          </label>
          <div className="button-row">
            <button type="submit" className="button primary" disabled={busy || secret.trim() === ''}>
              Test and store it
            </button>
          </div>
        </form>
      );
    case 'consumers': {
      const left = rotation.consumers.filter((consumer) => consumer.switchedAt === null);
      return (
        <div>
          <p>
            <IsolatedText text={needs.prompt} lines />
          </p>
          <ul>
            {rotation.consumers.map((consumer) => (
              <li key={consumer.name}>
                {consumer.switchedAt ? <span aria-label="switched">✓ </span> : ''}
                <IsolatedText text={consumer.name} />{' '}
                {!consumer.switchedAt && (
                  <button
                    type="button"
                    className="button"
                    disabled={busy}
                    aria-label={`${consumer.name}: switched to the new key`}
                    onClick={() => void answer({ action: 'consumer-switched', name: consumer.name })}
                  >
                    Switched
                  </button>
                )}
              </li>
            ))}
          </ul>
          <div className="button-row">
            <button type="button" className="button primary" disabled={busy} onClick={() => void answer({ action: 'confirm' })}>
              {left.length ? 'All switched' : 'Consumers switched'}
            </button>
          </div>
        </div>
      );
    }
    case 'confirm': {
      // An irreversible step (deleting the old key at the vendor) is confirmed by a danger button that names it,
      // never a plain "Yes".
      const step = rotation.steps.find((candidate) => candidate.name === rotation.currentStep);
      const deletes = rotation.currentStep === 'delete-old';
      const irreversible = step?.irreversible ?? false;
      return (
        <div>
          <p>
            <IsolatedText text={needs.prompt} lines />
          </p>
          <div className="button-row">
            <button type="button" className={irreversible ? 'button danger-solid' : 'button primary'} disabled={busy} onClick={() => void answer({ action: 'confirm' })}>
              {deletes ? (needs.optional ? 'Delete old key now' : 'Delete old key') : 'Yes'}
            </button>
            {needs.optional && (
              <button type="button" className="button" disabled={busy} onClick={() => void answer({ action: 'skip' })}>
                {deletes ? 'Keep it until it expires' : 'No, leave it'}
              </button>
            )}
          </div>
        </div>
      );
    }
    case 'remedy':
      return (
        <div>
          <p>
            <IsolatedText text={needs.prompt} lines />
          </p>
          <div className="button-row">
            <button type="button" className="button primary" disabled={busy} onClick={() => void answer({ action: 'remedy' })}>
              Yes, do that
            </button>
          </div>
        </div>
      );
  }
}
