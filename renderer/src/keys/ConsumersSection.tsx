/**
 * A key's named consumers (who uses it: "CI pipeline", "billing job") in its detail panel: listed, added and removed
 * through `consumers:set`. The same list is what the key's rotation ticks off before the old key goes (the engine
 * keeps one list: an open rotation follows an edit here).
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { IsolatedText } from '../lib/IsolatedText.js';
import { useKeyEdit } from '../state/key-edit-context.js';

export function ConsumersSection({ keyRef, changed }: { keyRef: string; changed: unknown }) {
  const id = useId();
  const consumers = useKeyEdit((state) => (state.consumers.ref === keyRef ? state.consumers : null));
  const loadConsumers = useKeyEdit((state) => state.loadConsumers);
  const addConsumer = useKeyEdit((state) => state.addConsumer);
  const removeConsumer = useKeyEdit((state) => state.removeConsumer);
  const [typed, setTyped] = useState('');

  // On opening the key, and whenever it changed (a rotation carries consumers over to the new key).
  useEffect(() => {
    void loadConsumers(keyRef);
  }, [keyRef, changed, loadConsumers]);

  const names = consumers?.names ?? null;
  const saving = consumers?.saving ?? false;
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (saving || typed.trim() === '') return;
    if (await addConsumer(keyRef, typed)) setTyped('');
  };

  return (
    <section className="key-section" aria-labelledby={`${id}-heading`}>
      <div className="key-section-head">
        <h3 id={`${id}-heading`}>Consumers</h3>
      </div>
      <p className="field-hint muted">Who uses this key. Its rotation lists them to tick off before the old key goes.</p>
      {names === null && !consumers?.error && <p className="muted action-note">Loading…</p>}
      {names?.length === 0 && <p className="muted action-note">No named consumers.</p>}
      {names && names.length > 0 && (
        <ul className="consumer-list" aria-label="Consumers">
          {names.map((name) => (
            <li key={name}>
              <IsolatedText text={name} />
              <button type="button" className="button subtle" aria-label={`Remove consumer ${name}`} onClick={() => void removeConsumer(keyRef, name)} disabled={saving}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="inline-add" onSubmit={(event) => void add(event)} aria-label="Add a consumer">
        <label htmlFor={`${id}-name`} className="visually-hidden">
          Consumer name
        </label>
        <input id={`${id}-name`} value={typed} onChange={(event) => setTyped(event.target.value)} placeholder="e.g. CI pipeline" maxLength={100} autoComplete="off" disabled={saving} />
        <button type="submit" className="button" disabled={saving || typed.trim() === ''}>
          Add consumer
        </button>
      </form>
      {consumers?.error && (
        <p className="error-text" role="alert">
          <IsolatedText text={consumers.error} lines />
        </p>
      )}
    </section>
  );
}
