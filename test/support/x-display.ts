/**
 * A private X display (Xvfb) for the clipboard tests, so they never touch the clipboard of the person running them.
 * Xvfb and xclip are installed in CI (.ci/run); tests that need them skip without them (`hasXClipboard`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** True when Xvfb and xclip are installed. */
export const hasXClipboard = hasTool('Xvfb') && hasTool('xclip');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes; resolves to its last value. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(100);
  }
  return condition();
}

export interface XDisplay {
  /** e.g. ":57" */
  display: string;
  /** This process's environment with DISPLAY set to the private display. */
  env: NodeJS.ProcessEnv;
  /** The clipboard's text now, through xclip ('' when it holds nothing). */
  readClipboard(): string;
  /** Puts text in the clipboard as another application would; xclip keeps serving it in the background. */
  writeClipboard(text: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Xvfb on a display number it chooses itself (-displayfd: it takes the first free one and says which), so
 * test files running at the same time never share a display, and waits until xclip can reach it.
 */
export async function startXDisplay(): Promise<XDisplay> {
  const xvfb: ChildProcess = spawn('Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '640x480x24'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const number = await new Promise<string>((resolve, reject) => {
    let printed = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not say which display it took within 10 s')), 10_000);
    xvfb.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
      if (!printed.includes('\n')) return;
      clearTimeout(timer);
      resolve(printed.trim());
    });
    xvfb.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}) before taking a display`));
    });
  });
  const display = `:${number}`;
  const env = { ...process.env, DISPLAY: display };
  const ready = await waitFor(() => spawnSync('xclip', ['-selection', 'clipboard', '-o'], { env, stdio: 'ignore', timeout: 2000 }).error === undefined, 10_000);
  if (!ready) {
    xvfb.kill('SIGKILL');
    throw new Error(`Xvfb did not start on ${display}`);
  }
  return {
    display,
    env,
    readClipboard() {
      const result = spawnSync('xclip', ['-selection', 'clipboard', '-o'], { env, encoding: 'utf8', timeout: 5000 });
      // xclip exits 1 when the clipboard holds nothing (e.g. after clearing): that reads as empty.
      return result.status === 0 ? result.stdout : '';
    },
    writeClipboard(text) {
      return new Promise((resolve, reject) => {
        const child = spawn('xclip', ['-selection', 'clipboard'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`xclip exited ${code}`))));
        child.stdin.end(text);
      });
    },
    async stop() {
      if (xvfb.exitCode !== null || xvfb.signalCode !== null) return;
      const exited = new Promise((resolve) => xvfb.once('exit', resolve));
      xvfb.kill('SIGTERM');
      await exited;
    },
  };
}
