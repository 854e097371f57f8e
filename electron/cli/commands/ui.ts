/** `keywarden ui`: the console in the default browser, served on 127.0.0.1 until Ctrl-C or SIGTERM. */
import { parseWholeNumber } from '../io.js';
import type { CommandRun } from '../main.js';

export const ui: CommandRun = async ({ values, out, engine }) => {
  const port = parseWholeNumber(values.port as string | undefined, '--port', 0, 65535) ?? 0;
  const core = await engine();
  const { startUiServer } = require('../ui/server.js') as typeof import('../ui/server.js');
  const { openInBrowser } = require('../ui/open-browser.js') as typeof import('../ui/open-browser.js');
  // Listen for the stop signals before the URL is printed: whoever starts this may stop it as soon as it has the URL.
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    // The terminal closed: stop as cleanly as on Ctrl-C.
    process.once('SIGHUP', () => resolve('SIGHUP'));
  });
  const { resolveHome } = require('../../core/paths.js') as typeof import('../../core/paths.js');
  const server = await startUiServer({
    engine: core,
    home: resolveHome(values.home as string | undefined),
    port,
    log: (message) => out.info(`keywarden ui: ${message}`),
    // The console's first run offers the demo: its own data folder and emulators, in this process, until it stops.
    startDemo: async () => {
      const { demoEngineOptions } = await import('./demo.js');
      const { KeywardenEngine } = await import('../../core/engine.js');
      const { startDemoSession } = await import('../../core/demo/demo.js');
      const { home, options } = await demoEngineOptions(undefined);
      const session = await startDemoSession(await KeywardenEngine.start({ home, ...options }), home);
      out.info(`keywarden ui: demo started in ${home} (the real data folder is left as it was)`);
      return session;
    },
  });
  out.result({ url: server.url }, () => server.url);
  out.info(`serving the Keywarden console on ${server.origin} (this machine only); open the URL above. Press Ctrl-C to stop.`);
  if (!values['no-open']) openInBrowser(server.url, (reason) => out.info(`keywarden ui: could not open a browser (${reason}); open the URL above yourself`));
  const signal = await stopped;
  out.info(`${signal}: stopping the console (calls under way finish first) ...`);
  await server.close();
  out.info('console stopped');
  return 0;
};
