/**
 * Many vendor emulators on 127.0.0.1 in a process of their own, each seeded with the same number of keys and
 * each adding the same latency to every request: the "20 backends x 500 keys, 20 ms per request" sync figure.
 * Vendors alternate Nitrobox, BoxWatch, CommBox.
 *
 *   node test/bench/child/emulators-many.mjs BACKENDS KEYS_PER_BACKEND LATENCY_MS
 * Prints one JSON line { backends: [{ name, type, url, credential, keys }], seedMs } once listening, then serves
 * until its stdin closes (or SIGTERM).
 */
import { loadDist } from '../lib.mjs';

const [backendCount, keyCount, latencyMs] = process.argv.slice(2).map(Number);
const started = performance.now();
const DAY_MS = 86_400_000;
const daysAgo = (days) => new Date(Date.now() - days * DAY_MS).toISOString();

const { startNitroboxEmulator } = await loadDist('electron/core/backends/nitrobox/emulator.js');
const { startBoxWatchEmulator } = await loadDist('electron/core/backends/boxwatch/emulator.js');
const { startCommBoxEmulator } = await loadDist('electron/core/backends/commbox/emulator.js');

const running = [];
const backends = [];
for (let index = 0; index < backendCount; index++) {
  const type = ['nitrobox', 'boxwatch', 'commbox'][index % 3];
  const name = `${type}-${String(index).padStart(2, '0')}`;
  let credential;
  let emulator;
  if (type === 'nitrobox') {
    const nitro = await startNitroboxEmulator({ latencyMs });
    credential = nitro.state.addUser('admin@example.com', { role: true });
    for (let key = 0; key < keyCount; key++) nitro.state.seedClient(`svc-${index}-${key.toString(36).padStart(4, '0')}`, { createdAt: daysAgo(key % 700) });
    emulator = nitro.emulator;
  } else if (type === 'boxwatch') {
    const box = await startBoxWatchEmulator({ latencyMs });
    const account = box.state.addAccount(`ops${index}@example.com`);
    for (let key = 0; key < keyCount; key++) {
      const issued = box.state.issueKey(account.id, `Server ${key}`, { createdAt: daysAgo(key % 400), allowSecond: true });
      credential ??= issued.secret;
    }
    emulator = box.emulator;
  } else {
    const comm = await startCommBoxEmulator({ latencyMs });
    credential = comm.state.addAdminToken();
    comm.state.seedHistory(keyCount - 1);
    comm.state.issueActiveKey('Production');
    emulator = comm.emulator;
  }
  running.push(emulator);
  backends.push({ name, type, url: emulator.url, credential, keys: keyCount });
}

process.stdout.write(`${JSON.stringify({ backends, seedMs: performance.now() - started })}\n`);

async function shutdown() {
  await Promise.all(running.map((emulator) => emulator.close()));
  process.exit(0);
}
const stop = () => void shutdown();
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
