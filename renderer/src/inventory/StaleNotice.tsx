/** The inventory header's warning when a backend's last sync failed or its data is over a day old; it leads to the backends view. */
import { stalenessSummary } from '../lib/age.js';
import { useNow } from '../lib/use-now.js';
import { hrefFor } from '../routing.js';
import { useInventory } from '../state/context.js';
import '../backends/backends.css';

export function StaleNotice() {
  const backends = useInventory((state) => state.backends);
  const now = useNow();
  const summary = backends ? stalenessSummary(backends, now) : null;
  if (!summary) return null;
  return (
    <a className="stale-notice" href={hrefFor('backends')} title="See the backends and their last errors">
      <span aria-hidden="true">⚠</span>
      {summary}
    </a>
  );
}
