/**
 * What every end-to-end test of the console shares: Debian's Chromium through playwright-core, the built
 * renderer, axe-core, and where screenshots go. Each suite starts its own `keywarden ui` server (in-process,
 * `startUiServer`) on a private data folder, with the isolated keychain and the emulators it needs.
 *
 * axe-core: the page's CSP allows scripts from the console's own files only, so `page.addScriptTag` (an inline
 * <script>) is refused. axe's source goes through `page.evaluate` instead: DevTools-protocol evaluation is not
 * subject to the page's CSP, while the console itself still runs under it exactly as shipped (no bypassCSP,
 * which would also hide a CSP violation of the console's own).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startUiServer, type UiServer } from '../../electron/cli/ui/server.js';
import type { KeywardenEngine } from '../../electron/core/engine.js';
import { PROJECT_ROOT } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`test/e2e: skipped, no Chromium at ${CHROMIUM} (CI installs it; locally: apt-get install chromium)`);
export const RENDERER = join(PROJECT_ROOT, 'dist', 'renderer');
/** Written by every e2e suite, ignored by git: look at them before calling a view done. */
export const SCREENSHOTS = join(PROJECT_ROOT, 'test', 'e2e', 'screenshots');
const AXE = join(PROJECT_ROOT, 'node_modules', 'axe-core', 'axe.min.js');
/** Vendor calls in the e2e suites: loopback emulators, so short timeouts and few retries. */
export const E2E_HTTP = { responseTimeoutMs: 5000, connectTimeoutMs: 5000, baseBackoffMs: 5, maxAttempts: 2 };
export const DAY_MS = 86_400_000;

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export function requireBuiltRenderer(): void {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('dist/renderer/index.html is missing: run `npm run build` first (npm test does)');
  mkdirSync(SCREENSHOTS, { recursive: true });
}

/**
 * Noon, `days` calendar days from today, in this process's zone (which Chromium inherits), as an ISO instant. A key
 * due then reads "in N days" at any hour the suite runs: `Date.now() + N days` read at 23:00 falls on the day after
 * next's calendar day, and the console (rightly) counts calendar days.
 */
export function localNoonInDays(days: number): string {
  const noon = new Date();
  noon.setHours(12, 0, 0, 0);
  noon.setDate(noon.getDate() + days);
  return noon.toISOString();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface OpenedConsole {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors of the page (a test ends by expecting none). */
  errors: string[];
}

/**
 * Opens the console's URL (with its launch token) in a fresh browser context, as an administrator opens what
 * `keywarden ui` printed. `permissions`: e.g. clipboard access for the Copy tests.
 */
export async function openConsole(
  browser: Browser,
  url: string,
  options: { colorScheme?: 'light' | 'dark'; permissions?: string[]; timezoneId?: string; locale?: string } = {},
): Promise<OpenedConsole> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: 1440, height: 860 },
    // The browser's own zone and language (a console in Los Angeles on a server in UTC); Chromium's defaults otherwise.
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
    ...(options.locale ? { locale: options.locale } : {}),
  });
  if (options.permissions) await context.grantPermissions(options.permissions, { origin: new URL(url).origin });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A refused call (e.g. a test the vendor cannot do, 409) is logged by Chromium too; the page shows it in place.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  await page.goto(url);
  return { context, page, errors };
}

/** Opens the console (`openConsole`) and waits for the keys table: the inventory, where an administrator lands. */
export async function openInventory(
  browser: Browser,
  url: string,
  options: { colorScheme?: 'light' | 'dark'; permissions?: string[]; timezoneId?: string; locale?: string } = {},
): Promise<OpenedConsole> {
  const opened = await openConsole(browser, url, options);
  await opened.page.getByRole('table', { name: 'Keys' }).waitFor();
  return opened;
}

/** The console's views, by the words of their link in the top bar (and of their heading). */
export type ConsoleView = 'Inventory' | 'Backends' | 'Reminders' | 'Health' | 'Audit trail' | 'Backups' | 'Vault' | 'Settings';

/** Goes to a view as an administrator does, by its link in the top bar, and waits for the view's heading. */
export async function goToView(page: Page, view: ConsoleView): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: view }).waitFor();
}

/** A `keywarden ui` server on an engine, Chromium, and the console open and signed in, showing the inventory. */
export interface ConsoleInChromium extends OpenedConsole {
  server: UiServer;
  browser: Browser;
  /** Closes the page, Chromium and the server (the engine is the caller's). */
  close(): Promise<void>;
}

