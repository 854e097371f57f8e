/** `keywarden demo`: the built-in emulators with sample keys, registered in this data folder. */
import type { CommandRun } from '../main.js';

export const demo: CommandRun = async ({ out, engine }) => {
  const core = await engine();
  const { startDemo } = await import('../../core/demo/demo.js');
  out.info('starting the CommBox, BoxWatch and Nitrobox emulators on 127.0.0.1 ...');
  const running = await startDemo(core);
  const reminders = core.reminders({ withinDays: 30 });
  out.info(
    [
      `demo ready: ${core.listKeys({}).length} keys in ${core.listBackends().length} backends, ${reminders.length} reminders within 30 days (data folder ${core.home})`,
      `  CommBox  ${running.emulators.commbox.url}`,
      `  BoxWatch ${running.emulators.boxwatch.url}`,
      `  Nitrobox ${running.emulators.nitrobox.url}`,
      'In another terminal, with the same data folder: keywarden list, keywarden reminders, keywarden test REF, ...',
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
