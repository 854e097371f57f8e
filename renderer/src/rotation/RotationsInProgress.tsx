/**
 * "Rotations in progress": every unfinished rotation, also those a crash or a closed app left, with where each
 * stands and what it waits for; Open reopens it in the wizard, Abandon stops it (nothing at the vendor undone).
 */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { RotationStore } from './rotation-store.js';
import { IsolatedText } from '../lib/IsolatedText.js';

export function RotationsInProgress({ store }: { store: RotationStore }) {
  const rotations = useStore(store, (state) => state.inProgress);
  const listError = useStore(store, (state) => state.listError);
  const busy = useStore(store, (state) => state.busy);

  useEffect(() => {
    void store.getState().loadInProgress();
  }, [store]);

  return (
    <section aria-labelledby="rotations-heading">
      <h2 id="rotations-heading">Rotations in progress</h2>
      {listError && (
        <p className="error-text">
          <IsolatedText text={listError} lines />
        </p>
      )}
      {rotations === null ? (
        <p className="muted">Loading…</p>
      ) : rotations.length === 0 ? (
        <p className="muted">No rotation in progress.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Plan</th>
              <th scope="col">State</th>
              <th scope="col">Waits for</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rotations.map((rotation) => (
              <tr key={rotation.id}>
                <td className="mono">
                  <IsolatedText text={rotation.ref} />
                </td>
                <td>{rotation.kind}</td>
                <td>{rotation.state}</td>
                <td>
                  <IsolatedText text={rotation.problem ?? rotation.needs?.prompt ?? rotation.currentStep ?? '—'} lines />
                </td>
                <td>
                  <button type="button" className="button" onClick={() => store.getState().reopen(rotation)}>
                    Open
                  </button>{' '}
                  <button type="button" className="button" disabled={busy} onClick={() => void store.getState().abandon(rotation.id)}>
                    Abandon
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
