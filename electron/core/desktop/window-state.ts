/**
 * The desktop window's size and place, remembered between runs (a row in the store's meta table, through
 * `KeywardenEngine.windowState()` and `saveWindowState()`), and put back only where it can be seen: a monitor may
 * have been unplugged or the resolution changed since, and a window restored off-screen cannot be reached.
 * Pure functions, tested in Node; electron/main/window.ts gives them the displays' work areas.
 */

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState extends Rectangle {
  maximized: boolean;
}

export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 820 } as const;
export const MIN_WINDOW_SIZE = { width: 760, height: 480 } as const;

/** How much of the window must be on a display to restore it there: enough of its title bar to grab it. */
const MIN_VISIBLE = { width: 120, height: 60 } as const;

/** Coordinates beyond this are not a real desktop; a stored value that far out was damaged. */
const MAX_COORDINATE = 100_000;

/** A stored window state, or null when it is missing or not what this version writes (a damaged row is ignored, not fatal). */
export function parseWindowState(value: unknown): WindowState | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const coordinate = (name: string, min: number) => {
    const found = record[name];
    return typeof found === 'number' && Number.isInteger(found) && found >= min && found <= MAX_COORDINATE ? found : null;
  };
  const x = coordinate('x', -MAX_COORDINATE);
  const y = coordinate('y', -MAX_COORDINATE);
  const width = coordinate('width', 1);
  const height = coordinate('height', 1);
  if (x === null || y === null || width === null || height === null || typeof record.maximized !== 'boolean') return null;
  return { x, y, width, height, maximized: record.maximized };
}

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), Math.max(min, max));

/** A size that fits `area`: at most the area, at least the minimum (or the whole area, when it is smaller still). */
function fitSize(width: number, height: number, area: Rectangle): { width: number; height: number } {
  return {
    width: clamp(width, Math.min(MIN_WINDOW_SIZE.width, area.width), area.width),
    height: clamp(height, Math.min(MIN_WINDOW_SIZE.height, area.height), area.height),
  };
}

/**
 * Where the window opens. `workAreas` are the displays' work areas (without task bars and docks), the primary
 * display first. A saved place that is still visible enough on some display is kept, clamped into that display;
 * otherwise the saved size (or the default) is centred on the primary display. Maximized stays maximized.
 */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rectangle[]): WindowState {
  const primary = workAreas[0];
  if (!primary) return { x: 0, y: 0, ...DEFAULT_WINDOW_SIZE, maximized: saved?.maximized ?? false };
  if (saved) {
    let best: { area: Rectangle; visible: number } | null = null;
    for (const area of workAreas) {
      const seen = overlap(saved, area);
      if (seen.width < Math.min(MIN_VISIBLE.width, saved.width) || seen.height < Math.min(MIN_VISIBLE.height, saved.height)) continue;
      const visible = seen.width * seen.height;
      if (!best || visible > best.visible) best = { area, visible };
    }
    if (best) {
      const { area } = best;
      const size = fitSize(saved.width, saved.height, area);
      return {
        x: clamp(saved.x, area.x, area.x + area.width - size.width),
        y: clamp(saved.y, area.y, area.y + area.height - size.height),
        ...size,
        maximized: saved.maximized,
      };
    }
  }
  const size = fitSize(saved?.width ?? DEFAULT_WINDOW_SIZE.width, saved?.height ?? DEFAULT_WINDOW_SIZE.height, primary);
  return {
    x: primary.x + Math.floor((primary.width - size.width) / 2),
    y: primary.y + Math.floor((primary.height - size.height) / 2),
    ...size,
    maximized: saved?.maximized ?? false,
  };
}
