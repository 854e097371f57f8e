import { hrefFor, VIEW_TITLES, VIEWS, type View } from '../routing.js';
import { useShell } from '../state/context.js';
import { SignOutButton } from './SignOutButton.js';

/** The product name, the views, and a plain statement when the data shown is the demo's. */
export function TopBar({ view }: { view: View }) {
  const host = useShell((state) => state.host);
  const lock = useShell((state) => state.lock);
  const lockNow = useShell((state) => state.lockNow);
  return (
    <div className="topbar">
      <span className="brand">Keywarden</span>
      <nav aria-label="Views">
        <ul className="nav">
          {VIEWS.map((name) => (
            <li key={name}>
              <a className="nav-link" href={hrefFor(name)} aria-current={name === view ? 'page' : undefined}>
                {VIEW_TITLES[name]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <span className="topbar-end">
        {host?.demo && (
          <span className="demo-badge" title={`Demo data in ${host.home}; your own data folder is untouched`}>
            Demo data
          </span>
        )}
        {lock && !lock.locked && (
          <button type="button" className="button subtle" onClick={() => void lockNow()} title="Lock Keywarden: no secret can be revealed or copied until you unlock it">
            Lock
          </button>
        )}
        <SignOutButton />
      </span>
    </div>
  );
}
