/**
 * `keywarden ui`: the console in the default browser, served on 127.0.0.1 until Ctrl-C or SIGTERM.
 *
 * It prints one sign-in URL (for a browser on another machine through an SSH tunnel, or to open by hand). Unless
 * --no-open, it opens the browser on a private launcher file holding a second URL, so that no command line ever
 * holds a token. Each URL signs in once; at a terminal, Enter prints a fresh one.
 */
import { createInterface } from 'node:readline';
import { parseWholeNumber } from '../io.js';
import type { CommandRun } from '../main.js';

export const ui: CommandRun = async ({ values, out, engine }) => {
  const port = parseWholeNumber(values.port as string | undefined, '--port', 0, 65535) ?? 0;
  const { cliPassphraseSource } = require('../passphrase.js') as typeof import('../passphrase.js');
  // No prompt in this terminal while serving: the console asks for the passphrase in its own dialog (vault:unlock).
  const core = await engine({ passphrase: cliPassphraseSource(undefined, { prompt: false }) });
  const { startUiServer } = require('../ui/server.js') as typeof import('../ui/server.js');
  const { openInBrowser, writeLauncherFile } = require('../ui/open-browser.js') as typeof import('../ui/open-browser.js');
  const { DEFAULT_SESSION_LIMITS, duration } = require('../ui/security.js') as typeof import('../ui/security.js');
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

  const url = server.newLaunchUrl();
  out.result({ url }, () => url);
  // Enter for a new link needs a person at a terminal, and stdout to print on (with --json it holds one document).
  const atTerminal = process.stdin.isTTY === true && !out.json;
  const lifetime = duration(DEFAULT_SESSION_LIMITS.tokenMs);
  out.info(
    `serving the Keywarden console on ${server.origin} (this machine only). The URL above signs in one browser tab, once, within ${lifetime}; ` +
      (atTerminal ? 'press Enter here for a new one (another tab, or after signing out). ' : 'run "keywarden ui" again for a new one. ') +
      'Press Ctrl-C to stop.',
  );

  let launcher: { remove(): void } | null = null;
  if (!values['no-open']) {
    try {
      // Its own token, which leaves with the file: removed once that token is used or expires, and at exit.
      const file = writeLauncherFile(server.newLaunchUrl(() => launcher?.remove()));
      launcher = file;
      process.once('exit', () => file.remove());
      openInBrowser(file.path, (reason) => out.info(`keywarden ui: could not open a browser (${reason}); open the URL above yourself`));
    } catch (error) {
      out.info(`keywarden ui: could not write the browser's launcher file (${error instanceof Error ? error.message : String(error)}); open the URL above yourself`);
    }
  }

  const lines = atTerminal ? createInterface({ input: process.stdin, terminal: false }) : null;
  lines?.on('line', () => {
    const fresh = server.newLaunchUrl();
    process.stdout.write(`${fresh}\n`);
    out.info(`a new sign-in URL (once, within ${lifetime}); Enter again for another`);
  });

  const signal = await stopped;
  if (lines) {
    lines.close();
    process.stdin.pause();
  }
  out.info(`${signal}: stopping the console (calls under way finish first) ...`);
  await server.close();
  launcher?.remove();
  out.info('console stopped');
  return 0;
};
