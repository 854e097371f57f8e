/**
 * ClipboardGuard's rules with an in-memory clipboard and a fake clock: what is cleared when, what is left alone,
 * and that a pending clear never keeps a Node process alive. test/integration/clipboard-guard.test.ts runs the
 * same rules against a real X clipboard.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClipboardAccess, ClipboardGuard, holdsSecret, secretHash } from '../../electron/core/clipboard/clipboard-guard.js';
import { PROJECT_ROOT } from '../support/cli.js';

class MemoryClipboard implements ClipboardAccess {
  text = '';
  writes: string[] = [];
  clears = 0;
  failReads = false;
  async writeSecret(text: string): Promise<void> {
    this.writes.push(text);
    this.text = text;
  }
  async readText(): Promise<string> {
    if (this.failReads) throw new Error('the display went away');
    return this.text;
  }
  async clear(): Promise<void> {
    this.clears++;
    this.text = '';
  }
}

describe('ClipboardGuard', () => {
  let clipboard: MemoryClipboard;
  let errors: unknown[];
  let guard: ClipboardGuard;

  beforeEach(() => {
    vi.useFakeTimers();
    clipboard = new MemoryClipboard();
    errors = [];
    guard = new ClipboardGuard(clipboard, { onError: (error) => errors.push(error) });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the secret, then clears it once the delay has passed', async () => {
    expect(await guard.copy('s3cret', 30)).toEqual({ clearsInSeconds: 30 });
    expect(clipboard.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(clipboard.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(1);
    expect(clipboard.text).toBe('');
    expect(clipboard.clears).toBe(1);
    expect(guard.clearsAt).toBeNull();
  });

  it('leaves another text alone, and tolerates the trailing newline some paste tools add', async () => {
    await guard.copy('s3cret', 10);
    clipboard.text = 'something else';
    await vi.advanceTimersByTimeAsync(10_000);
    expect(clipboard.text).toBe('something else');
    expect(clipboard.clears).toBe(0);

    await guard.copy('s3cret', 10);
    clipboard.text = 's3cret\r\n';
    await vi.advanceTimersByTimeAsync(10_000);
    expect(clipboard.clears).toBe(1);
  });

  it('a second copy cancels the first timer, even for the same secret', async () => {
    await guard.copy('first', 10);
    await vi.advanceTimersByTimeAsync(5_000);
    await guard.copy('first', 10);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(clipboard.text).toBe('first');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(clipboard.text).toBe('');
    expect(clipboard.clears).toBe(1);
  });

  it('dispose() clears now when the clipboard still holds the secret, and only then', async () => {
    await guard.copy('s3cret', 600);
    await guard.dispose();
    expect(clipboard.clears).toBe(1);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(clipboard.clears).toBe(1);
    await expect(guard.copy('more', 30)).rejects.toMatchObject({ code: 'unsupported' });
    expect(clipboard.writes).toEqual(['s3cret']);

    const other = new ClipboardGuard(clipboard);
    await other.copy('s3cret', 600);
    clipboard.text = 'the user copied this';
    await other.dispose();
    expect(clipboard.text).toBe('the user copied this');
    await other.dispose(); // twice is harmless
  });

  it('refuses a delay that is not a positive number of seconds, before writing', async () => {
    for (const seconds of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(guard.copy('s3cret', seconds)).rejects.toMatchObject({ code: 'invalid_input' });
    }
    expect(clipboard.writes).toEqual([]);
  });

  it('reports a clear that failed through onError, never as an unhandled rejection', async () => {
    await guard.copy('s3cret', 5);
    clipboard.failReads = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/display went away/);
    // The guard still works after a failure.
    clipboard.failReads = false;
    await guard.copy('again', 5);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(clipboard.text).toBe('');
  });

  it('compares by hash', () => {
    const hash = secretHash('s3cret');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(holdsSecret('s3cret', hash)).toBe(true);
    expect(holdsSecret('s3cret\n', hash)).toBe(true);
    expect(holdsSecret('s3cret\n\n', hash)).toBe(false);
    expect(holdsSecret('', hash)).toBe(false);
  });
});

describe('ClipboardGuard timers', () => {
  it('never keep a Node process alive (the CLI, a test) while a clear is pending', () => {
    const guardModule = join(PROJECT_ROOT, 'dist', 'electron', 'core', 'clipboard', 'clipboard-guard.js');
    const script = `
      const { ClipboardGuard } = require(${JSON.stringify(guardModule)});
      const guard = new ClipboardGuard({ writeSecret: async () => {}, readText: async () => '', clear: async () => {} });
      guard.copy('s3cret', 600).then(() => console.log('copied'));
    `;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stdout).toBe('copied\n');
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
