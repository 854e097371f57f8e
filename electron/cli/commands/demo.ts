/** `keywarden demo`: the built-in emulators with sample keys, in a data folder of the demo's own. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { plural } from '../io.js';
import type { EngineOptions } from '../../core/engine.js';
import type { CommandRun } from '../main.js';

/**
 * Where the demo keeps its data and how its vault opens: never the real inventory (`--home` only when given on
 * this command line, else the demo's own folder). Without an OS keychain (a server, a container) the sample
 * secrets are sealed under a random passphrase kept beside them: acceptable for sample data only, and said so.
 */
export async function demoEngineOptions(homeOption: string | undefined): Promise<{ home: string; passphraseFile: string; options: Partial<EngineOptions> }> {
  const { demoHome, demoPassphraseFile } = await import('../../core/demo/demo-home.js');
  const { DEMO_PASSPHRASE_FILE } = await import('../../core/paths.js');
  const { cliPassphraseSource } = await import('../passphrase.js');
  const home = demoHome(homeOption);
  const passphraseFile = join(home, DEMO_PASSPHRASE_FILE);
  return { home, passphraseFile, options: { home, mustExist: false, readOnly: false, passphrase: cliPassphraseSource(() => demoPassphraseFile(home)) } };
}

export const demo: CommandRun = async ({ values, out, engine }) => {
  const { PASSPHRASE_FILE_VARIABLE } = await import('../passphrase.js');
  const { home, passphraseFile, options } = await demoEngineOptions(values.home as string | undefined);
  const core = await engine(options);
  const { startDemo } = await import('../../core/demo/demo.js');
  out.info(`starting the CommBox, BoxWatch and Nitrobox emulators on 127.0.0.1, with the demo data folder ${home} ...`);
  const running = await startDemo(core);
  const reminders = core.reminders({ withinDays: 30 });
  const vault = await core.vaultStatus();
  const keychainless = vault.keychain !== 'holds-key' && vault.passphraseSlot !== null && existsSync(passphraseFile);
  const failed = running.report.results.filter((result) => !result.ok);
  out.info(
    [
      `demo ready: ${plural(core.listKeys({}).length, 'key')} in ${plural(core.listBackends().length, 'backend')}, ${plural(reminders.length, 'reminder')} within 30 days`,
      ...failed.map((result) => `  sync of ${result.backend} failed: ${result.error}`),
      `  CommBox  ${running.emulators.commbox.url}`,
      `  BoxWatch ${running.emulators.boxwatch.url}`,
      `  Nitrobox ${running.emulators.nitrobox.url}`,
      ...(keychainless
        ? [
            `No OS keychain here: the demo's sample secrets are sealed under a random passphrase kept in ${passphraseFile} (fine for sample data; for real data see "keywarden vault add-passphrase").`,
          ]
        : []),
      // Test reads the key's cached secret too (it is sealed like any other), so without a keychain it needs the
      // passphrase file as Reveal does: only list, reminders and show work without it.
      `In another terminal: keywarden --home ${JSON.stringify(home)} list   (also reminders, show REF${keychainless ? `; test REF and reveal REF need ${PASSPHRASE_FILE_VARIABLE}=${passphraseFile}` : ', test REF, reveal REF'})`,
      'Press Ctrl-C to stop the emulators.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  out.info('demo stopped; the inventory stays readable offline');
  return 0;
};
