/**
 * Several processes opening the same new inventory database at once (a cron job and the app, four CLI calls on a new
 * data folder): each checks the file (quick_check) before it migrates, while another may be migrating it. A check that
 * overlapped another process's migrations once failed with "vtable constructor failed: key_search" (SQLITE_SCHEMA,
 * while connecting the FTS5 search table to check it): the check was compiled against one schema and the table
 * connected against the next. The store now checks one snapshot of the file (integrity.ts, checkOneSnapshot).
 *
 * The race is a window of a few milliseconds, so it is run many times: four processes open each of 300 new databases
 * together, each a few random milliseconds after the others so that one's check meets another's migration. Before the
 * fix this failed in every one of five runs (1 to 4 of the 1,200 opens, measured on a 2-core machine); with it, none
 * in 3,600 opens. It runs the compiled store (dist/), as the CLI does, in long-lived children: no process start per round.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childOutput } from '../support/child-output.js';
import { PROJECT_ROOT } from '../support/cli.js';

interface ChildReport {
  opened: number;
  errors: Array<{ round: number; code: string; message: string }>;
}

const PROCESSES = 4;
const ROUNDS = 300;
/** Each round's slot: long enough for four opens of a new database to finish on a busy 2-core machine. */
const SLOT_MS = 45;
/** How far apart, at random, the processes start within a round: about the time a new file's migrations take. */
const JITTER_MS = 12;

async function runChild(root: string, startAt: number): Promise<ChildReport> {
  const args = [join(PROJECT_ROOT, 'test', 'support', 'open-store-child.mjs'), root, String(ROUNDS), String(startAt), String(SLOT_MS), String(JITTER_MS)];
  const { code, stdout, stderr } = await childOutput(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  if (code !== 0) throw new Error(`an opening process exited ${code}:\n${stdout}\n${stderr}`);
  return JSON.parse(stdout) as ChildReport;
}

describe('processes opening the same new database at once', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("every open succeeds, however one process's check overlaps another's migration", async () => {
    root = mkdtempSync(join(tmpdir(), 'keywarden-open-race-'));
    // The children load the store first; the rounds start together a moment later.
    const startAt = Date.now() + 1500;
    const reports = await Promise.all(Array.from({ length: PROCESSES }, () => runChild(root!, startAt)));
    expect(reports.flatMap((report) => report.errors)).toEqual([]);
    expect(reports.map((report) => report.opened)).toEqual(Array(PROCESSES).fill(ROUNDS));
  }, 60_000);
});
