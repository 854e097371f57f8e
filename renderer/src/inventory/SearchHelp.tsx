import { useId, useRef } from 'react';
import { SEARCH_HELP } from '../../../shared/search-query.js';
import { Modal } from '../keys/Modal.js';

/** The search syntax with examples (shared/search-query.ts SEARCH_HELP, the list the parser is tested against). */
export function SearchHelpDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const close = useRef<HTMLButtonElement>(null);
  return (
    <Modal labelledBy={`${id}-title`} describedBy={`${id}-intro`} onDismiss={onClose} initialFocus={close} className="search-help">
      <div className="modal-body">
        <h2 id={`${id}-title`} className="modal-title">
          Searching keys
        </h2>
        <p id={`${id}-intro`}>
          Type words to find keys that contain all of them, anywhere in their name, prefix, ID, backend, vendor, owner, environment, tags or notes. Any case; part of a word is enough. Add fields
          to narrow:
        </p>
        <table className="search-help-table">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Finds keys</th>
            </tr>
          </thead>
          <tbody>
            {SEARCH_HELP.map((line) => (
              <tr key={line.example}>
                <td>
                  <code>{line.example}</code>
                </td>
                <td>{line.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">
          Example: <code>payments tag:prod -env:staging due&lt;30</code>. The same search works in a terminal: <code>keywarden list --search &quot;…&quot;</code>.
        </p>
        <div className="modal-actions">
          <button ref={close} type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Modal>
  );
}
