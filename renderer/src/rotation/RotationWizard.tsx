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
      {rotation ? <Progress store={store} rotation={rotation} /> : plan ? <Plan store={store} plan={plan} /> : <p className="muted">Loading the plan…</p>}
      {issued && (
        <div className="secret" role="status">
          <p>
            <strong>
              <IsolatedText text={issued.key.ref} />
            </strong>
            : the vendor shows this key only once. {issued.cached ? 'It is cached encrypted in Keywarden.' : 'It could NOT be cached: store it yourself now.'}
          </p>
          <input className="mono" readOnly value={issued.secret ?? ''} aria-label="New key, shown once" onFocus={(event) => event.currentTarget.select()} spellCheck={false} />
          <button type="button" className="button" onClick={() => store.getState().dismissIssued()}>
            Hide it
          </button>
        </div>
      )}
      <div role="alert" className="error-text">
        {error && <IsolatedText text={error} lines />}
      </div>
    </section>
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
      <ol className="steps">
        {plan.steps.map((step) => (
          <li key={step.name}>
            <IsolatedText text={step.title} lines />
            {step.irreversible && !step.optional && <span className="tone-overdue"> (irreversible)</span>}
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
      <button type="button" className="button primary" disabled={busy} onClick={() => void store.getState().start()}>
        Start the rotation
      </button>
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
        <div className="actions">
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
          onSubmit={(event) => {
            event.preventDefault();
            const value = secret;
            setSecret('');
            void answer({ action: 'secret', secret: value });
          }}
        >
          <label>
            <IsolatedText text={needs.prompt} lines />
            <input type="password" className="mono" autoComplete="off" spellCheck={false} value={secret} onChange={(event) => setSecret(event.currentTarget.value)} />
          </label>
          <button type="submit" className="button primary" disabled={busy || secret.trim() === ''}>
            Test and store it
          </button>
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
                {consumer.switchedAt ? '✓ ' : ''}
                <IsolatedText text={consumer.name} />{' '}
                {!consumer.switchedAt && (
                  <button type="button" className="button" disabled={busy} onClick={() => void answer({ action: 'consumer-switched', name: consumer.name })}>
                    Switched
                  </button>
                )}
              </li>
            ))}
          </ul>
          <button type="button" className="button primary" disabled={busy} onClick={() => void answer({ action: 'confirm' })}>
            {left.length ? 'All switched' : 'Consumers switched'}
          </button>
        </div>
      );
    }
    case 'confirm':
      return (
        <div>
          <p>
            <IsolatedText text={needs.prompt} lines />
          </p>
          <button type="button" className="button primary" disabled={busy} onClick={() => void answer({ action: 'confirm' })}>
            Yes
          </button>
          {needs.optional && (
            <button type="button" className="button" disabled={busy} onClick={() => void answer({ action: 'skip' })}>
              No, leave it
            </button>
          )}
        </div>
      );
    case 'remedy':
      return (
        <div>
          <p>
            <IsolatedText text={needs.prompt} lines />
          </p>
          <button type="button" className="button primary" disabled={busy} onClick={() => void answer({ action: 'remedy' })}>
            Yes, do that
          </button>
        </div>
      );
  }
}
