/**
 * One of several processes opening the same new inventory databases at the same moments, for
 * test/integration/store-open-race.test.ts: a round's database is opened by every child at once, as four CLI calls on
 * a new data folder would, without paying a process start per round (so a race that shows once in a few dozen rounds
 * can be run hundreds of times in seconds).
 *
 *   node test/support/open-store-child.mjs ROOT ROUNDS START_AT SLOT_MS
 * Round i opens ROOT/round-i.db with the compiled store (dist/, as the CLI does), at START_AT + i x SLOT_MS (epoch
 * milliseconds; every child is given the same), then closes it. Prints one JSON line: { opened, errors: [{ round,
 * code, message }] }.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const { InventoryStore } = await import(join(ROOT, 'dist', 'electron', 'core', 'store', 'store.js'));

const [root, roundsText, startAtText, slotText, jitterText] = process.argv.slice(2);
const rounds = Number(roundsText);
const startAt = Number(startAtText);
const slotMs = Number(slotText);
const jitterMs = Number(jitterText ?? 0);

/** Waits for an exact moment: a timer to a little before it, then a busy wait, so the children start together. */
async function until(moment) {
  const early = moment - Date.now() - 2;
  if (early > 0) await new Promise((done) => setTimeout(done, early));
  while (Date.now() < moment);
}

const errors = [];
let opened = 0;
for (let round = 0; round < rounds; round++) {
  await until(startAt + round * slotMs + Math.random() * jitterMs);
  try {
    InventoryStore.open(join(root, `round-${round}.db`)).close();
    opened++;
  } catch (error) {
    errors.push({ round, code: error.code, message: error.message });
  }
}
process.stdout.write(`${JSON.stringify({ opened, errors })}\n`);
