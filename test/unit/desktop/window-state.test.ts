/**
 * The window's remembered place (electron/core/desktop/window-state.ts) and where it is stored (the engine's meta
 * table): a damaged record is ignored, and a place no display shows any more is replaced by a centred one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../shared/domain.js';
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, parseWindowState, placeWindow } from '../../../electron/core/desktop/window-state.js';
import { KeywardenEngine } from '../../../electron/core/engine.js';
import { InventoryStore } from '../../../electron/core/store/store.js';
import { memoryKeychain } from '../../support/memory-keychain.js';

const LAPTOP = { x: 0, y: 0, width: 1440, height: 860 };
const RIGHT_MONITOR = { x: 1440, y: -200, width: 2560, height: 1400 };

describe('placing the window', () => {
  it('keeps a saved place that is on a display', () => {
    expect(placeWindow({ x: 100, y: 50, width: 1000, height: 700, maximized: false }, [LAPTOP, RIGHT_MONITOR])).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: false });
    expect(placeWindow({ x: 2000, y: 0, width: 1200, height: 900, maximized: true }, [LAPTOP, RIGHT_MONITOR])).toEqual({ x: 2000, y: 0, width: 1200, height: 900, maximized: true });
  });

  it('pulls a partly hidden window onto the display that shows most of it, and fits its size', () => {
    expect(placeWindow({ x: 1300, y: 700, width: 1000, height: 700, maximized: false }, [LAPTOP])).toEqual({ x: 440, y: 160, width: 1000, height: 700, maximized: false });
    expect(placeWindow({ x: 1200, y: 0, width: 3000, height: 2000, maximized: false }, [LAPTOP, RIGHT_MONITOR])).toEqual({ x: 1440, y: -200, width: 2560, height: 1400, maximized: false });
  });

  it('centres the window on the primary display when its display is gone (or never saved)', () => {
    expect(placeWindow({ x: 5000, y: 100, width: 1000, height: 700, maximized: false }, [LAPTOP])).toEqual({ x: 220, y: 80, width: 1000, height: 700, maximized: false });
    // A sliver of a few pixels on screen is not reachable either.
    expect(placeWindow({ x: 1430, y: 100, width: 1000, height: 700, maximized: false }, [LAPTOP])).toMatchObject({ x: 220, y: 80 });
    expect(placeWindow(null, [LAPTOP])).toEqual({ x: 80, y: 20, width: DEFAULT_WINDOW_SIZE.width, height: DEFAULT_WINDOW_SIZE.height, maximized: false });
    expect(placeWindow(null, [])).toMatchObject({ width: DEFAULT_WINDOW_SIZE.width, height: DEFAULT_WINDOW_SIZE.height });
  });

  it('never makes the window smaller than its minimum, unless the display is', () => {
    expect(placeWindow({ x: 10, y: 10, width: 200, height: 100, maximized: false }, [LAPTOP])).toMatchObject({ width: MIN_WINDOW_SIZE.width, height: MIN_WINDOW_SIZE.height });
    expect(placeWindow(null, [{ x: 0, y: 0, width: 640, height: 400 }])).toEqual({ x: 0, y: 0, width: 640, height: 400, maximized: false });
  });

  it('reads only a record of whole numbers in bounds', () => {
    expect(parseWindowState({ x: -10, y: 5, width: 900, height: 600, maximized: false })).toEqual({ x: -10, y: 5, width: 900, height: 600, maximized: false });
    for (const damaged of [
      null,
      'x',
      {},
      { x: 1, y: 1, width: 0, height: 10, maximized: false },
      { x: 1.5, y: 1, width: 10, height: 10, maximized: false },
      { x: 1, y: 1, width: 10, height: 10 },
      { x: 1e9, y: 1, width: 10, height: 10, maximized: false },
    ]) {
      expect(parseWindowState(damaged), JSON.stringify(damaged)).toBeNull();
    }
  });
});

describe("the engine's record of the window and the settings", () => {
  let home: string;
  let engine: KeywardenEngine;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'keywarden-window-'));
    engine = KeywardenEngine.open({ home, keychain: memoryKeychain() });
  });

  afterEach(async () => {
    await engine.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('remembers the window, refuses what is not a window state, and ignores a damaged record', async () => {
    expect(engine.windowState()).toBeNull();
    engine.saveWindowState({ x: 10, y: 20, width: 900, height: 600, maximized: true });
    expect(engine.windowState()).toEqual({ x: 10, y: 20, width: 900, height: 600, maximized: true });
    expect(() => engine.saveWindowState({ x: 10, y: 20, width: -1, height: 600, maximized: true })).toThrow(/not a window size and place/);
    await engine.close();
    const store = InventoryStore.open(join(home, 'keywarden.db'));
    store.meta.set('window-state', '{not json');
    store.close();
    engine = KeywardenEngine.open({ home, keychain: memoryKeychain() });
    expect(engine.windowState()).toBeNull();
  });

  it('reads settings stored by an older version (before lockAfterIdleMinutes) with the new default', async () => {
    await engine.close();
    const store = InventoryStore.open(join(home, 'keywarden.db'));
    store.meta.set('settings', JSON.stringify({ clipboardClearSeconds: 12, backgroundSyncHours: 6, revealHideSeconds: 30 }));
    store.close();
    engine = KeywardenEngine.open({ home, keychain: memoryKeychain() });
    expect(await engine.settings()).toEqual({ ...DEFAULT_SETTINGS, clipboardClearSeconds: 12 });
    expect(DEFAULT_SETTINGS.lockAfterIdleMinutes).toBe(15);
    expect(await engine.updateSettings({ lockAfterIdleMinutes: 60 })).toMatchObject({ clipboardClearSeconds: 12, lockAfterIdleMinutes: 60 });
    await expect(engine.updateSettings({ lockAfterIdleMinutes: 0 })).rejects.toThrow(/lockAfterIdleMinutes/);
  });
});