export async function startConsoleInChromium(engine: KeywardenEngine, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<ConsoleInChromium> {
  const server = await startUiServer({ engine, rendererFolder: RENDERER });
  const browser = await launchChromium();
  const opened = await openInventory(browser, server.newLaunchUrl(), options);
  return {
    ...opened,
    server,
    browser,
    async close() {
      await opened.context.close();
      await browser.close();
      await server.close();
    },
  };
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function seriousAxeFindings(page: Page): Promise<AxeFinding[]> {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const findings = await page.evaluate<AxeFinding[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`,
  );
  return findings.filter((finding) => finding.impact === 'serious' || finding.impact === 'critical');
}

export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/**
 * In the page: the contrast ratio of an element's text against the background it is drawn on. Backgrounds are
 * composited from the element up (a transparent or translucent one shows its parent's), ending on the canvas
 * white or black of the theme. A string, for `evaluate`, so the page's CSP is not involved.
 */
const CONTRAST = `(element) => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const layers = [];
  for (let node = element; node; node = node.parentElement) {
    const bg = parse(getComputedStyle(node).backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  let base = dark ? [0, 0, 0] : [255, 255, 255];
  if (!layers.length || layers[layers.length - 1][3] < 1) layers.push([...base, 1]);
  for (const [r, g, b, a] of layers.reverse()) base = [r * a + base[0] * (1 - a), g * a + base[1] * (1 - a), b * a + base[2] * (1 - a)];
  const fg = parse(getComputedStyle(element).color);
  const text = [0, 1, 2].map((i) => fg[i] * fg[3] + base[i] * (1 - fg[3]));
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [l1, l2] = [lum(text), lum(base)].sort((a, b) => b - a);
  return { ratio: (l1 + 0.05) / (l2 + 0.05), color: getComputedStyle(element).color, background: 'rgb(' + base.map(Math.round).join(', ') + ')' };
}`;

/** What the marking needs of an element (the tests are typed without the DOM library). */
interface Marked {
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
}

interface Measured {
  ratio: number;
  color: string;
  background: string;
}

/**
 * Each visible button within `scope`, at rest, hovered and keyboard-focused: every one under 4.5:1 (WCAG AA), described
 * (test/e2e/button-contrast.test.ts says why it is measured rather than left to axe). None found is a failure too.
 * The mouse is parked on the page's corner between states, and focus taken away, so "at rest" is at rest.
 */
export async function unreadableButtons(page: Page, scope: Locator, where: string): Promise<string[]> {
  const buttons = scope.locator('button:visible, a.button:visible');
  const count = await buttons.count();
  if (count === 0) return [`${where}: no button found`];
  const failures: string[] = [];
  for (let index = 0; index < count; index++) {
    const button = buttons.nth(index);
    const name = ((await button.innerText()).trim() || (await button.getAttribute('aria-label')) || '?').replace(/\s+/g, ' ');
    const check = async (state: string) => {
      // The button is marked, measured by the page-side function (a string: the tests have no DOM types), unmarked.
      await button.evaluate((element: Marked) => element.setAttribute('data-contrast-probe', ''));
      const measured = await page.evaluate<Measured>(`(${CONTRAST})(document.querySelector('[data-contrast-probe]'))`);
      await button.evaluate((element: Marked) => element.removeAttribute('data-contrast-probe'));
      if (measured.ratio < 4.5) failures.push(`${where} "${name}" ${state}: ${measured.color} on ${measured.background} is ${measured.ratio.toFixed(2)}:1`);
    };
    await page.mouse.move(0, 0);
    await page.evaluate(`document.activeElement?.blur?.()`);
    await check('at rest');
    if (await button.isEnabled()) {
      await button.hover();
      await check('hovered');
      await page.mouse.move(0, 0);
    }
    // A key press first, so Chromium treats the focus as the keyboard's (:focus-visible), as Tab would.
    await page.keyboard.press('Shift');
    await button.focus();
    await check('focused');
  }
  await page.evaluate(`document.activeElement?.blur?.()`);
  return failures;
}

/** The contract calls a page made on the console's socket, by method: asked, answered, and refused (`METHOD status`). */
export interface SocketCalls {
  sent: string[];
  answered: string[];
  failed: string[];
}

/**
 * Watches the console's socket (shared/console-socket.ts) of `page`: register it before the page opens its socket (before
 * `goto`, or then reload), as Playwright reports only sockets opened after. The answer of a call names only its id.
 */
export function watchSocketCalls(page: Page): SocketCalls {
  const calls: SocketCalls = { sent: [], answered: [], failed: [] };
  page.on('websocket', (socket) => {
    const methods = new Map<number, string>();
    socket.on('framesent', ({ payload }) => {
      const call = JSON.parse(String(payload)) as { id: number; method: string };
      methods.set(call.id, call.method);
      calls.sent.push(call.method);
    });
    socket.on('framereceived', ({ payload }) => {
      const answer = JSON.parse(String(payload)) as { id: number; ok: boolean; status?: number };
      const method = methods.get(answer.id) ?? `#${answer.id}`;
      calls.answered.push(method);
      if (!answer.ok && (answer.status ?? 0) >= 400) calls.failed.push(`${method} ${answer.status}`);
    });
  });
  return calls;
}

/**
 * An init script for a page whose answers to one method must come late (a slow link to `keywarden ui`, over SSH say):
 * `__holdAnswersOf('key:delete')` holds every answer to that method from the page's own code until `__releaseAnswers()`.
 * The server has answered (what the call did is done); only the page hears of it later than of everything else.
 */
export const HOLD_ANSWERS_SCRIPT = `(() => {
  const hold = { method: null, ids: new Set(), gate: Promise.resolve(), release: () => {} };
  globalThis.__holdAnswersOf = (method) => {
    hold.method = method;
    hold.gate = new Promise((resolve) => (hold.release = resolve));
  };
  globalThis.__releaseAnswers = () => { hold.method = null; hold.release(); };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try { const call = JSON.parse(data); if (call.method === hold.method) hold.ids.add(call.id); } catch {}
    return send.call(this, data);
  };
  const listen = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, listener, options) {
    if (type !== 'message') return listen.call(this, type, listener, options);
    return listen.call(this, type, (event) => {
      let id = null;
      try { id = JSON.parse(event.data).id; } catch {}
      if (hold.ids.delete(id)) void hold.gate.then(() => listener(event));
      else listener(event);
    }, options);
  };
})();`;
