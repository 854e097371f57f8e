/**
 * The inventory's first run (no backend yet): try the demo (where the host can start it) or add a backend in the
 * console; the terminal's way stays below as secondary text.
 */
import { ADD_BACKEND_HREF } from '../routing.js';
import { useShell } from '../state/context.js';
import '../backends/backends.css';

export function FirstRun() {
  const host = useShell((state) => state.host);
  const startingDemo = useShell((state) => state.startingDemo);
  const demoError = useShell((state) => state.demoError);
  const startDemo = useShell((state) => state.startDemo);
  const demo = host?.demoAvailable === true;
  return (
    <section className="empty first-run" aria-labelledby="first-run-heading">
      <h2 id="first-run-heading">No backends yet</h2>
      <p>Keywarden lists the API keys of the backends you add: CommBox, BoxWatch and Nitrobox accounts, and manual backends for vendors without an API.</p>
      <div className="first-run-offers">
        {demo && (
          <button
            type="button"
            className="button primary"
            aria-describedby="first-run-demo-about"
            aria-disabled={startingDemo || undefined}
            aria-busy={startingDemo || undefined}
            onClick={() => {
              if (!startingDemo) void startDemo();
            }}
          >
            {startingDemo ? 'Starting the demo…' : 'Try the demo'}
          </button>
        )}
        <a className={demo ? 'button' : 'button primary'} href={ADD_BACKEND_HREF}>
          Add a backend
        </a>
      </div>
      {demo && (
        <p id="first-run-demo-about" className="muted">
          The demo starts built-in CommBox, BoxWatch and Nitrobox emulators with sample keys, in a data folder of its own: your own data folder is not touched.
        </p>
      )}
      <p className="first-run-status" role="status">
        {startingDemo ? 'Starting the demo: the emulators, their sample keys and a first sync…' : ''}
      </p>
      {demoError && (
        <p className="form-error" role="alert">
          The demo did not start: {demoError}
        </p>
      )}
      <div className="first-run-cli">
        <h3>Or from a terminal</h3>
        <pre className="mono">{'keywarden backend add --type manual --name hand\nkeywarden backend add --type nitrobox --name NAME --url URL --credential-stdin'}</pre>
        <p className="muted">
          The types are <code>commbox</code>, <code>boxwatch</code>, <code>nitrobox</code> and <code>manual</code>; <code>keywarden backend add --help</code> explains the options.{' '}
          <code>keywarden demo</code> starts the sample vendors in a terminal instead; run <code>keywarden ui --home DIR</code> with the folder it prints.
        </p>
      </div>
    </section>
  );
}
