/**
 * The three vendor emulators on 127.0.0.1, seeded for the sync benchmark, in a process of their own
 * (as a real vendor is another machine: the engine under test does not share its event loop with them).
 *
 *   node test/bench/child/emulators.mjs KEYS_PER_BACKEND
 * Prints one JSON line { nitrobox|boxwatch|commbox: { url, credential, keys }, seedMs } once listening,
 * then serves until its stdin closes (or SIGTERM).
 */
import { loadDist } from '../lib.mjs';

const count = Number(process.argv[2] ?? 5000);
const started = performance.now();
const DAY_MS = 86_400_000;
const daysAgo = (days) => new Date(Date.now() - days * DAY_MS).toISOString();

const { startNitroboxEmulator } = await loadDist('electron/core/backends/nitrobox/emulator.js');
const { startBoxWatchEmulator } = await loadDist('electron/core/backends/boxwatch/emulator.js');
const { startCommBoxEmulator } = await loadDist('electron/core/backends/commbox/emulator.js');

const nitro = await startNitroboxEmulator();
const nitroToken = nitro.state.addUser('admin@example.com', { role: true });
for (let index = 0; index < count; index++) {
  nitro.state.seedClient(`svc-${['payments', 'billing', 'search', 'auth', 'ingest'][index % 5]}-${index.toString(36).padStart(4, '0')}`, {
    createdAt: daysAgo(index % 700),
  });
}

const box = await startBoxWatchEmulator();
const account = box.state.addAccount('ops@example.com');
let boxCredential = null;
for (let index = 0; index < count; index++) {
  const issued = box.state.issueKey(account.id, `Server ${index}`, { createdAt: daysAgo(index % 400), allowSecond: true });
  boxCredential ??= issued.secret;
}

const comm = await startCommBoxEmulator();
const commToken = comm.state.addAdminToken();
comm.state.seedHistory(count - 1);
comm.state.issueActiveKey('Production');

process.stdout.write(
  `${JSON.stringify({
    nitrobox: { url: nitro.emulator.url, credential: nitroToken, keys: count },
    boxwatch: { url: box.emulator.url, credential: boxCredential, keys: count },
    commbox: { url: comm.emulator.url, credential: commToken, keys: count },
    seedMs: performance.now() - started,
  })}\n`,
);

async function shutdown() {
  await Promise.all([nitro.emulator.close(), box.emulator.close(), comm.emulator.close()]);
  process.exit(0);
}
// Event listeners ignore what they return; a close that fails rejects, and Node's default for that (print it,
// exit 1) is the right end for this child.
const stop = () => void shutdown();
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
